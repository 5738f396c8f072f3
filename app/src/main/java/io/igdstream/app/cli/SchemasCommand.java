package io.igdstream.app.cli;

import io.igdstream.schemas.SchemaCatalog;
import io.igdstream.schemas.TopicNames;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code igd schemas}: every record type's schema, fingerprint and topic, so that any Kafka client
 * can frame records igd-stream reads (docs/ROLES.md "Python producers").
 */
@Command(
    name = "schemas",
    mixinStandardHelpOptions = true,
    header = "Record schemas, fingerprints and topics for other clients.",
    description =
        "Print each record type's Avro schema (JSON), its CRC-64-AVRO fingerprint and single-object"
            + " header bytes, and the topic it goes to; --avsc DIR writes the .avsc files.")
public final class SchemasCommand implements Callable<Integer> {

  @Option(
      names = "--topic-prefix",
      paramLabel = "NS",
      defaultValue = "igd",
      description = "Topic namespace the listing names (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--avsc",
      paramLabel = "DIR",
      description = "Also write <Name>.avsc for every record type into DIR.")
  Path avsc;

  @Override
  public Integer call() {
    SchemaCatalog catalog = SchemaCatalog.of(new TopicNames(topicPrefix));
    System.out.print(catalog.render());
    if (avsc != null) {
      List<Path> written = catalog.writeAvsc(avsc);
      System.err.println("wrote " + written.size() + " .avsc files to " + avsc);
    }
    return ExitCode.OK;
  }
}
