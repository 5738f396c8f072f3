package io.igdstream.streams.kafka;

import io.igdstream.schemas.kafka.KafkaSettings;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.CommitterSettings;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerSettings;

/** Pekko connector settings built from {@link KafkaSettings}: byte[] keys and values throughout. */
public final class PekkoKafka {

  private PekkoKafka() {}

  public static ConsumerSettings<byte[], byte[]> consumer(
      ActorSystem system, KafkaSettings kafka, String group) {
    ConsumerSettings<byte[], byte[]> settings =
        ConsumerSettings.create(system, new ByteArrayDeserializer(), new ByteArrayDeserializer())
            // with DrainingControl the stop timeout only delays shutdown (connector docs)
            .withStopTimeout(java.time.Duration.ZERO);
    for (var e : kafka.consumerStrings(group).entrySet()) {
      settings = settings.withProperty(e.getKey(), e.getValue());
    }
    return settings;
  }

  public static ProducerSettings<byte[], byte[]> producer(ActorSystem system, KafkaSettings kafka) {
    ProducerSettings<byte[], byte[]> settings =
        ProducerSettings.create(system, new ByteArraySerializer(), new ByteArraySerializer());
    for (var e : kafka.producerStrings().entrySet()) {
      settings = settings.withProperty(e.getKey(), e.getValue());
    }
    return settings;
  }

  public static CommitterSettings committer(ActorSystem system, KafkaSettings kafka) {
    return CommitterSettings.create(system).withMaxInterval(kafka.commitInterval());
  }
}
