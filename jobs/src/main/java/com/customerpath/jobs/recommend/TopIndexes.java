package com.customerpath.jobs.recommend;

/**
 * The first k of the indexes 0..m-1 in a strict order, with a bounded heap of ints whose root is
 * the last one kept: no boxed index, no comparator object per element and no sort of all m. Used
 * once per customer by the per-customer scorers (ALS, bought together, the assembly's ranking),
 * where a PriorityQueue of Integer or a sort of every candidate was the step's main allocation.
 */
final class TopIndexes {
  /** A strict total order on indexes: before(a, b) is true when a comes first. */
  @FunctionalInterface
  interface Order {
    boolean before(int a, int b);
  }

  private TopIndexes() {}

  /** The first min(k, m) indexes of 0..m-1 in order, first first. */
  static int[] first(int m, int k, Order order) {
    int kept = Math.min(k, m);
    if (kept <= 0) {
      return new int[0];
    }
    int[] heap = new int[kept];
    int size = 0;
    for (int j = 0; j < m; j++) {
      if (size < kept) {
        heap[size] = j;
        up(heap, size++, order);
      } else if (order.before(j, heap[0])) {
        heap[0] = j;
        down(heap, size, order);
      }
    }
    int[] out = new int[size];
    for (int i = size - 1; i >= 0; i--) {
      out[i] = heap[0];
      heap[0] = heap[i];
      down(heap, i, order);
    }
    return out;
  }

  /** Restores "a parent comes after its children" from position i up. */
  private static void up(int[] heap, int i, Order order) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!order.before(heap[parent], heap[i])) {
        return;
      }
      swap(heap, parent, i);
      i = parent;
    }
  }

  /** Restores "a parent comes after its children" from the root down, over the first size. */
  private static void down(int[] heap, int size, Order order) {
    int i = 0;
    while (true) {
      int left = 2 * i + 1;
      int right = left + 1;
      int last = i;
      if (left < size && order.before(heap[last], heap[left])) {
        last = left;
      }
      if (right < size && order.before(heap[last], heap[right])) {
        last = right;
      }
      if (last == i) {
        return;
      }
      swap(heap, i, last);
      i = last;
    }
  }

  private static void swap(int[] heap, int a, int b) {
    int t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
  }
}
