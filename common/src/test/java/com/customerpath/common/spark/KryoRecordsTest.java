package com.customerpath.common.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** Records through Spark's Kryo serializer, as a broadcast under conf/cluster.conf sends them. */
class KryoRecordsTest {
  /** Shaped like the recommender's broadcast scorers: a record holding arrays, maps and records. */
  record Factors(String name, double[] weights, Map<String, Integer> index, List<Rank> ranks)
      implements Serializable {}

  record Rank(String product, int rank) implements Serializable {}

  private static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

  private static SerializerInstance kryo(SparkConf conf) {
    return new KryoSerializer(conf.set("spark.serializer", KryoSerializer.class.getName()))
        .newInstance();
  }

  @Test
  void aRecordMakesTheRoundTripThroughKryoWithTheRegistrator() {
    Factors sent =
        new Factors(
            "als", new double[] {0.5, -1.25}, Map.of("p1", 0, "p2", 1), List.of(new Rank("p2", 1)));
    SerializerInstance kryo =
        kryo(new SparkConf().set(SparkSessions.KRYO_REGISTRATOR, KryoRecords.class.getName()));
    Factors got = (Factors) kryo.deserialize(kryo.serialize(sent, ANY), ANY);
    assertEquals(sent.name(), got.name());
    assertArrayEquals(sent.weights(), got.weights());
    assertEquals(sent.index(), got.index());
    assertEquals(sent.ranks(), got.ranks());
  }

  /** Why the registrator exists: Kryo 4, which Spark ships, cannot build a record by itself. */
  @Test
  void kryoAloneCannotCarryARecord() {
    SerializerInstance kryo = kryo(new SparkConf());
    assertThrows(
        RuntimeException.class,
        () -> {
          ByteBuffer bytes = kryo.serialize(new Rank("p1", 1), ANY);
          kryo.deserialize(bytes, ANY);
        });
  }

  @Test
  void everyRunSetsTheRegistratorUnlessItsConfigNamesAnother() {
    String tx = "customerpath.inputs.transactions.path";
    assertEquals(
        KryoRecords.class.getName(),
        SparkSessions.sessionConf(settings(Map.of(tx, "tx.csv")))
            .get(SparkSessions.KRYO_REGISTRATOR));
    String mine = "customerpath.spark.conf.\"" + SparkSessions.KRYO_REGISTRATOR + "\"";
    assertEquals(
        "com.example.Mine," + KryoRecords.class.getName(),
        SparkSessions.sessionConf(
                settings(
                    Map.of(tx, "tx.csv", mine, "com.example.Mine," + KryoRecords.class.getName())))
            .get(SparkSessions.KRYO_REGISTRATOR));
  }

  private static com.customerpath.common.config.PipelineSettings settings(Map<String, String> set) {
    return com.customerpath.common.config.PipelineSettings.from(
        com.customerpath.common.config.ConfigLoader.load(null, set));
  }
}
