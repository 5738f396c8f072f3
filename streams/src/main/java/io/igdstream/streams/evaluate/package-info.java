/**
 * The streaming evaluator: {@link io.igdstream.streams.evaluate.EvaluatorStream} follows a model's
 * snapshots and has {@link io.igdstream.streams.evaluate.SnapshotEvaluator} (no Kafka) score each
 * selected one with the robustness suite on the test split ({@link
 * io.igdstream.streams.evaluate.TestSet}) and its corrupted images ({@link
 * io.igdstream.streams.evaluate.StoredCorruptions}), publishes the Avro form of each report ({@link
 * io.igdstream.streams.evaluate.ReportRecords}) and sets its Prometheus gauges ({@link
 * io.igdstream.streams.evaluate.EvaluationMetrics}).
 */
package io.igdstream.streams.evaluate;
