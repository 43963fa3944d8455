package com.customerpath.sampledata;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Minimal RFC 4180 writer: UTF-8, '\n' line ends, quotes only where a field needs them. */
final class CsvFile {
  private CsvFile() {}

  static void write(Path file, String header, List<String[]> rows) throws IOException {
    Files.createDirectories(file.getParent());
    try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writer.write(header);
      writer.write('\n');
      for (String[] row : rows) {
        writer.write(line(row));
        writer.write('\n');
      }
    }
  }

  static String line(String[] fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(escape(fields[i]));
    }
    return sb.toString();
  }

  static String escape(String field) {
    if (field == null) {
      return "";
    }
    if (field.indexOf(',') >= 0 || field.indexOf('"') >= 0 || field.indexOf('\n') >= 0) {
      return '"' + field.replace("\"", "\"\"") + '"';
    }
    return field;
  }
}
