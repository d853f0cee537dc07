/* tests/check_reports_html.c: unit tests of the SVG charts (reports/svg.c), the chart builders
 * and the HTML page (reports/html.c): the page of fixed data against tests/data/
 * report_page.html, self-containment, well-formed SVG, ticks of each scale, the reference line,
 * gaps, and what each builder makes of results. tests/it_html.sh renders the golden page with
 * Chromium and checks that the charts are drawn. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"
#include "report_fixture.h"
#include "tests/support/ck_run.h"

/* ---- fixed data ------------------------------------------------------------------------- */

static const double sweep_n[] = {1, 2, 4, 8, 16, 32, 48, 64, 96, 128};
#define SWEEP_STEPS (sizeof(sweep_n) / sizeof(sweep_n[0]))

/* The USL with lambda 1000 req/s, sigma 0.05, kappa 0.0005, written out here: the fit and
 * rpt_usl_x are another file's, and this test wants fixed curve points anyway. */
static double usl(double n)
{
    return 1000 * n / (1 + 0.05 * (n - 1) + 0.0005 * n * (n - 1));
}

static void fixture_points(struct rpt_point *pts)
{
    for (size_t i = 0; i < SWEEP_STEPS; i++) {
        memset(&pts[i], 0, sizeof(pts[i]));
        pts[i].concurrency = sweep_n[i];
        /* Measurements scatter around the law by up to +-3%, the same way every run. */
        pts[i].throughput_rps = usl(sweep_n[i]) * (1 + 0.03 * sin(3.0 * (double)i));
        pts[i].latency_us = NAN;
        pts[i].server_cpu_us_per_req = NAN;
    }
}

static void fixture_curve(double *n, double *x, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        n[i] = 1 + 127.0 * (double)i / (double)(count - 1);
        x[i] = usl(n[i]);
    }
}

/* One run per sweep step: latencies around Little's law's N / X, with a tail. */
static void fixture_sweep_runs(struct run_result *runs)
{
    for (size_t i = 0; i < SWEEP_STEPS; i++) {
        memset(&runs[i], 0, sizeof(runs[i]));
        runs[i].connections = (unsigned)sweep_n[i];
        runs[i].latency = hist_new_default();
        ck_assert_ptr_nonnull(runs[i].latency);
        double mean_us = sweep_n[i] / usl(sweep_n[i]) * 1e6;
        for (unsigned k = 0; k < 2000; k++) {
            double q = (k + 0.5) / 2000.0;
            /* An exponential-like spread: p50 near 0.7 mean, p99 near 4.6 mean. */
            hist_record(runs[i].latency, (uint64_t)(mean_us * -log(1 - q)) + 50);
        }
    }
}

static void fixture_sweep_free(struct run_result *runs)
{
    for (size_t i = 0; i < SWEEP_STEPS; i++)
        run_result_free(&runs[i]);
}

#define TIMELINE_START 1764460800
/* A 30-second run: partial first and last seconds, second 17 missing (no sample), second 9
 * covered for 50 ms only (left out), errors in seconds 20 to 22, a latency bump from 12 on. */
static void fixture_timeline_run(struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    r->timeline = calloc(30, sizeof(r->timeline[0]));
    ck_assert_ptr_nonnull(r->timeline);
    size_t n = 0;
    for (int i = 0; i < 30; i++) {
        if (i == 17)
            continue;
        struct run_second *s = &r->timeline[n++];
        s->unix_s = TIMELINE_START + i;
        s->duration_us = i == 0 ? 400000 : i == 29 ? 250000 : i == 9 ? 50000 : 1000000;
        double rps = 9000 + 800 * sin(i / 3.0) - (i >= 12 && i < 20 ? 2500 : 0);
        s->requests = (uint64_t)(rps * (double)s->duration_us / 1e6);
        s->errors = i >= 20 && i <= 22 ? 150 : 0;
        s->p50_us = (uint64_t)(2100 + 150 * cos(i / 2.0) + (i >= 12 && i < 20 ? 1800 : 0));
        s->p90_us = s->p50_us * 2;
        s->p99_us = (uint64_t)(s->p50_us * 3.5 + (i >= 12 && i < 20 ? 6000 : 0));
        s->max_us = s->p99_us * 2;
    }
    r->ntimeline = n;
}

/* Two distributions of one constant-rate run: corrected, with the coordinated-omission tail,
 * and uncorrected. */
static void fixture_hists(struct hist **h)
{
    h[0] = hist_new_default();
    h[1] = hist_new_default();
    ck_assert(h[0] && h[1]);
    for (unsigned k = 0; k < 100000; k++) {
        double q = (k + 0.5) / 100000.0;
        uint64_t v = (uint64_t)(900 + 600 * -log(1 - q));
        hist_record(h[1], v);
        /* A stall of 80 ms hit 0.2% of requests; corrected, their waits spread to 80 ms. */
        hist_record(h[0], k % 500 == 0 ? v + 80000 * (k % 1000 == 0 ? 1 : 0.5) : v);
    }
}

/* The whole page of the golden file: sections, text, tables and the four charts. */
static void write_page(FILE *f)
{
    struct rpt_point pts[SWEEP_STEPS];
    double cn[64], cx[64];
    struct run_result runs[SWEEP_STEPS], tl;
    struct hist *h[2];
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_points(pts);
    fixture_curve(cn, cx, 64);
    fixture_sweep_runs(runs);
    fixture_timeline_run(&tl);
    fixture_hists(h);
    fixture_tables(t);

    struct rpt_html *p = rpt_html_begin(f, "Capacity of http://127.0.0.1:9000/api/health");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(rpt_html_section(p, "Summary"), 0);
    ck_assert_int_eq(rpt_html_text(p, "Peak throughput 10,650 req/s at 44 connections; the "
                                      "SLO p99 < 25 ms holds up to 64 connections."),
                     0);
    ck_assert_int_eq(rpt_html_tables(p, t, 2), 0);
    ck_assert_int_eq(rpt_html_section(p, "Scaling"), 0);
    struct rpt_chart c;
    ck_assert_int_eq(rpt_chart_throughput(&c, pts, SWEEP_STEPS, cn, cx, 64, "USL fit"), 0);
    snprintf(c.caption, sizeof(c.caption),
             "USL: lambda 1,000 req/s, sigma 0.05, kappa 0.0005; peak at N = 43.6.");
    ck_assert_int_eq(rpt_html_chart(p, &c), 0);
    rpt_chart_free(&c);
    ck_assert_int_eq(rpt_html_chart_latency(p, runs, SWEEP_STEPS, 25000, "SLO: p99 < 25 ms"), 0);
    ck_assert_int_eq(rpt_html_section(p, "Run 42"), 0);
    ck_assert_int_eq(rpt_html_chart_timeline(p, &tl), 0);
    const struct hist *hc[2] = {h[0], h[1]};
    static const char *const names[2] = {"corrected", "uncorrected"};
    ck_assert_int_eq(rpt_html_chart_percentiles(p, hc, names, 2, 25000, "SLO: p99 < 25 ms"), 0);
    ck_assert_int_eq(rpt_html_end(p), 0);

    fixture_tables_free(t);
    hist_free(h[0]);
    hist_free(h[1]);
    run_result_free(&tl);
    fixture_sweep_free(runs);
}

static char *page(void)
{
    char *out = NULL;
    CAPTURE(out, write_page(f));
    return out;
}

static char *svg(const struct rpt_chart *c)
{
    char *out = NULL;
    CAPTURE(out, ck_assert_int_eq(rpt_svg_write(f, c, "t"), 0));
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The text of the tick labels of a chart, one "|label|" each, for strstr. */
static void tick_labels(const char *s, char *out, size_t cap)
{
    const char *g = strstr(s, "<g class=\"tick-labels\"");
    ck_assert_ptr_nonnull(g);
    const char *end = strstr(g, "</g>");
    size_t o = 0;
    out[o++] = '|';
    for (const char *p = g; (p = strstr(p, "<text")) != NULL && p < end;) {
        p = strchr(p, '>') + 1;
        const char *q = strstr(p, "</text>");
        o += (size_t)snprintf(out + o, cap - o, "%.*s|", (int)(q - p), p);
        p = q;
    }
    out[o] = '\0';
}

/* Checks that every tag of an XML fragment is closed in order (what an SVG viewer needs);
 * attribute values may not contain '<' or '>'. */
static void assert_well_formed(const char *s, const char *end)
{
    char stack[64][32];
    size_t depth = 0;
    for (const char *p = s; p < end && (p = strchr(p, '<')) != NULL && p < end;) {
        const char *q = strchr(p, '>');
        ck_assert_ptr_nonnull(q);
        for (const char *a = p + 1; a < q; a++)
            ck_assert_msg(*a != '<', "'<' inside a tag at %.40s", p);
        char name[32];
        size_t n = 0;
        const char *r = p + 1 + (p[1] == '/');
        while (r < q && *r != ' ' && *r != '/' && n + 1 < sizeof(name))
            name[n++] = *r++;
        name[n] = '\0';
        if (p[1] == '/') {
            ck_assert_msg(depth > 0, "</%s> closes nothing", name);
            ck_assert_str_eq(stack[--depth], name);
        } else if (q[-1] != '/') {
            ck_assert_uint_lt(depth, 64);
            snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
        }
        p = q + 1;
    }
    ck_assert_uint_eq(depth, 0);
}

/* ---- the page -------------------------------------------------------------------------- */

START_TEST(test_page_matches_golden)
{
    char *out = page();
    golden_check("report_page.html", out);
    free(out);
}
END_TEST

START_TEST(test_page_is_self_contained)
{
    char *out = page();
    ck_assert_ptr_null(strstr(out, "<script"));
    ck_assert_ptr_null(strstr(out, "src="));
    ck_assert_ptr_null(strstr(out, "href"));
    ck_assert_ptr_null(strstr(out, "@import"));
    ck_assert_ptr_null(strstr(out, "<link"));
    /* url() only for the charts' own clip paths. */
    ck_assert_uint_eq(count(out, "url("), count(out, "url(#"));
    /* http:// only in the title text and the SVG namespace. */
    ck_assert_uint_eq(count(out, "http://"), count(out, "http://www.w3.org/2000/svg") +
                                                 count(out, "http://127.0.0.1:9000/"));
    ck_assert_ptr_nonnull(strstr(out, "<!DOCTYPE html>\n"));
    ck_assert_ptr_nonnull(strstr(out, "<meta charset=\"utf-8\">"));
    ck_assert_ptr_nonnull(strstr(out, "</html>\n"));
    free(out);
}
END_TEST

START_TEST(test_page_charts_are_well_formed_svg_with_unique_ids)
{
    char *out = page();
    ck_assert_uint_eq(count(out, "<svg "), 5);
    for (int i = 1; i <= 5; i++) {
        char id[64];
        snprintf(id, sizeof(id), "id=\"chart-%d\"", i);
        ck_assert_uint_eq(count(out, id), 1);
        snprintf(id, sizeof(id), "<clipPath id=\"chart-%d-plot\">", i);
        ck_assert_uint_eq(count(out, id), 1);
        snprintf(id, sizeof(id), "clip-path=\"url(#chart-%d-plot)\"", i);
        ck_assert_uint_eq(count(out, id), 1);
    }
    for (const char *s = out; (s = strstr(s, "<svg ")) != NULL;) {
        const char *e = strstr(s, "</svg>");
        ck_assert_ptr_nonnull(e);
        assert_well_formed(s, e + strlen("</svg>"));
        s = e;
    }
    /* Every chart draws data. */
    ck_assert_uint_ge(count(out, "<path class=\"series\""), 9);
    ck_assert_uint_eq(count(out, "<figure>"), 5);
    ck_assert_uint_eq(count(out, "<figcaption>"), 1);
    free(out);
}
END_TEST

START_TEST(test_page_end_reports_write_errors)
{
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        return;
    struct rpt_html *p = rpt_html_begin(f, "t");
    if (p != NULL) { /* the error may already show at the head's write */
        struct rpt_chart c;
        rpt_chart_init(&c, "empty");
        rpt_html_chart(p, &c);
        ck_assert_int_eq(rpt_html_end(p), -1);
    }
    ck_assert_int_eq(rpt_html_end(NULL), -1);
    fclose(f);
}
END_TEST

START_TEST(test_html_escape_always_writes_valid_text)
{
    char *out = NULL;
    CAPTURE(out, rpt_html_escape(f, "<a href=\"x\">&'</a>\x01\t\n\xc3(\xef\xbf\xbe ok ±"));
    ck_assert_str_eq(out, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\xef\xbf\xbd\t\n"
                          "\xef\xbf\xbd(\xef\xbf\xbd ok ±");
    free(out);
}
END_TEST

/* ---- the SVG chart ------------------------------------------------------------------------ */

START_TEST(test_linear_ticks_step_1_2_5_from_zero)
{
    struct rpt_chart c;
    double x[] = {1, 3, 7}, y[] = {1000, 8000, 12345};
    rpt_chart_init(&c, "t");
    rpt_axis_set(&c.x, "N", "", RPT_SCALE_LINEAR);
    rpt_axis_set(&c.y, "X", "req/s", RPT_SCALE_LINEAR);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_BOTH, x, y, 3), 0);
    char *out = svg(&c);
    char labels[1024];
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0|1|2|3|4|5|6|7|0|2,000|4,000|6,000|8,000|10,000|12,000|14,000|");
    ck_assert_ptr_nonnull(strstr(out, ">X (req/s)</text>"));
    free(out);
    /* Small and fractional: 0.12 .. 0.9 steps by 0.2. */
    double y2[] = {0.12, 0.5, 0.9};
    rpt_chart_free(&c);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y2, 3), 0);
    out = svg(&c);
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0|1|2|3|4|5|6|7|0|0.2|0.4|0.6|0.8|1.0|");
    free(out);
    /* Millions read as "M" on the whole axis. */
    double y3[] = {0, 1.2e6, 2.4e6};
    rpt_chart_free(&c);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y3, 3), 0);
    out = svg(&c);
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0|1|2|3|4|5|6|7|0|0.5M|1.0M|1.5M|2.0M|2.5M|");
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_log_axis_ticks_decades_and_skips_non_positive)
{
    struct rpt_chart c;
    double x[] = {1, 2, 3, 4}, y[] = {3, 0, 250, 25000};
    rpt_chart_init(&c, "t");
    rpt_axis_set(&c.y, "Latency", "\xc2\xb5s", RPT_SCALE_LOG10);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y, 4), 0);
    char *out = svg(&c);
    char labels[1024];
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0|1|2|3|4|1|10|100|1,000|10,000|100,000|");
    /* The 0 cannot be drawn: the line breaks there. */
    ck_assert_uint_eq(count(out, "<path class=\"series\""), 1);
    const char *d = strstr(out, "<path class=\"series\" d=\"");
    ck_assert_uint_eq(count(d, "M") - count(strstr(d, "/>"), "M"), 2);
    free(out);
    /* Over two decades the 2s and 5s are labelled too. */
    double y2[] = {20, 40, 300, 800};
    rpt_chart_free(&c);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y2, 4), 0);
    out = svg(&c);
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0|1|2|3|4|10|20|50|100|200|500|1,000|");
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_percentile_axis_reads_like_hdrhistogram)
{
    struct rpt_chart c;
    double x[] = {0, 50, 90, 99, 99.9, 99.99, 100}, y[] = {1, 2, 3, 4, 5, 6, 7};
    rpt_chart_init(&c, "t");
    rpt_axis_set(&c.x, "Percentile", "", RPT_SCALE_PERCENTILE);
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y, 7), 0);
    char *out = svg(&c);
    char labels[1024];
    tick_labels(out, labels, sizeof(labels));
    ck_assert_str_eq(labels, "|0%|90%|99%|99.9%|99.99%|0|1|2|3|4|5|6|");
    /* 100% is infinitely far: six points drawn, 99.99% at the right edge. */
    const char *d = strstr(out, "<path class=\"series\" d=\"");
    ck_assert_uint_eq(count(d, "L") - count(strstr(d, "/>"), "L"), 5);
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_reference_line_is_drawn_or_named_when_far_above)
{
    struct rpt_chart c;
    double x[] = {1, 2}, y[] = {2, 3};
    rpt_chart_init(&c, "t");
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, x, y, 2), 0);
    rpt_chart_ref(&c, 10, "SLO %d ms", 10);
    char *out = svg(&c);
    ck_assert_ptr_nonnull(strstr(out, "<path class=\"ref\""));
    ck_assert_ptr_nonnull(strstr(out, ">SLO 10 ms</text>"));
    char labels[1024];
    tick_labels(out, labels, sizeof(labels));
    ck_assert_ptr_nonnull(strstr(labels, "|10|")); /* the range took the line in */
    free(out);
    rpt_chart_ref(&c, 1000, "SLO 1 s");
    out = svg(&c);
    ck_assert_ptr_null(strstr(out, "<path class=\"ref\""));
    ck_assert_ptr_nonnull(strstr(out, ">SLO 1 s (above this chart)</text>"));
    tick_labels(out, labels, sizeof(labels));
    ck_assert_ptr_null(strstr(labels, "|1,000|"));
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_nan_breaks_the_line)
{
    struct rpt_chart c;
    double x[] = {1, 2, 3, 4, 5}, y[] = {1, 2, NAN, 4, 5};
    rpt_chart_init(&c, "t");
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_BOTH, x, y, 5), 0);
    char *out = svg(&c);
    const char *d = strstr(out, "<path class=\"series\" d=\"");
    ck_assert_ptr_nonnull(d);
    const char *e = strstr(d, "/>");
    ck_assert_uint_eq(count(d, "M") - count(e, "M"), 2);
    ck_assert_uint_eq(count(out, "<circle"), 4 + 1); /* 4 points and the legend's marker */
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_series_differ_in_colour_dash_and_marker)
{
    struct rpt_chart c;
    double x[] = {1, 2}, y[] = {1, 2};
    rpt_chart_init(&c, "t");
    for (int i = 0; i < RPT_CHART_SERIES; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", i);
        ck_assert_int_eq(rpt_chart_series_add(&c, name, RPT_DRAW_BOTH, x, y, 2), 0);
    }
    ck_assert_int_eq(rpt_chart_series_add(&c, "one too many", RPT_DRAW_BOTH, x, y, 2), -1);
    char *out = svg(&c);
    const char *p = out;
    char seen[RPT_CHART_SERIES][96];
    for (int i = 0; i < RPT_CHART_SERIES; i++) {
        p = strstr(p, "<path class=\"series\"");
        ck_assert_ptr_nonnull(p);
        const char *stroke = strstr(p, "stroke=\"");
        const char *end = strstr(p, "/>");
        /* stroke colour and dash pattern (none for the first, a solid black line) */
        snprintf(seen[i], sizeof(seen[i]), "%.*s", (int)(end - stroke), stroke);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(seen[i], seen[j]);
        if (i > 0)
            ck_assert_ptr_nonnull(strstr(seen[i], "stroke-dasharray"));
        p = end;
    }
    /* Four marker shapes, filled then open. */
    ck_assert_uint_eq(count(out, "<circle"), 2 * 3);
    ck_assert_uint_eq(count(out, "fill=\"#ffffff\" stroke=\"#cc79a7\""), 3);
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_chart_without_points_says_no_data)
{
    struct rpt_chart c;
    rpt_chart_init(&c, "Nothing yet");
    ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_LINE, NULL, NULL, 0), 0);
    char *out = svg(&c);
    ck_assert_ptr_nonnull(strstr(out, ">no data</text>"));
    ck_assert_ptr_null(strstr(out, "<path class=\"series\""));
    ck_assert_ptr_nonnull(strstr(out, "<rect class=\"plot\""));
    assert_well_formed(out, out + strlen(out));
    free(out);
    rpt_chart_free(&c);
    rpt_chart_free(NULL);
}
END_TEST

START_TEST(test_svg_escapes_text_and_refuses_odd_ids)
{
    struct rpt_chart c;
    rpt_chart_init(&c, "A <b> & \"c\"");
    snprintf(c.caption, sizeof(c.caption), "x < y");
    char *out = NULL;
    CAPTURE(out, ck_assert_int_eq(rpt_svg_write(f, &c, "bad\" id"), 0));
    ck_assert_ptr_nonnull(strstr(out, "<title id=\"chart-title\">A &lt;b&gt; &amp; &quot;c&quot;"));
    ck_assert_ptr_nonnull(strstr(out, "<desc>x &lt; y</desc>"));
    ck_assert_ptr_nonnull(strstr(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart\""));
    assert_well_formed(out, out + strlen(out));
    free(out);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_odd_ranges_end_and_draw_inside_the_svg)
{
    struct rpt_chart c;
    /* A narrow range far from zero (the caller's min), all-equal data, huge and negative
     * values, infinities: every chart ends, with a bounded number of ticks. */
    double x[] = {1, 2, 3}, big[] = {1e17, 1e17 + 16, 1e17 + 32}, same[] = {5, 5, 5};
    double neg[] = {-3, -1, -2}, inf[] = {INFINITY, 1, -INFINITY};
    const double *ys[] = {big, same, neg, inf};
    for (size_t i = 0; i < 4; i++) {
        rpt_chart_init(&c, "odd");
        if (i == 0)
            c.y.min = 1e17;
        ck_assert_int_eq(rpt_chart_series_add(&c, "s", RPT_DRAW_BOTH, x, ys[i], 3), 0);
        char *out = svg(&c);
        ck_assert_uint_le(count(out, "<path stroke=\"#dcdcdc\""), 2 * 64);
        ck_assert_ptr_null(strstr(out, "nan"));
        ck_assert_ptr_null(strstr(out, "inf"));
        assert_well_formed(out, out + strlen(out));
        free(out);
        rpt_chart_free(&c);
    }
}
END_TEST

/* ---- the builders ------------------------------------------------------------------------ */

START_TEST(test_latency_unit_fits_the_largest_value)
{
    double div;
    ck_assert_str_eq(rpt_latency_unit(999, &div), "\xc2\xb5s");
    ck_assert_double_eq(div, 1);
    ck_assert_str_eq(rpt_latency_unit(1000, &div), "ms");
    ck_assert_double_eq(div, 1000);
    ck_assert_str_eq(rpt_latency_unit(9999999, NULL), "ms");
    ck_assert_str_eq(rpt_latency_unit(10e6, &div), "s");
    ck_assert_double_eq(div, 1e6);
}
END_TEST

START_TEST(test_throughput_chart_has_points_and_curve)
{
    struct rpt_point pts[SWEEP_STEPS];
    double cn[16], cx[16];
    fixture_points(pts);
    fixture_curve(cn, cx, 16);
    struct rpt_chart c;
    ck_assert_int_eq(rpt_chart_throughput(&c, pts, SWEEP_STEPS, cn, cx, 16, "USL"), 0);
    ck_assert_uint_eq(c.nseries, 2);
    ck_assert_int_eq(c.series[0].draw, RPT_DRAW_POINTS);
    ck_assert_uint_eq(c.series[0].n, SWEEP_STEPS);
    ck_assert_double_eq(c.series[0].x[9], 128);
    ck_assert_str_eq(c.series[1].name, "USL");
    ck_assert_int_eq(c.series[1].draw, RPT_DRAW_LINE);
    ck_assert_double_eq_tol(c.series[1].y[15], usl(128), 1e-9);
    rpt_chart_free(&c);
    /* Without a curve the points are joined. */
    ck_assert_int_eq(rpt_chart_throughput(&c, pts, SWEEP_STEPS, NULL, NULL, 0, NULL), 0);
    ck_assert_uint_eq(c.nseries, 1);
    ck_assert_int_eq(c.series[0].draw, RPT_DRAW_BOTH);
    rpt_chart_free(&c);
}
END_TEST

START_TEST(test_latency_chart_orders_runs_and_skips_empty_ones)
{
    struct run_result runs[SWEEP_STEPS];
    fixture_sweep_runs(runs);
    /* Reverse the sweep and empty one run's histogram. */
    for (size_t i = 0; i < SWEEP_STEPS / 2; i++) {
        struct run_result tmp = runs[i];
        runs[i] = runs[SWEEP_STEPS - 1 - i];
        runs[SWEEP_STEPS - 1 - i] = tmp;
    }
    hist_reset(runs[3].latency);
    struct rpt_chart c;
    ck_assert_int_eq(rpt_chart_latency(&c, runs, SWEEP_STEPS, 25000, NULL), 0);
    ck_assert_uint_eq(c.nseries, 3);
    ck_assert_str_eq(c.series[2].name, "p99");
    ck_assert_uint_eq(c.series[0].n, SWEEP_STEPS - 1);
    for (size_t k = 1; k < c.series[0].n; k++)
        ck_assert_double_lt(c.series[0].x[k - 1], c.series[0].x[k]);
    ck_assert_str_eq(c.y.unit, "ms");
    ck_assert_double_eq(c.ref_y, 25);
    ck_assert_str_eq(c.ref_label, "SLO");
    /* p50 <= p90 <= p99 at every step, in ms. */
    for (size_t k = 0; k < c.series[0].n; k++) {
        ck_assert_double_le(c.series[0].y[k], c.series[1].y[k]);
        ck_assert_double_le(c.series[1].y[k], c.series[2].y[k]);
    }
    double want_ms = (double)hist_percentile(runs[SWEEP_STEPS - 1].latency, 99) / 1000;
    ck_assert_double_eq_tol(c.series[2].y[0], want_ms, 1e-9); /* runs[9] is now N = 1 */
    rpt_chart_free(&c);
    fixture_sweep_free(runs);
}
END_TEST

START_TEST(test_timeline_rates_cover_partial_seconds_and_break_at_gaps)
{
    struct run_result r;
    fixture_timeline_run(&r);
    struct rpt_chart rate, lat;
    ck_assert_int_eq(rpt_chart_timeline(&rate, &lat, &r), 0);
    ck_assert_uint_eq(rate.nseries, 2);
    ck_assert_uint_eq(lat.nseries, 2);
    /* 29 seconds and one gap point for the missing second 17. */
    ck_assert_uint_eq(rate.series[0].n, 30);
    const struct rpt_series *rps = &rate.series[0];
    ck_assert_double_eq(rps->x[0], 0.5);
    /* The first second: its requests over the 0.4 s the run covered. */
    ck_assert_double_eq_tol(rps->y[0], (double)r.timeline[0].requests / 0.4, 1e-9);
    ck_assert(isnan(rps->y[9]));  /* covered 50 ms: left out */
    ck_assert(isnan(rps->y[17])); /* the gap */
    ck_assert_double_eq(rps->x[17], 17.5);
    ck_assert_double_eq(rps->x[18], 18.5);
    ck_assert_double_eq_tol(rate.series[1].y[21], 150, 1e-9);
    ck_assert_str_eq(lat.y.unit, "ms");
    ck_assert_double_eq_tol(lat.series[0].y[0], (double)r.timeline[0].p50_us / 1000, 1e-12);
    ck_assert_double_eq_tol(lat.series[1].y[29], (double)r.timeline[28].p99_us / 1000, 1e-12);
    ck_assert(isnan(lat.series[1].y[17]));
    ck_assert(!isnan(lat.series[1].y[9])); /* a short second still has its latencies */
    rpt_chart_free(&rate);
    rpt_chart_free(&lat);
    run_result_free(&r);
}
END_TEST

START_TEST(test_percentile_plot_steps_by_decade_and_ends_at_the_max)
{
    struct hist *h = hist_new_default();
    for (uint64_t v = 1; v <= 10000; v++)
        hist_record(h, v);
    const struct hist *hs[3] = {h, NULL, NULL};
    static const char *const names[3] = {"all", "none", NULL};
    struct rpt_chart c;
    ck_assert_int_eq(rpt_chart_percentiles(&c, hs, names, 3, NAN, NULL), 0);
    ck_assert_uint_eq(c.nseries, 3);
    ck_assert_int_eq(c.x.scale, RPT_SCALE_PERCENTILE);
    /* 20 points a decade, the start, and one step past 1 - 1/10000 (99.99%), where the
     * largest value shows. */
    ck_assert_uint_eq(c.series[0].n, 82);
    ck_assert_double_eq(c.series[0].x[0], 0);
    ck_assert_double_eq_tol(c.series[0].x[20], 90, 1e-9);
    ck_assert_double_eq_tol(c.series[0].x[80], 99.99, 1e-9);
    ck_assert_str_eq(c.y.unit, "ms");
    ck_assert_double_eq_tol(c.series[0].y[80], (double)hist_percentile(h, 99.99) / 1000, 1e-12);
    ck_assert_double_lt(c.series[0].y[80], c.series[0].y[81]);
    ck_assert_double_eq_tol(c.series[0].y[81], (double)hist_max(h) / 1000, 1e-12);
    ck_assert_double_eq_tol(c.series[0].y[0], (double)hist_min(h) / 1000, 1e-12);
    for (size_t k = 1; k < c.series[0].n; k++)
        ck_assert_double_le(c.series[0].y[k - 1], c.series[0].y[k]);
    ck_assert_uint_eq(c.series[1].n, 0);
    ck_assert_str_eq(c.series[2].name, "latency");
    ck_assert(isnan(c.ref_y));
    rpt_chart_free(&c);
    const struct hist *many[RPT_CHART_SERIES + 1] = {0};
    ck_assert_int_eq(rpt_chart_percentiles(&c, many, NULL, RPT_CHART_SERIES + 1, NAN, NULL), -1);
    rpt_chart_free(&c);
    hist_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports_html");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_page_matches_golden);
    tcase_add_test(tc, test_page_is_self_contained);
    tcase_add_test(tc, test_page_charts_are_well_formed_svg_with_unique_ids);
    tcase_add_test(tc, test_page_end_reports_write_errors);
    tcase_add_test(tc, test_html_escape_always_writes_valid_text);
    tcase_add_test(tc, test_linear_ticks_step_1_2_5_from_zero);
    tcase_add_test(tc, test_log_axis_ticks_decades_and_skips_non_positive);
    tcase_add_test(tc, test_percentile_axis_reads_like_hdrhistogram);
    tcase_add_test(tc, test_reference_line_is_drawn_or_named_when_far_above);
    tcase_add_test(tc, test_nan_breaks_the_line);
    tcase_add_test(tc, test_series_differ_in_colour_dash_and_marker);
    tcase_add_test(tc, test_chart_without_points_says_no_data);
    tcase_add_test(tc, test_svg_escapes_text_and_refuses_odd_ids);
    tcase_add_test(tc, test_odd_ranges_end_and_draw_inside_the_svg);
    tcase_add_test(tc, test_latency_unit_fits_the_largest_value);
    tcase_add_test(tc, test_throughput_chart_has_points_and_curve);
    tcase_add_test(tc, test_latency_chart_orders_runs_and_skips_empty_ones);
    tcase_add_test(tc, test_timeline_rates_cover_partial_seconds_and_break_at_gaps);
    tcase_add_test(tc, test_percentile_plot_steps_by_decade_and_ends_at_the_max);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
