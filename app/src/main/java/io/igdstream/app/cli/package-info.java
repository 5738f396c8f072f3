/**
 * The {@code igd} subcommands, one class per verb, with the options they share (stream, data, run
 * and report directories), the bad-input exception and the exit codes.
 */
package io.igdstream.app.cli;
