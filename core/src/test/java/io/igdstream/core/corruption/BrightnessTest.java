package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BrightnessTest {

  @Test
  void greyImagesGetCAddedAndClipped() {
    // CIFAR severity 1, c = 0.05: 0 → 0.05, 0.5 → 0.55, 0.97 → 1.02 clipped to 1.
    float[] src = {0f, 0.5f, 0.97f};
    float[] out = TestImages.apply(new Brightness(ConstantSet.CIFAR), src, 1, 1, 3, 1, 0);
    assertArrayEquals(new float[] {0.05f, 0.55f, 1f}, out, 1e-6f);
  }

  @Test
  void rgbPixelsChangeOnlyInValue() {
    // Pixels side by side in one 1×4 RGB image (planes R, G, B), CIFAR severity 2, c = 0.1.
    // (1, 0, 0): V = 1 is already the maximum → unchanged.
    // (0.2, 0.4, 0.6): V 0.6 → 0.7; hue and saturation fixed, so every channel scales by 0.7/0.6:
    //   (0.2333…, 0.4666…, 0.7).
    // (0, 0, 0): V = 0, S = 0 → grey (0.1, 0.1, 0.1).
    // (0.95, 0.5, 0.5): V 0.95 → 1.0 (clipped from 1.05), scale 1/0.95 → (1, 0.5263…, 0.5263…).
    float[] src = {
      1f, 0.2f, 0f, 0.95f, // R
      0f, 0.4f, 0f, 0.5f, // G
      0f, 0.6f, 0f, 0.5f // B
    };
    float[] out = TestImages.apply(new Brightness(ConstantSet.CIFAR), src, 3, 1, 4, 2, 0);
    float[] expected = {
      1f, 0.2f * 7 / 6, 0.1f, 1f,
      0f, 0.4f * 7 / 6, 0.1f, 0.5f / 0.95f,
      0f, 0.7f, 0.1f, 0.5f / 0.95f
    };
    assertArrayEquals(expected, out, 1e-6f);
  }

  @Test
  void equalsAnExplicitSkimageHsvRoundTrip() {
    int plane = 500;
    float[] src = TestImages.uniform(3 * plane, 12);
    for (ConstantSet set : ConstantSet.values()) {
      Brightness b = new Brightness(set);
      for (int s = 1; s <= 5; s++) {
        float[] out = TestImages.apply(b, src, 3, 1, plane, s, 0);
        for (int i = 0; i < plane; i++) {
          double[] hsv = rgbToHsv(src[i], src[plane + i], src[2 * plane + i]);
          hsv[2] = Math.min(Math.max(hsv[2] + b.constant(s), 0), 1);
          double[] rgb = hsvToRgb(hsv[0], hsv[1], hsv[2]);
          assertEquals(rgb[0], out[i], 1e-6);
          assertEquals(rgb[1], out[plane + i], 1e-6);
          assertEquals(rgb[2], out[2 * plane + i], 1e-6);
        }
      }
    }
  }

  /** skimage.color.rgb2hsv for one pixel. */
  private static double[] rgbToHsv(double r, double g, double b) {
    double v = Math.max(r, Math.max(g, b));
    double delta = v - Math.min(r, Math.min(g, b));
    double s = delta == 0 ? 0 : delta / v;
    double h;
    if (delta == 0) {
      h = 0;
    } else if (b == v) {
      h = 4 + (r - g) / delta;
    } else if (g == v) {
      h = 2 + (b - r) / delta;
    } else {
      h = (g - b) / delta;
    }
    h = ((h / 6) % 1 + 1) % 1;
    return new double[] {h, s, v};
  }

  /** skimage.color.hsv2rgb for one pixel. */
  private static double[] hsvToRgb(double h, double s, double v) {
    double hi = Math.floor(h * 6);
    double f = h * 6 - hi;
    double p = v * (1 - s);
    double q = v * (1 - f * s);
    double t = v * (1 - (1 - f) * s);
    switch (((int) hi) % 6) {
      case 0:
        return new double[] {v, t, p};
      case 1:
        return new double[] {q, v, p};
      case 2:
        return new double[] {p, v, t};
      case 3:
        return new double[] {p, q, v};
      case 4:
        return new double[] {t, p, v};
      default:
        return new double[] {v, p, q};
    }
  }
}
