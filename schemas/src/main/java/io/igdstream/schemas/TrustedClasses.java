package io.igdstream.schemas;

import java.util.List;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes it does not trust while decoding ({@code
 * SecurityException: Forbidden io.igdstream.schemas.ImageSample! This class is not trusted...}),
 * unless the JVM runs with {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.igdstream}. So that no
 * launcher can forget the flag, {@link AvroCodec} adds exactly the generated classes of this module
 * to Avro's global allow-list, keeping whatever the flag or others allowed before.
 */
final class TrustedClasses {

  /** Every class generated from src/main/avro (records, nested records, enums, fixed). */
  static final List<Class<?>> GENERATED =
      List.of(
          ImageSample.class,
          Split.class,
          Tensor.class,
          AdversarialSample.class,
          AttackSettings.class,
          CorruptedSample.class,
          SnapshotHeader.class,
          Sha256.class,
          SnapshotChunk.class,
          RobustnessReport.class,
          FractionError.class,
          CorruptionError.class,
          AutoAttackRun.class,
          AutoAttackMember.class,
          DeadLetter.class,
          ReasonCode.class);

  private static boolean installed;

  private TrustedClasses() {}

  static synchronized void install() {
    if (installed) {
      return;
    }
    ClassSecurityValidator.Builder ours = ClassSecurityValidator.builder();
    GENERATED.forEach(ours::add);
    ClassSecurityValidator.setGlobal(
        ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours.build()));
    installed = true;
  }
}
