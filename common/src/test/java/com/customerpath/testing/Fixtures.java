package com.customerpath.testing;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** Inline fixtures: a DDL schema and rows of values. */
public final class Fixtures {
  private Fixtures() {}

  public static Dataset<Row> rows(String ddl, Object[]... values) {
    List<Row> rows = Arrays.stream(values).map(RowFactory::create).toList();
    return SparkTestSession.get().createDataFrame(rows, StructType.fromDDL(ddl));
  }

  public static java.sql.Timestamp ts(String s) {
    return java.sql.Timestamp.valueOf(s);
  }

  public static java.sql.Date date(String s) {
    return java.sql.Date.valueOf(s);
  }
}
