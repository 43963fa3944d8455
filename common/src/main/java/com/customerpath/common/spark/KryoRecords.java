package com.customerpath.common.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo serializer (conf/cluster.conf's {@code spark.serializer}) carry Java records.
 * Kryo 4, the version Spark ships, builds an object field by field and cannot build a record (its
 * fields are final and set by the canonical constructor only): a broadcast of the recommender's
 * in-pass scorer failed with "Unable to create serializer FieldSerializer for class
 * CandidateAssembly$InPass". Every record the pipeline ships to executors is {@link
 * java.io.Serializable}, as Spark's default Java serializer requires, so Kryo hands records to Java
 * serialization. Set as {@code spark.kryo.registrator} by {@link SparkSessions}; idle without Kryo.
 */
public final class KryoRecords implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
