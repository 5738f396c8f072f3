package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code igd schemas}: what another Kafka client needs to frame igd-stream's records. */
class SchemasCommandTest {

  @TempDir Path dir;

  /** The header line printed under {@code fullName}'s block. */
  private static String headerOf(String listing, String fullName) {
    Matcher m =
        Pattern.compile(
                "(?m)^" + Pattern.quote(fullName) + "\\R(?:  .*\\R)*?  header: +([0-9A-F ]+)$")
            .matcher(listing);
    assertTrue(m.find(), "no header for " + fullName + " in:\n" + listing);
    return m.group(1).trim();
  }

  @Test
  void theImageSampleHeaderIsWhatAvrosSingleObjectEncoderWrites() throws IOException {
    ByteBuffer encoded =
        ImageSample.newBuilder()
            .setId("train-000000")
            .setSplit(Split.TRAIN)
            .setLabel(1)
            .setClasses(2)
            .setImage(new Tensor(List.of(1, 1, 1), ByteBuffer.wrap(new byte[4])))
            .setDataset("x")
            .setClassNames(List.of("a", "b"))
            .build()
            .toByteBuffer();
    byte[] first10 = new byte[10];
    encoded.get(first10);

    Cli.Result r = Cli.run("schemas", "--topic-prefix", "ns");

    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(
        HexFormat.ofDelimiter(" ").withUpperCase().formatHex(first10),
        headerOf(r.out(), "io.igdstream.schemas.ImageSample"));
    assertTrue(r.out().contains("topic:       ns.samples"), r.out());
  }

  @Test
  void avscWritesSchemasEqualToTheGeneratedClasses() throws IOException {
    Path out = dir.resolve("avsc");

    Cli.Result r = Cli.run("schemas", "--avsc", out.toString());

    assertEquals(0, r.exitCode(), r.toString());
    Schema parsed = new Schema.Parser().parse(Files.readString(out.resolve("ImageSample.avsc")));
    assertEquals(ImageSample.getClassSchema(), parsed);
    assertTrue(r.out().contains("topic:       igd.samples"), r.out());
  }

  @Test
  void anIllegalTopicPrefixIsOneLineAndExitTwo() {
    Cli.Result r = Cli.run("schemas", "--topic-prefix", "no spaces");

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(1, r.errorLines().size(), r.toString());
    assertTrue(r.errorLines().get(0).contains("is not valid"), r.toString());
  }
}
