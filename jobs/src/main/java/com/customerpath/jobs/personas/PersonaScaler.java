package com.customerpath.jobs.personas;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.PersonaSettings;
import com.customerpath.common.config.PersonaSettings.FeatureGroupSettings;
import com.customerpath.common.config.PersonaSettings.Transform;
import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.personas.PersonaModelFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.ElementwiseProduct;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns customer features into the vectors personas are clustered on, as one MLlib pipeline (SQL
 * transform, assembler, standard scaler, elementwise product):
 *
 * <ol>
 *   <li>missing values get the column's median;
 *   <li>heavy-tailed columns are transformed (log1p, or the customer's percentile);
 *   <li>every column is standardised (mean 0, sd 1);
 *   <li>each input column of a group of weight w with n non-constant input columns is scaled by
 *       sqrt(w / n), so the group adds w to a squared distance however many columns it has;
 *       descriptive columns are scaled by 0: they are profiled, never clustered on.
 * </ol>
 *
 * The transformed column {@code <f>__t} is kept next to the vector, for profiles on the same scale.
 */
public final class PersonaScaler {
  private static final Logger LOG = LoggerFactory.getLogger(PersonaScaler.class);
  static final String SUFFIX = "__t";
  private static final double[] PROBS = new double[21];

  static {
    for (int i = 0; i < PROBS.length; i++) {
      PROBS[i] = i / 20.0;
    }
  }

  /** One feature column: its group, whether it is a clustering input, and its transform. */
  public record Feature(String name, String group, boolean input, Transform transform) {}

  private final List<Feature> features;
  private final PipelineModel model;
  private final double[] mean;
  private final double[] std;
  private final double[] scale;
  private final Map<String, double[]> quantiles;

  private PersonaScaler(
      List<Feature> features,
      PipelineModel model,
      double[] mean,
      double[] std,
      double[] scale,
      Map<String, double[]> quantiles) {
    this.features = List.copyOf(features);
    this.model = model;
    this.mean = mean;
    this.std = std;
    this.scale = scale;
    this.quantiles = quantiles;
  }

  /**
   * Each numeric column's group (exact names first, then the longest matching prefix, then the
   * group listing "*"), whether it is an input (listed in features, or its group clusters), and its
   * transform. A column in no group and no catch-all is left out.
   */
  public static List<Feature> resolve(PersonaSettings s, List<String> numericColumns) {
    List<Feature> out = new ArrayList<>();
    for (String c : numericColumns) {
      FeatureGroupSettings group = groupOf(s.groups(), c);
      if (group == null) {
        LOG.info("  feature {} is in no persona feature group: left out", c);
        continue;
      }
      boolean input =
          s.features().isEmpty() ? group.cluster() && group.weight() > 0 : s.features().contains(c);
      out.add(new Feature(c, group.name(), input, s.transforms().getOrDefault(c, Transform.NONE)));
    }
    return out;
  }

  static FeatureGroupSettings groupOf(List<FeatureGroupSettings> groups, String column) {
    for (FeatureGroupSettings g : groups) {
      if (g.columns().contains(column)) {
        return g;
      }
    }
    FeatureGroupSettings best = null;
    int bestLength = -1;
    for (FeatureGroupSettings g : groups) {
      for (String pattern : g.columns()) {
        if (pattern.length() > 1 && pattern.endsWith("*")) {
          String prefix = pattern.substring(0, pattern.length() - 1);
          if (column.startsWith(prefix) && prefix.length() > bestLength) {
            best = g;
            bestLength = prefix.length();
          }
        }
      }
    }
    if (best != null) {
      return best;
    }
    return groups.stream().filter(g -> g.columns().contains("*")).findFirst().orElse(null);
  }

  /**
   * Fits the pipeline: one approximate-quantile pass (medians, quantile tables, and columns with no
   * value at all, which are dropped with a warning) and one standard-scaler pass.
   */
  public static PersonaScaler fit(
      Dataset<Row> data, List<Feature> candidates, List<FeatureGroupSettings> groups) {
    Dataset<Row> doubles = asDoubles(data, candidates.stream().map(Feature::name).toList());
    String[] names = candidates.stream().map(Feature::name).toArray(String[]::new);
    double[][] q = doubles.stat().approxQuantile(names, PROBS, 0.001);
    List<Feature> kept = new ArrayList<>();
    Map<String, double[]> quantiles = new LinkedHashMap<>();
    for (int i = 0; i < candidates.size(); i++) {
      Feature f = candidates.get(i);
      if (q[i] == null || q[i].length == 0 || Double.isNaN(q[i][10])) {
        LOG.warn("  feature {} has no value for any customer: left out of the personas", f.name());
        continue;
      }
      kept.add(f);
      quantiles.put(f.name(), q[i]);
    }
    if (kept.stream().noneMatch(Feature::input)) {
      throw new IllegalArgumentException(
          "Cannot build personas: none of the clustering features "
              + candidates.stream().filter(Feature::input).map(Feature::name).toList()
              + " has a value");
    }
    PipelineStage[] stages = {
      new SQLTransformer().setStatement(statement(kept, quantiles)),
      new VectorAssembler()
          .setInputCols(kept.stream().map(f -> f.name() + SUFFIX).toArray(String[]::new))
          .setOutputCol("_assembled"),
      new StandardScaler()
          .setWithMean(true)
          .setWithStd(true)
          .setInputCol("_assembled")
          .setOutputCol("_standardized")
    };
    PipelineModel standardizer = new Pipeline().setStages(stages).fit(doubles);
    StandardScalerModel standardScaler = (StandardScalerModel) standardizer.stages()[2];
    double[] mean = standardScaler.mean().toArray();
    double[] std = standardScaler.std().toArray();

    Map<String, Integer> varyingInputs = new LinkedHashMap<>();
    for (int j = 0; j < kept.size(); j++) {
      if (kept.get(j).input() && std[j] > 0) {
        varyingInputs.merge(kept.get(j).group(), 1, Integer::sum);
      }
    }
    double[] scale = new double[kept.size()];
    for (int j = 0; j < kept.size(); j++) {
      Feature f = kept.get(j);
      if (f.input() && std[j] > 0) {
        double weight =
            groups.stream()
                .filter(g -> g.name().equals(f.group()))
                .findFirst()
                .map(FeatureGroupSettings::weight)
                .orElse(1.0);
        scale[j] = Math.sqrt(weight / varyingInputs.get(f.group()));
      }
    }
    if (java.util.Arrays.stream(scale).allMatch(v -> v == 0)) {
      throw new IllegalArgumentException(
          "Cannot build personas: every clustering feature is constant ("
              + kept.stream().filter(Feature::input).map(Feature::name).toList()
              + ")");
    }
    LOG.info("  persona features: {}", describe(kept, scale));
    return of(kept, quantiles, mean, std, scale);
  }

  /**
   * The scaler of fitted figures: the transform model is built from them (no pass over the data),
   * so a scaler kept between nights ({@link #store}, {@link #restore}) transforms exactly as the
   * one fitted.
   */
  static PersonaScaler of(
      List<Feature> kept,
      Map<String, double[]> quantiles,
      double[] mean,
      double[] std,
      double[] scale) {
    StandardScalerModel standardizer =
        new StandardScalerModel(
            org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("stdScal"),
            Vectors.dense(std),
            Vectors.dense(mean));
    standardizer.set(standardizer.withMean(), true);
    standardizer.set(standardizer.withStd(), true);
    List<org.apache.spark.ml.Transformer> stages =
        List.of(
            new SQLTransformer().setStatement(statement(kept, quantiles)),
            new VectorAssembler()
                .setInputCols(kept.stream().map(f -> f.name() + SUFFIX).toArray(String[]::new))
                .setOutputCol("_assembled"),
            standardizer.setInputCol("_assembled").setOutputCol("_standardized"),
            new ElementwiseProduct()
                .setScalingVec(Vectors.dense(scale))
                .setInputCol("_standardized")
                .setOutputCol(PersonaBuilder.FEATURES));
    PipelineModel model =
        new PipelineModel(
            org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("personaScaler"), stages);
    return new PersonaScaler(kept, model, mean, std, scale, quantiles);
  }

  /** Median-imputes and transforms every kept column into {@code <f>__t}. */
  private static String statement(List<Feature> kept, Map<String, double[]> quantiles) {
    StringBuilder sql = new StringBuilder("SELECT *");
    for (Feature f : kept) {
      // NaN counts as missing, as in MLlib's Imputer.
      String x =
          "coalesce(nanvl(`"
              + f.name()
              + "`, CAST(NULL AS DOUBLE)), "
              + literal(quantiles.get(f.name())[10])
              + ")";
      sql.append(", ")
          .append(expression(f.transform(), x, quantiles.get(f.name())))
          .append(" AS `")
          .append(f.name())
          .append(SUFFIX)
          .append('`');
    }
    sql.append(" FROM __THIS__");
    return sql.toString();
  }

  /**
   * Writes the fitted figures as properties under the prefix (exact: doubles as Java writes them).
   */
  void store(java.util.Properties p, String prefix) {
    p.setProperty(prefix + "features", String.valueOf(features.size()));
    for (int j = 0; j < features.size(); j++) {
      Feature f = features.get(j);
      String k = prefix + "feature." + j + ".";
      p.setProperty(k + "name", f.name());
      p.setProperty(k + "group", f.group());
      p.setProperty(k + "input", String.valueOf(f.input()));
      p.setProperty(k + "transform", PipelineSettings.configName(f.transform()));
      p.setProperty(k + "quantiles", PersonaModelFile.doubles(quantiles.get(f.name())));
    }
    p.setProperty(prefix + "mean", PersonaModelFile.doubles(mean));
    p.setProperty(prefix + "std", PersonaModelFile.doubles(std));
    p.setProperty(prefix + "scale", PersonaModelFile.doubles(scale));
  }

  /** The scaler {@link #store} wrote. */
  static PersonaScaler restore(java.util.Properties p, String prefix) {
    int n = Integer.parseInt(p.getProperty(prefix + "features"));
    List<Feature> kept = new ArrayList<>();
    Map<String, double[]> quantiles = new LinkedHashMap<>();
    for (int j = 0; j < n; j++) {
      String k = prefix + "feature." + j + ".";
      Feature f =
          new Feature(
              p.getProperty(k + "name"),
              p.getProperty(k + "group"),
              Boolean.parseBoolean(p.getProperty(k + "input")),
              Transform.fromConfigName(p.getProperty(k + "transform")));
      kept.add(f);
      quantiles.put(f.name(), PersonaModelFile.doubles(p.getProperty(k + "quantiles")));
    }
    return of(
        kept,
        quantiles,
        PersonaModelFile.doubles(p.getProperty(prefix + "mean")),
        PersonaModelFile.doubles(p.getProperty(prefix + "std")),
        PersonaModelFile.doubles(p.getProperty(prefix + "scale")));
  }

  private static String describe(List<Feature> kept, double[] scale) {
    List<String> parts = new ArrayList<>();
    for (int j = 0; j < kept.size(); j++) {
      Feature f = kept.get(j);
      parts.add(
          f.name()
              + "["
              + f.group()
              + (f.input() ? String.format(Locale.ROOT, " x%.3f", scale[j]) : " descriptive")
              + (f.transform() == Transform.NONE ? "" : " " + f.transform())
              + "]");
    }
    return String.join(", ", parts);
  }

  /** The SQL of a transform of expression x. */
  static String expression(Transform transform, String x, double[] quantiles) {
    return switch (transform) {
      case NONE -> x;
      case LOG1P -> "signum(" + x + ") * log1p(abs(" + x + "))";
      case QUANTILE -> {
        // Piecewise-linear between the approximate quantiles: the customer's percentile in [0, 1].
        StringBuilder sb =
            new StringBuilder("CASE WHEN ")
                .append(x)
                .append(" <= ")
                .append(literal(quantiles[0]))
                .append(" THEN 0.0D");
        for (int i = 1; i < quantiles.length; i++) {
          if (quantiles[i] > quantiles[i - 1]) {
            sb.append(" WHEN ")
                .append(x)
                .append(" <= ")
                .append(literal(quantiles[i]))
                .append(" THEN ")
                .append(literal(PROBS[i - 1]))
                .append(" + (")
                .append(x)
                .append(" - ")
                .append(literal(quantiles[i - 1]))
                .append(") * ")
                .append(literal((PROBS[i] - PROBS[i - 1]) / (quantiles[i] - quantiles[i - 1])));
          }
        }
        yield sb.append(" ELSE 1.0D END").toString();
      }
    };
  }

  /** The same transform on the driver, for a value such as a previous persona's mean. */
  double transformLocal(int j, double x) {
    Transform t = features.get(j).transform();
    if (t == Transform.LOG1P) {
      return Math.signum(x) * Math.log1p(Math.abs(x));
    }
    if (t == Transform.QUANTILE) {
      double[] q = quantiles.get(features.get(j).name());
      if (x <= q[0]) {
        return 0;
      }
      for (int i = 1; i < q.length; i++) {
        if (q[i] > q[i - 1] && x <= q[i]) {
          return PROBS[i - 1] + (x - q[i - 1]) * (PROBS[i] - PROBS[i - 1]) / (q[i] - q[i - 1]);
        }
      }
      return 1;
    }
    return x;
  }

  private static String literal(double v) {
    return Double.toString(v) + "D";
  }

  /** The columns cast to double, in one projection (a withColumn each re-analyses the plan). */
  static Dataset<Row> asDoubles(Dataset<Row> features, List<String> columns) {
    Map<String, Column> cast = new LinkedHashMap<>();
    for (String c : columns) {
      cast.put(c, col(c).cast(DataTypes.DoubleType));
    }
    return features.withColumns(cast);
  }

  /**
   * customer_id, the pass-through columns, the feature vector, and every feature raw and
   * transformed.
   */
  public Dataset<Row> transform(Dataset<Row> data, String... passThrough) {
    List<Column> keep = new ArrayList<>();
    keep.add(col("customer_id"));
    for (String c : passThrough) {
      keep.add(col(c));
    }
    keep.add(col(PersonaBuilder.FEATURES));
    for (Feature f : features) {
      keep.add(col(f.name()));
      keep.add(col(f.name() + SUFFIX));
    }
    List<String> present = List.of(data.columns());
    Map<String, Column> missing = new LinkedHashMap<>();
    for (String c : columns()) {
      if (!present.contains(c)) { // e.g. a top category a context's rows lack: imputed as missing
        missing.put(c, org.apache.spark.sql.functions.lit(null).cast(DataTypes.DoubleType));
      }
    }
    Dataset<Row> in = missing.isEmpty() ? data : data.withColumns(missing);
    return model.transform(asDoubles(in, columns())).select(keep.toArray(Column[]::new));
  }

  public List<Feature> features() {
    return features;
  }

  public List<String> columns() {
    return features.stream().map(Feature::name).toList();
  }

  public PipelineModel model() {
    return model;
  }

  /** z-score of a mean on the transformed scale (0 for a constant column). */
  public double z(int j, double transformedMean) {
    return std[j] == 0 ? 0 : (transformedMean - mean[j]) / std[j];
  }

  /** A point in clustering space from means on the transformed scale (missing: the average). */
  public double[] toSpace(Map<String, Double> transformedMeans) {
    double[] x = new double[features.size()];
    for (int j = 0; j < x.length; j++) {
      Double m = transformedMeans.get(features.get(j).name());
      x[j] = m == null || m.isNaN() ? 0 : z(j, m) * scale[j];
    }
    return x;
  }

  /**
   * Weight of each column in the vector: sqrt(group weight / inputs in group), 0 for descriptive.
   */
  public double[] scale() {
    return scale.clone();
  }
}
