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
