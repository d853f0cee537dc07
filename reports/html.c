/* reports/html.c: the self-contained HTML page (inline CSS and SVG, no script, no external
 * asset) and the builders of the report's four charts: throughput and latency against
 * concurrency, a run's timeline, the latency distribution by percentile. The chart model and
 * its SVG are in svg.c, the tables in table.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

struct rpt_html {
    FILE *f;
    unsigned ncharts; /* numbers the charts' SVG ids, which must differ within a page */
};

/* Black on white for print; tables and charts are not split across pages; wide tables scroll
 * instead of widening the page. */
static const char page_css[] =
    "body{margin:2rem auto;max-width:62rem;padding:0 1rem;color:#000;background:#fff;"
    "font:15px/1.45 'DejaVu Sans',Helvetica,Arial,sans-serif}\n"
    "h1{font-size:1.6rem;margin:0 0 1rem}\n"
    "h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #000}\n"
    ".table{overflow-x:auto;margin:1rem 0}\n"
    "table{border-collapse:collapse}\n"
    "caption{text-align:left;font-weight:bold;padding-bottom:.3rem}\n"
    "th,td{padding:.2rem .7rem;border-bottom:1px solid #bbb;text-align:left;vertical-align:top}\n"
    "th{border-bottom:2px solid #000}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.n{white-space:nowrap}\n"
    "td.empty{color:#555;font-style:italic}\n"
    "p.note{margin:.2rem 0;font-size:.9em;color:#333}\n"
    "figure{margin:1.5rem 0}\n"
    "figure svg{display:block;max-width:100%;height:auto}\n"
    "figcaption{font-size:.9em;color:#333;margin-top:.3rem}\n"
    ".table,figure{break-inside:avoid;page-break-inside:avoid}\n"
    "@media print{body{margin:0;max-width:none;font-size:11pt}.table{overflow:visible}"
    "h2{break-after:avoid;page-break-after:avoid}}\n";

struct rpt_html *rpt_html_begin(FILE *f, const char *title)
{
    struct rpt_html *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->f = f;
    if (title == NULL)
        title = "";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"tierbench\">\n<title>",
          f);
    rpt_html_escape(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>", page_css);
    rpt_html_escape(f, title);
    fputs("</h1>\n", f);
    if (ferror(f)) {
        free(p);
        return NULL;
    }
    return p;
}

int rpt_html_section(struct rpt_html *p, const char *heading)
{
    fputs("<h2>", p->f);
    rpt_html_escape(p->f, heading);
    fputs("</h2>\n", p->f);
    return ferror(p->f) ? -1 : 0;
}

int rpt_html_text(struct rpt_html *p, const char *text)
{
    fputs("<p>", p->f);
    rpt_html_escape(p->f, text);
    fputs("</p>\n", p->f);
    return ferror(p->f) ? -1 : 0;
}

int rpt_html_tables(struct rpt_html *p, const struct rpt_table *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("<div class=\"table\">\n", p->f);
        rpt_html_table_write(p->f, &t[i]);
        fputs("</div>\n", p->f);
    }
    return ferror(p->f) ? -1 : 0;
}

int rpt_html_chart(struct rpt_html *p, const struct rpt_chart *c)
{
    char id[32];
    snprintf(id, sizeof(id), "chart-%u", ++p->ncharts);
    fputs("<figure>\n", p->f);
    rpt_svg_write(p->f, c, id);
    if (c->caption[0] != '\0') {
        fputs("<figcaption>", p->f);
        rpt_html_escape(p->f, c->caption);
        fputs("</figcaption>\n", p->f);
    }
    fputs("</figure>\n", p->f);
    return ferror(p->f) ? -1 : 0;
}

int rpt_html_end(struct rpt_html *p)
{
    if (p == NULL)
        return -1;
    fputs("</main>\n</body>\n</html>\n", p->f);
    int rc = fflush(p->f) != 0 || ferror(p->f) ? -1 : 0;
    free(p);
    return rc;
}

/* ---- the report's charts ---------------------------------------------------------------- */

/* Points of one chart being built: x and up to three y columns, freed together. */
struct cols {
    double *x, *y[3];
};

static int cols_alloc(struct cols *c, size_t n)
{
    memset(c, 0, sizeof(*c));
    c->x = malloc((n > 0 ? n : 1) * 4 * sizeof(double));
    if (c->x == NULL)
        return -1;
    for (size_t i = 0; i < 3; i++)
        c->y[i] = c->x + (i + 1) * (n > 0 ? n : 1);
    return 0;
}

static void set_ref(struct rpt_chart *c, double slo_us, double div, const char *slo_label)
{
    if (isfinite(slo_us))
        rpt_chart_ref(c, slo_us / div, "%s", slo_label != NULL ? slo_label : "SLO");
}

int rpt_chart_throughput(struct rpt_chart *c, const struct rpt_point *pts, size_t n,
                         const double *curve_n, const double *curve_x_rps, size_t ncurve,
                         const char *curve_name)
{
    struct cols v;
    rpt_chart_init(c, "Throughput against concurrency");
    rpt_axis_set(&c->x, "Concurrency", "", RPT_SCALE_LINEAR);
    rpt_axis_set(&c->y, "Throughput", "req/s", RPT_SCALE_LINEAR);
    if (cols_alloc(&v, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        v.x[i] = pts[i].concurrency;
        v.y[0][i] = pts[i].throughput_rps;
    }
    int rc = rpt_chart_series_add(c, "measured", ncurve > 0 ? RPT_DRAW_POINTS : RPT_DRAW_BOTH, v.x,
                                  v.y[0], n);
    free(v.x);
    if (rc == 0 && ncurve > 0)
        rc = rpt_chart_series_add(c, curve_name != NULL ? curve_name : "fit", RPT_DRAW_LINE,
                                  curve_n, curve_x_rps, ncurve);
    return rc;
}

int rpt_chart_latency(struct rpt_chart *c, const struct run_result *runs, size_t n, double slo_us,
                      const char *slo_label)
{
    static const double pct[3] = {50, 90, 99};
    static const char *const names[3] = {"p50", "p90", "p99"};
    struct cols v;
    size_t *order = NULL;
    rpt_chart_init(c, "Latency against concurrency");
    if (cols_alloc(&v, n) != 0)
        return -1;
    order = malloc((n > 0 ? n : 1) * sizeof(*order));
    if (order == NULL)
        goto fail;
    /* Sweep order is usually concurrency order, but lines must run left to right. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (runs[i].latency == NULL || hist_count(runs[i].latency) == 0)
            continue;
        size_t k = m++;
        while (k > 0 && runs[order[k - 1]].connections > runs[i].connections) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    double top_us = isfinite(slo_us) ? slo_us : 0;
    for (size_t k = 0; k < m; k++) {
        uint64_t out[3];
        hist_percentiles(runs[order[k]].latency, pct, 3, out);
        v.x[k] = runs[order[k]].connections;
        for (size_t j = 0; j < 3; j++) {
            v.y[j][k] = (double)out[j];
            top_us = fmax(top_us, (double)out[j]);
        }
    }
    double div;
    const char *unit = rpt_latency_unit(top_us, &div);
    rpt_axis_set(&c->x, "Concurrency", "", RPT_SCALE_LINEAR);
    rpt_axis_set(&c->y, "Latency", unit, RPT_SCALE_LINEAR);
    for (size_t j = 0; j < 3; j++) {
        for (size_t k = 0; k < m; k++)
            v.y[j][k] /= div;
        if (rpt_chart_series_add(c, names[j], RPT_DRAW_BOTH, v.x, v.y[j], m) != 0)
            goto fail;
    }
    set_ref(c, slo_us, div, slo_label);
    free(order);
    free(v.x);
    return 0;
fail:
    free(order);
    free(v.x);
    return -1;
}

/* Seconds a timeline point needs to be drawn: a run that covered 20 ms of a second says little
 * about that second's rate. */
#define TIMELINE_MIN_COVER_US 100000

int rpt_chart_timeline(struct rpt_chart *rate, struct rpt_chart *latency,
                       const struct run_result *r)
{
    struct cols v;
    rpt_chart_init(rate, "Throughput over time");
    rpt_chart_init(latency, "Latency over time");
    /* A missing second adds a gap point: at most 2n points. */
    size_t n = r->ntimeline, m = 0;
    if (cols_alloc(&v, 2 * n) != 0)
        return -1;
    double top_us = 0;
    for (size_t i = 0; i < n; i++) {
        const struct run_second *s = &r->timeline[i];
        double t = (double)(s->unix_s - r->timeline[0].unix_s) + 0.5;
        if (i > 0 && s->unix_s > r->timeline[i - 1].unix_s + 1) {
            v.x[m] = t - 1;
            v.y[0][m] = v.y[1][m] = v.y[2][m] = NAN;
            m++;
        }
        /* Only runs that overlapped and were merged cover more than the second itself. */
        uint64_t cover_us = s->duration_us > 1000000 ? 1000000 : s->duration_us;
        v.x[m] = t;
        if (cover_us < TIMELINE_MIN_COVER_US) {
            v.y[0][m] = v.y[1][m] = NAN;
        } else {
            v.y[0][m] = (double)s->requests * 1e6 / (double)cover_us;
            v.y[1][m] = (double)s->errors * 1e6 / (double)cover_us;
        }
        v.y[2][m] = s->requests > 0 ? (double)s->p50_us : NAN;
        if (s->requests > 0)
            top_us = fmax(top_us, (double)s->p99_us);
        m++;
    }
    int rc = 0;
    rpt_axis_set(&rate->x, "Time", "s", RPT_SCALE_LINEAR);
    rpt_axis_set(&rate->y, "Rate", "per s", RPT_SCALE_LINEAR);
    rc |= rpt_chart_series_add(rate, "responses/s", RPT_DRAW_LINE, v.x, v.y[0], m);
    rc |= rpt_chart_series_add(rate, "errors/s", RPT_DRAW_LINE, v.x, v.y[1], m);

    double div;
    const char *unit = rpt_latency_unit(top_us, &div);
    rpt_axis_set(&latency->x, "Time", "s", RPT_SCALE_LINEAR);
    rpt_axis_set(&latency->y, "Latency", unit, RPT_SCALE_LINEAR);
    /* y[0] is reused for p99 once the rates are copied into their chart. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct run_second *s = &r->timeline[i];
        if (i > 0 && s->unix_s > r->timeline[i - 1].unix_s + 1)
            v.y[0][k++] = NAN;
        v.y[2][k] /= div;
        v.y[0][k++] = s->requests > 0 ? (double)s->p99_us / div : NAN;
    }
    rc |= rpt_chart_series_add(latency, "p50", RPT_DRAW_LINE, v.x, v.y[2], m);
    rc |= rpt_chart_series_add(latency, "p99", RPT_DRAW_LINE, v.x, v.y[0], m);
    free(v.x);
    return rc != 0 ? -1 : 0;
}

/* Points per decade of 1/(1-p) on the percentile plot: smooth enough for the steps of a
 * histogram, and 20 x log10(count) points in all. */
#define PCT_STEPS_PER_DECADE 20
/* 99.9999999999%: no histogram holds 10^12 values. */
#define PCT_MAX_DECADES 12

int rpt_chart_percentiles(struct rpt_chart *c, const struct hist *const *h,
                          const char *const *names, size_t n, double slo_us, const char *slo_label)
{
    enum { NPTS = PCT_STEPS_PER_DECADE * PCT_MAX_DECADES + 1 };
    rpt_chart_init(c, "Latency by percentile");
    if (n > RPT_CHART_SERIES)
        return -1;
    double *p = malloc(3 * NPTS * sizeof(double));
    uint64_t *out = malloc(NPTS * sizeof(uint64_t));
    if (p == NULL || out == NULL) {
        free(p);
        free(out);
        return -1;
    }
    double *x = p + NPTS, *y = p + 2 * NPTS;
    double top_us = isfinite(slo_us) ? slo_us : 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] != NULL && hist_count(h[i]) > 0)
            top_us = fmax(top_us, (double)hist_max(h[i]));
    }
    double div;
    const char *unit = rpt_latency_unit(top_us, &div);
    rpt_axis_set(&c->x, "Percentile", "", RPT_SCALE_PERCENTILE);
    rpt_axis_set(&c->y, "Latency", unit, RPT_SCALE_LINEAR);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = names != NULL && names[i] != NULL ? names[i] : "latency";
        uint64_t count = h[i] != NULL ? hist_count(h[i]) : 0;
        size_t m = 0;
        if (count > 0) {
            /* Up to the first step past 1 - 1/count: at that percentile itself the
             * second-largest value shows, just past it the largest. */
            double last = 1 - 1 / (double)count;
            for (size_t k = 0; k < NPTS; k++) {
                double q = 1 - pow(10, -(double)k / PCT_STEPS_PER_DECADE);
                p[m] = 100 * q;
                x[m] = p[m];
                m++;
                if (q > last + 1e-12)
                    break;
            }
            hist_percentiles(h[i], p, m, out);
            for (size_t k = 0; k < m; k++)
                y[k] = (double)out[k] / div;
        }
        rc = rpt_chart_series_add(c, name, RPT_DRAW_LINE, x, y, m);
    }
    set_ref(c, slo_us, div, slo_label);
    free(p);
    free(out);
    return rc;
}

/* ---- the builders straight into a page ----------------------------------------------------- */

static int put_built(struct rpt_html *p, struct rpt_chart *c, int built)
{
    int rc = built == 0 ? rpt_html_chart(p, c) : -1;
    rpt_chart_free(c);
    return rc;
}

int rpt_html_chart_throughput(struct rpt_html *p, const struct rpt_point *pts, size_t n,
                              const double *curve_n, const double *curve_x_rps, size_t ncurve,
                              const char *curve_name)
{
    struct rpt_chart c;
    return put_built(p, &c,
                     rpt_chart_throughput(&c, pts, n, curve_n, curve_x_rps, ncurve, curve_name));
}

int rpt_html_chart_latency(struct rpt_html *p, const struct run_result *runs, size_t n,
                           double slo_us, const char *slo_label)
{
    struct rpt_chart c;
    return put_built(p, &c, rpt_chart_latency(&c, runs, n, slo_us, slo_label));
}

int rpt_html_chart_timeline(struct rpt_html *p, const struct run_result *r)
{
    struct rpt_chart rate, lat;
    int built = rpt_chart_timeline(&rate, &lat, r);
    int rc = built == 0 ? rpt_html_chart(p, &rate) : -1;
    if (rc == 0)
        rc = rpt_html_chart(p, &lat);
    rpt_chart_free(&rate);
    rpt_chart_free(&lat);
    return rc;
}

int rpt_html_chart_percentiles(struct rpt_html *p, const struct hist *const *h,
                               const char *const *names, size_t n, double slo_us,
                               const char *slo_label)
{
    struct rpt_chart c;
    return put_built(p, &c, rpt_chart_percentiles(&c, h, names, n, slo_us, slo_label));
}
