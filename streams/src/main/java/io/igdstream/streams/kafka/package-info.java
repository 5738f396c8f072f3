/**
 * Kafka wiring: the in-process KRaft broker ({@link
 * io.igdstream.streams.kafka.EmbeddedKafkaBroker}), the topics of a prefix ({@link
 * io.igdstream.schemas.TopicNames}, {@link io.igdstream.streams.kafka.TopicsSettings}) and their
 * creation ({@link io.igdstream.streams.kafka.TopicAdmin}).
 */
package io.igdstream.streams.kafka;
