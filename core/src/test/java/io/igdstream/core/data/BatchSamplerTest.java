package io.igdstream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
  /** N images of 3x6x6 whose pixels encode the sample index; labels i % 4. */
  private static Dataset data(int n) {
    byte[] pixels = new byte[n * 108];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 4;
      for (int j = 0; j < 108; j++) {
        pixels[i * 108 + j] = (byte) (i * 31 + j * 7 + 1);
      }
    }
    return new Dataset("t", 3, 6, 6, List.of("a", "b", "c", "d"), pixels, labels);
  }

  private static int[] indicesOfEpoch(BatchSampler s, int epoch) {
    int[] all = new int[0];
    for (int b = 0; b < s.batchesPerEpoch(); b++) {
      int[] idx = s.batch(epoch, b).sampleIndices();
      int[] next = Arrays.copyOf(all, all.length + idx.length);
      System.arraycopy(idx, 0, next, all.length, idx.length);
      all = next;
    }
    return all;
  }

  @Test
  void sameSeedGivesIdenticalBatchesAcrossInstances() {
    Dataset d = data(50);
    BatchSampler a = new BatchSampler(d, 8, 42L, Augmentation.cifar(), false);
    BatchSampler b = new BatchSampler(d, 8, 42L, Augmentation.cifar(), false);
    for (int e = 0; e < 2; e++) {
      for (int i = 0; i < a.batchesPerEpoch(); i++) {
        Batch x = a.batch(e, i);
        Batch y = b.batch(e, i);
        assertArrayEquals(x.sampleIndices(), y.sampleIndices());
        assertArrayEquals(x.labels(), y.labels());
        assertArrayEquals(x.images(), y.images());
      }
    }
  }

  @Test
  void randomAccessReproducesTheBatchWhateverWasAskedBefore() {
    BatchSampler s = new BatchSampler(data(50), 8, 7L, Augmentation.cifar(), false);
    Batch first = s.batch(3, 4);
    s.batch(0, 0);
    s.batch(5, 2);
    Batch again = s.batch(3, 4);
    assertArrayEquals(first.sampleIndices(), again.sampleIndices());
    assertArrayEquals(first.images(), again.images());
  }

  @Test
  void everySampleOccursExactlyOncePerEpochAndTheLastBatchIsSmaller() {
    BatchSampler s = new BatchSampler(data(50), 8, 1L, Augmentation.NONE, false);
    assertEquals(7, s.batchesPerEpoch());
    assertEquals(2, s.batch(0, 6).size());
    int[] all = indicesOfEpoch(s, 0);
    int[] sorted = all.clone();
    Arrays.sort(sorted);
    int[] expected = new int[50];
    Arrays.setAll(expected, i -> i);
    assertArrayEquals(expected, sorted);
    assertFalse(Arrays.equals(expected, all), "the order is shuffled");
  }

  @Test
  void differentEpochOrSeedGivesADifferentOrder() {
    Dataset d = data(50);
    BatchSampler s = new BatchSampler(d, 8, 1L, Augmentation.NONE, false);
    BatchSampler other = new BatchSampler(d, 8, 2L, Augmentation.NONE, false);
    assertFalse(Arrays.equals(indicesOfEpoch(s, 0), indicesOfEpoch(s, 1)));
    assertFalse(Arrays.equals(indicesOfEpoch(s, 0), indicesOfEpoch(other, 0)));
    assertArrayEquals(s.permutation(4), indicesOfEpoch(s, 4));
  }

  @Test
  void dropLastKeepsOnlyFullBatches() {
    BatchSampler s = new BatchSampler(data(50), 8, 1L, Augmentation.NONE, true);
    assertEquals(6, s.batchesPerEpoch());
    int[] all = indicesOfEpoch(s, 0);
    assertEquals(48, all.length);
    assertEquals(48, Arrays.stream(all).distinct().count());
    for (int b = 0; b < 6; b++) {
      assertEquals(8, s.batch(0, b).size());
    }
    assertThrows(IndexOutOfBoundsException.class, () -> s.batch(0, 6));
    assertEquals(0, new BatchSampler(data(5), 8, 1L, Augmentation.NONE, true).batchesPerEpoch());
  }

  @Test
  void unaugmentedBatchHoldsTheImagesAndLabelsOfItsSamples() {
    Dataset d = data(20);
    Batch b = new BatchSampler(d, 6, 9L, Augmentation.NONE, false).batch(2, 1);
    assertEquals(3, b.channels());
    assertEquals(6, b.height());
    assertEquals(6 * 108, b.images().length);
    float[] expected = new float[108];
    for (int i = 0; i < b.size(); i++) {
      int sample = b.sampleIndices()[i];
      assertEquals(d.labels()[sample], b.labels()[i]);
      d.copyImage(sample, expected, 0);
      assertArrayEquals(expected, Arrays.copyOfRange(b.images(), i * 108, (i + 1) * 108));
    }
  }

  @Test
  void augmentationOfASampleDependsOnSeedEpochAndSampleOnlyNotOnBatchSize() {
    Dataset d = data(30);
    BatchSampler small = new BatchSampler(d, 4, 5L, Augmentation.cifar(), false);
    BatchSampler large = new BatchSampler(d, 7, 5L, Augmentation.cifar(), false);
    float[][] bySample = new float[30][];
    for (int i = 0; i < small.batchesPerEpoch(); i++) {
      Batch b = small.batch(1, i);
      for (int k = 0; k < b.size(); k++) {
        bySample[b.sampleIndices()[k]] = Arrays.copyOfRange(b.images(), k * 108, (k + 1) * 108);
      }
    }
    boolean anyChanged = false;
    float[] plain = new float[108];
    for (int i = 0; i < large.batchesPerEpoch(); i++) {
      Batch b = large.batch(1, i);
      for (int k = 0; k < b.size(); k++) {
        int sample = b.sampleIndices()[k];
        float[] img = Arrays.copyOfRange(b.images(), k * 108, (k + 1) * 108);
        assertArrayEquals(bySample[sample], img);
        d.copyImage(sample, plain, 0);
        anyChanged |= !Arrays.equals(plain, img);
      }
    }
    assertTrue(anyChanged, "cifar() augmentation changes some images");
    // Another epoch re-draws the augmentation of the same sample.
    Batch e1 = small.batch(1, 0);
    int sample = e1.sampleIndices()[0];
    boolean differs = false;
    for (int epoch = 2; epoch < 6 && !differs; epoch++) {
      for (int i = 0; i < small.batchesPerEpoch(); i++) {
        Batch b = small.batch(epoch, i);
        for (int k = 0; k < b.size(); k++) {
          if (b.sampleIndices()[k] == sample) {
            differs |=
                !Arrays.equals(
                    bySample[sample], Arrays.copyOfRange(b.images(), k * 108, (k + 1) * 108));
          }
        }
      }
    }
    assertTrue(differs);
  }

  @Test
  void invalidArgumentsAreRejected() {
    Dataset d = data(10);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new BatchSampler(d, 0, 1L, Augmentation.NONE, false));
    assertEquals("batchSize must be > 0, was 0", e.getMessage());
    BatchSampler s = new BatchSampler(d, 4, 1L, Augmentation.NONE, false);
    assertThrows(IllegalArgumentException.class, () -> s.batch(-1, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> s.batch(0, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> s.batch(0, -1));
  }

  @Test
  void augmentedCifarSizedBatchOf128TakesAboutAMillisecond() {
    int n = 1024;
    byte[] pixels = new byte[n * 3072];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 13);
    }
    Dataset d = new Dataset("c", 3, 32, 32, List.of("a"), pixels, new int[n]);
    BatchSampler s = new BatchSampler(d, 128, 3L, Augmentation.cifar(), false);
    for (int i = 0; i < 200; i++) { // warm-up for the JIT
      s.batch(i % 4, i % 8);
    }
    int rounds = 200;
    long start = System.nanoTime();
    double checksum = 0;
    for (int i = 0; i < rounds; i++) {
      checksum += s.batch(i % 4, i % 8).images()[i];
    }
    double micros = (System.nanoTime() - start) / 1000.0 / rounds;
    assertTrue(checksum >= 0);
    assertTrue(micros < 3000, "batch of 128 took " + micros + " us");
  }
}
