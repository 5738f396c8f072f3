/**
 * {@code igd bench}: the benchmarks that print figures (training step, corruptions, offload, the
 * Kafka path, augment scaling, the soak run) and what they share.
 */
package io.igdstream.app.bench;
