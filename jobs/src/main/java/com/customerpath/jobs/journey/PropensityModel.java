package com.customerpath.jobs.journey;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSlicer;
import org.apache.spark.ml.regression.GeneralizedLinearRegressionModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A trained next-stage propensity model: scores feature rows ({@link
 * JourneyPropensity#featureRows}) with customer_id, next_stage_propensity.
 */
public sealed interface PropensityModel {
  Dataset<Row> score(Dataset<Row> rows);

  /** The logistic model as numbers when the pipeline is one, else the MLlib pipeline itself. */
  static PropensityModel of(PipelineModel pipeline) {
    return Logistic.of(pipeline).<PropensityModel>map(l -> l).orElse(new Pipeline(pipeline));
  }

  /** An MLlib pipeline (gradient-boosted trees; logistic models kept before the numbers). */
  record Pipeline(PipelineModel model) implements PropensityModel {
    @Override
    public Dataset<Row> score(Dataset<Row> rows) {
      return JourneyPropensity.score(model, rows);
    }
  }

  /**
   * The logistic pipeline (persona one-hot, assembler, scaler, logistic regression) as its numbers,
   * scored by one SQL expression: P = 1 / (1 + exp(-(intercept + sum_j w_j x_j / s_j))), where x_j
   * are the numeric inputs and the persona's one-hot slots, s_j their scale (a zero scale gives the
   * input no weight, as MLlib's StandardScaler does). Kept between nights as a properties file, so
   * a night that reuses it reads it without a Spark job (MLlib's format took 15 jobs to load).
   *
   * @param inputs the numeric input columns, in the assembler's order
   * @param personaCategories persona_index values 0 .. personaCategories - 1 have a slot each; any
   *     other value (a persona born after training) has the last, invalid slot
   * @param scale the scaler's standard deviation of each assembled input (numeric inputs, then
   *     personaCategories + 1 persona slots)
   * @param weights the regression's coefficients, in the same order
   */
  record Logistic(
      List<String> inputs,
      int personaCategories,
      double[] scale,
      double[] weights,
      double intercept)
      implements PropensityModel {
    static final String PERSONA = "persona_index";

    public Logistic {
      inputs = List.copyOf(inputs);
      int size = inputs.size() + personaCategories + 1;
      if (scale.length != size || weights.length != size) {
        throw new IllegalArgumentException(
            "Cannot build the propensity model: "
                + size
                + " inputs, "
                + scale.length
                + " scales, "
                + weights.length
                + " weights");
      }
      scale = scale.clone();
      weights = weights.clone();
    }

    /** The numbers of a pipeline fitted by {@link JourneyPropensity#fit}, if it is logistic. */
    static Optional<Logistic> of(PipelineModel pipeline) {
      Transformer[] stages = pipeline.stages();
      int n = stages.length;
      if ((n != 4 && n != 5)
          || !(stages[0] instanceof OneHotEncoderModel ohe)
          || !(stages[1] instanceof VectorAssembler assembler)
          || !(stages[2] instanceof StandardScalerModel scaler)
          || !(stages[n - 1] instanceof GeneralizedLinearRegressionModel glr)
          || n == 5 && !(stages[3] instanceof VectorSlicer)
          || ohe.getDropLast()
          || !ohe.getHandleInvalid().equals("keep")
          || !ohe.getInputCols()[0].equals(PERSONA)
          || scaler.getWithMean()
          || !scaler.getWithStd()
          || !glr.getFamily().equals("binomial")
          || !glr.getLink().equals("logit")
          || glr.isDefined(glr.offsetCol()) && !glr.getOffsetCol().isEmpty()) {
        return Optional.empty();
      }
      List<String> assembled = Arrays.asList(assembler.getInputCols());
      if (!assembled.get(assembled.size() - 1).equals(ohe.getOutputCols()[0])) {
        return Optional.empty();
      }
      double[] scale = scaler.std().toArray();
      double[] fitted = glr.coefficients().toArray();
      // The regression's weights in the assembled order: a slicer kept only some inputs.
      double[] weights = new double[scale.length];
      int[] kept =
          n == 5
              ? ((VectorSlicer) stages[3]).getIndices()
              : java.util.stream.IntStream.range(0, scale.length).toArray();
      if (kept.length != fitted.length) {
        return Optional.empty();
      }
      for (int i = 0; i < kept.length; i++) {
        weights[kept[i]] = fitted[i];
      }
      return Optional.of(
          new Logistic(
              assembled.subList(0, assembled.size() - 1),
              ohe.categorySizes()[0],
              scale,
              weights,
              glr.intercept()));
    }

    @Override
    public Dataset<Row> score(Dataset<Row> rows) {
      Column eta = lit(intercept);
      for (int j = 0; j < inputs.size(); j++) {
        if (scale[j] != 0 && weights[j] != 0) {
          eta = eta.plus(col(inputs.get(j)).multiply(weights[j] / scale[j]));
        }
      }
      // The persona's slot: its index when the encoder saw it in training, else the invalid slot.
      Column persona = col(PERSONA);
      int first = inputs.size();
      Column slot = lit(slotWeight(first + personaCategories));
      for (int k = personaCategories - 1; k >= 0; k--) {
        slot = functions.when(persona.equalTo(k), lit(slotWeight(first + k))).otherwise(slot);
      }
      eta = eta.plus(slot);
      Column p = lit(1.0).divide(lit(1.0).plus(functions.exp(eta.multiply(-1))));
      return rows.select(col("customer_id"), p.as("next_stage_propensity"));
    }

    private double slotWeight(int j) {
      return scale[j] != 0 ? weights[j] / scale[j] : 0.0;
    }

    Properties toProperties() {
      Properties p = new Properties();
      p.setProperty("inputs", String.join(",", inputs));
      p.setProperty("persona_categories", Integer.toString(personaCategories));
      p.setProperty("scale", join(scale));
      p.setProperty("weights", join(weights));
      p.setProperty("intercept", Double.toString(intercept));
      return p;
    }

    static Logistic fromProperties(Properties p) {
      String inputs = p.getProperty("inputs", "");
      return new Logistic(
          inputs.isEmpty() ? List.of() : List.of(inputs.split(",")),
          Integer.parseInt(p.getProperty("persona_categories")),
          split(p.getProperty("scale")),
          split(p.getProperty("weights")),
          Double.parseDouble(p.getProperty("intercept")));
    }

    // Double.toString and parseDouble round-trip every double exactly.
    private static String join(double[] values) {
      List<String> out = new ArrayList<>();
      for (double v : values) {
        out.add(Double.toString(v));
      }
      return String.join(",", out);
    }

    private static double[] split(String text) {
      return Arrays.stream(text.split(",")).mapToDouble(Double::parseDouble).toArray();
    }
  }
}
