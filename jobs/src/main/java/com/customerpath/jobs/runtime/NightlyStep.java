package com.customerpath.jobs.runtime;

/**
 * One step of the nightly run: reads its inputs, transforms, writes its tables for the run's date.
 */
public interface NightlyStep {
  String name();

  StepResult run(JobContext context);
}
