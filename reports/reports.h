/* reports/reports.h: turning results into text for people and programs. Pure functions: a
 * struct run_result (common/run.h) in, text out into a caller's buffer or stream; no clock, no
 * globals. The JSON form of a run and the layouts are specified in README.md. */
#ifndef TB_REPORTS_H
#define TB_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* ---- the layouts of the tools tierbench reproduces (wrk.c: wrk 4.1 and wrk2; ab.c:
 * ApacheBench 2.3), from a run alone, so a stored run prints again as it first did ---------- */

/* wrk's number formats: "385.65us", "6.01ms", "1.50s", "23.14M" (binary), "74.91k" (metric). */
void rpt_fmt_time_us(char *buf, size_t cap, double us);
void rpt_fmt_time_s(char *buf, size_t cap, double s);
void rpt_fmt_binary(char *buf, size_t cap, double bytes);
void rpt_fmt_metric(char *buf, size_t cap, double n);

struct rpt_wrk_opts {
    bool latency;   /* --latency */
    bool u_latency; /* -U: also the uncorrected distribution (constant rate) */
    bool verbose;   /* -v: errno breakdown and status-code table */
};

/* "Running 10s test @ URL" and the threads/connections line, printed before the run. */
void rpt_wrk_header(FILE *f, const char *url, uint64_t duration_us, unsigned threads,
                    unsigned connections);
/* Everything wrk prints after the run (Req/Sec from r->thread_rps; zeros when NULL). */
void rpt_wrk_report(FILE *f, const struct run_result *r, const struct rpt_wrk_opts *o);
/* One line per (error class, errno) with a count. */
void rpt_errno_table(FILE *f, const struct run_result *r);

struct rpt_ab_opts {
    const char *host;
    unsigned port;
    const char *path;
    unsigned concurrency;
    unsigned threads;
    bool keepalive;  /* -k */
    bool nolength;   /* -l */
    bool confidence; /* not -S */
    bool percentile; /* not -d */
    bool send_body;  /* -p / -u */
};

/* ab's summary from "Server Software:" to the percentile table (the blank lines before it
 * included). */
void rpt_ab_report(FILE *f, const struct run_result *r, const struct rpt_ab_opts *o);
/* ab -e: "Percentage served,Time in ms" then 0..99. */
void rpt_ab_csv(FILE *f, const struct run_result *r);

#endif
