package com.customerpath.jobs.ingest;

import com.customerpath.common.config.PipelineSettings;
import com.customerpath.common.config.PipelineSettings.SourceSettings;
import com.customerpath.common.config.ValidationSettings;
import com.customerpath.common.io.SourceReader;
import com.customerpath.common.quality.InputValidation;
import com.customerpath.common.schema.ColumnMapper;
import com.customerpath.common.schema.Contract;
import com.customerpath.common.schema.Contract.SourceContract;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.jobs.runtime.NightlyStep;
import com.customerpath.jobs.runtime.StepResult;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.util.List;

/**
 * Ingest: reads each configured source through its column mapping, types it, sends unusable
 * rows to quarantine/&lt;source&gt; with a reason and writes the rest to curated/&lt;source&gt;.
 * Checks, per source, that rows read = rows accepted + rows quarantined.
 */
public final class IngestJob implements NightlyStep {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  public static void main(String[] args) {
    JobRunner.main(args, List.of(new IngestJob()));
  }

  @Override
  public String name() {
    return "ingest";
  }

  public static String curatedTable(String source) {
    return "curated/" + source;
  }

  public static String quarantineTable(String source) {
    return "quarantine/" + source;
  }

  /** The reconciled counts of one source. */
  public record SourceCounts(String source, long read, long accepted, long quarantined) {
    public void check() {
      if (read != accepted + quarantined) {
        throw new IllegalStateException("Cannot reconcile source '" + source + "': read " + read
            + " rows but accepted " + accepted + " + quarantined " + quarantined + " = " + (accepted + quarantined));
      }
    }
  }

  /** Maps, types and flags a source's raw rows (pure: Dataset in, Dataset out). */
  public static Dataset<Row> validate(Dataset<Row> raw, SourceSettings source, LocalDate runDate,
                                      ValidationSettings validation) {
    SourceContract contract = Contract.of(source.name());
    Dataset<Row> mapped = ColumnMapper.map(raw, source, contract);
    return InputValidation.flag(mapped, contract, runDate, source.timestampFormat(), source.dateFormat(),
        validation.ranges(source.name()));
  }

  @Override
  public StepResult run(JobContext ctx) {
    StepResult result = new StepResult(name());
    SparkSession spark = ctx.spark();
    PipelineSettings settings = ctx.settings();
    for (String name : PipelineSettings.SOURCES) {
      SourceSettings source = settings.input(name);
      if (!source.configured()) {
        LOG.info("  source {} not configured: skipped", name);
        continue;
      }
      Dataset<Row> flagged = validate(SourceReader.read(spark, source), source, ctx.date(), settings.validation())
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Row counts = flagged.agg(functions.count(functions.lit(1)),
            functions.count(functions.when(functions.col(InputValidation.REASON).isNull(), 1))).first();
        long read = counts.getLong(0);
        long acceptedCount = counts.getLong(1);
        long curated = ctx.tables().write(curatedTable(name), ctx.date(),
            InputValidation.accepted(flagged, Contract.of(name)));
        long quarantined = ctx.tables().write(quarantineTable(name), ctx.date(),
            InputValidation.quarantined(flagged, name));
        SourceCounts sc = new SourceCounts(name, read, curated, quarantined);
        sc.check();
        if (curated != acceptedCount) {
          throw new IllegalStateException("Cannot reconcile source '" + name + "': " + acceptedCount
              + " rows were accepted but " + curated + " were written to " + curatedTable(name));
        }
        result.written(curatedTable(name), curated).written(quarantineTable(name), quarantined)
            .metric(name + "_read", read).metric(name + "_accepted", curated).metric(name + "_quarantined", quarantined);
        LOG.info("  {}: read {} = accepted {} + quarantined {}", name, read, curated, quarantined);
        if (quarantined > 0) {
          for (Row r : ctx.tables().read(quarantineTable(name), ctx.date()).groupBy("reason").count()
              .orderBy("reason").collectAsList()) {
            result.metric(name + "_quarantined_" + r.getString(0), r.getLong(1));
            LOG.info("    quarantined {}: {}", r.getString(0), r.getLong(1));
          }
        }
      } finally {
        flagged.unpersist();
      }
    }
    return result;
  }
}
