package io.igdstream.schemas.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

  private static KafkaSettings parse(String hocon) {
    Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    return KafkaSettings.fromConfig(c);
  }

  @Test
  void clientPropertiesReachEveryKindOfClientAndPerKindOnesOnlyTheirOwn() {
    KafkaSettings k =
        parse(
            """
            igd.kafka.client { security.protocol = SASL_SSL, sasl.mechanism = SCRAM-SHA-512 }
            igd.kafka.producer { compression.type = lz4 }
            igd.kafka.consumer { fetch.min.bytes = 1024 }
            igd.kafka.admin { request.timeout.ms = 5000 }
            """);
    for (var props :
        java.util.List.of(k.producerProperties(), k.consumerProperties("g"), k.adminProperties())) {
      assertEquals("SASL_SSL", props.get("security.protocol"));
      assertEquals("SCRAM-SHA-512", props.get("sasl.mechanism"));
    }
    assertEquals("lz4", k.producerProperties().get("compression.type"));
    assertFalse(k.consumerProperties("g").containsKey("compression.type"));
    assertEquals("1024", k.consumerProperties(null).get("fetch.min.bytes"));
    assertFalse(k.adminProperties().containsKey("fetch.min.bytes"));
    assertEquals("5000", k.adminProperties().get("request.timeout.ms"));
    // Pekko's string maps carry them too
    assertEquals("SASL_SSL", k.producerStrings().get("security.protocol"));
    assertEquals("SASL_SSL", k.consumerStrings("g").get("security.protocol"));
  }

  @Test
  void perKindPropertiesOverrideClientOnes() {
    KafkaSettings k =
        parse(
            """
            igd.kafka.client { client.id = everyone }
            igd.kafka.producer { client.id = producer-only }
            """);
    assertEquals("producer-only", k.producerProperties().get("client.id"));
    assertEquals("everyone", k.consumerProperties(null).get("client.id"));
  }

  @Test
  void ownedPropertiesAreRefusedWithALineNamingTheKey() {
    for (String owned :
        new String[] {
          "producer { enable.idempotence = false }",
          "consumer { enable.auto.commit = true }",
          "client { value.deserializer = x }",
          "consumer { auto.offset.reset = latest }",
          "client { bootstrap.servers = \"h:1\" }"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> parse("igd.kafka." + owned));
      String key = owned.substring(owned.indexOf('{') + 2, owned.indexOf(" =")).trim();
      assertTrue(e.getMessage().contains("." + key + " cannot be set"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line");
    }
  }

  @Test
  void kafkaConfigProviderReferencesPassThroughUntouchedWhenQuoted() {
    // a key that is also the prefix of another key must be quoted, or HOCON makes it an object
    KafkaSettings k =
        parse(
            """
            igd.kafka.client {
              "config.providers" = file
              config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider
              sasl.jaas.config = "${file:/etc/igd/kafka.properties:jaas}"
            }
            """);
    assertEquals(
        "${file:/etc/igd/kafka.properties:jaas}", k.adminProperties().get("sasl.jaas.config"));
    assertEquals("file", k.adminProperties().get("config.providers"));
    assertEquals(
        "org.apache.kafka.common.config.provider.FileConfigProvider",
        k.adminProperties().get("config.providers.file.class"));
  }

  @Test
  void anUnsetEnvironmentSubstitutionLeavesThePropertyOut() {
    KafkaSettings k =
        parse("igd.kafka.client { sasl.password = ${?IGD_TEST_SURELY_UNSET_VARIABLE} }");
    assertFalse(k.adminProperties().containsKey("sasl.password"));
  }

  @Test
  void toStringNeverShowsASecret() {
    KafkaSettings k =
        parse(
            """
            igd.kafka.client {
              sasl.jaas.config = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"augment\\" password=\\"hunter2\\";"
              ssl.keystore.password = s3cret
              ssl.key.password = k3y
              ssl.truststore.location = /etc/ca.p12
            }
            """);
    String shown = k.toString() + k.describeClientProperties();
    assertFalse(shown.contains("hunter2"), shown);
    assertFalse(shown.contains("s3cret"), shown);
    assertFalse(shown.contains("k3y"), shown);
    assertTrue(shown.contains("/etc/ca.p12"), "non-secret values stay readable: " + shown);
  }
}
