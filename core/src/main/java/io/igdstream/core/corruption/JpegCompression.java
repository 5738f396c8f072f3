package io.igdstream.core.corruption;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * jpeg_compression: quantise to 8 bits (round(x·255)), encode as baseline JPEG at quality q,
 * decode, divide by 255.
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code x.save(output, 'JPEG', quality=c)} with PIL (libjpeg). q is the IJG quality 0..100:
 * CIFAR-10-C 80 65 58 50 40, ImageNet-C 25 18 15 10 7. Encoded with the JDK's javax.imageio JPEG
 * writer (libjpeg 6b) at compression quality q/100, which scales the standard IJG (Annex K) tables
 * as libjpeg's {@code jpeg_set_quality} does; 3 channels go as TYPE_3BYTE_BGR (JFIF YCbCr, 4:2:0
 * chroma subsampling like PIL's default), 1 channel as TYPE_BYTE_GRAY. Only 1 or 3 channels are
 * supported. Codec objects are kept per thread and reused.
 */
public final class JpegCompression extends SeverityCorruption {

  static final double[] CIFAR = {80, 65, 58, 50, 40};
  static final double[] IMAGENET = {25, 18, 15, 10, 7};

  private static final ThreadLocal<Codec> CODEC = ThreadLocal.withInitial(Codec::new);

  public JpegCompression(ConstantSet constants) {
    super("jpeg_compression", constants, CIFAR, IMAGENET);
  }

  @Override
  void corrupt(
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int severity,
      double c,
      SplittableRandom random) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException(
          "jpeg_compression needs 1 (grey) or 3 (RGB) channels, was " + channels);
    }
    CODEC.get().roundTrip(src, srcOffset, dst, dstOffset, channels, height, width, (float) c);
  }

  /** Encodes and decodes 8-bit images; one per thread (ImageIO readers/writers are not shared). */
  private static final class Codec {
    private final ImageWriter writer;
    private final ImageReader reader;
    private final ImageWriteParam param;
    private final ExposedBytes bytes = new ExposedBytes();
    private BufferedImage image;
    private BufferedImage decoded;

    Codec() {
      Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
      Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
      if (!writers.hasNext() || !readers.hasNext()) {
        throw new IllegalStateException("no javax.imageio JPEG codec in this JDK");
      }
      writer = writers.next();
      reader = readers.next();
      param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setProgressiveMode(ImageWriteParam.MODE_DISABLED);
    }

    void roundTrip(
        float[] src,
        int srcOffset,
        float[] dst,
        int dstOffset,
        int channels,
        int height,
        int width,
        float quality) {
      int type = channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR;
      image = reuse(image, type, height, width);
      byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
      int plane = height * width;
      if (channels == 1) {
        for (int i = 0; i < plane; i++) {
          pixels[i] = quantise(src[srcOffset + i]);
        }
      } else {
        for (int i = 0; i < plane; i++) {
          pixels[3 * i] = quantise(src[srcOffset + 2 * plane + i]); // B
          pixels[3 * i + 1] = quantise(src[srcOffset + plane + i]); // G
          pixels[3 * i + 2] = quantise(src[srcOffset + i]); // R
        }
      }
      try {
        bytes.reset();
        param.setCompressionQuality(quality / 100f);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
          writer.setOutput(out);
          writer.write(null, new IIOImage(image, null, null), param);
        }
        writer.setOutput(null);
        decoded = reuse(decoded, type, height, width);
        ImageReadParam read = reader.getDefaultReadParam();
        read.setDestination(decoded);
        try (MemoryCacheImageInputStream in =
            new MemoryCacheImageInputStream(bytes.asInputStream())) {
          reader.setInput(in, true, true);
          BufferedImage result = reader.read(0, read);
          if (result != decoded) {
            throw new IllegalStateException("JPEG reader ignored the destination image");
          }
        }
        reader.setInput(null);
      } catch (IOException e) {
        throw new UncheckedIOException(
            String.format(
                Locale.ROOT,
                "jpeg_compression round trip failed (%dx%dx%d, quality %.0f)",
                channels,
                height,
                width,
                quality),
            e);
      }
      byte[] out = ((DataBufferByte) decoded.getRaster().getDataBuffer()).getData();
      float inv = 1f / 255f;
      if (channels == 1) {
        for (int i = 0; i < plane; i++) {
          dst[dstOffset + i] = (out[i] & 0xff) * inv;
        }
      } else {
        for (int i = 0; i < plane; i++) {
          dst[dstOffset + i] = (out[3 * i + 2] & 0xff) * inv;
          dst[dstOffset + plane + i] = (out[3 * i + 1] & 0xff) * inv;
          dst[dstOffset + 2 * plane + i] = (out[3 * i] & 0xff) * inv;
        }
      }
    }

    private static BufferedImage reuse(BufferedImage old, int type, int height, int width) {
      if (old != null
          && old.getType() == type
          && old.getHeight() == height
          && old.getWidth() == width) {
        return old;
      }
      return new BufferedImage(width, height, type);
    }

    private static byte quantise(float x) {
      float v = x <= 0 ? 0 : x >= 1 ? 255 : x * 255f;
      return (byte) Math.round(v);
    }
  }

  /** A ByteArrayOutputStream whose buffer can be read back without copying. */
  private static final class ExposedBytes extends ByteArrayOutputStream {
    ByteArrayInputStream asInputStream() {
      return new ByteArrayInputStream(buf, 0, count);
    }
  }
}
