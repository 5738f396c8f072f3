/**
 * The streaming evaluator's pieces: the Avro form of a robustness report ({@link
 * io.igdstream.streams.evaluate.ReportRecords}) and its Prometheus gauges ({@link
 * io.igdstream.streams.evaluate.EvaluationMetrics}).
 */
package io.igdstream.streams.evaluate;
