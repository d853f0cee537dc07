/* reports/reports.h: turning results into text for people and programs. Pure functions: a
 * struct run_result (common/run.h) in, text out into a caller's buffer or stream; no clock, no
 * globals. The JSON form of a run is specified in docs/store.md. */
#ifndef TB_REPORTS_H
#define TB_REPORTS_H

#include <stddef.h>
#include <stdio.h>

#include "common/run.h"

/* Version tag written as "schema" in every run JSON document (README.md, "The run JSON").
 * 2: the one latency vocabulary of common/sample.h ("latency_us": {"p50", ..., "p99_9"}), the
 * request counters, errors by errno, thread_rps, and a timeline keyed by Unix second. */
#define RPT_RUN_JSON_SCHEMA "tierbench.run/2"

/* Writes r as one JSON object (no trailing newline) into buf, NUL-terminated and truncated but
 * never overflowed. Returns the length the whole document needs, like snprintf: the output is
 * complete only when the result is < cap. A config_json that is not valid JSON is written as a
 * string so nothing is lost. Errno keys are symbolic names ("ECONNREFUSED") where the C library
 * can name them (glibc >= 2.32), else numbers, so the same run may differ across libcs there. */
size_t rpt_run_json(const struct run_result *r, char *buf, size_t cap);

/* rpt_run_json into f, followed by a newline. Returns 0, or -1 (out of memory, write error). */
int rpt_run_json_write(const struct run_result *r, FILE *f);

#endif
