package com.customerpath.common.schema;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The logical fields of each input source, as in the data contract (shared/data-contract.md). */
public final class Contract {
  private Contract() {}

  /** A logical field: its name, type and whether a row without it is unusable. */
  public record Field(String name, DataType type, boolean required) {
    public boolean isTimestamp() {
      return type.equals(DataTypes.TimestampType);
    }

    public boolean isDate() {
      return type.equals(DataTypes.DateType);
    }
  }

  /** A source's fields and, for dimension tables, the key that must be unique. */
  public record SourceContract(String source, List<Field> fields, Optional<String> uniqueKey) {
    public List<Field> required() {
      return fields.stream().filter(Field::required).toList();
    }

    public boolean hasTimestamp() {
      return fields.stream().anyMatch(f -> f.name().equals("ts"));
    }
  }

  private static Field req(String name, DataType type) {
    return new Field(name, type, true);
  }

  private static Field opt(String name, DataType type) {
    return new Field(name, type, false);
  }

  private static final DataType S = DataTypes.StringType;
  private static final DataType D = DataTypes.DoubleType;
  private static final DataType I = DataTypes.IntegerType;

  public static final SourceContract TRANSACTIONS =
      new SourceContract(
          "transactions",
          List.of(
              req("transaction_id", S),
              req("customer_id", S),
              req("ts", DataTypes.TimestampType),
              req("product_id", S),
              req("quantity", D),
              req("unit_price", D),
              opt("line_id", S),
              opt("channel", S),
              opt("payment_method", S),
              opt("store_id", S),
              opt("region_id", S)),
          Optional.empty());

  public static final SourceContract EVENTS =
      new SourceContract(
          "events",
          List.of(
              req("customer_id", S),
              req("ts", DataTypes.TimestampType),
              req("event_type", S),
              opt("product_id", S),
              opt("channel", S),
              opt("rating", I),
              opt("session_id", S)),
          Optional.empty());

  public static final SourceContract CUSTOMERS =
      new SourceContract(
          "customers",
          List.of(
              req("customer_id", S),
              opt("signup_date", DataTypes.DateType),
              opt("birth_year", I),
              opt("gender", S),
              opt("region_id", S),
              opt("household_size", I)),
          Optional.of("customer_id"));

  public static final SourceContract PRODUCTS =
      new SourceContract(
          "products",
          List.of(
              req("product_id", S),
              opt("name", S),
              opt("category", S),
              opt("brand", S),
              opt("list_price", D)),
          Optional.of("product_id"));

  private static final Map<String, SourceContract> BY_NAME =
      Map.of(
          "transactions",
          TRANSACTIONS,
          "events",
          EVENTS,
          "customers",
          CUSTOMERS,
          "products",
          PRODUCTS);

  public static SourceContract of(String source) {
    SourceContract c = BY_NAME.get(source);
    if (c == null) {
      throw new IllegalArgumentException(
          "Cannot find the contract of source '"
              + source
              + "': expected one of "
              + BY_NAME.keySet());
    }
    return c;
  }
}
