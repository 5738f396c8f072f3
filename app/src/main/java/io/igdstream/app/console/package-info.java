/** What a command prints while it works: timestamped status lines and rate-and-ETA progress. */
package io.igdstream.app.console;
