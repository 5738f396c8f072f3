/** The {@code igd} entry point: the top-level command that lists every subcommand. */
package io.igdstream.app;
