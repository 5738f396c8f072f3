/*
 * Copied from Strimzi 0.49.1, crd-generator/src/main/java/io/strimzi/crdgenerator/annotations/
 * (Copyright Strimzi authors, Apache License 2.0).
 */
package io.strimzi.crdgenerator.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The Strimzi API versions a model property (getter) is required in, e.g. {@code "v1+"} on every
 * custom resource's {@code spec}. Test-only copy, for the reason given on {@link
 * PresentInVersions}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD})
public @interface RequiredInVersions {
  /** The version range the property is required in. */
  String value();
}
