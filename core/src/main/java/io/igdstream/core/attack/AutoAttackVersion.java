package io.igdstream.core.attack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AutoAttack versions igd-stream runs (docs/PROTOCOL.md §2): {@code standard}, the field's
 * measure (APGD-CE → APGD-T with 9 targets → FAB-T with 9 targets → Square with 5,000 queries), and
 * {@code apgd}, its cheap gradient-based half (APGD-CE → APGD-T) for periodic use.
 */
public enum AutoAttackVersion {
  STANDARD("standard"),
  APGD("apgd");

  /** Points per {@code perturb} call, as the reference's default {@code bs}. */
  public static final int REFERENCE_BATCH = 250;

  private final String key;

  AutoAttackVersion(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static AutoAttackVersion parse(String value) {
    for (AutoAttackVersion v : values()) {
      if (v.key.equals(value.toLowerCase(Locale.ROOT).trim())) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "autoattack version must be standard or apgd, was '" + value + "'");
  }

  /**
   * The ensemble of this version for a dataset of {@code classes} classes. Below 4 classes the
   * targeted members (their DLR loss needs the 4th-largest logit) are left out, with a note saying
   * so in the report; with K < 10 classes they take K − 1 targets.
   */
  public AutoAttack ensemble(Norm norm, double eps, int classes, int batchSize) {
    List<AutoAttack.Member> members = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    members.add(new AutoAttack.Member("apgd-ce", new ApgdCe(ApgdSettings.standard(norm, eps))));
    boolean targeted = ApgdTargeted.applicable(classes) && FabTargeted.applicable(classes);
    if (targeted) {
      members.add(
          new AutoAttack.Member("apgd-t", new ApgdTargeted(ApgdSettings.standard(norm, eps))));
    } else {
      notes.add(
          "apgd-t"
              + (this == STANDARD ? " and fab-t" : "")
              + " skipped: the targeted DLR loss needs at least 4 classes, the dataset has "
              + classes);
    }
    if (this == STANDARD) {
      if (targeted) {
        members.add(
            new AutoAttack.Member("fab-t", new FabTargeted(FabSettings.standard(norm, eps))));
      }
      members.add(new AutoAttack.Member("square", new Square(SquareSettings.standard(norm, eps))));
    }
    return new AutoAttack(key, norm, eps, members, notes, batchSize);
  }
}
