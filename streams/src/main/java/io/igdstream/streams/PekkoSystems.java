package io.igdstream.streams;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorSystem;

/** Actor systems for the stages, with logging through SLF4J at WARNING and quiet shutdowns. */
public final class PekkoSystems {

  private static final String OVERRIDES = "io/igdstream/streams/pekko.conf";

  private PekkoSystems() {}

  /** An actor system over {@code config} (users may still override pekko.* in their --config). */
  public static ActorSystem create(String name, Config config) {
    Config ours = ConfigFactory.parseResources(PekkoSystems.class.getClassLoader(), OVERRIDES);
    return ActorSystem.create(name, ours.withFallback(config).resolve());
  }
}
