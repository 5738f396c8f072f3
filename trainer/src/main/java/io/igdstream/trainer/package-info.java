/**
 * The Kafka-fed trainer role: {@link io.igdstream.trainer.KafkaTrainer} is a loop over named parts
 * (batch assembly and validation, the trained pairs, the staleness policy, the snapshot schedule
 * and publisher, checkpointing), with the step bookkeeping it shares with the local trainer in
 * {@link io.igdstream.core.train.TrainingLedger}.
 */
package io.igdstream.trainer;
