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
    char key[64];                         /* JSON key of the table: "runs", "comparison", ... */
    size_t ncols;
    char cols[RPT_TABLE_COLS][48];        /* column headings as people read them */
    char col_keys[RPT_TABLE_COLS][48];    /* machine names with units: "rps", "p99_us" */
    bool right[RPT_TABLE_COLS];           /* numeric columns align right */
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
void rpt_table_note(struct rpt_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes tables in a format (HTML: see rpt_html_*). Returns 0 or -1 (write error). Text fits 80
 * columns: wide tables drop to one "key: value" block per row. JSON is one object keyed by each
 * table's key, every row an object keyed by col_keys with numbers as numbers. */
int rpt_tables_write(FILE *f, enum rpt_format fmt, const struct rpt_table *tables, size_t n);

/* ---- capacity: points of a sweep and what they say (stats.c, usl.c, capacity.c) ---------- */

/* One step of a sweep (or a line of a --points file). */
struct rpt_point {
    double concurrency;    /* N: connections in a closed loop; for an open loop, N = X * R */
    double rate_rps;       /* open loop: the offered rate; 0 for a closed loop */
    double throughput_rps; /* X(N): completed requests per second */
    double latency_us;     /* the SLO's percentile at this step; NAN when unknown */
    double error_rate;     /* failed / attempted, 0..1 */
    double server_cpu_us_per_req; /* the server's CPU time per request; NAN when unknown */
};

/* The Universal Scalability Law fitted to points: X(N) = lambda N / (1 + sigma (N-1) +
 * kappa N (N-1)). */
struct rpt_usl {
    bool ok;                /* false: too few points or the fit did not converge */
    double lambda;          /* throughput of one client with no contention, req/s */
    double sigma;           /* contention (serial fraction), >= 0 */
    double kappa;           /* coherency (crosstalk), >= 0 */
    double r2;              /* coefficient of determination of the fit on X */
    double n_peak;          /* sqrt((1 - sigma) / kappa); INFINITY when kappa is 0 */
    double x_peak_rps;      /* X(n_peak) */
    unsigned npoints;
    char method[96];        /* how it was fitted, for the report */
};

/* X(N) on a fitted law. */
double rpt_usl_x(const struct rpt_usl *u, double n);

/* ---- analysis: repeats, the USL fit, capacity, points files (stats.c, usl.c, capacity.c,
 * points.c). README.md, "Capacity: the math", explains every method chosen here. ---------- */

/* -- statistics of repeated runs (stats.c), what Go's benchstat does -- */

/* The median of x[0..n-1] (x is not changed). NAN when n is 0, when a value is NaN, or when out
 * of memory. */
double rpt_median(const double *x, size_t n);

/* The spread of a set of repeats, as benchstat's "±x%": the largest deviation of a repeat from
 * the median, relative to the median (0.02 for ±2%). It is a range, not a confidence interval:
 * with the 3 to 10 repeats people make, an interval of the median would be as wide as the data.
 * NAN when n < 2 (one run has no spread) or a value is NaN; INFINITY when the median is 0 and the
 * values are not all 0. */
double rpt_spread(const double *x, size_t n);

enum rpt_mw_method {
    RPT_MW_AUTO,  /* exact while both sides have fewer than 50 values, else the normal one */
    RPT_MW_EXACT, /* the exact permutation distribution (ties included) */
    RPT_MW_NORMAL /* the normal approximation with tie and continuity corrections */
};

/* The Mann-Whitney U test of two independent samples. */
struct rpt_mw {
    double u;   /* U of a: pairs (a_i, b_j) with a_i > b_j, a tie counting 1/2; 0..na*nb */
    double p;   /* two-sided p-value: twice the smaller tail, at most 1 */
    bool exact; /* p from the exact distribution, not the normal approximation */
    bool ties;  /* some values occur more than once (midranks were used) */
};

/* Computes U and the two-sided p-value of a against b. The exact distribution is that of a's
 * midrank sum over every way to split the pooled values (so it is exact with ties too, like
 * benchstat's); the normal approximation uses the tie-corrected variance and a continuity
 * correction of 1/2 (as R's wilcox.test and SciPy's mannwhitneyu). Returns 0, or -1 with a
 * reason in err (an empty side, a NaN, out of memory, too large for RPT_MW_EXACT). */
int rpt_mann_whitney(const double *a, size_t na, const double *b, size_t nb, enum rpt_mw_method how,
                     struct rpt_mw *out, char *err, size_t errlen);

/* The smallest two-sided p-value the exact test can give for these sizes, 2 / C(na+nb, na):
 * 0.0079 for 5+5, 0.1 for 3+3. Above alpha, no difference can ever show as significant. */
double rpt_mw_min_p(size_t na, size_t nb);

/* A new set of repeats against a baseline, as benchstat shows it. */
struct rpt_delta {
    size_t n_base, n_new;
    double median_base, median_new;
    double ratio;     /* median_new / median_base (> 1: the new one is larger) */
    double spread;    /* ± of the ratio, relative: the two sides' rpt_spread added (a quotient's
                         relative error is at most the sum of its parts'); NAN when a side has
                         one run */
    double p;         /* two-sided Mann-Whitney p-value (RPT_MW_AUTO) */
    double alpha;     /* significance level it was judged at */
    bool significant; /* p <= alpha */
    bool testable;    /* rpt_mw_min_p(n_base, n_new) <= alpha: the sizes can show a difference */
};

/* Compares new_x with base (alpha 0 means 0.05). Returns 0, or -1 with a reason in err (an
 * empty side, a NaN, a baseline median of 0, out of memory). */
int rpt_delta_compute(const double *base, size_t n_base, const double *new_x, size_t n_new,
                      double alpha, struct rpt_delta *out, char *err, size_t errlen);

/* Writes the delta the way benchstat does (n=BASE+NEW), snprintf-style (returns the length the
 * text needs):
 *   "3.12× ±2% (p=0.008 n=5+5)"          significant
 *   "~ (p=0.421 n=5+5)"                  not significant
 *   "1.05× ±4% (n=3+3: too few runs)"    the sizes cannot reach alpha (3+3: p >= 0.1)
 *   "3.12× no spread (n=1+1)"            a side has one run (and the test says nothing)
 *   "3.12× (p=0.049 n=40+1)"             a side has one run but the test is significant
 * The ratio has 3 significant digits; "×" and "±" are UTF-8; p < 0.001 is written "p<0.001". */
size_t rpt_delta_format(const struct rpt_delta *d, char *buf, size_t cap);

/* -- the Universal Scalability Law (usl.c); struct rpt_usl is declared above -- */

/* Fits the USL to the points by non-linear least squares on X (Levenberg-Marquardt, Marquardt's
 * diagonal scaling; sigma and kappa are kept >= 0 by projecting every trial step onto that
 * bound, so a law that wants a negative coefficient gets 0). It starts from the two linear fits
 * (N/X as a quadratic in N, and rpt_usl_fit_linear's) and keeps the better end. Points whose N
 * or X is not a positive finite number are skipped. Needs 3 distinct N. n_peak is 1 when
 * sigma >= 1; when kappa is 0, n_peak is INFINITY and x_peak_rps the ceiling lambda / sigma
 * (INFINITY too when sigma is 0). Returns 0 (out->ok), or -1 with out->ok false and a reason in
 * err. The caller judges how far the law may be read: see rpt_capacity.usl_forecast_max_n. */
int rpt_usl_fit(const struct rpt_point *pts, size_t n, struct rpt_usl *out, char *err,
                size_t errlen);

/* The linearised fit of Schwartz's book: lambda = X/N at the smallest N, then least squares of
 * y = N lambda / X - 1 = kappa x^2 + (sigma + kappa) x with x = N - 1 and no intercept; sigma
 * and kappa clamped to >= 0. Cruder than rpt_usl_fit (lambda is one measurement); kept as its
 * starting point and for comparison. Same contract as rpt_usl_fit. */
int rpt_usl_fit_linear(const struct rpt_point *pts, size_t n, struct rpt_usl *out, char *err,
                       size_t errlen);

/* -- capacity from a sweep (capacity.c) -- */

struct rpt_capacity_opts {
    bool has_slo;                /* judge latency; else only the error limit judges points */
    struct metric_threshold slo; /* a latency percentile bounded above: "p99<100ms" */
    double max_error_rate;       /* a point passes with error_rate <= this (0..1; NAN is 0) */
    double think_time_s;         /* Z of Little's law: a user's pause between requests */
    double cores;                /* the server's cores, for the utilization bound; 0: unknown */
};

/* No SLO, max_error_rate 0.01 (a step where more than 1 request in 100 fails is not serving),
 * no think time, cores unknown. */
void rpt_capacity_opts_init(struct rpt_capacity_opts *o);

#define RPT_CAP_WARNINGS      8
#define RPT_CAP_WARNING_BYTES 192
/* A knee needs the Kneedle difference curve to reach this: below it, latency grows about in
 * proportion to N and there is no bend to point at. */
#define RPT_KNEE_MIN_DIFF 0.1

/* What a sweep says about capacity. Indexes refer to the caller's points. */
struct rpt_capacity {
    size_t npoints;
    char slo_text[128];    /* "p99_ms < 100, error_rate <= 0.01" (what points were judged by) */
    char latency_name[16]; /* "p99" (the SLO's percentile) or "latency" (no SLO) */
    size_t npassing;       /* points that meet the SLO and the error limit */
    bool slo_met;          /* at least one point passes */
    bool slo_all_met;      /* every point passes: the sweep did not reach the limit */
    size_t slo_index;      /* the passing point with the highest throughput */
    double slo_throughput_rps, slo_concurrency, slo_rate_rps, slo_latency_us, slo_error_rate;

    /* Kneedle (Satopaa et al. 2011) on latency against N, both scaled to 0..1: the knee is the
     * point where scaled N minus scaled latency is largest, if that reaches RPT_KNEE_MIN_DIFF. */
    bool knee_found;
    size_t knee_index;
    double knee_concurrency, knee_throughput_rps, knee_latency_us;
    double knee_diff; /* the largest difference (0..1); NAN without 3 latencies */

    struct rpt_usl usl;        /* usl.ok false when it could not be fitted */
    double usl_forecast_max_n; /* 2x the largest measured N: the law is not read past it */
    bool usl_peak_forecast;    /* usl.n_peak <= usl_forecast_max_n: the peak may be shown */

    /* Utilization law: X <= cores / D, D the server's CPU time per request (the median of the
     * points that know it). */
    bool util_known;
    double cores, cpu_us_per_req, util_bound_rps;

    /* Little's law at the SLO point: users = X (R + Z), with R the mean response time, which a
     * closed loop gives as N / X (Little's law on the load generator itself; an open-loop point
     * defines N as X R). So users = N + X Z. */
    bool users_known;
    double users, response_time_s, think_time_s;

    char warnings[RPT_CAP_WARNINGS][RPT_CAP_WARNING_BYTES];
    size_t nwarnings;
};

/* Computes every figure above from n points (in any order; not changed). Returns 0, or -1 with
 * a reason in err: no points, a point with N <= 0 or a negative or NaN throughput (named by its
 * index), an SLO that is not a latency bounded above, out of memory. Anything that only makes a
 * figure unknown (too few points, no latency, no CPU figures) is a warning, not an error. */
int rpt_capacity_compute(const struct rpt_point *pts, size_t n, const struct rpt_capacity_opts *o,
                         struct rpt_capacity *out, char *err, size_t errlen);

/* The table of points (key "points"): N, offered rate (open loop), req/s, latency (ms), errors,
 * server CPU/request, the USL's req/s, and which point is the SLO point and the knee. t is
 * initialised here; the caller frees it with rpt_table_free. Returns 0, or -1 (out of memory). */
int rpt_capacity_points_table(struct rpt_table *t, const struct rpt_point *pts, size_t n,
                              const struct rpt_capacity *c);
/* The summary (key "capacity"): one row per figure, the methods and warnings as notes. Returns 0,
 * or -1 (out of memory). */
int rpt_capacity_summary_table(struct rpt_table *t, const struct rpt_capacity *c);

/* -- points files: `tierbench capacity --points FILE` (points.c) -- */

/* Points read from a file. */
struct rpt_points {
    struct rpt_point *v; /* in file order; owned, rpt_points_free */
    size_t n;
    char latency_col[48]; /* the latency column's heading as written; "" when there is none */
    double latency_pct;   /* the percentile the heading names (99 for p99_ms); NAN if none */
};

/* Parses a points file held in memory (text[0..len-1]; name is used in messages). The first line
 * that is not blank or a "#" comment is a header naming the columns, case-insensitively:
 *   concurrency   concurrency, n, size, clients, connections, users, vus, c   (required, > 0)
 *   throughput    throughput, throughput_rps, x, rps, tput, tps, qps, req/s    (required, >= 0)
 *   latency       latency, p50, p99, p999, p99.9, mean, ... with _us, _ms or _s (ms without),
 *                 optionally after "latency_": latency_p99_ms                 (>= 0)
 *   errors        error_rate, errors (0..1); error_pct, errors_pct, error_%    (0..100)
 *   rate          rate, rate_rps, offered_rps                                 (open loop)
 *   cpu           cpu_us_per_req, server_cpu_us_per_req, cpu_ms_per_req
 * Other columns are ignored. The separator is the header's: a tab, else a comma, else a
 * semicolon, else runs of spaces; fields are trimmed and may be in double quotes (without the
 * separator inside). An empty optional field is unknown (NAN; errors 0). Returns 0, or -1 with
 * one line in err naming the line and column: "points.tsv:7: tput: expected a number, got
 * \"12a\"". out is empty after a failure. */
int rpt_points_parse(const char *text, size_t len, const char *name, struct rpt_points *out,
                     char *err, size_t errlen);
/* Frees the points and zeroes p; accepts NULL. */
void rpt_points_free(struct rpt_points *p);

#endif
