package com.customerpath.jobs.report;

import com.customerpath.common.som.SomGrid;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYPolygonAnnotation;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * The report's charts, drawn by JFreeChart and encoded as PNG (base64, for data: URIs), so the page
 * is one self-contained file. The SOM maps are polygons (hexagons or squares) placed as
 * XYPolygonAnnotations on an XYPlot, at the units' positions on the map's plane.
 */
final class ReportCharts {
  static {
    // No display on a cluster node or in CI; must be set before the first AWT class loads.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Categorical colours (Tableau 10): distinguishable and colour-blind friendly enough. */
  static final Color[] PALETTE = {
    new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
        new Color(0x59A14F),
    new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F),
        new Color(0xBAB0AC)
  };

  private static final Color EMPTY_UNIT = new Color(0xEEEEEE);
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);

  private ReportCharts() {}

  /** A rendered chart: its title and the PNG, base64-encoded. */
  record Chart(String title, String base64, int width, int height) {}

  static Color colour(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /** Bars by category, one colour per series (a Map keeps the order): grouped, or stacked. */
  static Chart bars(
      String title,
      String valueLabel,
      Map<String, Map<String, Double>> seriesByCategory,
      boolean horizontal,
      boolean stacked,
      int width,
      int height) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    seriesByCategory.forEach(
        (series, values) -> values.forEach((category, v) -> data.addValue(v, series, category)));
    PlotOrientation orientation =
        horizontal ? PlotOrientation.HORIZONTAL : PlotOrientation.VERTICAL;
    JFreeChart chart =
        stacked
            ? org.jfree.chart.ChartFactory.createStackedBarChart(
                title,
                null,
                valueLabel,
                data,
                orientation,
                seriesByCategory.size() > 1,
                false,
                false)
            : org.jfree.chart.ChartFactory.createBarChart(
                title,
                null,
                valueLabel,
                data,
                orientation,
                seriesByCategory.size() > 1,
                false,
                false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.02);
    for (int s = 0; s < seriesByCategory.size(); s++) {
      renderer.setSeriesPaint(s, colour(s));
    }
    CategoryAxis axis = plot.getDomainAxis();
    axis.setTickLabelFont(LABEL_FONT);
    axis.setMaximumCategoryLabelLines(2);
    if (!horizontal && data.getColumnCount() > 6) {
      axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    style(chart);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return png(chart, title, width, height);
  }

  /** One series of bars whose colour says the sign (z-scores: above / below the average). */
  static Chart signedBars(
      String title, String valueLabel, Map<String, Double> values, int width, int height) {
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    series.put("above average", new LinkedHashMap<>());
    series.put("below average", new LinkedHashMap<>());
    values.forEach(
        (k, v) -> {
          series.get("above average").put(k, v >= 0 ? v : 0.0);
          series.get("below average").put(k, v < 0 ? v : 0.0);
        });
    return bars(title, valueLabel, series, true, true, width, height);
  }

  /**
   * A matrix as a heat map (rows top to bottom, columns left to right), each cell annotated with
   * its value; null cells are left blank.
   */
  static Chart heatMap(
      String title,
      List<String> rowLabels,
      List<String> colLabels,
      Double[][] values,
      String valueFormat,
      String scaleLabel,
      int width,
      int height) {
    int n = rowLabels.size() * colLabels.size();
    double[] xs = new double[n];
    double[] ys = new double[n];
    double[] zs = new double[n];
    double max = 0;
    int i = 0;
    for (int r = 0; r < rowLabels.size(); r++) {
      for (int c = 0; c < colLabels.size(); c++) {
        xs[i] = c;
        ys[i] = r;
        zs[i] = values[r][c] == null ? Double.NaN : values[r][c];
        max = values[r][c] == null ? max : Math.max(max, values[r][c]);
        i++;
      }
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("values", new double[][] {xs, ys, zs});
    SymbolAxis x = new SymbolAxis(null, colLabels.toArray(String[]::new));
    SymbolAxis y = new SymbolAxis(null, rowLabels.toArray(String[]::new));
    for (SymbolAxis a : List.of(x, y)) {
      a.setTickLabelFont(LABEL_FONT);
      a.setGridBandsVisible(false);
    }
    y.setInverted(true); // first row at the top, as in a table
    XYBlockRenderer renderer = new XYBlockRenderer();
    PaintScale scale = sequentialScale(0, max > 0 ? max : 1);
    renderer.setPaintScale(scale);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setDomainAxisLocation(AxisLocation.TOP_OR_LEFT);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    i = 0;
    for (int r = 0; r < rowLabels.size(); r++) {
      for (int c = 0; c < colLabels.size(); c++) {
        if (values[r][c] != null) {
          XYTextAnnotation label =
              new XYTextAnnotation(
                  String.format(java.util.Locale.ROOT, valueFormat, values[r][c]), c, r);
          label.setFont(LABEL_FONT);
          label.setPaint(values[r][c] > 0.6 * max ? Color.WHITE : Color.BLACK);
          plot.addAnnotation(label);
        }
      }
    }
    JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, false);
    chart.addSubtitle(legend(scale, 0, max > 0 ? max : 1, scaleLabel));
    style(chart);
    return png(chart, title, width, height);
  }

  /**
   * A SOM component plane: one polygon per unit (a hexagon on hexagonal maps, a square on
   * rectangular ones) at the unit's position, filled from the paint scale; units without a value
   * are light grey. Labels, when given, are written in the units.
   */
  static Chart somValues(
      String title, SomGrid grid, Double[] values, String[] labels, String scaleLabel) {
    double max = 0;
    double min = Double.MAX_VALUE;
    for (Double v : values) {
      if (v != null) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
    if (min > max) {
      min = 0;
      max = 1;
    } else if (min == max) {
      max = min + 1;
    }
    PaintScale scale = sequentialScale(min, max);
    Paint[] fill = new Paint[values.length];
    for (int u = 0; u < values.length; u++) {
      fill[u] = values[u] == null ? EMPTY_UNIT : scale.getPaint(values[u]);
    }
    XYPlot plot = somPlot(grid, fill, labels, values, 0.6 * max + 0.4 * min);
    JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, false);
    chart.addSubtitle(legend(scale, min, max, scaleLabel));
    style(chart);
    int[] size = somSize(grid);
    return png(chart, title, size[0] + 90, size[1]);
  }

  /** A SOM map coloured by category (persona per unit), with a legend of the categories. */
  static Chart somCategories(
      String title, SomGrid grid, Integer[] category, Map<Integer, String> legend) {
    Paint[] fill = new Paint[category.length];
    List<Integer> ids = List.copyOf(legend.keySet());
    for (int u = 0; u < category.length; u++) {
      fill[u] = category[u] == null ? EMPTY_UNIT : colour(ids.indexOf(category[u]));
    }
    XYPlot plot = somPlot(grid, fill, null, null, 0);
    LegendItemCollection items = new LegendItemCollection();
    for (int i = 0; i < ids.size(); i++) {
      items.add(new LegendItem(legend.get(ids.get(i)), colour(i)));
    }
    items.add(new LegendItem("no customer", EMPTY_UNIT));
    plot.setFixedLegendItems(items);
    JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, true);
    chart.getLegend().setPosition(RectangleEdge.BOTTOM);
    chart.getLegend().setFrame(BlockBorder.NONE);
    chart.getLegend().setItemFont(LABEL_FONT);
    style(chart);
    int[] size = somSize(grid);
    return png(chart, title, size[0], size[1] + 20 + 18 * ((ids.size() + 2) / 2));
  }

  private static int[] somSize(SomGrid grid) {
    double unit = Math.max(22, Math.min(48, 440.0 / Math.max(grid.cols(), grid.rows())));
    int w = (int) Math.round(unit * (grid.cols() + 1) + 40);
    int h =
        (int)
            Math.round(
                unit * (grid.hexagonal() ? grid.rows() * Math.sqrt(3) / 2 + 1 : grid.rows() + 1)
                    + 60);
    return new int[] {w, h};
  }

  private static XYPlot somPlot(
      SomGrid grid, Paint[] fill, String[] labels, Double[] values, double darkAbove) {
    NumberAxis x = new NumberAxis();
    NumberAxis y = new NumberAxis();
    double ySpan = grid.hexagonal() ? (grid.rows() - 1) * Math.sqrt(3) / 2 : grid.rows() - 1;
    x.setRange(-0.7, grid.cols() - 1 + (grid.hexagonal() ? 0.5 : 0) + 0.7);
    y.setRange(-0.7, ySpan + 0.7);
    y.setInverted(true); // row 0 at the top, as the map's rows are numbered
    for (NumberAxis a : List.of(x, y)) {
      a.setVisible(false);
    }
    XYPlot plot = new XYPlot(null, x, y, null);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlineVisible(false);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setInsets(new RectangleInsets(2, 2, 2, 2));
    BasicStroke stroke = new BasicStroke(0.8f);
    for (int u = 0; u < grid.numUnits(); u++) {
      double cx = grid.x(u);
      double cy = grid.y(u);
      plot.addAnnotation(
          new XYPolygonAnnotation(unitPolygon(grid, cx, cy), stroke, Color.WHITE, fill[u]));
      if (labels != null && labels[u] != null) {
        XYTextAnnotation t = new XYTextAnnotation(labels[u], cx, cy);
        t.setFont(LABEL_FONT);
        t.setPaint(
            values != null && values[u] != null && values[u] > darkAbove
                ? Color.WHITE
                : Color.BLACK);
        plot.addAnnotation(t);
      }
    }
    return plot;
  }

  /**
   * Corners of the unit's cell: a pointy-top hexagon of circumradius 1/sqrt(3) (tiles the offset
   * grid), or a unit square.
   */
  static double[] unitPolygon(SomGrid grid, double cx, double cy) {
    if (!grid.hexagonal()) {
      return new double[] {
        cx - 0.5, cy - 0.5, cx + 0.5, cy - 0.5, cx + 0.5, cy + 0.5, cx - 0.5, cy + 0.5
      };
    }
    double r = 1 / Math.sqrt(3);
    double[] corners = new double[12];
    for (int k = 0; k < 6; k++) {
      double angle = Math.toRadians(60 * k + 30);
      corners[2 * k] = cx + r * Math.cos(angle);
      corners[2 * k + 1] = cy + r * Math.sin(angle);
    }
    return corners;
  }

  /** White to dark blue in 32 steps. */
  private static PaintScale sequentialScale(double min, double max) {
    Color low = new Color(0xF7FBFF);
    Color high = new Color(0x08306B);
    LookupPaintScale scale =
        new LookupPaintScale(min, max + 1e-9 * Math.max(1, Math.abs(max)), high);
    int steps = 32;
    for (int s = 0; s < steps; s++) {
      double t = s / (double) (steps - 1);
      scale.add(
          min + (max - min) * s / steps,
          new Color(
              (int) Math.round(low.getRed() + t * (high.getRed() - low.getRed())),
              (int) Math.round(low.getGreen() + t * (high.getGreen() - low.getGreen())),
              (int) Math.round(low.getBlue() + t * (high.getBlue() - low.getBlue()))));
    }
    return scale;
  }

  private static PaintScaleLegend legend(PaintScale scale, double min, double max, String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setRange(min, max);
    axis.setTickLabelFont(LABEL_FONT);
    axis.setLabelFont(LABEL_FONT);
    PaintScaleLegend legend = new PaintScaleLegend(scale, axis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(new RectangleInsets(8, 8, 8, 8));
    legend.setStripWidth(12);
    legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
    return legend;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    TextTitle t = chart.getTitle();
    if (t != null) {
      t.setFont(TITLE_FONT);
    }
    if (chart.getLegend() != null) {
      chart.getLegend().setItemFont(LABEL_FONT);
      chart.getLegend().setFrame(BlockBorder.NONE);
    }
  }

  private static Chart png(JFreeChart chart, String title, int width, int height) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
      return new Chart(title, Base64.getEncoder().encodeToString(out.toByteArray()), width, height);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot render the report chart '" + title + "': " + e.getMessage(), e);
    }
  }
}
