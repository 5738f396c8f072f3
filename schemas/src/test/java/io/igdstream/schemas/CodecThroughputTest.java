package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Encode + decode rate of a 28×28 AdversarialSample (three tensors), printed for the record; no
 * timed assertion (the machine may be busy). About half a second.
 */
class CodecThroughputTest {

  @Test
  void measuresEncodeAndDecodeOfA28x28AdversarialSample() {
    AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
    AdversarialSample sample = Fixtures.adversarialSample();
    byte[] bytes = codec.encode(sample);
    long sink = 0;
    for (int i = 0; i < 20_000; i++) { // warm-up
      sink += codec.decode(codec.encode(sample)).getLabel();
    }
    int n = 40_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += codec.encode(sample).length;
    }
    long t1 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += codec.decode(bytes).getEpoch();
    }
    long t2 = System.nanoTime();
    double encodeUs = (t1 - t0) / 1e3 / n;
    double decodeUs = (t2 - t1) / 1e3 / n;
    System.out.printf(
        "AvroCodec<AdversarialSample 28x28, %d bytes>: encode %.2f us, decode %.2f us, encode+decode %.0f records/s (%.0f MB/s) on one thread [%d]%n",
        bytes.length,
        encodeUs,
        decodeUs,
        1e6 / (encodeUs + decodeUs),
        bytes.length / (encodeUs + decodeUs),
        sink % 10);
    assertEquals(sample, codec.decode(bytes));
  }
}
