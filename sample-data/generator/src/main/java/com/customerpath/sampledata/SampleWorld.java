package com.customerpath.sampledata;

import com.customerpath.sampledata.ReferenceData.Holiday;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** One generated world: customers, their journeys, orders and events, written out as CSV files. */
final class SampleWorld {
  static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final double SECONDS_PER_DAY = 86_400;
  private static final double DAYS_PER_MONTH = 30.4;
  private static final String PROSPECT = "prospect";
  private static final List<String> TOUCH_CHANNELS =
      List.of("online", "app", "store", "call_center");

  private final SampleDataGenerator.Options options;
  private final Rng root;
  private final Catalog catalog;
  private final LocalDate firstDay;
  private final LocalDateTime windowStart;
  private final LocalDateTime windowEnd;
  private final Set<LocalDate> daysOff = new HashSet<>();
  private final List<Holiday> holidays;

  private final List<Customer> customers = new ArrayList<>();
  private final List<Order> orders = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private long sequence;
  private long sessionCount;

  record Customer(
      String id,
      Persona persona,
      LocalDate signupDate,
      int birthYear,
      String gender,
      int region,
      int householdSize,
      int homeStore) {
    boolean isBuyer() {
      return persona != null;
    }

    String personaOrProspect() {
      return isBuyer() ? persona.name() : PROSPECT;
    }
  }

  record OrderLine(String sku, int qty, double unitPrice) {}

  record Order(
      String customerId,
      LocalDateTime ts,
      String channel,
      String payment,
      String storeId,
      String regionCode,
      List<OrderLine> lines,
      long sequence) {}

  record Event(
      String customerId,
      LocalDateTime ts,
      String type,
      String sku,
      String channel,
      Integer rating,
      String sessionId,
      long sequence) {}

  SampleWorld(SampleDataGenerator.Options options) {
    this.options = options;
    this.root = new Rng(options.seed());
    this.catalog = new Catalog(root.split());
    this.firstDay = options.endDate().minusDays(options.days() - 1L);
    this.windowStart = firstDay.atStartOfDay();
    this.windowEnd = options.endDate().atTime(23, 59, 59);
    this.holidays = ReferenceData.holidays(firstDay.getYear(), options.endDate().getYear());
    for (Holiday holiday : holidays) {
      if (holiday.dayOff()) {
        daysOff.add(holiday.date());
      }
    }
  }

  static String orderId(int number) {
    return String.format("O%07d", number);
  }

  SampleDataGenerator.Summary generateAndWrite() throws IOException {
    Rng referenceRng = root.split();
    List<Persona> slots = new ArrayList<>();
    for (int i = 0; i < options.buyers(); i++) {
      slots.add(Personas.ALL.get(i % Personas.ALL.size()));
    }
    for (int i = 0; i < options.prospects(); i++) {
      slots.add(null);
    }
    // Shuffle so customer ids reveal nothing about persona or buyer status.
    Rng shuffleRng = root.split();
    for (int i = slots.size() - 1; i > 0; i--) {
      int j = shuffleRng.intBetween(0, i);
      Persona tmp = slots.get(i);
      slots.set(i, slots.get(j));
      slots.set(j, tmp);
    }
    for (int i = 0; i < slots.size(); i++) {
      String id = String.format("C%06d", i + 1);
      Rng rng = root.split();
      if (slots.get(i) != null) {
        simulateBuyer(id, slots.get(i), rng);
      } else {
        simulateProspect(id, rng);
      }
    }
    return write(referenceRng);
  }

  // ---------------------------------------------------------------- journeys

  /**
   * Observable pre-purchase behaviour that drives the chance of moving on; also emitted as events.
   */
  private record Engagement(int touches, String touchChannel, int views, boolean wishlisted) {}

  private Engagement engagement(double interest, int birthYear, Rng rng) {
    int touches = 1 + rng.poisson(0.6 * Math.exp(0.5 * interest));
    String touchChannel =
        birthYear >= 1985
            ? (rng.chance(0.6) ? "app" : "online")
            : TOUCH_CHANNELS.get(rng.weightedIndex(new double[] {0.4, 0.15, 0.3, 0.15}));
    int views = 1 + rng.poisson(0.6 * Math.exp(0.5 * interest));
    boolean wishlisted = rng.chance(clamp(0.25 + 0.15 * interest, 0.05, 0.8));
    return new Engagement(touches, touchChannel, views, wishlisted);
  }

  private void simulateProspect(String id, Rng rng) {
    int birthYear = rng.intBetween(1945, 2005);
    int household = rng.intBetween(1, 5);
    double interest = rng.gaussian();
    Engagement engagement = engagement(interest, birthYear, rng);

    // A third of prospects first hear of us in the last 60 days, so some are still moving at the
    // run date.
    LocalDateTime aware =
        rng.chance(0.35)
            ? randomTimeBetween(windowEnd.minusDays(60), windowEnd.minusHours(2), rng)
            : randomTimeBetween(windowStart, windowEnd.minusDays(60), rng);

    // Advancing depends on what a model can see: touches, touch channel, household, views,
    // wishlist.
    double appealLogit =
        -1.4
            + 0.8 * (engagement.touches() - 1)
            + 0.9 * (engagement.touchChannel().equals("app") ? 1 : 0)
            + 0.4 * (household >= 3 ? 1 : 0)
            + 0.3 * interest;
    double askLogit =
        -2.0 + 0.75 * engagement.views() + 1.0 * (engagement.wishlisted() ? 1 : 0) + 0.3 * interest;
    double meanDelayDays = 12 - 3 * clamp(interest, -1, 1);

    LocalDateTime appeal =
        rng.chance(sigmoid(appealLogit)) ? aware.plus(stageDelay(meanDelayDays, rng)) : null;
    LocalDateTime ask =
        appeal != null && rng.chance(sigmoid(askLogit))
            ? appeal.plus(stageDelay(meanDelayDays, rng))
            : null;
    // Censor stages that would happen after the run date.
    if (appeal != null && appeal.isAfter(windowEnd)) {
      appeal = null;
      ask = null;
    }
    if (ask != null && ask.isAfter(windowEnd)) {
      ask = null;
    }

    LocalDate signup = randomDateBetween(options.endDate().minusYears(3), aware.toLocalDate(), rng);
    int region = pickRegion(rng);
    Customer customer =
        new Customer(
            id,
            null,
            signup,
            birthYear,
            gender(0.5, rng),
            region,
            household,
            homeStore(region, rng));
    customers.add(customer);

    Session session = new Session(customer);
    emitAware(session, engagement, aware, appeal, rng);
    if (appeal != null) {
      emitAppeal(session, engagement, appeal, ask, null, rng);
    }
    if (ask != null) {
      emitAsk(session, null, ask, null, rng);
    }
  }

  private void simulateBuyer(String id, Persona persona, Rng rng) {
    int birthYear = rng.intBetween(persona.minBirthYear(), persona.maxBirthYear());
    int household = rng.intBetween(persona.minHousehold(), persona.maxHousehold());
    double interest = rng.gaussian() + 0.8;
    Engagement engagement = engagement(interest, birthYear, rng);

    LocalDateTime aware = null;
    LocalDateTime appeal = null;
    LocalDateTime ask = null;
    LocalDateTime act = null;
    String firstChannel = persona.channels().pick(rng);
    // Buyers always reach act; leave at least two weeks of buying history after it.
    for (int attempt = 0; attempt < 100 && act == null; attempt++) {
      // The customer base grows: first contacts get more frequent towards the run date.
      aware = growingTimeBetween(windowStart, windowEnd.minusDays(45), rng);
      appeal = aware.plus(stageDelay(persona.meanStageDelayDays(), rng));
      ask = appeal.plus(stageDelay(persona.meanStageDelayDays(), rng));
      LocalDateTime earliestAct = ask.plus(stageDelay(persona.meanStageDelayDays(), rng));
      if (!earliestAct.isAfter(windowEnd.minusDays(21))) {
        act = orderTimeOnOrAfter(earliestAct, persona, firstChannel, rng);
      }
    }
    if (act == null) {
      throw new IllegalStateException("Could not fit a journey for " + id + "; history too short?");
    }

    int region = pickRegion(rng);
    LocalDate signup =
        randomDateBetween(options.endDate().minusYears(3), act.toLocalDate().minusDays(1), rng);
    Customer customer =
        new Customer(
            id,
            persona,
            signup,
            birthYear,
            gender(persona.femaleShare(), rng),
            region,
            household,
            homeStore(region, rng));
    customers.add(customer);

    Session session = new Session(customer);
    emitAware(session, engagement, aware, appeal, rng);
    emitAppeal(session, engagement, appeal, ask, persona, rng);
    emitAsk(session, persona, ask, act, rng);

    List<Order> own = buyerOrders(customer, act, firstChannel, rng);
    orders.addAll(own);

    LocalDateTime advocate = null;
    if (rng.chance(persona.advocateProbability())) {
      LocalDateTime candidate =
          act.plusHours(12).plus(stageDelay(persona.meanStageDelayDays() * 1.5, rng));
      if (!candidate.isAfter(windowEnd)) {
        advocate = candidate;
      }
    }
    emitAfterPurchase(session, persona, own, advocate, rng);
  }

  private List<Order> buyerOrders(
      Customer customer, LocalDateTime act, String firstChannel, Rng rng) {
    Persona persona = customer.persona();
    List<Order> own = new ArrayList<>();
    own.add(makeOrder(customer, act, firstChannel, rng));

    double ordersPerMonth = rng.uniform(persona.minOrdersPerMonth(), persona.maxOrdersPerMonth());
    LocalDate activeUntil =
        act.toLocalDate().plusDays((long) rng.exponential(persona.meanActiveDays()));
    if (activeUntil.isAfter(options.endDate())) {
      activeUntil = options.endDate();
    }
    Persona.ShoppingDays pattern = persona.shoppingDays();
    double onPatternDaily = ordersPerMonth * Persona.PATTERN_ADHERENCE / pattern.daysPerMonth;
    double offPatternDaily =
        pattern == Persona.ShoppingDays.ANY
            ? 0
            : ordersPerMonth
                * (1 - Persona.PATTERN_ADHERENCE)
                / (DAYS_PER_MONTH - pattern.daysPerMonth);
    if (pattern == Persona.ShoppingDays.ANY) {
      onPatternDaily = ordersPerMonth / DAYS_PER_MONTH;
    }
    for (LocalDate day = act.toLocalDate().plusDays(1);
        !day.isAfter(activeUntil);
        day = day.plusDays(1)) {
      boolean onPattern = pattern.matches(day);
      if (!rng.chance(onPattern ? onPatternDaily : offPatternDaily)) {
        continue;
      }
      String channel = persona.channels().pick(rng);
      if (channel.equals("store") && daysOff.contains(day)) {
        continue; // stores are closed on public holidays
      }
      LocalDateTime ts =
          timeOfDay(day, persona, channel, onPattern && rng.chance(Persona.PATTERN_ADHERENCE), rng);
      own.add(makeOrder(customer, ts, channel, rng));
    }
    own.addAll(returnsFor(customer, own, rng));
    return own;
  }

  private Order makeOrder(Customer customer, LocalDateTime ts, String channel, Rng rng) {
    Persona persona = customer.persona();
    int lineCount = rng.intBetween(persona.minLines(), persona.maxLines());
    Map<String, OrderLine> lines = new LinkedHashMap<>();
    for (int attempt = 0; attempt < 60 && lines.size() < lineCount; attempt++) {
      Product product = catalog.pickFor(persona, rng);
      if (lines.containsKey(product.sku())) {
        continue;
      }
      int qty =
          product.category().equals("groceries")
              ? Math.min(6, 1 + rng.poisson(0.8))
              : (rng.chance(0.12) ? 2 : 1);
      double price = product.listPrice();
      if (rng.chance(persona.discountChance())) {
        price = Math.round(price * (1 - rng.uniform(0.1, 0.3)) * 100) / 100.0;
      }
      lines.put(product.sku(), new OrderLine(product.sku(), qty, price));
    }
    String payment = persona.payments().pick(rng);
    if (payment.equals("cash") && !channel.equals("store")) {
      payment = "card"; // cash only at the till
    }
    String storeId = "";
    if (channel.equals("store")) {
      storeId =
          ReferenceData.storeId(
              rng.chance(0.85)
                  ? customer.homeStore()
                  : rng.intBetween(0, ReferenceData.STORE_COUNT - 1));
    }
    String region =
        ReferenceData.regionCode(rng.chance(0.95) ? customer.region() : pickRegion(rng));
    return new Order(
        customer.id(),
        ts,
        channel,
        payment,
        storeId,
        region,
        List.copyOf(lines.values()),
        sequence++);
  }

  /** Returns: a later order with negative quantities for some of an order's lines. */
  private List<Order> returnsFor(Customer customer, List<Order> purchases, Rng rng) {
    List<Order> returns = new ArrayList<>();
    for (Order purchase : purchases) {
      List<OrderLine> returned = new ArrayList<>();
      for (OrderLine line : purchase.lines()) {
        if (rng.chance(customer.persona().returnShare())) {
          returned.add(new OrderLine(line.sku(), -line.qty(), line.unitPrice()));
        }
      }
      if (returned.isEmpty()) {
        continue;
      }
      LocalDate day = purchase.ts().toLocalDate().plusDays(rng.intBetween(2, 28));
      if (purchase.channel().equals("store")) {
        while (daysOff.contains(day)) {
          day = day.plusDays(1);
        }
      }
      LocalDateTime ts = day.atTime(LocalTime.ofSecondOfDay(rng.intBetween(9 * 3600, 20 * 3600)));
      if (ts.isAfter(windowEnd)) {
        continue;
      }
      returns.add(
          new Order(
              customer.id(),
              ts,
              purchase.channel(),
              purchase.payment(),
              purchase.storeId(),
              purchase.regionCode(),
              List.copyOf(returned),
              sequence++));
    }
    return returns;
  }

  // ---------------------------------------------------------------- events

  /** Groups events into sessions; ids are short base-36 counters, unique across the data set. */
  private final class Session {
    private final Customer customer;

    Session(Customer customer) {
      this.customer = customer;
    }

    String next() {
      return "s" + Long.toString(++sessionCount, 36);
    }

    void emit(
        LocalDateTime ts,
        String type,
        String sku,
        String channel,
        Integer rating,
        String sessionId) {
      events.add(new Event(customer.id(), ts, type, sku, channel, rating, sessionId, sequence++));
    }
  }

  private void emitAware(
      Session s, Engagement engagement, LocalDateTime aware, LocalDateTime nextStage, Rng rng) {
    LocalDateTime until = stageEnd(aware, nextStage, 30);
    for (int i = 0; i < engagement.touches(); i++) {
      LocalDateTime ts = i == 0 ? aware : randomTimeBetween(aware, until, rng);
      String type = rng.chance(0.7) ? "ad_impression" : "campaign_touch";
      String channel = rng.chance(0.8) ? engagement.touchChannel() : rng.pick(TOUCH_CHANNELS);
      s.emit(ts, type, "", channel, null, s.next());
    }
  }

  private void emitAppeal(
      Session s,
      Engagement engagement,
      LocalDateTime appeal,
      LocalDateTime nextStage,
      Persona persona,
      Rng rng) {
    LocalDateTime until = stageEnd(appeal, nextStage, 30);
    String channel = persona != null ? onlineChannelOf(persona, rng) : engagement.touchChannel();
    if (channel.equals("store") || channel.equals("call_center")) {
      channel = "online";
    }
    for (int i = 0; i < engagement.views(); i++) {
      LocalDateTime ts = i == 0 ? appeal : randomTimeBetween(appeal, until, rng);
      s.emit(ts, "product_view", productFor(persona, rng).sku(), channel, null, s.next());
    }
    if (engagement.wishlisted()) {
      s.emit(
          randomTimeBetween(appeal, until, rng),
          "wishlist",
          productFor(persona, rng).sku(),
          channel,
          null,
          s.next());
    }
    if (rng.chance(0.2)) {
      s.emit(randomTimeBetween(appeal, until, rng), "follow", "", channel, null, s.next());
    }
  }

  private void emitAsk(
      Session s, Persona persona, LocalDateTime ask, LocalDateTime nextStage, Rng rng) {
    LocalDateTime until = stageEnd(ask, nextStage, 21);
    boolean byPhone = persona != null && persona.channels().pick(rng).equals("call_center");
    double[] weights =
        byPhone
            ? new double[] {0.05, 0.05, 0.3, 0.55, 0.0, 0.05}
            : new double[] {0.3, 0.15, 0.05, 0.03, 0.3, 0.17};
    String[] types = {
      "search", "compare", "inquiry", "call_center_contact", "add_to_cart", "review_read"
    };
    int count = 1 + rng.poisson(0.7);
    for (int i = 0; i < count; i++) {
      String type = types[rng.weightedIndex(weights)];
      LocalDateTime ts = i == 0 ? ask : randomTimeBetween(ask, until, rng);
      String channel =
          switch (type) {
            case "call_center_contact" -> "call_center";
            case "inquiry" -> byPhone ? "call_center" : "online";
            default ->
                persona != null
                    ? onlineChannelOf(persona, rng)
                    : (rng.chance(0.5) ? "app" : "online");
          };
      boolean hasSku =
          type.equals("compare") || type.equals("add_to_cart") || type.equals("review_read");
      s.emit(ts, type, hasSku ? productFor(persona, rng).sku() : "", channel, null, s.next());
    }
  }

  private void emitAfterPurchase(
      Session s, Persona persona, List<Order> own, LocalDateTime advocate, Rng rng) {
    for (Order order : own) {
      if (order.lines().get(0).qty() < 0) {
        continue; // returns are not purchases
      }
      String session = s.next();
      String firstSku = order.lines().get(0).sku();
      if (!order.channel().equals("store")
          && !order.channel().equals("call_center")
          && rng.chance(0.15)) {
        s.emit(
            order.ts().minusSeconds(rng.intBetween(60, 1200)),
            "product_view",
            firstSku,
            order.channel(),
            null,
            session);
      }
      s.emit(order.ts(), "purchase", firstSku, order.channel(), null, session);
      if (rng.chance(persona.reviewShare())) {
        LocalDateTime reviewTs = order.ts().plusHours(2).plus(stageDelay(4, rng));
        if (!reviewTs.isAfter(windowEnd)) {
          // Before advocacy a review must not count as advocacy, so ratings stay at 3 or below.
          boolean advocated = advocate != null && !reviewTs.isBefore(advocate);
          int rating = rating(persona, advocated, rng);
          String sku = rng.pick(order.lines()).sku();
          s.emit(reviewTs, "review", sku, onlineChannelOf(persona, rng), rating, s.next());
        }
      }
    }
    if (advocate != null) {
      String sku = own.get(0).lines().get(0).sku();
      String channel = onlineChannelOf(persona, rng);
      switch (rng.weightedIndex(new double[] {0.5, 0.3, 0.2})) {
        case 0 -> s.emit(advocate, "review", sku, channel, rng.chance(0.6) ? 5 : 4, s.next());
        case 1 -> s.emit(advocate, "share", sku, channel, null, s.next());
        default -> s.emit(advocate, "referral", "", channel, null, s.next());
      }
    }
  }

  private int rating(Persona persona, boolean advocateAllowed, Rng rng) {
    double[] weights = persona.ratingWeights().clone();
    if (!advocateAllowed) {
      weights[3] = 0;
      weights[4] = 0;
    }
    return 1 + rng.weightedIndex(weights);
  }

  private Product productFor(Persona persona, Rng rng) {
    return persona != null ? catalog.pickFor(persona, rng) : catalog.pickAny(rng);
  }

  /** Browsing happens online or in the app, even for store shoppers. */
  private static String onlineChannelOf(Persona persona, Rng rng) {
    String channel = persona.channels().pick(rng);
    return channel.equals("app") || channel.equals("online")
        ? channel
        : (rng.chance(0.3) ? "app" : "online");
  }

  private LocalDateTime stageEnd(LocalDateTime stageStart, LocalDateTime nextStage, int maxDays) {
    LocalDateTime until =
        nextStage != null ? nextStage.minusMinutes(1) : stageStart.plusDays(maxDays);
    if (until.isAfter(windowEnd)) {
      until = windowEnd;
    }
    return until.isBefore(stageStart) ? stageStart : until;
  }

  // ---------------------------------------------------------------- time helpers

  /**
   * The first order time on a pattern day at or after {@code earliest}, respecting store closures.
   */
  private LocalDateTime orderTimeOnOrAfter(
      LocalDateTime earliest, Persona persona, String channel, Rng rng) {
    for (LocalDate day = earliest.toLocalDate();
        !day.isAfter(options.endDate());
        day = day.plusDays(1)) {
      if (!persona.shoppingDays().matches(day)
          || (channel.equals("store") && daysOff.contains(day))) {
        continue;
      }
      LocalDateTime ts = timeOfDay(day, persona, channel, true, rng);
      if (ts.isAfter(earliest)) {
        return ts;
      }
    }
    return null;
  }

  private LocalDateTime timeOfDay(
      LocalDate day, Persona persona, String channel, boolean onPattern, Rng rng) {
    double hour;
    if (onPattern) {
      hour = rng.uniform(persona.fromHour(), persona.toHour());
    } else {
      hour = channel.equals("store") ? rng.uniform(8, 21) : rng.uniform(7, 23.5);
    }
    if (hour >= 24 && day.equals(options.endDate())) {
      hour = rng.uniform(22, 24); // a night owl's spill-over would fall after the run date
    }
    long seconds = (long) (hour * 3600);
    return day.atStartOfDay().plusSeconds(seconds);
  }

  private static java.time.Duration stageDelay(double meanDays, Rng rng) {
    double days = 0.1 + rng.exponential(meanDays);
    return java.time.Duration.ofSeconds((long) (days * SECONDS_PER_DAY));
  }

  private static LocalDateTime randomTimeBetween(LocalDateTime from, LocalDateTime to, Rng rng) {
    long span = ChronoUnit.SECONDS.between(from, to);
    return span <= 0 ? from : from.plusSeconds((long) (rng.uniform() * span));
  }

  /** Linearly increasing density over the interval. */
  private static LocalDateTime growingTimeBetween(LocalDateTime from, LocalDateTime to, Rng rng) {
    long span = ChronoUnit.SECONDS.between(from, to);
    return span <= 0 ? from : from.plusSeconds((long) (Math.sqrt(rng.uniform()) * span));
  }

  private static LocalDate randomDateBetween(LocalDate from, LocalDate to, Rng rng) {
    long span = ChronoUnit.DAYS.between(from, to);
    return span <= 0 ? to : from.plusDays(rng.intBetween(0, (int) span));
  }

  private static int pickRegion(Rng rng) {
    // Capital and harbour regions are the big ones; R12 (no demographics) is small but present.
    double[] weights = {0.2, 0.08, 0.08, 0.08, 0.07, 0.07, 0.07, 0.07, 0.12, 0.06, 0.06, 0.04};
    return rng.weightedIndex(weights);
  }

  private static int homeStore(int region, Rng rng) {
    // Stores S01..S20 spread over the 12 regions; regions 1-8 have a second store.
    int second = region + ReferenceData.REGION_COUNT;
    return second < ReferenceData.STORE_COUNT && rng.chance(0.5) ? second : region;
  }

  private static String gender(double femaleShare, Rng rng) {
    if (rng.chance(0.02)) {
      return "X";
    }
    return rng.chance(femaleShare) ? "F" : "M";
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double clamp(double x, double lo, double hi) {
    return Math.max(lo, Math.min(hi, x));
  }

  // ---------------------------------------------------------------- output

  /** Data rows (header excluded) per written file, for the README. */
  private final Map<String, Integer> rowsPerFile = new LinkedHashMap<>();

  private void writeCsv(String relativePath, String header, List<String[]> rows)
      throws IOException {
    CsvFile.write(options.out().resolve(relativePath), header, rows);
    rowsPerFile.put(relativePath, rows.size());
  }

  private SampleDataGenerator.Summary write(Rng referenceRng) throws IOException {
    Path out = options.out();
    customers.sort(Comparator.comparing(Customer::id));

    orders.sort(
        Comparator.comparing(Order::ts)
            .thenComparing(Order::customerId)
            .thenComparingLong(Order::sequence));
    List<String[]> transactionRows = new ArrayList<>();
    int orderNumber = 1;
    for (Order order : orders) {
      String id = orderId(orderNumber++);
      int lineNo = 1;
      for (OrderLine line : order.lines()) {
        transactionRows.add(
            new String[] {
              id,
              Integer.toString(lineNo++),
              order.customerId(),
              order.ts().format(TS),
              line.sku(),
              Integer.toString(line.qty()),
              money(line.unitPrice()),
              order.channel(),
              order.payment(),
              order.storeId(),
              order.regionCode()
            });
      }
    }
    List<String[]> withBadRows =
        BadRows.plant(transactionRows, windowEnd, orderNumber, TS, referenceRng.split());
    writeCsv(
        "transactions.csv",
        "order_id,line_no,cust_id,order_ts,sku,qty,unit_price,channel,payment_method,store_id,region_code",
        withBadRows);

    events.sort(
        Comparator.comparing(Event::ts)
            .thenComparing(Event::customerId)
            .thenComparingLong(Event::sequence));
    List<String[]> eventRows = new ArrayList<>();
    for (Event e : events) {
      eventRows.add(
          new String[] {
            e.customerId(),
            e.ts().format(TS),
            e.type(),
            e.sku(),
            e.channel(),
            e.rating() == null ? "" : e.rating().toString(),
            e.sessionId()
          });
    }
    writeCsv("events.csv", "cust_id,event_ts,event_type,sku,channel,rating,session_id", eventRows);

    List<String[]> customerRows = new ArrayList<>();
    for (Customer c : customers) {
      String[] contact = ContactDetails.of(Integer.parseInt(c.id().substring(1)));
      customerRows.add(
          new String[] {
            c.id(),
            contact[0],
            contact[1],
            contact[2],
            c.signupDate().toString(),
            Integer.toString(c.birthYear()),
            c.gender(),
            ReferenceData.regionCode(c.region()),
            Integer.toString(c.householdSize())
          });
    }
    writeCsv(
        "customers.csv",
        "cust_id,full_name,email,phone,signup_date,birth_year,gender,region_code,household_size",
        customerRows);

    List<String[]> productRows = new ArrayList<>();
    for (Product p : catalog.products()) {
      productRows.add(new String[] {p.sku(), p.category(), p.brand(), money(p.listPrice())});
    }
    writeCsv("products.csv", "sku,category,brand,list_price", productRows);

    writeCsv(
        "external/region_demographics.csv",
        "region_code,region_name,population,median_income,urban_share,avg_household_size",
        ReferenceData.regionDemographicsRows(referenceRng.split()));

    List<String[]> holidayRows = new ArrayList<>();
    for (Holiday h : holidays) {
      holidayRows.add(new String[] {h.date().toString(), h.name(), Boolean.toString(h.dayOff())});
    }
    writeCsv("external/holidays.csv", "date,holiday_name,is_holiday", holidayRows);

    Map<Stage, Long> stageCounts = writeTruth();
    long distinctOrders = withBadRows.stream().map(row -> row[BadRows.ORDER_ID]).distinct().count();
    ReadmeWriter.write(
        out.resolve("README.md"), options, rowsPerFile, orders.size(), distinctOrders, stageCounts);
    Map<String, Long> stageCountsByLabel = new LinkedHashMap<>();
    stageCounts.forEach((stage, count) -> stageCountsByLabel.put(stage.label(), count));
    return new SampleDataGenerator.Summary(
        withBadRows.size(),
        orders.size(),
        events.size(),
        customers.size(),
        catalog.products().size(),
        BadRows.COUNTS,
        stageCountsByLabel);
  }

  /**
   * Truth files. Journey stages are derived from the written events with the same rule the pipeline
   * is meant to apply (first evidence of each stage at or after the previous one), so truth and
   * data agree.
   */
  private Map<Stage, Long> writeTruth() throws IOException {
    Map<String, List<Event>> eventsByCustomer = new TreeMap<>();
    for (Event e : events) {
      eventsByCustomer.computeIfAbsent(e.customerId(), k -> new ArrayList<>()).add(e);
    }
    Map<Stage, Long> reachedCounts = new EnumMap<>(Stage.class);
    for (Stage stage : Stage.values()) {
      reachedCounts.put(stage, 0L);
    }
    List<String[]> personaRows = new ArrayList<>();
    List<String[]> journeyRows = new ArrayList<>();
    for (Customer c : customers) {
      List<Stage> reached = stagesReached(eventsByCustomer.getOrDefault(c.id(), List.of()));
      reached.forEach(stage -> reachedCounts.merge(stage, 1L, Long::sum));
      if (c.isBuyer()) {
        personaRows.add(new String[] {c.id(), c.persona().name()});
      }
      journeyRows.add(
          new String[] {
            c.id(),
            c.personaOrProspect(),
            reached.isEmpty() ? "" : reached.get(reached.size() - 1).label(),
            String.join("|", reached.stream().map(Stage::label).toList())
          });
    }
    writeCsv("truth/customer_personas.csv", "cust_id,persona", personaRows);
    writeCsv(
        "truth/journey.csv", "cust_id,persona_or_prospect,final_stage,stages_reached", journeyRows);

    List<String[]> rateRows = new ArrayList<>();
    Stage[] stages = Stage.values();
    for (int i = 0; i + 1 < stages.length; i++) {
      long from = reachedCounts.get(stages[i]);
      long to = reachedCounts.get(stages[i + 1]);
      rateRows.add(
          new String[] {
            stages[i].label(),
            stages[i + 1].label(),
            String.format(Locale.ROOT, "%.4f", from == 0 ? 0.0 : (double) to / from),
            Long.toString(from),
            Long.toString(to)
          });
    }
    writeCsv(
        "truth/planted_rates.csv",
        "from_stage,to_stage,planted_rate,customers_from,customers_to",
        rateRows);

    List<String[]> quarantineRows = new ArrayList<>();
    BadRows.COUNTS.forEach(
        (reason, rows) -> quarantineRows.add(new String[] {reason, rows.toString()}));
    writeCsv("truth/quarantine_expected.csv", "reason,rows", quarantineRows);
    return reachedCounts;
  }

  static List<Stage> stagesReached(List<Event> customerEvents) {
    List<Event> sorted = new ArrayList<>(customerEvents);
    sorted.sort(Comparator.comparing(Event::ts).thenComparingLong(Event::sequence));
    List<Stage> reached = new ArrayList<>();
    Stage[] stages = Stage.values();
    LocalDateTime since = null;
    for (Stage stage : stages) {
      LocalDateTime at = null;
      for (Event e : sorted) {
        if ((since == null || !e.ts().isBefore(since))
            && stage.isEvidencedBy(e.type(), e.rating())) {
          at = e.ts();
          break;
        }
      }
      if (at == null) {
        break;
      }
      reached.add(stage);
      since = at;
    }
    return reached;
  }

  private static String money(double amount) {
    return String.format(Locale.ROOT, "%.2f", amount);
  }
}
