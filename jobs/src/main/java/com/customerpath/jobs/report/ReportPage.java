package com.customerpath.jobs.report;

import com.customerpath.jobs.report.ReportCharts.Chart;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report page: sections of blocks (a one-line note, a chart, a table) rendered through the
 * Mustache template {@code report/report.html.mustache} (HTML-escaped by Mustache).
 */
final class ReportPage {
  static final String TEMPLATE = "com/customerpath/jobs/report/report.html.mustache";

  private ReportPage() {}

  /** A cell's text and CSS class (num, up, down). */
  record Cell(String text, String cls) {
    static Cell text(String text) {
      return new Cell(text, "");
    }
  }

  record Line(List<Cell> cells) {}

  record Table(String caption, List<String> headers, List<Line> rows, boolean collapsed) {}

  /** Exactly one of note, chart, table, details is set. */
  record Block(String note, Chart chart, Table table, List<Chart> charts) {
    static Block note(String text) {
      return new Block(text, null, null, null);
    }

    static Block chart(Chart c) {
      return new Block(null, c, null, null);
    }

    static Block table(Table t) {
      return new Block(null, null, t, null);
    }

    public boolean gallery() {
      return charts != null && !charts.isEmpty();
    }

    /** Several charts side by side. */
    static Block gallery(List<Chart> charts) {
      return new Block(null, null, null, charts);
    }
  }

  record Section(String id, String title, List<Block> blocks) {}

  /** A table under construction. */
  static final class TableBuilder {
    private final String caption;
    private final List<String> headers;
    private final List<Line> rows = new ArrayList<>();
    private boolean collapsed;

    TableBuilder(String caption, String... headers) {
      this.caption = caption;
      this.headers = List.of(headers);
    }

    TableBuilder row(Cell... cells) {
      rows.add(new Line(List.of(cells)));
      return this;
    }

    TableBuilder collapsed() {
      collapsed = true;
      return this;
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }

    Table build() {
      return new Table(caption, headers, List.copyOf(rows), collapsed);
    }
  }

  static String render(String title, String subtitle, List<Section> sections) {
    Mustache template = new DefaultMustacheFactory().compile(TEMPLATE);
    StringWriter out = new StringWriter();
    try {
      template
          .execute(out, Map.of("title", title, "subtitle", subtitle, "sections", sections))
          .flush();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot render the report template " + TEMPLATE, e);
    }
    return out.toString();
  }
}
