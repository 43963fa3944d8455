package com.customerpath.sampledata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The product catalogue plus, per persona and category, the persona's own ranking of products.
 * Picks follow a Zipf curve over that ranking, so "popular within a persona" differs from global
 * popularity.
 */
final class Catalog {
  static final List<String> CATEGORIES =
      List.of(
          "groceries",
          "home",
          "kids",
          "electronics",
          "fashion",
          "beauty",
          "sports",
          "books",
          "garden",
          "health");
  static final int PRODUCTS_PER_CATEGORY = 30;
  private static final double ZIPF_EXPONENT = 1.1;

  private record PriceRange(double min, double max) {}

  private static final Map<String, PriceRange> PRICE_RANGES =
      Map.of(
          "groceries", new PriceRange(0.6, 14),
          "home", new PriceRange(4, 120),
          "kids", new PriceRange(3, 60),
          "electronics", new PriceRange(35, 1400),
          "fashion", new PriceRange(9, 180),
          "beauty", new PriceRange(3, 70),
          "sports", new PriceRange(8, 240),
          "books", new PriceRange(5, 38),
          "garden", new PriceRange(3, 150),
          "health", new PriceRange(2, 45));

  private static final Map<String, List<String>> BRANDS =
      Map.of(
          "groceries", List.of("FreshFarm", "DailyBasket", "GreenLeaf", "ValuePantry"),
          "home", List.of("Hearthly", "CasaNova", "TidyNest"),
          "kids", List.of("LittleSteps", "PlayWise", "TinyTots"),
          "electronics", List.of("Voltix", "Nexora", "PixelPeak", "Auralis"),
          "fashion", List.of("UrbanThread", "Velvetine", "NorthLoom", "Sablé"),
          "beauty", List.of("Lumière", "PureGlow", "Bloomé"),
          "sports", List.of("StrideMax", "PeakForm", "AquaFit"),
          "books", List.of("Inkwell Press", "Paperlane", "Quill & Co"),
          "garden", List.of("GreenThumb", "Rootwise", "BloomYard"),
          "health", List.of("VitaCare", "Medora", "WellPath"));

  private final List<Product> products = new ArrayList<>();
  private final Map<String, List<Product>> byCategory = new LinkedHashMap<>();
  private final Map<String, Map<String, List<Product>>> personaRankings = new LinkedHashMap<>();
  private final double[] zipfWeights;

  Catalog(Rng rng) {
    int skuNumber = 1;
    for (String category : CATEGORIES) {
      PriceRange range = PRICE_RANGES.get(category);
      List<String> brands = BRANDS.get(category);
      List<Product> inCategory = new ArrayList<>();
      for (int i = 0; i < PRODUCTS_PER_CATEGORY; i++) {
        // Log-uniform prices: many cheap items, a few expensive ones, as in real catalogues.
        double price = Math.exp(rng.uniform(Math.log(range.min()), Math.log(range.max())));
        Product product =
            new Product(
                String.format("P%04d", skuNumber++), category, rng.pick(brands), roundPrice(price));
        inCategory.add(product);
        products.add(product);
      }
      byCategory.put(category, List.copyOf(inCategory));
    }
    zipfWeights = new double[PRODUCTS_PER_CATEGORY];
    for (int r = 0; r < PRODUCTS_PER_CATEGORY; r++) {
      zipfWeights[r] = 1.0 / Math.pow(r + 1, ZIPF_EXPONENT);
    }
    for (Persona persona : Personas.ALL) {
      Map<String, List<Product>> rankings = new LinkedHashMap<>();
      for (String category : CATEGORIES) {
        rankings.put(category, rank(byCategory.get(category), persona.priceBias(), rng));
      }
      personaRankings.put(persona.name(), rankings);
    }
  }

  /**
   * A persona's ranking: random taste, tilted towards cheap (bias < 0) or expensive (bias > 0)
   * items.
   */
  private static List<Product> rank(List<Product> inCategory, double priceBias, Rng rng) {
    List<Product> byPrice = new ArrayList<>(inCategory);
    byPrice.sort(Comparator.comparingDouble(Product::listPrice));
    Map<Product, Double> score = new LinkedHashMap<>();
    for (int i = 0; i < byPrice.size(); i++) {
      double priceRank = (double) i / (byPrice.size() - 1); // 0 = cheapest
      score.put(byPrice.get(i), rng.uniform() + priceBias * (priceRank - 0.5) * 1.5);
    }
    List<Product> ranked = new ArrayList<>(inCategory);
    ranked.sort(
        Comparator.comparingDouble((Product p) -> score.get(p))
            .reversed()
            .thenComparing(Product::sku));
    return List.copyOf(ranked);
  }

  static double roundPrice(double price) {
    // Shop-style prices ending in .x9 / .x5.
    double rounded = Math.round(price * 100) / 100.0;
    if (rounded >= 10) {
      rounded = Math.floor(rounded) + 0.99;
    } else {
      rounded = Math.round(rounded * 20) / 20.0;
      rounded = Math.max(0.5, rounded);
    }
    return Math.round(rounded * 100) / 100.0;
  }

  List<Product> products() {
    return products;
  }

  Product pickFor(Persona persona, Rng rng) {
    String category = persona.categories().pick(rng);
    List<Product> ranking = personaRankings.get(persona.name()).get(category);
    return ranking.get(rng.weightedIndex(zipfWeights));
  }

  /** A product for a prospect, who has no persona: uniform category, global order. */
  Product pickAny(Rng rng) {
    return rng.pick(byCategory.get(rng.pick(CATEGORIES)));
  }
}
