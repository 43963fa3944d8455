package com.customerpath.jobs.report;

import static org.apache.spark.sql.functions.col;

import com.customerpath.common.config.PersonaSettings;
import com.customerpath.common.io.Tables;
import com.customerpath.common.personas.PersonaModelFile;
import com.customerpath.common.som.SelfOrganizingMapModel;
import com.customerpath.common.som.SomGrid;
import com.customerpath.jobs.report.ReportCharts.Chart;
import com.customerpath.jobs.report.ReportPage.Block;
import com.customerpath.jobs.report.ReportPage.Cell;
import com.customerpath.jobs.report.ReportPage.Section;
import com.customerpath.jobs.report.ReportPage.TableBuilder;
import com.customerpath.jobs.runtime.JobContext;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * What the report says about one run, read from the run's tables: run health (from run_manifest,
 * against the previous run's), the SOM, the personas, the 5A journey, recommendations and actions.
 * Tables are read by name and columns by name; a section whose table or column is absent says so in
 * one line. Only aggregates reach the driver (a few hundred rows at most).
 */
final class RunReport {
  static final String HEALTH = "health";
  static final String SOM = "som";
  static final String PERSONAS = "personas";
  static final String JOURNEY = "journey";
  static final String ACTIONS = "actions";

  /** Step order of the nightly run, for the timings table; unknown steps follow alphabetically. */
  private static final List<String> STEP_ORDER =
      List.of("ingest", "features", "personas", "journey", "churn", "recommendations", "report");

  private static final List<String> STAGES = List.of("aware", "appeal", "ask", "act", "advocate");
  private static final int PROFILE_FEATURES = 12;

  private final JobContext ctx;
  private final Tables tables;
  private final LocalDate date;
  private final Map<String, Object> manifest;
  private final Optional<LocalDate> previousDate;
  private final Map<String, Object> previous;

  /** Persona id -> "id · name", in id order; empty when the run has no personas table. */
  private final Map<Integer, String> personaLabels = new TreeMap<>();

  private RunReport(
      JobContext ctx,
      Map<String, Object> manifest,
      Optional<LocalDate> previousDate,
      Map<String, Object> previous) {
    this.ctx = ctx;
    this.tables = ctx.tables();
    this.date = ctx.date();
    this.manifest = manifest;
    this.previousDate = previousDate;
    this.previous = previous;
  }

  /** The report's sections for the run of ctx's date; run_manifest of that date must exist. */
  static List<Section> sections(JobContext ctx) {
    Tables t = ctx.tables();
    Map<String, Object> manifest = firstRow(t.readSmall(ReportJob.MANIFEST, ctx.date()));
    Optional<LocalDate> previousDate = t.latestBefore(ReportJob.MANIFEST, ctx.date());
    Map<String, Object> previous =
        previousDate.map(d -> firstRow(t.readSmall(ReportJob.MANIFEST, d))).orElse(Map.of());
    RunReport r = new RunReport(ctx, manifest, previousDate, previous);
    r.readPersonaLabels();
    return List.of(r.health(), r.som(), r.personas(), r.journey(), r.actions());
  }

  // ---------------------------------------------------------------- run health

  private Section health() {
    List<Block> blocks = new ArrayList<>();
    blocks.add(
        Block.note(
            "Run dt="
                + date
                + ", reported at "
                + manifest.getOrDefault("reported_at", "?")
                + ", code version "
                + manifest.getOrDefault("code_version", "?")
                + ", config fingerprint "
                + manifest.getOrDefault("config_fingerprint", "?")
                + ". "
                + previousDate
                    .map(d -> "Compared with the previous run, dt=" + d + ".")
                    .orElse("No previous run in this output root to compare with.")));
    Set<String> used =
        new LinkedHashSet<>(
            List.of("run_date", "reported_at", "config_fingerprint", "code_version"));

    TableBuilder sources =
        new TableBuilder(
            "Rows read, accepted and quarantined per source",
            "source",
            "read",
            "accepted",
            "quarantined",
            "quarantined %",
            "top quarantine reasons",
            "read vs previous run");
    for (String key : manifest.keySet()) {
      if (!key.endsWith("_read")) {
        continue;
      }
      String source = key.substring(0, key.length() - "_read".length());
      Double read = figure(key);
      Double accepted = figure(source + "_accepted");
      Double quarantined = figure(source + "_quarantined");
      if (read == null || accepted == null) {
        continue;
      }
      used.addAll(List.of(key, source + "_accepted", source + "_quarantined"));
      Map<String, Double> reasons = new TreeMap<>();
      String prefix = source + "_quarantined_";
      manifest.keySet().stream()
          .filter(k -> k.startsWith(prefix))
          .forEach(
              k -> {
                used.add(k);
                Double v = figure(k);
                if (v != null && v > 0) {
                  reasons.put(k.substring(prefix.length()), v);
                }
              });
      String top =
          reasons.entrySet().stream()
              .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
              .limit(3)
              .map(e -> e.getKey() + " " + count(e.getValue()))
              .reduce((a, b) -> a + ", " + b)
              .orElse("none");
      sources.row(
          Cell.text(source),
          num(count(read)),
          num(count(accepted)),
          num(count(quarantined)),
          num(read > 0 && quarantined != null ? percent(quarantined / read) : "-"),
          Cell.text(top),
          change(read, previousFigure(key)));
    }
    blocks.add(
        sources.isEmpty()
            ? Block.note("The manifest records no source counts.")
            : Block.table(sources.build()));

    TableBuilder rows =
        new TableBuilder("Rows written per table", "table", "rows", "previous run", "change");
    manifest.keySet().stream()
        .filter(k -> k.startsWith("rows_"))
        .sorted()
        .forEach(
            k -> {
              used.add(k);
              Double prev = previousFigure(k);
              rows.row(
                  Cell.text(k.substring("rows_".length())),
                  num(count(figure(k))),
                  num(prev == null ? "-" : count(prev)),
                  change(figure(k), prev));
            });
    blocks.add(
        rows.isEmpty()
            ? Block.note("The manifest records no table row counts.")
            : Block.table(rows.build()));

    List<String> steps =
        manifest.keySet().stream()
            .filter(k -> k.startsWith("seconds_"))
            .map(k -> k.substring("seconds_".length()))
            .sorted(
                Comparator.comparing(
                        (String s) ->
                            STEP_ORDER.contains(s) ? STEP_ORDER.indexOf(s) : STEP_ORDER.size())
                    .thenComparing(s -> s))
            .toList();
    // Any other per-step figure recorded as <what>_<step> (jobs_ingest, stages_ingest, ...).
    Set<String> perStep = new LinkedHashSet<>();
    for (String k : manifest.keySet()) {
      for (String s : steps) {
        if (k.endsWith("_" + s)
            && !k.startsWith("rows_")
            && !k.startsWith("seconds_")
            && figure(k) != null) {
          perStep.add(k.substring(0, k.length() - s.length() - 1));
        }
      }
    }
    if (steps.isEmpty()) {
      blocks.add(Block.note("The manifest records no step timings."));
    } else {
      List<String> headers = new ArrayList<>(List.of("step", "seconds", "previous run"));
      headers.addAll(perStep);
      TableBuilder timings = new TableBuilder("Steps", headers.toArray(String[]::new));
      Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
      bars.put("dt=" + date, new LinkedHashMap<>());
      if (previousDate.isPresent()) {
        bars.put("dt=" + previousDate.get(), new LinkedHashMap<>());
      }
      for (String s : steps) {
        used.add("seconds_" + s);
        Double secs = figure("seconds_" + s);
        Double prev = previousFigure("seconds_" + s);
        List<Cell> cells =
            new ArrayList<>(List.of(Cell.text(s), num(fixed(secs, 1)), num(fixed(prev, 1))));
        for (String p : perStep) {
          used.add(p + "_" + s);
          Double v = figure(p + "_" + s);
          // Seconds (driver_only_seconds_<step>) to a tenth, like the step's own; counts whole.
          cells.add(num(v == null ? "-" : p.endsWith("seconds") ? fixed(v, 1) : count(v)));
        }
        timings.row(cells.toArray(Cell[]::new));
        bars.get("dt=" + date).put(s, secs == null ? 0 : secs);
        previousDate.ifPresent(d -> bars.get("dt=" + d).put(s, prev == null ? 0 : prev));
      }
      blocks.add(Block.table(timings.build()));
      blocks.add(
          Block.chart(
              ReportCharts.bars(
                  "Seconds per step",
                  "seconds",
                  bars,
                  true,
                  false,
                  640,
                  90 + 26 * steps.size() * bars.size())));
    }

    TableBuilder other =
        new TableBuilder(
                "Every other figure of the run manifest (model quality, external joins ...)",
                "figure",
                "value",
                "previous run")
            .collapsed();
    for (String k : manifest.keySet()) {
      if (!used.contains(k)) {
        Double prev = previousFigure(k);
        other.row(Cell.text(k), num(fixed(figure(k), 4)), num(fixed(prev, 4)));
      }
    }
    if (!other.isEmpty()) {
      blocks.add(Block.table(other.build()));
    }
    return new Section(HEALTH, "Run health", blocks);
  }

  // ---------------------------------------------------------------- SOM

  private Section som() {
    List<Block> blocks = new ArrayList<>();
    Optional<Dataset<Row>> assigned = customersAll();
    if (assigned.isEmpty() || !has(assigned.get(), "som_row", "som_col")) {
      return new Section(
          SOM,
          "Self-organizing map",
          List.of(
              Block.note(
                  "No self-organizing map in this run: customer_personas has no som_row / som_col.")));
    }
    Dataset<Row> onMap =
        assigned.get().filter(col("som_row").isNotNull().and(col("som_col").isNotNull()));
    List<Row> unitPersona =
        onMap.groupBy("som_row", "som_col", "persona_id").count().collectAsList(); // units x k
    if (unitPersona.isEmpty()) {
      return new Section(
          SOM,
          "Self-organizing map",
          List.of(
              Block.note(
                  "No self-organizing map in this run "
                      + "(customerpath.personas.algorithm = "
                      + com.customerpath.common.config.PipelineSettings.configName(
                          ctx.settings().personas().algorithm())
                      + ").")));
    }
    var somSettings = ctx.settings().personas().som();
    int maxRow =
        unitPersona.stream()
            .mapToInt(r -> ((Number) r.getAs("som_row")).intValue())
            .max()
            .orElse(0);
    int maxCol =
        unitPersona.stream()
            .mapToInt(r -> ((Number) r.getAs("som_col")).intValue())
            .max()
            .orElse(0);
    SomGrid grid =
        new SomGrid(
            Math.max(somSettings.rows(), maxRow + 1),
            Math.max(somSettings.cols(), maxCol + 1),
            somSettings.topology() == PersonaSettings.SomSettings.Topology.HEXAGONAL);
    int units = grid.numUnits();
    long[] hits = new long[units];
    long[] best = new long[units];
    Integer[] persona = new Integer[units];
    for (Row r : unitPersona) {
      int u =
          ((Number) r.getAs("som_row")).intValue() * grid.cols()
              + ((Number) r.getAs("som_col")).intValue();
      long n = r.getAs("count");
      hits[u] += n;
      if (n > best[u]) {
        best[u] = n;
        persona[u] =
            r.isNullAt(r.fieldIndex("persona_id"))
                ? null
                : ((Number) r.getAs("persona_id")).intValue();
      }
    }
    long used = Arrays.stream(hits).filter(h -> h > 0).count();
    blocks.add(
        Block.note(
            String.format(
                Locale.ROOT,
                "%d x %d %s map; %d of %d units hold customers (%s customers placed); quantization error %s, topographic error %s.",
                grid.rows(),
                grid.cols(),
                grid.hexagonal() ? "hexagonal" : "rectangular",
                used,
                units,
                count((double) Arrays.stream(hits).sum()),
                fixed(figure("som_quantization_error"), 3),
                fixed(figure("som_topographic_error"), 3))));

    Double[] hitValues = new Double[units];
    String[] hitLabels = new String[units];
    for (int u = 0; u < units; u++) {
      hitValues[u] = hits[u] > 0 ? (double) hits[u] : null;
      hitLabels[u] = hits[u] > 0 ? Long.toString(hits[u]) : null;
    }
    List<Chart> maps = new ArrayList<>();
    Optional<Double[]> u = uMatrix(grid);
    u.ifPresent(
        values ->
            maps.add(
                ReportCharts.somValues(
                    "U-matrix: distance to neighbouring units",
                    grid,
                    values,
                    null,
                    "mean distance between codebook vectors (standardized features)")));
    maps.add(
        ReportCharts.somValues(
            "Hit map: customers per unit", grid, hitValues, hitLabels, "customers"));
    Map<Integer, String> legend = new LinkedHashMap<>();
    Arrays.stream(persona)
        .filter(java.util.Objects::nonNull)
        .distinct()
        .sorted()
        .forEach(p -> legend.put(p, personaLabels.getOrDefault(p, "persona " + p)));
    maps.add(
        ReportCharts.somCategories(
            "Units by persona (majority of their customers)", grid, persona, legend));
    blocks.add(Block.gallery(maps));
    blocks.add(
        Block.note(
            u.isPresent()
                ? "The U-matrix is the mean distance from each unit's codebook vector to its neighbours' (the map that"
                    + " assigned tonight's customers, from _persona_model); dark ridges separate groups. Grey units hold no"
                    + " customer."
                : "No U-matrix: no stored self-organizing map on or before this night matches the grid (a run before"
                    + " the persona model was kept). Grey units hold no customer."));
    return new Section(SOM, "Self-organizing map", blocks);
  }

  /**
   * Per unit of the grid: the mean distance of its codebook vector to its neighbours', from the map
   * kept by the personas step (the newest on or before tonight: the one that assigned tonight's
   * customers). Empty when there is none or it does not have tonight's grid.
   */
  private Optional<Double[]> uMatrix(SomGrid grid) {
    Optional<PersonaModelFile.Read> model = PersonaModelFile.latest(tables, date);
    if (model.isEmpty()
        || model.get().properties().getProperty(PersonaModelFile.SOM + "codebook") == null) {
      return Optional.empty();
    }
    SelfOrganizingMapModel som =
        SelfOrganizingMapModel.restore(model.get().properties(), PersonaModelFile.SOM);
    if (som.getGridRows() != grid.rows() || som.getGridCols() != grid.cols()) {
      return Optional.empty();
    }
    return Optional.of(Arrays.stream(som.uMatrix()).boxed().toArray(Double[]::new));
  }

  // ---------------------------------------------------------------- personas

  /** The personas table's rows (k of them), collected once for the labels and the sizes. */
  private List<Row> personaRows;

  private List<Row> personaRows(Dataset<Row> personas) {
    if (personaRows == null) {
      personaRows = personas.collectAsList();
    }
    return personaRows;
  }

  private void readPersonaLabels() {
    table(PERSONAS)
        .filter(p -> has(p, "persona_id"))
        .ifPresent(
            p -> {
              boolean named = has(p, "persona_name");
              for (Row r : personaRows(p)) { // k rows
                int id = ((Number) r.getAs("persona_id")).intValue();
                personaLabels.put(
                    id,
                    named && r.getAs("persona_name") != null
                        ? id + " · " + r.getAs("persona_name")
                        : "persona " + id);
              }
            });
  }

  private Section personas() {
    Optional<Dataset<Row>> table = table(PERSONAS);
    if (table.isEmpty() || !has(table.get(), "persona_id", "customers")) {
      return new Section(
          PERSONAS, "Personas", List.of(Block.note("No personas table for this run.")));
    }
    List<Block> blocks = new ArrayList<>();
    Dataset<Row> personas = table.get();
    Map<Integer, Row> lineage = new TreeMap<>();
    table("persona_lineage")
        .filter(l -> has(l, "persona_id", "status"))
        .ifPresent(
            l ->
                l.collectAsList()
                    .forEach(r -> lineage.put(((Number) r.getAs("persona_id")).intValue(), r)));
    List<Row> rows = collectSorted(personas, "persona_id");
    TableBuilder list =
        new TableBuilder(
            "Personas",
            "persona",
            "name",
            "customers",
            "share",
            "representative customer",
            "status",
            "centroid shift");
    Map<String, Double> sizes = new LinkedHashMap<>();
    List<Chart> profiles = new ArrayList<>();
    List<String> zColumns =
        Arrays.stream(personas.columns()).filter(c -> c.startsWith("z_")).toList();
    for (Row r : rows) {
      int id = ((Number) r.getAs("persona_id")).intValue();
      long customers = ((Number) r.getAs("customers")).longValue();
      Row l = lineage.get(id);
      list.row(
          num(Integer.toString(id)),
          Cell.text(string(r, "persona_name")),
          num(count((double) customers)),
          num(
              r.isNullAt(r.fieldIndex("customers")) || !has(personas, "share")
                  ? "-"
                  : percent(number(r, "share"))),
          Cell.text(string(r, "representative_customer_id")),
          Cell.text(l == null ? "-" : string(l, "status")),
          num(
              l == null || !has(l, "centroid_shift")
                  ? "-"
                  : fixed(number(l, "centroid_shift"), 3)));
      sizes.put(personaLabels.get(id), (double) customers);
      Map<String, Double> z = new LinkedHashMap<>();
      zColumns.stream()
          .filter(c -> !r.isNullAt(r.fieldIndex(c)))
          .sorted(Comparator.comparingDouble((String c) -> -Math.abs(number(r, c))))
          .limit(PROFILE_FEATURES)
          .sorted(Comparator.comparingDouble((String c) -> -number(r, c)))
          .forEach(c -> z.put(c.substring(2), number(r, c)));
      if (!z.isEmpty()) {
        profiles.add(
            ReportCharts.signedBars(personaLabels.get(id), "z-score", z, 420, 110 + 22 * z.size()));
      }
    }
    blocks.add(Block.table(list.build()));
    blocks.add(
        Block.chart(
            ReportCharts.bars(
                "Customers per persona",
                "customers",
                Map.of("customers", sizes),
                true,
                false,
                640,
                90 + 30 * sizes.size())));
    if (profiles.isEmpty()) {
      blocks.add(Block.note("No persona profiles: the personas table has no z_<feature> columns."));
    } else {
      blocks.add(
          Block.note(
              "Profiles: the "
                  + PROFILE_FEATURES
                  + " features (of "
                  + zColumns.size()
                  + ") on which each persona differs most from the average customer, as z-scores."));
      blocks.add(Block.gallery(profiles));
    }
    blocks.add(migration());
    return new Section(PERSONAS, "Personas", blocks);
  }

  private Block migration() {
    Optional<Dataset<Row>> table = table("persona_migration");
    if (table.isEmpty() || !has(table.get(), "from_persona_id", "to_persona_id", "customers")) {
      return Block.note("No persona migration table for this run.");
    }
    List<Row> rows = table.get().collectAsList(); // at most (k+1) x k rows
    long total = rows.stream().mapToLong(r -> number(r, "customers").longValue()).sum();
    boolean anyPrevious =
        rows.stream().anyMatch(r -> ((Number) r.getAs("from_persona_id")).intValue() != -1);
    if (!anyPrevious) {
      return Block.note(
          "No migration matrix: no previous run to migrate from; all "
              + count((double) total)
              + " customers are new tonight.");
    }
    Set<Integer> from = new java.util.TreeSet<>();
    Set<Integer> to = new java.util.TreeSet<>();
    rows.forEach(
        r -> {
          from.add(((Number) r.getAs("from_persona_id")).intValue());
          to.add(((Number) r.getAs("to_persona_id")).intValue());
        });
    List<Integer> fromIds = List.copyOf(from);
    List<Integer> toIds = List.copyOf(to);
    Double[][] m = new Double[fromIds.size()][toIds.size()];
    long stayed = 0;
    for (Row r : rows) {
      int f = ((Number) r.getAs("from_persona_id")).intValue();
      int t = ((Number) r.getAs("to_persona_id")).intValue();
      m[fromIds.indexOf(f)][toIds.indexOf(t)] = number(r, "customers");
      stayed += f == t ? number(r, "customers").longValue() : 0;
    }
    List<String> rowLabels =
        fromIds.stream().map(f -> f == -1 ? "new customers" : "from " + shortLabel(f)).toList();
    List<String> colLabels = toIds.stream().map(t -> "to " + t).toList();
    return Block.chart(
        ReportCharts.heatMap(
            String.format(
                Locale.ROOT,
                "Persona migration since dt=%s (%s of %s customers kept their persona)",
                previousDate.map(LocalDate::toString).orElse("?"),
                count((double) stayed),
                count((double) total)),
            rowLabels,
            colLabels,
            m,
            "%.0f",
            "customers",
            160 + 70 * toIds.size(),
            120 + 34 * fromIds.size()));
  }

  // ---------------------------------------------------------------- journey

  private Section journey() {
    List<Block> blocks = new ArrayList<>();
    Optional<Dataset<Row>> funnelTable = table("journey_funnel");
    if (funnelTable.isEmpty()
        || !has(funnelTable.get(), "persona_id", "stage", "customers_reached")) {
      blocks.add(Block.note("No journey funnel for this run."));
    } else {
      funnel(funnelTable.get(), blocks);
    }
    Optional<Dataset<Row>> transitions = table("journey_transitions");
    if (transitions.isEmpty()
        || !has(transitions.get(), "persona_id", "from_stage", "to_stage", "probability")) {
      blocks.add(Block.note("No journey transitions for this run."));
    } else {
      List<Row> rows =
          transitions.get().filter(col("persona_id").equalTo("all")).collectAsList(); // <= 6 x 6
      if (rows.isEmpty()) {
        blocks.add(Block.note("No stage transitions were observed in this run."));
      } else {
        List<String> order = new ArrayList<>(List.of("new"));
        order.addAll(STAGES);
        order.add("lapsed");
        List<String> from =
            order.stream()
                .filter(s -> rows.stream().anyMatch(r -> s.equals(r.getAs("from_stage"))))
                .toList();
        List<String> to =
            order.stream()
                .filter(s -> rows.stream().anyMatch(r -> s.equals(r.getAs("to_stage"))))
                .toList();
        Double[][] m = new Double[from.size()][to.size()];
        for (Row r : rows) {
          int i = from.indexOf((String) r.getAs("from_stage"));
          int j = to.indexOf((String) r.getAs("to_stage"));
          if (i >= 0 && j >= 0 && !r.isNullAt(r.fieldIndex("probability"))) {
            m[i][j] = number(r, "probability");
          }
        }
        blocks.add(
            Block.chart(
                ReportCharts.heatMap(
                    "Stage transitions, all customers (probability from row to column)",
                    from.stream().map(s -> "from " + s).toList(),
                    to.stream().map(s -> "to " + s).toList(),
                    m,
                    "%.2f",
                    "probability",
                    200 + 80 * to.size(),
                    120 + 36 * from.size())));
      }
    }
    return new Section(JOURNEY, "5A journey", blocks);
  }

  private void funnel(Dataset<Row> table, List<Block> blocks) {
    List<Row> rows = table.collectAsList(); // segments x 5 stages
    List<String> observable =
        STAGES.stream()
            .filter(
                s ->
                    rows.stream()
                        .anyMatch(
                            r ->
                                s.equals(r.getAs("stage"))
                                    && !r.isNullAt(r.fieldIndex("customers_reached"))))
            .toList();
    List<String> hidden = STAGES.stream().filter(s -> !observable.contains(s)).toList();
    if (observable.isEmpty()) {
      blocks.add(Block.note("No journey stage is observable in this data."));
      return;
    }
    if (!hidden.isEmpty()) {
      blocks.add(
          Block.note(
              "Stages not observable in this data (no evidence source for them): "
                  + String.join(", ", hidden)
                  + "."));
    }
    List<String> segments =
        rows.stream()
            .map(r -> (String) r.getAs("persona_id"))
            .distinct()
            .sorted(
                Comparator.comparing((String s) -> !"all".equals(s))
                    .thenComparing(RunReport::segmentOrder))
            .toList();
    List<String> headers = new ArrayList<>(List.of("segment"));
    observable.forEach(s -> headers.add(s + " (conversion to next)"));
    headers.addAll(List.of("purchase action ratio", "brand advocacy ratio"));
    TableBuilder t =
        new TableBuilder("Customers reaching each stage", headers.toArray(String[]::new));
    Map<String, Map<String, Double>> shares = new LinkedHashMap<>();
    boolean ratios = false;
    for (String segment : segments) {
      Map<String, Row> byStage = new LinkedHashMap<>();
      rows.stream()
          .filter(r -> segment.equals(r.getAs("persona_id")))
          .forEach(r -> byStage.put(r.getAs("stage"), r));
      List<Cell> cells = new ArrayList<>(List.of(Cell.text(segmentLabel(segment))));
      Double first = null;
      Map<String, Double> share = new LinkedHashMap<>();
      Double par = null;
      Double bar = null;
      for (String s : observable) {
        Row r = byStage.get(s);
        Double reached = r == null ? null : number(r, "customers_reached");
        Double conversion =
            r == null || !has(r, "conversion_to_next") ? null : number(r, "conversion_to_next");
        cells.add(
            num(
                reached == null
                    ? "-"
                    : count(reached)
                        + (conversion == null ? "" : " (" + percent(conversion) + ")")));
        if (first == null && reached != null && reached > 0) {
          first = reached;
        }
        if (first != null && reached != null) {
          share.put(s, 100 * reached / first);
        }
        if (r != null) {
          par =
              par != null
                  ? par
                  : has(r, "purchase_action_ratio") ? number(r, "purchase_action_ratio") : null;
          bar =
              bar != null
                  ? bar
                  : has(r, "brand_advocacy_ratio") ? number(r, "brand_advocacy_ratio") : null;
        }
      }
      ratios |= par != null || bar != null;
      cells.add(num(fixed(par, 3)));
      cells.add(num(fixed(bar, 3)));
      t.row(cells.toArray(Cell[]::new));
      shares.put(segmentLabel(segment), share);
    }
    blocks.add(
        Block.chart(
            ReportCharts.bars(
                "Funnel per persona: % of the segment's customers at its first observable "
                    + "stage who reach each stage",
                "% of segment",
                shares,
                false,
                false,
                Math.min(1280, Math.max(640, 160 + 22 * observable.size() * segments.size())),
                400)));
    blocks.add(Block.table(t.build()));
    blocks.add(
        Block.note(
            ratios
                ? "Purchase action ratio = customers who reached act / reached aware; brand advocacy ratio = reached advocate"
                    + " / reached aware."
                : "No purchase action or brand advocacy ratio: both need the aware stage, which is not observable here."));
  }

  // ---------------------------------------------------------------- recommendations and actions

  private Section actions() {
    List<Block> blocks = new ArrayList<>();
    evaluation(blocks);
    Optional<Dataset<Row>> recs = table("recommendations");
    if (recs.isEmpty() || !has(recs.get(), "customer_id", "product_id")) {
      blocks.add(Block.note("No recommendations table for this run."));
    } else {
      Row r =
          recs.get()
              .agg(
                  functions.count(functions.lit(1)),
                  functions.countDistinct(col("customer_id")),
                  functions.countDistinct(col("product_id")))
              .first();
      blocks.add(
          Block.note(
              String.format(
                  Locale.ROOT,
                  "Recommendations: %s rows for %s customers, %s distinct products.",
                  count((double) r.getLong(0)),
                  count((double) r.getLong(1)),
                  count((double) r.getLong(2)))));
    }
    nextBestActions(blocks);
    painPoints(blocks);
    churn(blocks);
    return new Section(ACTIONS, "Recommendations and actions", blocks);
  }

  private void evaluation(List<Block> blocks) {
    String name = "recommender_evaluation";
    Optional<LocalDate> at = tables.latestOnOrBefore(name, date);
    if (at.isEmpty()) {
      blocks.add(
          Block.note(
              "No recommender evaluation: run bin/evaluate-recommender --date "
                  + date
                  + " to add one."));
      return;
    }
    Dataset<Row> ev = tables.read(name, at.get());
    // The evaluation has views (all purchases, new products) and segments: the page shows the
    // headline figures, all purchases of all customers.
    if (has(ev, "view", "segment")) {
      ev = ev.filter("view = 'all' and segment = 'all'");
    }
    if (!has(ev, "model", "k", "metric", "value")) {
      blocks.add(
          Block.note(
              "The recommender_evaluation table of dt="
                  + at.get()
                  + " lacks model, k, metric or value."));
      return;
    }
    List<Row> rows = ev.collectAsList(); // models x k x metrics: a few dozen rows
    List<String> models =
        rows.stream()
            .map(r -> String.valueOf((Object) r.getAs("model")))
            .distinct()
            .sorted(Comparator.comparing((String m) -> !"hybrid".equals(m)).thenComparing(m -> m))
            .toList();
    Map<String, Map<String, Double>> byMetric = new TreeMap<>();
    for (Row r : rows) {
      String key = r.getAs("metric") + "@" + r.getAs("k");
      byMetric
          .computeIfAbsent(key, k -> new TreeMap<>())
          .put(
              String.valueOf((Object) r.getAs("model")),
              r.isNullAt(r.fieldIndex("value")) ? null : number(r, "value"));
    }
    List<String> headers = new ArrayList<>(List.of("metric"));
    headers.addAll(models);
    TableBuilder t =
        new TableBuilder(
            "Recommender evaluation of dt=" + at.get() + " (hybrid against the baselines)",
            headers.toArray(String[]::new));
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    models.forEach(m -> series.put(m, new LinkedHashMap<>()));
    byMetric.forEach(
        (metric, values) -> {
          List<Cell> cells = new ArrayList<>(List.of(Cell.text(metric)));
          models.forEach(m -> cells.add(num(fixed(values.get(m), 4))));
          t.row(cells.toArray(Cell[]::new));
          // Ratios between 0 and 1 share one axis; counts (served customers ...) stay in the table.
          if (values.values().stream().allMatch(v -> v == null || (v >= 0 && v <= 1))) {
            models.forEach(
                m -> series.get(m).put(metric, values.get(m) == null ? 0 : values.get(m)));
          }
        });
    blocks.add(Block.table(t.build()));
    if (series.values().stream().anyMatch(m -> !m.isEmpty())) {
      blocks.add(
          Block.chart(
              ReportCharts.bars(
                  "Recommender evaluation by model",
                  "value",
                  series,
                  false,
                  false,
                  Math.max(
                      640, 100 + 22 * models.size() * series.values().iterator().next().size()),
                  380)));
    }
  }

  private void nextBestActions(List<Block> blocks) {
    Optional<Dataset<Row>> nba = table("next_best_action");
    if (nba.isEmpty() || !has(nba.get(), "action", "channel")) {
      blocks.add(Block.note("No next-best actions for this run."));
      return;
    }
    List<Row> rows =
        collectSorted(nba.get().groupBy("action", "channel").count(), "action", "channel");
    if (rows.isEmpty()) {
      blocks.add(Block.note("No customer has a next-best action tonight."));
      return;
    }
    Map<String, Map<String, Double>> byChannel = new TreeMap<>();
    Map<String, Long> channelTotals = new TreeMap<>();
    long total = 0;
    for (Row r : rows) {
      String channel = String.valueOf((Object) r.getAs("channel"));
      long n = r.getAs("count");
      byChannel
          .computeIfAbsent(channel, c -> new TreeMap<>())
          .put(String.valueOf((Object) r.getAs("action")), (double) n);
      channelTotals.merge(channel, n, Long::sum);
      total += n;
    }
    TableBuilder t =
        new TableBuilder("Next-best actions by channel", "channel", "customers", "share");
    long all = total;
    channelTotals.forEach(
        (c, n) -> t.row(Cell.text(c), num(count((double) n)), num(percent(n / (double) all))));
    blocks.add(Block.table(t.build()));
    long actions = rows.stream().map(r -> r.getAs("action")).distinct().count();
    blocks.add(
        Block.chart(
            ReportCharts.bars(
                "Next-best actions: customers per action and channel",
                "customers",
                byChannel,
                true,
                true,
                640,
                100 + 28 * (int) actions)));
  }

  private void painPoints(List<Block> blocks) {
    Optional<Dataset<Row>> pain = table("pain_points");
    if (pain.isEmpty() || !has(pain.get(), "customer_id")) {
      blocks.add(Block.note("No pain points table for this run."));
      return;
    }
    Optional<Dataset<Row>> assigned = customersAll();
    Dataset<Row> flagged = pain.get();
    if (has(flagged, "is_pain_point")) {
      flagged = flagged.filter(col("is_pain_point"));
    }
    long n = flagged.count();
    if (n == 0) {
      blocks.add(
          Block.note(
              "No pain points: no valuable customer has low ratings, complaints or many returns tonight."));
      return;
    }
    if (assigned.isEmpty()) {
      blocks.add(
          Block.note(
              count((double) n)
                  + " customers flagged as pain points (no personas to split them by)."));
      return;
    }
    Dataset<Row> withKind =
        flagged.select(
            col("customer_id"),
            has(flagged, "reason")
                ? functions
                    .explode(
                        functions.array_compact(
                            functions.array(
                                functions.when(
                                    col("reason").contains("rating"), functions.lit("low ratings")),
                                functions.when(
                                    col("reason").contains("complaint"),
                                    functions.lit("complaints")),
                                functions.when(
                                    col("reason").contains("returned"), functions.lit("returns")))))
                    .as("kind")
                : functions.lit("flagged").as("kind"));
    List<Row> rows =
        collectSorted(
            withKind
                .join(assigned.get().select("customer_id", "persona_id"), "customer_id")
                .groupBy("persona_id", "kind")
                .count(),
            "persona_id",
            "kind");
    Map<Integer, Long> flaggedPerPersona = new TreeMap<>();
    flagged
        .join(assigned.get().select("customer_id", "persona_id"), "customer_id")
        .groupBy("persona_id")
        .count()
        .collectAsList()
        .forEach(
            r ->
                flaggedPerPersona.put(
                    ((Number) r.getAs("persona_id")).intValue(), r.getAs("count")));
    Map<String, Map<String, Double>> byKind = new TreeMap<>();
    for (Row r : rows) {
      byKind.computeIfAbsent(r.getAs("kind"), k -> new LinkedHashMap<>());
    }
    for (Integer p : flaggedPerPersona.keySet()) { // every kind lists the personas in id order
      byKind.forEach(
          (kind, values) ->
              values.put(
                  shortLabel(p),
                  rows.stream()
                      .filter(
                          r ->
                              kind.equals(r.getAs("kind"))
                                  && ((Number) r.getAs("persona_id")).intValue() == p)
                      .mapToDouble(r -> ((Long) r.getAs("count")).doubleValue())
                      .sum()));
    }
    Map<Integer, Long> sizes = personaSizes();
    TableBuilder t =
        new TableBuilder(
            "Pain points by persona (" + count((double) n) + " customers flagged)",
            "persona",
            "flagged customers",
            "share of the persona");
    flaggedPerPersona.forEach(
        (p, c) ->
            t.row(
                Cell.text(personaLabels.getOrDefault(p, "persona " + p)),
                num(count((double) c)),
                num(sizes.containsKey(p) ? percent(c / (double) sizes.get(p)) : "-")));
    blocks.add(Block.table(t.build()));
    blocks.add(
        Block.chart(
            ReportCharts.bars(
                "Pain points by persona and kind (a customer may have several)",
                "customers",
                byKind,
                false,
                true,
                640,
                360)));
  }

  private void churn(List<Block> blocks) {
    Optional<Dataset<Row>> risk = table("churn_risk");
    Optional<Dataset<Row>> assigned = customersAll();
    if (risk.isEmpty()
        || !has(risk.get(), "customer_id", "churn_probability")
        || assigned.isEmpty()) {
      blocks.add(
          Block.note(
              "No churn risk by persona for this run (churn_risk or customer_personas absent)."));
      return;
    }
    boolean value = has(risk.get(), "expected_value");
    List<Row> rows =
        collectSorted(
            risk.get()
                .join(assigned.get().select("customer_id", "persona_id"), "customer_id")
                .groupBy("persona_id")
                .agg(
                    functions.count(functions.lit(1)).as("n"),
                    functions.avg("churn_probability").as("p"),
                    value
                        ? functions.sum("expected_value").as("v")
                        : functions.lit(null).cast("double").as("v")),
            "persona_id");
    TableBuilder t =
        new TableBuilder(
            "Churn risk by persona",
            "persona",
            "customers",
            "mean churn probability",
            "expected value (sum)");
    rows.forEach(
        r ->
            t.row(
                Cell.text(
                    personaLabels.getOrDefault(((Number) r.getAs("persona_id")).intValue(), "?")),
                num(count(number(r, "n"))),
                num(fixed(number(r, "p"), 3)),
                num(r.isNullAt(r.fieldIndex("v")) ? "-" : count(number(r, "v")))));
    blocks.add(
        t.isEmpty() ? Block.note("No churn risk rows for this run.") : Block.table(t.build()));
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A small result (a row per persona or per action) collected and sorted here by the columns,
   * ascending with nulls first as Spark sorts: a global sort in Spark costs a sampling job and a
   * shuffle for a handful of rows.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Row> collectSorted(Dataset<Row> small, String... columns) {
    java.util.Comparator<Row> order = (a, b) -> 0;
    for (String c : columns) {
      int i = small.schema().fieldIndex(c);
      order =
          order.thenComparing(
              r -> (Comparable) r.get(i),
              java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
    }
    List<Row> rows = new ArrayList<>(small.collectAsList());
    rows.sort(order);
    return rows;
  }

  /** customer_personas for context "all" (or every row when the table has no context). */
  private Optional<Dataset<Row>> customersAll() {
    return table("customer_personas")
        .filter(t -> has(t, "customer_id", "persona_id"))
        .map(t -> has(t, "context") ? t.filter(col("context").equalTo("all")) : t);
  }

  private Map<Integer, Long> personaSizes() {
    Map<Integer, Long> sizes = new TreeMap<>();
    table(PERSONAS)
        .filter(p -> has(p, "persona_id", "customers"))
        .ifPresent(
            p ->
                personaRows(p)
                    .forEach(
                        r ->
                            sizes.put(
                                ((Number) r.getAs("persona_id")).intValue(),
                                number(r, "customers").longValue())));
    return sizes;
  }

  private Optional<Dataset<Row>> table(String name) {
    if (!tables.exists(name, date)) {
      return Optional.empty();
    }
    // Tables of a few rows per persona or stage are read by the driver: no Spark job each.
    return Optional.of(
        SMALL_TABLES.contains(name) ? tables.readSmall(name, date) : tables.read(name, date));
  }

  /** Tables whose rows are bounded by personas, stages or runs, not by customers. */
  private static final java.util.Set<String> SMALL_TABLES =
      java.util.Set.of(
          PERSONAS,
          "persona_lineage",
          "persona_migration",
          "journey_funnel",
          "journey_transitions");

  private String shortLabel(int persona) {
    return Integer.toString(persona);
  }

  private String segmentLabel(String segment) {
    if ("all".equals(segment)) {
      return "all customers";
    }
    try {
      return personaLabels.getOrDefault(Integer.parseInt(segment), "persona " + segment);
    } catch (NumberFormatException e) {
      return segment;
    }
  }

  private static String segmentOrder(String segment) {
    try {
      return String.format("%010d", Integer.parseInt(segment));
    } catch (NumberFormatException e) {
      return segment;
    }
  }

  private Double figure(String key) {
    return asDouble(manifest.get(key));
  }

  private Double previousFigure(String key) {
    return asDouble(previous.get(key));
  }

  private static Double asDouble(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  static boolean has(Dataset<Row> df, String... columns) {
    return Arrays.asList(df.columns()).containsAll(List.of(columns));
  }

  private static boolean has(Row r, String column) {
    return Arrays.asList(r.schema().fieldNames()).contains(column)
        && !r.isNullAt(r.fieldIndex(column));
  }

  private static Double number(Row r, String column) {
    Object v = r.getAs(column);
    return v == null ? null : ((Number) v).doubleValue();
  }

  private static String string(Row r, String column) {
    if (!Arrays.asList(r.schema().fieldNames()).contains(column)
        || r.isNullAt(r.fieldIndex(column))) {
      return "-";
    }
    return String.valueOf((Object) r.getAs(column));
  }

  private static Map<String, Object> firstRow(Dataset<Row> df) {
    List<Row> rows = df.limit(1).collectAsList();
    Map<String, Object> out = new LinkedHashMap<>();
    if (!rows.isEmpty()) {
      Row r = rows.get(0);
      for (String f : r.schema().fieldNames()) {
        out.put(f, r.getAs(f));
      }
    }
    return out;
  }

  // Number formats shared with the tests' expectations: grouped integers, fixed decimals, percent.
  static String count(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%,d", Math.round(v));
  }

  static String fixed(Double v, int decimals) {
    return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String percent(Double share) {
    return share == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  private static Cell num(String text) {
    return new Cell(text, "num");
  }

  private static Cell change(Double now, Double before) {
    if (now == null || before == null) {
      return new Cell(before == null ? "new" : "-", "num");
    }
    double diff = now - before;
    if (diff == 0) {
      return new Cell("=", "num");
    }
    String pct = before == 0 ? "" : String.format(Locale.ROOT, " (%+.1f%%)", 100 * diff / before);
    return new Cell(
        (diff > 0 ? "▲ +" : "▼ -") + count(Math.abs(diff)) + pct, diff > 0 ? "up" : "down");
  }
}
