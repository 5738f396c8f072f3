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
 * The Strimzi API versions a model property (getter) or a {@code type:} variant exists in, e.g.
 * {@code "v1beta2"}, {@code "v1+"}, {@code "v1alpha1-v1beta2"}.
 *
 * <p>Test-only copy of Strimzi's annotation type. io.strimzi:api carries it at runtime retention on
 * its model classes, but the jar that declares it (io.strimzi:crd-generator) is a {@code provided}
 * dependency of the api and is not published to Maven Central. Without the type on the class path
 * reflection silently drops the annotation; with this copy (same name, same element) {@code
 * getAnnotation(PresentInVersions.class)} reads it. DeployManifestsTest checks that it does.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.TYPE})
public @interface PresentInVersions {
  /** The version range the property or type is present in. */
  String value();
}
