package com.customerpath.sampledata;

import java.util.List;
import java.util.Locale;

/**
 * Made-up personal data for the customers file (name, e-mail, phone), as real customer exports
 * carry it: the pipeline must never let it reach an output. Derived from the customer's number
 * only, so adding these columns draws nothing from the random streams and leaves every other
 * generated value unchanged. E-mails use example.com, phone numbers the fictional 555-01xx range.
 */
final class ContactDetails {
  private static final List<String> FIRST =
      List.of(
          "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
          "Keiko", "Luis", "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara");
  private static final List<String> LAST =
      List.of(
          "Almeida",
          "Brandt",
          "Costa",
          "Dubois",
          "Eriksen",
          "Fischer",
          "Garcia",
          "Hansen",
          "Ivanova",
          "Jensen",
          "Kowalski",
          "Larsen",
          "Moreau",
          "Novak",
          "Oliveira",
          "Petrov",
          "Quintero",
          "Rossi",
          "Silva",
          "Tanaka");

  private ContactDetails() {}

  /** name, e-mail, phone of the customer with this number (1-based). */
  static String[] of(int number) {
    String first = FIRST.get(number % FIRST.size());
    String last = LAST.get((number / FIRST.size()) % LAST.size());
    String email = (first + "." + last + "." + number + "@example.com").toLowerCase(Locale.ROOT);
    String phone = String.format(Locale.ROOT, "+1-202-555-01%02d-%04d", number % 100, number);
    return new String[] {first + " " + last, email, phone};
  }
}
