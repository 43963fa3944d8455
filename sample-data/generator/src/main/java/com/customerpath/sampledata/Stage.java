package com.customerpath.sampledata;

import java.util.Set;

/** The 5A customer-journey stages and which event types put a customer into each. */
enum Stage {
  AWARE(Set.of("ad_impression", "campaign_touch")),
  APPEAL(Set.of("product_view", "wishlist", "follow")),
  ASK(Set.of("search", "compare", "inquiry", "call_center_contact", "add_to_cart", "review_read")),
  ACT(Set.of("purchase")),
  /** Only a review with rating >= 4 counts; see {@link #isEvidencedBy}. */
  ADVOCATE(Set.of("review", "share", "referral"));

  static final int ADVOCATE_MIN_RATING = 4;

  private final Set<String> eventTypes;

  Stage(Set<String> eventTypes) {
    this.eventTypes = eventTypes;
  }

  boolean isEvidencedBy(String eventType, Integer rating) {
    if (!eventTypes.contains(eventType)) {
      return false;
    }
    return this != ADVOCATE
        || !eventType.equals("review")
        || (rating != null && rating >= ADVOCATE_MIN_RATING);
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
