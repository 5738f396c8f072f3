package io.igdstream.streams.evaluate;

import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AutoAttackMember;
import io.igdstream.schemas.AutoAttackRun;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptionError;
import io.igdstream.schemas.FractionError;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts between core's {@link RobustnessReport}/{@link ModelResult} and the Avro {@link
 * io.igdstream.schemas.RobustnessReport} published on {@code {ns}.reports}: core stays free of
 * Avro, and the one mapping lives here.
 *
 * <p>The Avro form carries one model per record and no per-sample data: Gini samples, saliency
 * examples and regional samples come back empty. A test that was not run is null in {@link
 * ModelResult} (INA, RN) or an empty map (corruptions, as the suite makes it); in Avro both are an
 * empty list, since a test that ran always has at least one fraction or corruption.
 */
public final class ReportRecords {

  private static final AvroCodec<io.igdstream.schemas.RobustnessReport> CODEC =
      AvroCodec.of(io.igdstream.schemas.RobustnessReport.class);

  private ReportRecords() {}

  /**
   * The reports of {@code modelId} already in {@code topic}, by snapshot version (the last record
   * of each key, as compaction keeps it): what a restarted evaluator must not evaluate again.
   * Records of other models, tombstones and records that do not decode are passed over.
   */
  public static Map<Long, io.igdstream.schemas.RobustnessReport> read(
      KafkaSettings kafka, String topic, String modelId, Duration timeout) {
    String prefix = key(modelId, 0).substring(0, modelId.length() + 1);
    Map<Long, io.igdstream.schemas.RobustnessReport> reports = new TreeMap<>();
    TopicScan.scan(
        kafka,
        topic,
        timeout,
        r -> {
          String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
          if (!k.startsWith(prefix)) {
            return;
          }
          long version;
          try {
            version = Long.parseLong(k.substring(prefix.length()));
          } catch (NumberFormatException e) {
            return;
          }
          if (r.value() == null) {
            reports.remove(version);
            return;
          }
          try {
            reports.put(version, CODEC.decode(r.value()));
          } catch (RuntimeException e) {
            // not a report this build can read: evaluating the version again replaces it
          }
        });
    return reports;
  }

  /**
   * The Kafka record key of a report, {@code modelId/version}: one report per snapshot, so a
   * re-evaluation replaces the old one in the compacted topic.
   *
   * @throws IllegalArgumentException if the model id is empty or contains '/' (the key would be
   *     ambiguous)
   */
  public static String key(String modelId, long version) {
    Objects.requireNonNull(modelId, "modelId");
    if (modelId.isEmpty() || modelId.indexOf('/') >= 0) {
      throw new IllegalArgumentException(
          "model id must be non-empty and contain no '/', was '" + modelId + "'");
    }
    return modelId + "/" + version;
  }

  /**
   * The Avro record of one model's results in {@code report}. PGD's eps and steps are taken from
   * the report's settings ({@code pgd_eps}, {@code pgd_steps}) when the model has a PGD-20 result.
   *
   * @param createdAtMs when the report was made, epoch milliseconds
   */
  public static io.igdstream.schemas.RobustnessReport toAvro(
      RobustnessReport report, ModelResult model, long createdAtMs) {
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(model.modelId(), "model id");
    Objects.requireNonNull(report.dataset(), "dataset");
    boolean pgd = model.pgd20Accuracy() != null;
    Number eps = pgd ? setting(report, "pgd_eps") : null;
    Number steps = pgd ? setting(report, "pgd_steps") : null;
    return io.igdstream.schemas.RobustnessReport.newBuilder()
        .setModelId(model.modelId())
        .setSnapshotVersion(model.snapshotVersion())
        .setArchitecture(Objects.requireNonNullElse(model.architecture(), ""))
        .setMethod(Objects.requireNonNullElse(model.method(), ""))
        .setDataset(report.dataset())
        .setSamples(report.samples())
        .setJointCorrect(report.jointCorrect())
        .setSeed(report.seed())
        .setCleanAccuracy(model.cleanAccuracy())
        .setPgd20Accuracy(model.pgd20Accuracy())
        .setPgdEps(eps == null ? null : eps.doubleValue())
        .setPgdSteps(steps == null ? null : steps.intValue())
        .setGiniPixel(model.giniPixel())
        .setGiniRegional(model.giniRegional())
        .setInaAdd(fractionErrors(model.inaAdd()))
        .setInaReplace(fractionErrors(model.inaReplace()))
        .setRn(fractionErrors(model.rn()))
        .setIoaGrey(model.ioaGrey())
        .setIoaWhite(model.ioaWhite())
        .setCorruptions(corruptionErrors(model.corruptions()))
        .setSeconds(report.seconds() == null ? Map.of() : new LinkedHashMap<>(report.seconds()))
        .setCreatedAtMs(createdAtMs)
        .setAutoattack(autoAttack(model.autoAttack()))
        .build();
  }

  /**
   * The model's results in an Avro report, with empty per-sample data (see the class comment).
   *
   * @throws IllegalArgumentException if a fraction, or a corruption and severity, appears twice
   */
  public static ModelResult fromAvro(io.igdstream.schemas.RobustnessReport r) {
    Objects.requireNonNull(r, "report");
    return new ModelResult(
        r.getModelId(),
        r.getSnapshotVersion(),
        r.getArchitecture(),
        r.getMethod(),
        r.getCleanAccuracy(),
        r.getPgd20Accuracy(),
        r.getGiniPixel(),
        r.getGiniRegional(),
        new double[0],
        new double[0],
        rates("ina_add", r.getInaAdd()),
        rates("ina_replace", r.getInaReplace()),
        rates("rn", r.getRn()),
        r.getIoaGrey(),
        r.getIoaWhite(),
        corruptionRates(r.getCorruptions()),
        List.of(),
        autoAttack(r.getAutoattack()));
  }

  /**
   * A one-model core report of an Avro record, for images of {@code spec} (the record does not
   * carry the image shape): PGD's eps and steps back into the settings, no per-sample data.
   */
  public static RobustnessReport reportFromAvro(
      io.igdstream.schemas.RobustnessReport r, ModelSpec spec) {
    Map<String, Object> settings = new LinkedHashMap<>();
    if (r.getPgdEps() != null) {
      settings.put("pgd_eps", r.getPgdEps());
    }
    if (r.getPgdSteps() != null) {
      settings.put("pgd_steps", r.getPgdSteps());
    }
    AutoAttackRun aa = r.getAutoattack();
    if (aa != null) {
      settings.put("autoattack_version", aa.getVersion());
      settings.put("autoattack_norm", aa.getNorm());
      settings.put("autoattack_eps", aa.getEps());
      settings.put("autoattack_points", aa.getNPoints());
    }
    return new RobustnessReport(
        r.getDataset(),
        spec.channels(),
        spec.height(),
        spec.width(),
        r.getSamples(),
        r.getJointCorrect(),
        r.getSeed(),
        settings,
        List.of(fromAvro(r)),
        r.getSeconds(),
        Set.of());
  }

  /** The Avro form of an AutoAttack run; null when none ran. */
  private static AutoAttackRun autoAttack(AutoAttackResult run) {
    if (run == null) {
      return null;
    }
    byte[] robust = new byte[run.robust() == null ? 0 : run.robust().length];
    for (int i = 0; i < robust.length; i++) {
      robust[i] = (byte) (run.robust()[i] ? 1 : 0);
    }
    return AutoAttackRun.newBuilder()
        .setVersion(run.version())
        .setNorm(run.norm().key())
        .setEps(run.eps())
        .setNPoints(run.points())
        .setCleanAccuracy(run.cleanAccuracy())
        .setRobustAccuracy(run.robustAccuracy())
        .setAttacks(
            run.attacks().stream()
                .map(
                    o ->
                        new AutoAttackMember(
                            o.name(),
                            o.attacked(),
                            o.broken(),
                            o.robustAccuracyAfter(),
                            o.seed(),
                            o.seconds()))
                .toList())
        .setRobust(ByteBuffer.wrap(robust))
        .setNotes(new ArrayList<>(run.notes()))
        .build();
  }

  /** The core form of an Avro AutoAttack run; null when none ran. */
  private static AutoAttackResult autoAttack(AutoAttackRun run) {
    if (run == null) {
      return null;
    }
    ByteBuffer bytes = run.getRobust().duplicate();
    boolean[] robust = new boolean[bytes.remaining()];
    for (int i = 0; i < robust.length; i++) {
      robust[i] = bytes.get() != 0;
    }
    return new AutoAttackResult(
        run.getVersion(),
        Norm.parse(run.getNorm()),
        run.getEps(),
        run.getNPoints(),
        run.getCleanAccuracy(),
        run.getAttacks().stream()
            .map(
                m ->
                    new AutoAttackResult.Outcome(
                        m.getName(),
                        m.getAttacked(),
                        m.getBroken(),
                        m.getRobustAccuracyAfter(),
                        m.getSeed(),
                        m.getSeconds()))
            .toList(),
        run.getRobustAccuracy(),
        robust,
        List.copyOf(run.getNotes()));
  }

  private static Number setting(RobustnessReport report, String name) {
    Object value = report.settings() == null ? null : report.settings().get(name);
    if (value != null && !(value instanceof Number)) {
      throw new IllegalArgumentException(
          "report setting " + name + " must be a number, was '" + value + "'");
    }
    return (Number) value;
  }

  /** Ascending by fraction; empty for a test not run. */
  private static List<FractionError> fractionErrors(Map<Double, Double> rates) {
    List<FractionError> list = new ArrayList<>();
    if (rates != null) {
      new TreeMap<>(rates).forEach((fraction, rate) -> list.add(new FractionError(fraction, rate)));
    }
    return list;
  }

  /** In the map's corruption order, severities ascending; empty for a test not run. */
  private static List<CorruptionError> corruptionErrors(Map<String, Map<Integer, Double>> rates) {
    List<CorruptionError> list = new ArrayList<>();
    if (rates != null) {
      rates.forEach(
          (name, bySeverity) ->
              new TreeMap<>(bySeverity)
                  .forEach(
                      (severity, rate) -> list.add(new CorruptionError(name, severity, rate))));
    }
    return list;
  }

  private static Map<Double, Double> rates(String field, List<FractionError> errors) {
    if (errors.isEmpty()) {
      return null;
    }
    Map<Double, Double> rates = new LinkedHashMap<>();
    for (FractionError e : errors) {
      if (rates.put(e.getFraction(), e.getErrorRate()) != null) {
        throw new IllegalArgumentException(
            field + ": fraction " + e.getFraction() + " appears twice");
      }
    }
    return rates;
  }

  private static Map<String, Map<Integer, Double>> corruptionRates(List<CorruptionError> errors) {
    Map<String, Map<Integer, Double>> rates = new LinkedHashMap<>();
    for (CorruptionError e : errors) {
      Map<Integer, Double> bySeverity =
          rates.computeIfAbsent(e.getName(), n -> new LinkedHashMap<>());
      if (bySeverity.put(e.getSeverity(), e.getErrorRate()) != null) {
        throw new IllegalArgumentException(
            "corruptions: " + e.getName() + " at severity " + e.getSeverity() + " appears twice");
      }
    }
    return rates;
  }
}
