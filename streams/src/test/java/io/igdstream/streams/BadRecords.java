package io.igdstream.streams;

import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The eight kinds of malformed records on {@code {ns}.samples} that every stage reading it must
 * dead-letter with their reason (issue "Reliability", guarantee 4). Record i of a kind is keyed
 * {@code <kind>-<i>}, so a dead letter's key says which kind it was. The decodable kinds are
 * 1×28×28 samples of the given split made invalid in one way each; they are invalid for any
 * expected shape: augment checks {@code [1, 28, 28]}, corrupt only {@code [C, H, W]} with C = 1 or
 * 3.
 */
public final class BadRecords {

  /** A kind of bad record: its name, the reason a stage must give, and how to make the i-th. */
  public record Kind(String name, ReasonCode reason, IntFunction<byte[]> make) {}

  private BadRecords() {}

  /** The eight kinds; the decodable ones are samples of {@code split}. */
  public static List<Kind> kinds(Split split) {
    return List.of(
        new Kind("random-bytes", ReasonCode.UNDECODABLE, BadRecords::randomBytes),
        new Kind(
            "truncated-avro",
            ReasonCode.UNDECODABLE,
            i -> {
              byte[] b = valid(split, i);
              return Arrays.copyOf(b, b.length / 2);
            }),
        new Kind(
            "unknown-fingerprint",
            ReasonCode.UNKNOWN_SCHEMA,
            i -> {
              byte[] b = valid(split, i);
              for (int k = 2; k < 10; k++) {
                b[k] ^= (byte) 0xA5;
              }
              return b;
            }),
        // the 784 pixels without their channel axis: consistent data, no [C, H, W] shape
        new Kind(
            "wrong-shape",
            ReasonCode.SHAPE_MISMATCH,
            i -> with(split, i, s -> s.setImage(Tensors.of(Tensors.floats(s.getImage()), 28, 28)))),
        new Kind(
            "nan-inf",
            ReasonCode.NON_FINITE,
            i ->
                with(
                    split,
                    i,
                    s -> setPixel(s, i % 784, i % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY))),
        new Kind(
            "pixel-range",
            ReasonCode.PIXEL_OUT_OF_RANGE,
            i -> with(split, i, s -> setPixel(s, i % 784, i % 2 == 0 ? 1.5f : -0.25f))),
        new Kind(
            "label-range",
            ReasonCode.LABEL_OUT_OF_RANGE,
            i -> with(split, i, s -> s.setLabel(10 + i % 5))),
        // claims 2000x2000 pixels (16 MB) with 3 KB of data: rejected before anything is allocated
        new Kind(
            "oversize",
            ReasonCode.OVERSIZE,
            i -> with(split, i, s -> s.getImage().setShape(Arrays.asList(1, 2000, 2000)))));
  }

  /**
   * {@code perKind} records of each kind, as (key, value) pairs for {@link StreamFixtures#produce}.
   */
  public static List<byte[][]> records(List<Kind> kinds, int perKind) {
    List<byte[][]> records = new ArrayList<>(kinds.size() * perKind);
    for (Kind kind : kinds) {
      for (int i = 0; i < perKind; i++) {
        records.add(
            new byte[][] {
              (kind.name() + "-" + i).getBytes(StandardCharsets.UTF_8), kind.make().apply(i)
            });
      }
    }
    return records;
  }

  /** The kind whose record has this key. */
  public static Kind kindOf(List<Kind> kinds, byte[] key) {
    String k = new String(key, StandardCharsets.UTF_8);
    return kinds.stream()
        .filter(kind -> k.startsWith(kind.name() + "-"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no bad record has the key " + k));
  }

  private static ImageSample base(Split split, int i) {
    return StreamFixtures.sample("bad-" + i, split, 100_000 + i);
  }

  private static byte[] valid(Split split, int i) {
    return StreamFixtures.SAMPLES.encode(base(split, i));
  }

  private static byte[] with(Split split, int i, Consumer<ImageSample> change) {
    ImageSample s = base(split, i);
    change.accept(s);
    return StreamFixtures.SAMPLES.encode(s);
  }

  private static void setPixel(ImageSample s, int index, float value) {
    float[] pixels = Tensors.floats(s.getImage());
    pixels[index] = value;
    s.setImage(Tensors.of(pixels, 1, 28, 28));
  }

  private static byte[] randomBytes(int i) {
    byte[] b = new byte[50 + i % 200];
    new Random(i).nextBytes(b);
    b[0] = 0; // never the single-object marker C3 01
    return b;
  }
}
