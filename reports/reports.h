/* reports/reports.h: turning results into text for people and programs. Pure functions: a
 * struct run_result (common/run.h) in, text out into a caller's buffer or stream; no clock, no
 * globals. The JSON form of a run and the layouts are specified in README.md. */
#ifndef TB_REPORTS_H
#define TB_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/metric.h"
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

/* ---- the view model every report is rendered from (table.c) ------------------------------ */
/* A report builds tables of cells (text already formatted for people, plus the number behind it
 * for machine formats), then one renderer writes them as aligned text (80 columns), Markdown,
 * CSV, JSON or HTML. Tables own nothing: every string is copied into the table. */

enum rpt_format { RPT_TEXT, RPT_MARKDOWN, RPT_CSV, RPT_JSON, RPT_HTML };
/* "text", "md", "csv", "json", "html" (also "markdown"). Returns 0, or -1. */
int rpt_format_parse(const char *name, enum rpt_format *out);

#define RPT_TABLE_COLS 16
#define RPT_CELL_BYTES 96

struct rpt_cell {
    char text[RPT_CELL_BYTES]; /* as people read it: "12,345", "3.12x ±2% (p=0.008 n=5+5)" */
    double value;              /* the number behind it (NAN: none; JSON/CSV then use text) */
};

struct rpt_table {
    char title[128];
    char key[64]; /* JSON key of the table: "runs", "comparison", ... */
    size_t ncols;
    char cols[RPT_TABLE_COLS][48];     /* column headings as people read them */
    char col_keys[RPT_TABLE_COLS][48]; /* machine names with units: "rps", "p99_us" */
    bool right[RPT_TABLE_COLS];        /* numeric columns align right */
    struct rpt_cell (*rows)[RPT_TABLE_COLS];
    size_t nrows, cap;
    char notes[8][256]; /* lines printed under the table ("~: not significant (Mann-Whitney U)") */
    size_t nnotes;
};

/* Starts an empty table with the given columns: "Heading|key|r" per column ("r": numeric, right
 * aligned). Returns 0 or -1. rpt_table_free frees the rows. */
int rpt_table_init(struct rpt_table *t, const char *key, const char *title, const char *const *cols,
                   size_t ncols);
void rpt_table_free(struct rpt_table *t);
/* Appends a row and returns it (cells empty, value NAN), or NULL when out of memory. */
struct rpt_cell *rpt_table_row(struct rpt_table *t);
/* Sets a cell: text printf-style, value the number behind it (NAN for none). */
void rpt_cell_set(struct rpt_cell *c, double value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rpt_table_note(struct rpt_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes tables in a format (HTML: see rpt_html_*). Returns 0 or -1 (write error). Text fits 80
 * columns: wide tables drop to one "key: value" block per row. JSON is one object keyed by each
 * table's key, every row an object keyed by col_keys with numbers as numbers. */
int rpt_tables_write(FILE *f, enum rpt_format fmt, const struct rpt_table *tables, size_t n);

/* ---- capacity: points of a sweep and what they say (stats.c, usl.c, capacity.c) ---------- */

/* One step of a sweep (or a line of a --points file). */
struct rpt_point {
    double concurrency;           /* N: connections in a closed loop; for an open loop, N = X * R */
    double rate_rps;              /* open loop: the offered rate; 0 for a closed loop */
    double throughput_rps;        /* X(N): completed requests per second */
    double latency_us;            /* the SLO's percentile at this step; NAN when unknown */
    double error_rate;            /* failed / attempted, 0..1 */
    double server_cpu_us_per_req; /* the server's CPU time per request; NAN when unknown */
};

/* The Universal Scalability Law fitted to points: X(N) = lambda N / (1 + sigma (N-1) +
 * kappa N (N-1)). */
struct rpt_usl {
    bool ok;           /* false: too few points or the fit did not converge */
    double lambda;     /* throughput of one client with no contention, req/s */
    double sigma;      /* contention (serial fraction), >= 0 */
    double kappa;      /* coherency (crosstalk), >= 0 */
    double r2;         /* coefficient of determination of the fit on X */
    double n_peak;     /* sqrt((1 - sigma) / kappa); INFINITY when kappa is 0 */
    double x_peak_rps; /* X(n_peak) */
    unsigned npoints;
    char method[96]; /* how it was fitted, for the report */
};

/* X(N) on a fitted law. */
double rpt_usl_x(const struct rpt_usl *u, double n);

#endif
