package com.customerpath.common.churn;

import java.io.Serializable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * A purchase model's score of one customer's (x, t_x, T) as a column: a UDF, for the scores that
 * need 2F1 or an integral and so have no SQL form. Null where an input is null.
 */
final class CustomerScoreColumn {
  /** A score of one customer's frequency, recency and age. */
  @FunctionalInterface
  interface Score extends Serializable {
    double apply(double x, double recency, double age);
  }

  private CustomerScoreColumn() {}

  static Column of(Score score, Column x, Column recency, Column age) {
    UserDefinedFunction f =
        functions.udf(
            (UDF3<Double, Double, Double, Double>)
                (xv, tv, av) ->
                    xv == null || tv == null || av == null ? null : score.apply(xv, tv, av),
            DataTypes.DoubleType);
    return f.apply(x.cast("double"), recency.cast("double"), age.cast("double"));
  }
}
