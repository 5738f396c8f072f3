/**
 * The roles of igd-stream assembled from the configuration (ingest, augment, corrupt, trainer,
 * evaluator, the metrics endpoint), so that each role's command and the pipeline run the same ones.
 */
package io.igdstream.app.roles;
