package com.customerpath.common.som;

import java.io.Serializable;

/**
 * One training epoch: its 1-based number, the kernel radius of its update, and the quantization and
 * topographic errors of the codebook that update produced, on the training data.
 */
public record TrainingEpoch(
    int epoch, double radius, double quantizationError, double topographicError)
    implements Serializable {}
