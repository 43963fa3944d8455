package com.customerpath.sampledata;

/** One catalogue item as written to products.csv. */
record Product(String sku, String category, String brand, double listPrice) {}
