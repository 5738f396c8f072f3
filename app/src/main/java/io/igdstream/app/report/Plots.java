package io.igdstream.app.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts of reports (JFreeChart, headless), one series per model. */
public final class Plots {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;

  private Plots() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Lines y(x) per series, e.g. error rate against the perturbed fraction t. */
  static void lines(
      Path file, String title, String xLabel, String yLabel, Map<String, double[][]> series) {
    save(lineChart(title, xLabel, yLabel, series), file);
  }

  /**
   * Lines y(x) per series with a labelled vertical marker at {@code markerX} (e.g. the end of a
   * warm-up) and a y axis fitted to the data rather than starting at zero.
   */
  public static void linesWithMarker(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      Map<String, double[][]> series,
      double markerX,
      String markerLabel) {
    JFreeChart chart = lineChart(title, xLabel, yLabel, series);
    XYPlot plot = chart.getXYPlot();
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    ValueMarker marker =
        new ValueMarker(
            markerX,
            Color.GRAY,
            new BasicStroke(
                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    marker.setLabel(markerLabel);
    marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
    marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    plot.addDomainMarker(marker);
    save(chart, file);
  }

  private static JFreeChart lineChart(
      String title, String xLabel, String yLabel, Map<String, double[][]> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    series.forEach(
        (name, points) -> {
          XYSeries s = new XYSeries(name);
          for (double[] p : points) {
            s.add(p[0], p[1]);
          }
          data.addSeries(s);
        });
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    style(chart);
    return chart;
  }

  /** Grouped bars: value[series][category]. */
  static void bars(
      Path file,
      String title,
      String categoryLabel,
      String valueLabel,
      Map<String, Map<String, Double>> values) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    values.forEach(
        (series, row) -> row.forEach((category, v) -> data.addValue(v, series, category)));
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
    style(chart);
    save(chart, file);
  }

  /** Overlaid histograms of per-sample values in [0, 1] (e.g. Gini coefficients). */
  static void histograms(Path file, String title, String xLabel, Map<String, double[]> samples) {
    HistogramDataset data = new HistogramDataset();
    samples.forEach(
        (name, values) -> {
          if (values.length > 0) {
            data.addSeries(name, values, 40, 0.0, 1.0);
          }
        });
    JFreeChart chart =
        ChartFactory.createHistogram(
            title, xLabel, "samples", data, PlotOrientation.VERTICAL, true, false, false);
    chart.getXYPlot().setForegroundAlpha(0.55f);
    style(chart);
    save(chart, file);
  }

  /**
   * A grid of grey maps, one row per model, one column per sample: each map (H×W, any range) is
   * scaled to [0, 255] by its own max |value|, so the picture shows where, not how much.
   */
  static void mapGrid(
      Path file,
      String title,
      List<String> rowNames,
      List<List<float[]>> rows,
      int height,
      int width) {
    int scale = Math.max(1, 96 / Math.max(height, width));
    int cell = Math.max(height, width) * scale + 6;
    int labelWidth = 160;
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    BufferedImage image =
        new BufferedImage(
            labelWidth + columns * cell, 30 + rows.size() * cell, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, 6, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int r = 0; r < rows.size(); r++) {
      int top = 30 + r * cell;
      g.setColor(Color.BLACK);
      g.drawString(rowNames.get(r), 6, top + cell / 2);
      for (int c = 0; c < rows.get(r).size(); c++) {
        float[] map = rows.get(r).get(c);
        float max = 1e-12f;
        for (float v : map) {
          max = Math.max(max, Math.abs(v));
        }
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            int v = Math.round(255 * Math.abs(map[y * width + x]) / max);
            g.setColor(new Color(v, v, v));
            g.fillRect(labelWidth + c * cell + x * scale, top + y * scale, scale, scale);
          }
        }
      }
    }
    g.dispose();
    try {
      ImageIO.write(image, "png", file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getPlot().setBackgroundPaint(new Color(250, 250, 250));
  }

  private static void save(JFreeChart chart, Path file) {
    try {
      ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
