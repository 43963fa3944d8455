package com.customerpath.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkTestSession;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opens the sample run's report in headless Chromium: the page loads, every image decodes (an
 * inline script added to a copy of the page counts images with a natural width), and a screenshot
 * is saved to jobs/target/report-screenshot.png. Skipped when chromium is absent.
 */
class ReportBrowserTest {
  private static final String CHECK =
      """
      <script>
      window.addEventListener('load', function () {
        var images = Array.prototype.slice.call(document.images);
        var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
        var marker = document.createElement('div');
        marker.id = 'image-check';
        marker.setAttribute('data-total', images.length);
        marker.setAttribute('data-loaded', loaded);
        document.body.appendChild(marker);
      });
      </script>
      """;

  private static String chromium() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name).toString();
        }
      }
    }
    return null;
  }

  @Test
  void pageLoadsWithEveryChartAndIsScreenshot() throws Exception {
    String chromium = chromium();
    Assumptions.assumeTrue(
        chromium != null,
        "Skipped: chromium is not installed (apt-get install -y chromium; .ci/run installs it)");
    SampleRun run = SampleRun.get();
    String page = ReportPages.read(run.output, SampleRun.DATE.toString());
    int charts =
        ReportPages.SECTIONS.stream()
            .mapToInt(s -> ReportPages.images(ReportPages.section(page, s)).size())
            .sum();
    assertTrue(charts >= 10, "the sample report has its charts: " + charts);

    Path dir = SparkTestSession.tempDir("report-browser");
    Path checked = dir.resolve("checked.html");
    Files.writeString(checked, page.replace("</body>", CHECK + "</body>"));
    String dom = chromium(chromium, dir, "--dump-dom", checked);
    Matcher m =
        Pattern.compile("id=\"image-check\" data-total=\"(\\d+)\" data-loaded=\"(\\d+)\"")
            .matcher(dom);
    assertTrue(
        m.find(),
        "the page loaded and its script ran; DOM starts: "
            + dom.substring(0, Math.min(300, dom.length())));
    assertEquals(charts, Integer.parseInt(m.group(1)), "images in the browser");
    assertEquals(charts, Integer.parseInt(m.group(2)), "images decoded with a natural width");

    Path screenshot = Path.of("target", "report-screenshot.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    Path original = run.output.resolve("report/dt=" + SampleRun.DATE + "/index.html");
    chromium(chromium, dir, "--screenshot=" + screenshot, original);
    BufferedImage shot = ImageIO.read(screenshot.toFile());
    assertNotNull(shot, "screenshot written: " + screenshot);
    assertEquals(1400, shot.getWidth());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < shot.getHeight(); y += 7) {
      for (int x = 0; x < shot.getWidth(); x += 7) {
        colours.add(shot.getRGB(x, y));
      }
    }
    assertTrue(
        colours.size() > 50,
        "the screenshot shows the page, not a blank: " + colours.size() + " colours");
  }

  /** Runs headless chromium on a local file with a fresh profile; returns its standard output. */
  private static String chromium(String chromium, Path dir, String action, Path file)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(dir, "profile");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--user-data-dir=" + profile,
                "--window-size=1400,4000",
                "--virtual-time-budget=10000",
                action,
                file.toUri().toString()));
    Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("chromium.err").toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s: " + cmd);
    }
    assertEquals(
        0,
        p.exitValue(),
        "chromium exit code; stderr: " + Files.readString(dir.resolve("chromium.err")));
    return Files.readString(out);
  }
}
