package com.customerpath.common.churn;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.customerpath.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class GammaGammaTest {
  private final SparkSession spark = SparkTestSession.get();

  /*
   * Hand computation, p=6.25, q=3.74, v=15.44, x=1, m=20 (px = 6.25):
   * lnG(9.99) - lnG(6.25) - lnG(3.74) + 3.74 ln 15.44 + 5.25 ln 20 + 6.25 ln 1 - 9.99 ln 35.44
   * = 12.7793 - 5.2196 - 1.4750 + 10.2362 + 15.7276 + 0 - 35.6427 = -3.5942 (-3.5941964929).
   */
  @Test
  void oneCustomerLogLikelihoodMatchesHandComputation() {
    assertEquals(-3.5941964929491945, GammaGamma.logLikelihood(6.25, 3.74, 15.44, 1, 20), 1e-10);
    // x=1: the density of one Gamma(p, nu) draw mixed over nu ~ Gamma(q, v) must integrate to 1.
    double integral = 0;
    double step = 0.01;
    for (double m = step / 2; m < 20_000; m += step) {
      integral += Math.exp(GammaGamma.logLikelihood(6.25, 3.74, 15.44, 1, m)) * step;
    }
    assertEquals(1.0, integral, 1e-3);
  }

  /**
   * Fader and Hardie's Gamma-Gamma note (CDNOW 1/10 cohort, 946 customers with x > 0, m_x = mean of
   * the repeat purchase days' value in the 39-week calibration): p=6.25, q=3.74, v=15.44. Tolerance
   * 1% relative: ten times the 2-decimal rounding of the published values.
   */
  @Test
  void fitOnCdnowCohortMatchesPublishedParameters() {
    Dataset<Row> summary = CdnowData.cohortSummary(spark);
    assertEquals(946, summary.where(col("frequency").gt(0)).count());
    long start = System.nanoTime();
    GammaGammaParams fit = GammaGamma.fit(summary);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("Gamma-Gamma cohort fit (local): %s in %.2f s%n", fit, seconds);
    // The treeAggregate path (shared with BG/NBD) is exercised by BgNbdTest; here one
    // distributed evaluation at the optimum must equal the local one.
    assertEquals(
        fit.logLikelihood(), GammaGamma.logLikelihood(summary, fit.p(), fit.q(), fit.v()), 1e-6);
    assertEquals(6.25, fit.p(), 6.25 * 0.01);
    assertEquals(3.74, fit.q(), 3.74 * 0.01);
    assertEquals(15.44, fit.v(), 15.44 * 0.01);
  }

  @Test
  void expectedAverageValueShrinksTowardThePopulationMean() {
    GammaGammaParams g = new GammaGammaParams(6.25, 3.74, 15.44, Double.NaN, 0);
    double population = 6.25 * 15.44 / 2.74; // 35.22
    assertEquals(population, g.populationMeanSpend(), 1e-12);
    assertEquals(population, GammaGamma.expectedAverageValue(g, 0, 0), 1e-12);
    // Weighted mean: weight px/(px+q-1) on the customer's own mean.
    double x = 4;
    double m = 100;
    double w = 6.25 * x / (6.25 * x + 2.74);
    assertEquals(w * m + (1 - w) * population, GammaGamma.expectedAverageValue(g, x, m), 1e-9);
  }
}
