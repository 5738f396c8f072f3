package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.streams.PekkoSystems;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;

/** The Pekko actor system the stream roles of one JVM run on. */
public final class ActorSystems {

  private ActorSystems() {}

  /** A Pekko actor system configured from the merged configuration (its pekko section). */
  public static ActorSystem start(Config config) {
    return PekkoSystems.create("igd", config);
  }

  /** Terminates {@code system}, waiting up to 30 s. */
  public static void stop(ActorSystem system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // shutting down anyway
    }
  }
}
