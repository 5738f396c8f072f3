/** The report files of a robustness evaluation: report.json, report.md and the PNG plots. */
package io.igdstream.app.report;
