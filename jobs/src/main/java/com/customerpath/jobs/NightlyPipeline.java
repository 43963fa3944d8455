package com.customerpath.jobs;

import com.customerpath.jobs.churn.ChurnJob;
import com.customerpath.jobs.features.FeaturesJob;
import com.customerpath.jobs.ingest.IngestJob;
import com.customerpath.jobs.journey.JourneyJob;
import com.customerpath.jobs.personas.PersonasJob;
import com.customerpath.jobs.recommend.RecommendationsJob;
import com.customerpath.jobs.report.ReportJob;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;

import java.util.List;

/** The whole nightly run for one date, every step in dependency order in one Spark session. */
public final class NightlyPipeline {
  private NightlyPipeline() {}

  /** The steps in the order they run. */
  public static List<NightlyStep> steps() {
    return List.of(new IngestJob(), new FeaturesJob(), new PersonasJob(), new JourneyJob(),
        new ChurnJob(), new RecommendationsJob(), new ReportJob());
  }

  public static void main(String[] args) {
    JobRunner.main(args, steps());
  }
}
