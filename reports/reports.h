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

/* Version tag of an export document: {"schema": ..., "runs": [run, ...]}. */
#define RPT_RUNS_EXPORT_SCHEMA "tierbench.runs/1"
/* `runs export`: the runs as one document whose run objects are the run JSON plus
 * "histograms" (each serialized with hist_serialize, base64) and a "latency_hist" per timeline
 * second, so nothing is lost. Returns 0, or -1 (out of memory, write error). */
int rpt_runs_export(const struct run_result *runs, size_t n, FILE *f);
/* `runs import`: parses an export document back into runs (*out, *n; the caller frees each
 * with run_result_free and the array with free). Store ids and groups are not kept (id and
 * group_id are 0). Returns 0, or -1 with one line in err naming the JSON path of the problem
 * ("runs[2].histograms.latency: not a valid histogram"). */
int rpt_runs_import(const char *text, struct run_result **out, size_t *n, char *err, size_t errlen);

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
 * aligned; "Heading|key" or "Heading|key|l": text). Returns 0, or -1 when ncols is 0 or more than
 * RPT_TABLE_COLS, the key is empty or too long, or a column is malformed, its heading or key too
 * long or its key repeated (t is then an empty table that rpt_table_free accepts). A title
 * longer than the field is cut. rpt_table_free frees the rows and accepts NULL. */
int rpt_table_init(struct rpt_table *t, const char *key, const char *title, const char *const *cols,
                   size_t ncols);
void rpt_table_free(struct rpt_table *t);
/* Appends a row and returns its first cell (t->ncols cells: text empty, value NAN), or NULL
 * when out of memory. The pointer is valid until the next rpt_table_row on t: rows may move. */
struct rpt_cell *rpt_table_row(struct rpt_table *t);
/* Sets a cell: text printf-style, value the number behind it (NAN for none). Text longer than
 * the cell is cut at a character boundary, never inside a UTF-8 sequence. */
void rpt_cell_set(struct rpt_cell *c, double value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a note under the table; notes past the eighth are dropped. */
void rpt_table_note(struct rpt_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes tables in a format, each a whole document (README.md, "Report formats"). Returns 0 or
 * -1 (write error). Text fits 80 columns: headings wrap at spaces when that is enough, else a
 * wide table drops to one "Heading: value" block per row. JSON is one object keyed by each
 * table's key, every row an object keyed by col_keys with numbers as numbers. HTML is a whole
 * page (rpt_html_begin, rpt_html_tables, rpt_html_end) titled by the first table. */
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

/* ==== tiers: price tables, the tier picker, the guide's comparison (prices.c, prices_data.c,
 * tiers.c) ==================================================================================
 * Which tier, how many instances and what monthly bill a target needs, from a measured
 * per-instance capacity. Prices are data (data/prices-*.json, README.md "The tier picker"); the
 * defaults are compiled in. Everything here is pure: numbers in, numbers and tables out. */

#define RPT_PRICES_SCHEMA      "tierbench.prices/1"
#define RPT_PRICES_MAX_TIERS   16
#define RPT_PRICES_MAX_EXTRAS  16
#define RPT_PRICE_NAME_BYTES   48
#define RPT_PRICE_SOURCE_BYTES 320
#define RPT_PRICE_DATE_BYTES   11 /* "YYYY-MM-DD" */

/* One machine size: what a single instance has and costs. */
struct rpt_price_tier {
    char name[RPT_PRICE_NAME_BYTES]; /* "Compact", "c6i.large" */
    double vcpu;                     /* vCPUs of one instance */
    double cpu_baseline_pct;         /* share of each vCPU it may use all the time: 100, or a
                                        burstable type's baseline (AWS t3.micro: 10) */
    double memory_gb;
    double per_month;                    /* one instance, in the table's currency */
    unsigned difficulty;                 /* 1..5, the guide's scale */
    char source[RPT_PRICE_SOURCE_BYTES]; /* where the figures come from; what is assumed */
    char date[RPT_PRICE_DATE_BYTES];     /* when the figures were taken from the source */
};

/* A cost that comes with a plan when its conditions hold (all of them). */
struct rpt_price_extra {
    char name[RPT_PRICE_NAME_BYTES]; /* "load balancer", "CDN (large)" */
    double per_month;                /* fixed part, in the table's currency */
    double per_1000_rps_month;       /* plus this per 1,000 req/s of the target (0: none) */
    unsigned min_instances;          /* applies from this many instances (0: any number) */
    double min_users;                /* applies from this many users (NAN: no condition) */
    double below_users;              /* applies below this many users (NAN: no condition) */
    unsigned difficulty;             /* a plan with it is at least this hard (0: no effect) */
    char source[RPT_PRICE_SOURCE_BYTES];
    char date[RPT_PRICE_DATE_BYTES];
};

/* A price table. Plain data, no pointers: copy it, keep it on the stack, nothing to free. */
struct rpt_prices {
    char name[96];
    char currency[4]; /* ISO 4217: "KRW", "USD" */
    char source[RPT_PRICE_SOURCE_BYTES];
    char date[RPT_PRICE_DATE_BYTES];
    size_t ntiers; /* >= 1 */
    struct rpt_price_tier tiers[RPT_PRICES_MAX_TIERS];
    size_t nextras;
    struct rpt_price_extra extras[RPT_PRICES_MAX_EXTRAS];
};

/* Parses a price table (JSON, schema RPT_PRICES_SCHEMA, README.md "The tier picker"). Strict:
 * unknown keys, missing required fields, wrong types and values out of range are refused, and
 * the message names the JSON path: "tiers[2].vcpu: expected a number", "tiers[0].vpcu: unknown
 * key (expected one of: ...)", "extras[1].per_month: missing (required)". Invalid JSON is
 * reported as "line L, column C: not valid JSON". Returns 0, or -1 with one line in err; *out is
 * unspecified on failure. */
int rpt_prices_parse(const char *json, size_t len, struct rpt_prices *out, char *err,
                     size_t errlen);

/* The compiled-in text of a default table, byte for byte the file data/prices-NAME.json:
 * "naver" (the guide's Naver Cloud prices in KRW, the default) or "aws" (EC2 in USD). NULL for
 * another name. Static storage; never freed. */
const char *rpt_prices_builtin(const char *name);
/* rpt_prices_parse of rpt_prices_builtin(name). Returns 0, or -1 (unknown name, listed in err). */
int rpt_prices_default(const char *name, struct rpt_prices *out, char *err, size_t errlen);

/* Digits after the decimal point for amounts in a currency: 0 for KRW and JPY, else 2. */
int rpt_currency_decimals(const char *currency);

/* What the picker is asked. The target is users or rate_rps (exactly one, the other NAN).
 * Start from rpt_tier_input_init, which sets the defaults. */
struct rpt_tier_input {
    double users;               /* concurrent users; NAN when the target is a rate */
    double rate_rps;            /* target requests per second; NAN when the target is users */
    double response_time_s;     /* response time at the SLO point: required with users (Little's
                                   law); with a rate, optional (it then gives users for extras) */
    double think_time_s;        /* a user's pause between requests (default 0) */
    double capacity_rps;        /* one instance's throughput at the SLO, measured */
    double measured_vcpu;       /* vCPUs of the machine capacity_rps was measured on */
    double cpu_us_per_req;      /* the server's CPU time per request at that point; NAN: unknown */
    double cpu_utilization_pct; /* with cpu_us_per_req: the share of each vCPU the server may
                                   use at the SLO; NAN: the share measured (see README) */
    double headroom_pct;        /* plan at this share of capacity (default 70, leaving 30 spare) */
    double min_memory_gb;       /* tiers with less memory are refused (default 0: any) */
    unsigned max_instances;     /* per tier; beyond it auto scaling is advised (default 20) */
    char slo[64]; /* the SLO the capacity was measured at, for the text ("p99<100ms") */
};

/* Sets every field to its default: no target, no measurement (NAN), think time 0, headroom 70%,
 * no memory floor, 20 instances at most, slo "". */
void rpt_tier_input_init(struct rpt_tier_input *in);

#define RPT_TIER_MAX_REASONS   24
#define RPT_TIER_REASON_BYTES  256
#define RPT_TIER_MAX_INSTANCES 1000000 /* instance counts are capped here (then not fitting) */

/* One tier's plan: how many instances meet the target and what they cost. */
struct rpt_tier_plan {
    double vcpu_sustained; /* vcpu x cpu_baseline_pct / 100 */
    double capacity_rps;   /* one instance of this tier at the SLO (scaled from the measure) */
    double plan_rps;       /* capacity_rps x headroom: what one instance is planned for */
    unsigned instances;    /* ceil(required / plan_rps), >= 1, at most RPT_TIER_MAX_INSTANCES */
    bool memory_ok;        /* memory_gb >= min_memory_gb */
    bool fits;             /* memory_ok and instances <= max_instances */
    double instances_cost; /* instances x per_month */
    double extra_cost[RPT_PRICES_MAX_EXTRAS]; /* per extra of the table; NAN: does not apply */
    double monthly;                           /* instances_cost + the extras that apply */
    unsigned difficulty;                      /* max of the tier's and its extras' (1..5) */
};

/* The picker's answer. Plans are in the price table's order (plans[i] is tiers[i]). */
struct rpt_tier_result {
    double required_rps;       /* the target as a rate (Little's law when given as users) */
    double users;              /* the target, or derived from the rate; NAN: unknown */
    bool cpu_model;            /* capacity scaled by CPU per request; false: linear in vCPUs */
    double measured_cpu_pct;   /* CPU busy at the measured point (NAN without cpu_us_per_req) */
    double per_vcpu_rps;       /* capacity of one sustained vCPU at the SLO */
    bool users_unknown_extras; /* extras conditioned on users were left out: users unknown */
    size_t nplans;
    struct rpt_tier_plan plans[RPT_PRICES_MAX_TIERS];
    int chosen;    /* the cheapest plan that fits; -1: none fits (auto scaling advised) */
    int runner_up; /* the next one that fits; -1: none */
    int over_cap;  /* when chosen is -1: the cheapest plan that only misses the instance cap
                      (-1: none, every tier lacks memory) */
    size_t nreasons;
    char reasons[RPT_TIER_MAX_REASONS][RPT_TIER_REASON_BYTES]; /* sentences, not wrapped */
};

/* Picks the cheapest tier meeting the target. For each tier: capacity is scaled from the
 * measured machine to the tier's sustained vCPUs (linearly; or, when cpu_us_per_req is known,
 * as vcpu x 1e6 / cpu_us_per_req x utilization), instances = ceil(required / (capacity x
 * headroom)), cost = instances x price + the extras whose conditions hold (a load balancer
 * from 2 instances in the default tables). The cheapest plan that fits wins; at equal cost the
 * one with fewer instances, then the easier one, then the table's order. Zero, negative,
 * non-finite and absurd inputs are refused. Returns 0, or -1 with one line in err naming the
 * input ("headroom_pct 0.7: expected a share of capacity from 10 to 100 (70 plans at 70%)"). */
int rpt_tier_pick(const struct rpt_prices *p, const struct rpt_tier_input *in,
                  struct rpt_tier_result *out, char *err, size_t errlen);

#define RPT_TIER_TABLES 4
/* The picker's answer as tables, into tables[0..RPT_TIER_TABLES-1]: "tier_choice" (one row: the
 * tier, instances, monthly cost, difficulty, runner-up), "tier_cost" (the chosen plan's cost
 * breakdown with a total row), "tier_plans" (every tier: capacity, instances, monthly cost,
 * verdict) and "tier_reasoning" (the reasons wrapped to 78 columns, one line per row). p, in and
 * r as given to and returned by rpt_tier_pick. Returns 0, or -1 (out of memory; no table is
 * left to free). On success the caller frees each with rpt_table_free. */
int rpt_tier_tables(const struct rpt_prices *p, const struct rpt_tier_input *in,
                    const struct rpt_tier_result *r, struct rpt_table *tables);

/* What was measured (or projected) for one tier, from runs tagged --tier NAME. NAN: not known. */
struct rpt_tier_measured {
    char tier[RPT_PRICE_NAME_BYTES]; /* the --tier tag; matched to the guide's rows (see below) */
    double rate_rps;                 /* throughput at the SLO */
    double p50_us, p99_us;           /* latency at that throughput */
    double users_at_slo;             /* Little's law at that point */
    double monthly;                  /* cost of the tier, in currency */
    char currency[4];                /* "" when monthly is NAN */
    unsigned difficulty;             /* 1..5; 0: the guide's for its rows, else unknown */
    bool projected;                  /* computed from other measurements, not run on this tier */
};

/* The guide's comparison table, measured: one row per guide solution ("current (multi-threaded
 * Python)", "Gunicorn", "Gunicorn + Nginx", "Auto Scaling") and after them one per other tier,
 * in the order given. A tier tag matches a guide row ignoring case and punctuation:
 * "python-threaded" or "current", "gunicorn", "gunicorn-nginx", "auto-scaling". A row with a
 * measurement shows it (basis "measured", or "projected"); a guide row without one shows the
 * guide's claim, basis "claimed, not measured". Notes compare claims with measurements. Returns
 * 0, or -1 (out of memory, or two measurements for one row; err says which). On success the
 * caller frees t with rpt_table_free. */
int rpt_tier_compare_table(struct rpt_table *t, const struct rpt_tier_measured *m, size_t n,
                           char *err, size_t errlen);
/* ==== end of tiers ========================================================================== */

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

/* ==== charts and the HTML page (svg.c, html.c; escaping and HTML tables in table.c) ======= */
/* A chart is plain data: axes, up to RPT_CHART_SERIES named series of (x, y) points, an optional
 * horizontal reference line (the SLO). The chart owns copies of its points. rpt_svg_write draws
 * it as one self-contained <svg> (no script, no external font or style); builders make the
 * charts of the capacity and run pages from results; rpt_html_* write one self-contained page
 * of headings, paragraphs, tables and charts. Everything is written into the caller's FILE *. */

#define RPT_CHART_SERIES 8

enum rpt_scale {
    RPT_SCALE_LINEAR,     /* 1-2-5 ticks; from 0 unless the data cross 0 or min is set */
    RPT_SCALE_LOG10,      /* a tick every decade (and at 2 and 5 over few decades); values <= 0
                             are not drawn */
    RPT_SCALE_PERCENTILE, /* x is a percentile 0..100 drawn at -log10(1 - p/100), the way
                             HdrHistogram plots are: ticks 0%, 90%, 99%, 99.9%, ...; 100 is not
                             drawn (it is infinitely far) */
};

struct rpt_axis {
    char label[64]; /* "Concurrency", "Latency" */
    char unit[16];  /* "ms", "req/s"; "" for none. Shown as "Latency (ms)" */
    enum rpt_scale scale;
    double min, max; /* the range; NAN (the default): from the data, rounded out to ticks */
};

enum rpt_draw { RPT_DRAW_LINE = 1, RPT_DRAW_POINTS = 2, RPT_DRAW_BOTH = 3 };

struct rpt_series {
    char name[64]; /* legend text */
    enum rpt_draw draw;
    unsigned style; /* colour, dash pattern and marker: series i gets style i */
    double *x, *y;  /* n points, owned by the chart; a NAN coordinate breaks the line */
    size_t n;
};

struct rpt_chart {
    char title[128];
    char caption[256]; /* under the chart in HTML (<figcaption>), <desc> in the SVG; "" none */
    struct rpt_axis x, y;
    struct rpt_series series[RPT_CHART_SERIES];
    size_t nseries;
    double ref_y;                 /* a dashed horizontal line at this y (the SLO); NAN: none */
    char ref_label[64];           /* written on the line */
    unsigned width_px, height_px; /* the SVG's size; rpt_chart_init sets 720 x 400 */
};

/* An empty chart: the title, linear axes with no labels, no reference line, 720 x 400 px. */
void rpt_chart_init(struct rpt_chart *c, const char *title);
/* Frees the series' points and empties c; accepts NULL and charts that builders failed on. */
void rpt_chart_free(struct rpt_chart *c);
/* Sets an axis's label, unit and scale; the range goes back to the data's (NAN). */
void rpt_axis_set(struct rpt_axis *a, const char *label, const char *unit, enum rpt_scale scale);
/* Adds a series with a copy of n points (n may be 0: a legend entry with nothing drawn).
 * Returns 0, or -1 when the chart has RPT_CHART_SERIES series or memory ran out. */
int rpt_chart_series_add(struct rpt_chart *c, const char *name, enum rpt_draw draw, const double *x,
                         const double *y, size_t n);
/* Sets the reference line: y in the y axis's unit, label printf-style. */
void rpt_chart_ref(struct rpt_chart *c, double y, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes c as one <svg> element (with xmlns, so the same text is also a standalone .svg file).
 * id (letters, digits, '-', '_'; NULL or others: "chart") names the element and its clip path, so
 * ids must differ between charts of one page. Black on white, every series in its own colour, dash
 * pattern and marker so that it reads in grey print; fonts of 12 to 15 px at 720 px wide; the
 * legend under the plot. The auto range of y takes in the reference line when it is at most 4 times
 * the data's top; a higher one is named at the top of the plot instead. A chart with no points
 * draws its axes and "no data". Returns 0, or -1 (write error). */
int rpt_svg_write(FILE *f, const struct rpt_chart *c, const char *id);

/* The latency unit a chart of latencies up to max_us reads best in: "µs" (UTF-8) below 1 ms,
 * "ms" below 10 s, else "s"; *div_us (optional) gets microseconds per unit. */
const char *rpt_latency_unit(double max_us, double *div_us);

/* Builders: each (re)initialises c, fills it from results, and returns 0, or -1 when out of
 * memory. Call rpt_chart_free(c) afterwards in both cases. Latencies are drawn in the unit
 * rpt_latency_unit picks for the largest value shown (the SLO included). */

/* (a) Throughput against concurrency: the measured points (X against N), and when ncurve > 0 a
 * fitted curve given as points (e.g. the USL's X(N) at many N; curve_name in the legend, NULL:
 * "fit"). Without a curve the points are joined by a line. */
int rpt_chart_throughput(struct rpt_chart *c, const struct rpt_point *pts, size_t n,
                         const double *curve_n, const double *curve_x_rps, size_t ncurve,
                         const char *curve_name);
/* (b) Latency percentiles p50, p90 and p99 against concurrency, one point per run of a sweep
 * (x: the run's connections; percentiles from its latency histogram; runs without one are
 * skipped), with the SLO as the reference line when slo_us is finite (slo_label NULL: "SLO"). */
int rpt_chart_latency(struct rpt_chart *c, const struct run_result *runs, size_t n, double slo_us,
                      const char *slo_label);
/* (c) A run's per-second timeline as two charts to stack: rate gets responses/s and errors/s,
 * latency gets p50 and p99, both against seconds since the timeline's first second (points at
 * the middle of each second). Rates are over the part of the second the run covered; seconds
 * covered less than 0.1 s are left out (their rate is noise), and missing seconds break the
 * lines. Returns -1 only when out of memory (then both charts need rpt_chart_free). */
int rpt_chart_timeline(struct rpt_chart *rate, struct rpt_chart *latency,
                       const struct run_result *r);
/* (d) Latency distributions as a percentile plot (x: RPT_SCALE_PERCENTILE, y: latency), one
 * series per histogram (names[i], NULL names: "latency"), 20 points per decade of 1/(1-p) up to
 * the percentile where the maximum shows; empty or NULL histograms get an empty series. n is at
 * most RPT_CHART_SERIES. The SLO as the reference line when slo_us is finite. */
int rpt_chart_percentiles(struct rpt_chart *c, const struct hist *const *h,
                          const char *const *names, size_t n, double slo_us, const char *slo_label);

/* One self-contained HTML page: inline CSS, inline SVG, no script, no external asset; prints
 * black on white, charts not split across pages. Written in order: begin, then any mix of
 * sections, paragraphs, tables and charts, then end. */
struct rpt_html;

/* Writes the page's head and its <h1> title. Returns a page to write into (it does not own f),
 * or NULL when out of memory or the write failed. */
struct rpt_html *rpt_html_begin(FILE *f, const char *title);
/* A <h2> heading. These return 0, or -1 on a write error (the page is still ended by
 * rpt_html_end, which reports it again). */
int rpt_html_section(struct rpt_html *p, const char *heading);
/* A paragraph of plain text (escaped; no markup is interpreted). */
int rpt_html_text(struct rpt_html *p, const char *text);
/* Tables: a <table> with the title as its <caption>, numeric columns right aligned (their
 * numbers also in data-value attributes), notes under it. */
int rpt_html_tables(struct rpt_html *p, const struct rpt_table *t, size_t n);
/* A chart as a <figure> with its SVG (ids "chart-1", "chart-2", ... in page order) and its
 * caption. */
int rpt_html_chart(struct rpt_html *p, const struct rpt_chart *c);
/* The builders above straight into the page (build, write, free). Each returns 0, or -1 when
 * out of memory or on a write error. */
int rpt_html_chart_throughput(struct rpt_html *p, const struct rpt_point *pts, size_t n,
                              const double *curve_n, const double *curve_x_rps, size_t ncurve,
                              const char *curve_name);
int rpt_html_chart_latency(struct rpt_html *p, const struct run_result *runs, size_t n,
                           double slo_us, const char *slo_label);
int rpt_html_chart_timeline(struct rpt_html *p, const struct run_result *r);
int rpt_html_chart_percentiles(struct rpt_html *p, const struct hist *const *h,
                               const char *const *names, size_t n, double slo_us,
                               const char *slo_label);
/* Closes the page and frees p (NULL accepted: returns -1). Returns 0, or -1 when any write to
 * the page failed (ferror). */
int rpt_html_end(struct rpt_html *p);

/* One table as an HTML fragment (what rpt_html_tables writes for each). Returns 0 or -1. */
int rpt_html_table_write(FILE *f, const struct rpt_table *t);
/* Writes s escaped for HTML and SVG text and attribute values (&, <, >, ", '); control
 * characters and bytes that are not UTF-8 become U+FFFD, so the output is always valid XML. */
void rpt_html_escape(FILE *f, const char *s);
/* ==== end of charts and the HTML page ======================================================= */

#endif
