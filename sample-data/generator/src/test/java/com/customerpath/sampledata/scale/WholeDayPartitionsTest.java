package com.customerpath.sampledata.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The generator's partitions hold whole days (one file per day) and are few: a task per day spent
 * most of a small data set's time starting tasks.
 */
class WholeDayPartitionsTest {
  @Test
  void theFewestWholeDayPartitionsThatKeepEveryCoreBusy() {
    assertEquals(4, ScaleDataGenerator.wholeDayPartitions(120, 4), "120 days: 30 per task");
    assertEquals(5, ScaleDataGenerator.wholeDayPartitions(365, 4), "a year: 73 days per task");
    assertEquals(7, ScaleDataGenerator.wholeDayPartitions(7, 4), "a prime: a task per day");
    assertEquals(3, ScaleDataGenerator.wholeDayPartitions(3, 4), "fewer days than tasks");
    assertEquals(1, ScaleDataGenerator.wholeDayPartitions(1, 4));
    assertEquals(6, ScaleDataGenerator.wholeDayPartitions(6, 4), "no divisor between 4 and 6");
  }
}
