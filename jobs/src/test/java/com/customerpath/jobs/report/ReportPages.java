package com.customerpath.jobs.report;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/** Reads a written report page back as a person would: sections, table rows, notes, images. */
final class ReportPages {
  static final List<String> SECTIONS = List.of("health", "som", "personas", "journey", "actions");
  private static final Pattern IMG =
      Pattern.compile("<img src=\"data:image/png;base64,([^\"]+)\"[^>]*alt=\"([^\"]*)\"");

  private ReportPages() {}

  static String read(Path output, String date) {
    Path page = output.resolve("report/dt=" + date + "/index.html");
    assertTrue(Files.isRegularFile(page), "the run wrote its report at " + page);
    try {
      return Files.readString(page);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + page, e);
    }
  }

  /** The HTML of {@code <section id="id">}, failing when the page has no such section. */
  static String section(String page, String id) {
    Matcher m =
        Pattern.compile("<section id=\"" + id + "\">(.*?)</section>", Pattern.DOTALL).matcher(page);
    if (!m.find()) {
      fail("the report has no section '" + id + "'");
    }
    return m.group(1);
  }

  /** The HTML of the table with this caption (several tables may have rows named alike). */
  static String table(String html, String caption) {
    Matcher m =
        Pattern.compile(
                "<table>\\s*<caption>" + Pattern.quote(caption) + "</caption>(.*?)</table>",
                Pattern.DOTALL)
            .matcher(html);
    if (!m.find()) {
      fail("no table captioned '" + caption + "'");
    }
    return m.group(1);
  }

  /** Every table row of the HTML as its cells' text (tags stripped, entities decoded). */
  static List<List<String>> rows(String html) {
    List<List<String>> rows = new ArrayList<>();
    Matcher tr = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(html);
    while (tr.find()) {
      List<String> cells = new ArrayList<>();
      Matcher td = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(tr.group(1));
      while (td.find()) {
        cells.add(text(td.group(1)));
      }
      if (!cells.isEmpty()) {
        rows.add(cells);
      }
    }
    return rows;
  }

  /** The row whose first cell is exactly {@code first}. */
  static List<String> row(String html, String first) {
    return rows(html).stream()
        .filter(r -> r.get(0).equals(first))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError("no table row starting with '" + first + "' in " + rows(html)));
  }

  static List<String> notes(String html) {
    List<String> notes = new ArrayList<>();
    Matcher m = Pattern.compile("<p class=\"note\">(.*?)</p>", Pattern.DOTALL).matcher(html);
    while (m.find()) {
      notes.add(text(m.group(1)));
    }
    return notes;
  }

  /** Alt texts of the section's images, each checked to decode as a non-empty PNG. */
  static List<String> images(String html) {
    List<String> alts = new ArrayList<>();
    Matcher m = IMG.matcher(html);
    while (m.find()) {
      String alt = text(m.group(2));
      try {
        BufferedImage image =
            ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
        assertNotNull(image, "chart '" + alt + "' is a PNG");
        assertTrue(
            image.getWidth() > 100 && image.getHeight() > 50, "chart '" + alt + "' has a size");
      } catch (IOException e) {
        fail("chart '" + alt + "' does not decode: " + e.getMessage());
      }
      alts.add(alt);
    }
    return alts;
  }

  static String text(String html) {
    return html.replaceAll("<[^>]+>", "")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#61;", "=")
        .replace("&#96;", "`")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim();
  }

  /** A count as the page writes it: grouped digits. */
  static String count(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }
}
