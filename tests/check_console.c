/* tests/check_console.c: unit tests of the console (console/), without a terminal: the model
 * from /api/stats JSON and from an in-process snapshot (the same figures either way), the screen
 * model and its text, numbers and charts, the keys, the load form, the log ring and the capture
 * of stderr, and golden frames (tests/data/frame_*.txt) rendered from fixed snapshots at 80x24
 * and 120x40, UTF-8 and ASCII, and too small. No clock and no sleep: every frame comes from data.
 * Runs from the top of the tree; TB_UPDATE_GOLDEN=1 rewrites the golden files. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/hist.h"
#include "common/sample.h"
#include "console/console.h"
#include "console/console_int.h"
#include "tests/support/ck_run.h"

/* ---- fixtures ------------------------------------------------------------------------------ */

/* tests/data/console_stats.json and _prev.json: /api/stats of `tierbench serve` one second
 * apart, after two minutes of varied load (health at several rates, cached exchange rates,
 * 5 ms delays, 404s, CPU work). */
static struct cons_server_sample *load_stats(const char *name)
{
    char path[256], err[256];
    snprintf(path, sizeof(path), "tests/data/%s", name);
    size_t len;
    char *text = file_read(path, 1 << 22, &len, err, sizeof(err));
    ck_assert_msg(text != NULL, "%s (run from the top of the tree)", err);
    struct cons_server_sample *s = malloc(sizeof(*s));
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(cons_server_from_json(text, s, err, sizeof(err)) == 0, "%s: %s", path, err);
    free(text);
    return s;
}

struct fixture {
    struct cons_server_sample *cur, *prev;
    struct cons_series server_series, client_series;
    struct cons_client_sample client;
    struct cons_run_row runs[3];
    struct cons_ui ui;
    const char *log[2];
};

static struct fixture *fixture_new(void)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    ck_assert_ptr_nonnull(fx);
    fx->cur = load_stats("console_stats.json");
    fx->prev = load_stats("console_stats_prev.json");
    cons_series_from_server(fx->cur, &fx->server_series);
    /* A load test 12 s into 20 s, its seconds ending one second after the server's newest (the
     * server reports a second once it is a second old). */
    int64_t end = fx->cur->points[0].unix_s + 1;
    struct cons_client_sample *c = &fx->client;
    c->active = c->running = true;
    snprintf(c->title, sizeof(c->title), "wrk-like -c 50 -d 20s http://127.0.0.1:9000/api/health");
    snprintf(c->label, sizeof(c->label), "console");
    c->stage = c->nstages = 1;
    c->elapsed_us = 12000000;
    c->duration_us = 20000000;
    c->requests = c->done = 540000;
    c->errors[RUN_ERR_TIMEOUT] = 3;
    c->status_class[2] = 540000;
    c->codes[0] = (struct cons_code_count){200, 540000};
    c->ncodes = 1;
    c->connections_open = 50;
    c->latency = (struct cons_lat){true, 540000, 410, 880, 3100, 9800, 41000, 520.5};
    for (int i = 0; i < 12; i++) {
        struct cons_point p = {
            .unix_s = end - 11 + i,
            .duration_s = i == 0 ? 0.4 : 1,
            .requests = (uint64_t)(i == 0 ? 16000 : 40000 + 1500 * i),
            .p50_us = 380 + 5 * (uint64_t)i,
            .p90_us = 800,
            .p99_us = 2500 + 100 * (uint64_t)i,
            .max_us = 9000,
        };
        cons_series_put(&fx->client_series, &p);
        if (i >= 12 - LG_SNAPSHOT_SECONDS)
            c->points[c->npoints++] = p;
    }
    static const struct cons_run_row rows[3] = {
        {17, "12-03 09:14", "wrk", "cache-off", "http://127.0.0.1:9000/api/exchange-rate", 8468,
         1090, 3290, 84680, 0},
        {16, "12-03 09:12", "ab", "", "http://127.0.0.1:9000/api/health", 91234, 95, 410, 10000, 0},
        {15, "12-02 18:40", "run", "mix", "http://127.0.0.1:9000", 5999, 1360, 5810, 179970, 12},
    };
    memcpy(fx->runs, rows, sizeof(rows));
    cons_ui_init(&fx->ui, 1000, "http://127.0.0.1:9000/api/health");
    fx->log[0] = "server error: accept failed: Too many open files";
    fx->log[1] = "tierbench: a message that reached stderr";
    return fx;
}

static void fixture_free(struct fixture *fx)
{
    free(fx->cur);
    free(fx->prev);
    free(fx);
}

static struct cons_frame fixture_frame(struct fixture *fx, int w, int h, enum cons_glyphs g,
                                       bool client)
{
    return (struct cons_frame){
        .width = w,
        .height = h,
        .glyphs = g,
        .ui = &fx->ui,
        .title = "http://127.0.0.1:9000",
        .note = "admin :9001",
        .server = fx->cur,
        .server_prev = fx->prev,
        .server_series = &fx->server_series,
        .client = client ? &fx->client : NULL,
        .client_series = &fx->client_series,
        .runs = fx->runs,
        .nruns = 3,
        .log = fx->log,
        .nlog = 2,
    };
}

/* The frame as text (the caller frees it). */
static char *render_text(const struct cons_frame *f)
{
    struct cons_screen s;
    ck_assert_int_eq(cons_screen_init(&s, f->width, f->height), 0);
    cons_render(f, &s);
    size_t need = cons_screen_text(&s, NULL, 0);
    char *buf = malloc(need + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(cons_screen_text(&s, buf, need + 1), need);
    cons_screen_free(&s);
    return buf;
}

/* Compares text with tests/data/NAME (or rewrites it with TB_UPDATE_GOLDEN=1). */
static void check_golden(const char *name, const char *text)
{
    char path[256], err[256];
    snprintf(path, sizeof(path), "tests/data/%s", name);
    if (getenv("TB_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        ck_assert_msg(f != NULL, "cannot write %s", path);
        fputs(text, f);
        fclose(f);
        return;
    }
    size_t len;
    char *want = file_read(path, 1 << 20, &len, err, sizeof(err));
    ck_assert_msg(want != NULL, "%s (run from the top of the tree)", err);
    ck_assert_msg(strcmp(want, text) == 0, "%s differs; got:\n%s", path, text);
    free(want);
}

/* Rows of text, and each row's columns (code points). */
static void check_shape(const char *text, int w, int h)
{
    int rows = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        ck_assert_ptr_nonnull(nl);
        char line[8192];
        size_t n = (size_t)(nl - p);
        ck_assert_uint_lt(n, sizeof(line));
        memcpy(line, p, n);
        line[n] = '\0';
        ck_assert_msg(cons_text_width(line) <= w, "row %d wider than %d: %s", rows, w, line);
        rows++;
        p = nl + 1;
    }
    ck_assert_int_eq(rows, h);
}

static bool all_ascii(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

/* ---- the model ------------------------------------------------------------------------------ */

START_TEST(test_json_stats_fill_the_model)
{
    struct cons_server_sample *s = load_stats("console_stats.json");
    ck_assert(s->valid);
    ck_assert(s->uptime_s > 100);
    ck_assert(s->requests > 100000);
    ck_assert_uint_eq(s->threads_total, 64);
    ck_assert_uint_eq(s->nroutes, SRV_ROUTE__COUNT);
    ck_assert_str_eq(s->routes[SRV_ROUTE_HEALTH].name, "health");
    ck_assert(s->routes[SRV_ROUTE_HEALTH].requests > 0);
    ck_assert(s->routes[SRV_ROUTE_NOT_FOUND].requests >= 3000);
    ck_assert(s->routes[SRV_ROUTE_DELAY].latency.p50_us >= 5000);
    ck_assert(s->status_class[4] >= 3000);
    ck_assert(s->rate_rps[0] > 1000);
    ck_assert(s->window_latency[0].known);
    ck_assert(s->npoints >= 100);
    /* Newest first, one wall-clock second apart. */
    for (size_t i = 1; i < s->npoints; i++)
        ck_assert_int_eq(s->points[i].unix_s, s->points[i - 1].unix_s - 1);
    ck_assert(s->cpu_s > 0);
    ck_assert(s->rss_bytes > 1000000);
    free(s);
}
END_TEST

START_TEST(test_json_that_is_not_stats_is_refused)
{
    struct cons_server_sample *s = malloc(sizeof(*s));
    char err[256];
    ck_assert_int_eq(cons_server_from_json("{\"status\":\"ok\"}", s, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "not tierbench's /api/stats: no \"uptime_s\"");
    ck_assert_int_eq(cons_server_from_json("<html>", s, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "not JSON");
    ck_assert(!s->valid);
    free(s);
}
END_TEST

/* The in-process path and the remote path give the same figures: a snapshot, and the JSON the
 * admin API writes from it. */
START_TEST(test_stats_and_their_json_give_the_same_sample)
{
    struct srv_stats *st = srv_stats_new();
    ck_assert_ptr_nonnull(st);
    st->uptime_s = 12.5;
    st->started_unix_s = 1796286453.25;
    st->stats_enabled = true;
    for (int i = 0; i < 1000; i++) {
        sample_record(&st->total, 100 + (uint64_t)i, 200, false, 180);
        sample_record(&st->routes[SRV_ROUTE_HEALTH].sample, 100 + (uint64_t)i, 200, false, 180);
    }
    for (int i = 0; i < 10; i++) {
        sample_record(&st->total, 5000, 503, true, 90);
        sample_record(&st->routes[SRV_ROUTE_DELAY].sample, 5000, 503, true, 90);
    }
    for (int k = 0; k < SRV_CODE_SLOTS; k++) {
        if (srv_code_slot_codes[k] == 200)
            st->codes[k] = st->routes[SRV_ROUTE_HEALTH].codes[k] = 1000;
        if (srv_code_slot_codes[k] == 503)
            st->codes[k] = st->routes[SRV_ROUTE_DELAY].codes[k] = 10;
    }
    st->windows[0].rate_rps = 1234.5;
    sample_record(&st->windows[0].sample, 700, 200, false, 10);
    st->threads_total = 256;
    st->threads_busy = 3;
    st->connections_open = 7;
    st->cpu_user_s = 1.5;
    st->cpu_system_s = 0.25;
    st->rss_bytes = 52428800;
    st->timeline_len = 3;
    for (unsigned i = 0; i < 3; i++)
        st->timeline[i] = (struct srv_second){.age_s = 2 + i,
                                              .duration_us = 1000000,
                                              .requests = 300 + i,
                                              .p50_us = 120,
                                              .p99_us = 900};
    struct cons_server_sample *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    cons_server_from_stats(st, a);
    size_t need = srv_stats_json(st, true, NULL, 0);
    char *json = malloc(need + 1);
    srv_stats_json(st, true, json, need + 1);
    char err[256];
    ck_assert_int_eq(cons_server_from_json(json, b, err, sizeof(err)), 0);
    ck_assert_uint_eq(a->requests, b->requests);
    ck_assert_uint_eq(a->errors, 10);
    ck_assert_uint_eq(b->errors, 10);
    ck_assert_uint_eq(a->latency.p99_us, b->latency.p99_us);
    ck_assert_uint_eq(a->latency.p999_us, b->latency.p999_us);
    ck_assert_uint_eq(a->routes[SRV_ROUTE_DELAY].errors, b->routes[SRV_ROUTE_DELAY].errors);
    ck_assert_uint_eq(a->routes[SRV_ROUTE_HEALTH].latency.p50_us,
                      b->routes[SRV_ROUTE_HEALTH].latency.p50_us);
    ck_assert(fabs(a->rate_rps[0] - b->rate_rps[0]) < 0.1);
    ck_assert_uint_eq(a->window_latency[0].p50_us, b->window_latency[0].p50_us);
    ck_assert_uint_eq(a->ncodes, b->ncodes);
    ck_assert_uint_eq(a->threads_busy, b->threads_busy);
    ck_assert(fabs(a->cpu_s - b->cpu_s) < 0.01);
    ck_assert(fabs(a->sampled_unix_s - b->sampled_unix_s) < 0.01);
    ck_assert_uint_eq(a->npoints, 3);
    ck_assert_uint_eq(b->npoints, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(a->points[i].unix_s, b->points[i].unix_s);
        ck_assert_uint_eq(a->points[i].requests, b->points[i].requests);
    }
    /* started 1796286453.25 + 12.5 = ...465.75: the second of age 2 began at ...463. */
    ck_assert_int_eq(a->points[0].unix_s, 1796286463);
    free(json);
    free(a);
    free(b);
    srv_stats_free(st);
}
END_TEST

START_TEST(test_client_sample_from_a_loadgen_snapshot)
{
    struct lg_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    snap.latency_us = hist_new_default();
    for (int i = 1; i <= 100; i++)
        hist_record(snap.latency_us, (uint64_t)i * 10);
    snap.elapsed_us = 2500000;
    snap.done = 101;
    snap.requests = 100;
    snap.errors[RUN_ERR_CONNECT] = 1;
    snap.status[0] = (struct run_status_count){200, 100};
    snap.nstatus = 1;
    snap.connections_open = 4;
    snap.nseconds = 2;
    snap.seconds[0] = (struct lg_second){.unix_s = 1000, .duration_s = 0.5, .requests = 40};
    snap.seconds[1] = (struct lg_second){.unix_s = 1001, .duration_s = 1, .requests = 60};
    struct cons_client_sample c;
    memset(&c, 0, sizeof(c));
    cons_client_from_snapshot(&snap, &c);
    ck_assert_uint_eq(c.requests, 100);
    ck_assert_uint_eq(c.errors[RUN_ERR_CONNECT], 1);
    ck_assert_uint_eq(c.ncodes, 1);
    ck_assert_int_eq(c.codes[0].code, 200);
    ck_assert_uint_eq(c.connections_open, 4);
    ck_assert(c.latency.known);
    ck_assert_uint_eq(c.latency.max_us, 1000);
    ck_assert(c.latency.p50_us >= 495 && c.latency.p50_us <= 505);
    ck_assert_uint_eq(c.npoints, 2);
    ck_assert(fabs(cons_point_rate_rps(&c.points[0]) - 80) < 1e-9);
    hist_free(snap.latency_us);
}
END_TEST

START_TEST(test_series_is_keyed_by_second)
{
    struct cons_series *s = calloc(1, sizeof(*s));
    struct cons_point p = {.unix_s = 5000, .duration_s = 1, .requests = 7};
    cons_series_put(s, &p);
    ck_assert_ptr_nonnull(cons_series_at(s, 5000));
    ck_assert_ptr_null(cons_series_at(s, 5000 + CONS_SERIES_S)); /* same slot, other second */
    p.unix_s = 5000 + CONS_SERIES_S;
    cons_series_put(s, &p);
    ck_assert_ptr_null(cons_series_at(s, 5000)); /* overwritten: gone, not misfiled */
    ck_assert_int_eq(cons_series_newest(s, INT64_MAX), 5000 + CONS_SERIES_S);
    ck_assert_int_eq(cons_series_newest(s, 5100), 0);
    free(s);
}
END_TEST

/* ---- screen, numbers, charts ------------------------------------------------------------------
 */

START_TEST(test_screen_text_trims_rows_and_writes_utf8)
{
    struct cons_screen s;
    ck_assert_int_eq(cons_screen_init(&s, 6, 2), 0);
    ck_assert_int_eq(cons_put(&s, 0, 0, 6, 0, 0, "a\xe2\xa3\xbf\tb"), 4); /* a, U+28FF, ?, b */
    ck_assert_int_eq(cons_put(&s, 4, 1, 9, 0, 0, "xyz"), 2);              /* clipped at the edge */
    char buf[64];
    ck_assert_uint_eq(cons_screen_text(&s, buf, sizeof(buf)), 14);
    ck_assert_str_eq(buf, "a\xe2\xa3\xbf?b\n    xy\n");
    /* snprintf-style: a short buffer gets whole characters only, and the full length. */
    ck_assert_uint_eq(cons_screen_text(&s, buf, 3), 14);
    ck_assert_str_eq(buf, "a");
    cons_screen_free(&s);
    ck_assert_int_eq(cons_screen_init(&s, 0, 5), -1);
}
END_TEST

START_TEST(test_numbers_fit_their_columns)
{
    char b[32];
    cons_fmt_count(b, sizeof(b), 999.4);
    ck_assert_str_eq(b, "999");
    cons_fmt_count(b, sizeof(b), 999.6);
    ck_assert_str_eq(b, "1.00k");
    cons_fmt_count(b, sizeof(b), 91234);
    ck_assert_str_eq(b, "91.2k");
    cons_fmt_count(b, sizeof(b), 999999);
    ck_assert_str_eq(b, "1.00M");
    cons_fmt_us(b, sizeof(b), 0);
    ck_assert_str_eq(b, "0us");
    cons_fmt_us(b, sizeof(b), 1234);
    ck_assert_str_eq(b, "1.23ms");
    cons_fmt_us(b, sizeof(b), 99960);
    ck_assert_str_eq(b, "100ms");
    cons_fmt_us(b, sizeof(b), 2.5e6);
    ck_assert_str_eq(b, "2.50s");
    cons_fmt_bytes(b, sizeof(b), 52428800);
    ck_assert_str_eq(b, "50.0M");
    cons_fmt_uptime(b, sizeof(b), 3723);
    ck_assert_str_eq(b, "1h02m");
    cons_fmt_uptime(b, sizeof(b), 723);
    ck_assert_str_eq(b, "12m03s");
    ck_assert(cons_nice_ceil(91234, 10) == 100000);
    ck_assert(cons_nice_ceil(12001, 10) == 20000);
    ck_assert(cons_nice_ceil(20000, 10) == 20000);
    ck_assert(cons_nice_ceil(3, 10) == 10);
    ck_assert(cons_nice_ceil(NAN, 10) == 10);
}
END_TEST

START_TEST(test_braille_area_fills_to_the_value)
{
    struct cons_screen s;
    ck_assert_int_eq(cons_screen_init(&s, 2, 2), 0);
    double v[4] = {0, 50, 100, NAN};
    struct cons_chart_series se = {v, 4, CONS_C_SERVER, '#'};
    cons_chart_draw(&s, 0, 0, 2, 2, CONS_GLYPHS_BRAILLE, CONS_CHART_AREA, &se, 1, 0, 100, false);
    /* Column 0: 0 (nothing) and 50 (the lower cell full in the right dot column). Column 1:
     * 100 (both cells full on the left), then no data. */
    ck_assert_uint_eq(cons_cell_at(&s, 0, 0)->ch, ' ');
    ck_assert_uint_eq(cons_cell_at(&s, 0, 1)->ch, 0x2800u + 0xb8u);
    ck_assert_uint_eq(cons_cell_at(&s, 1, 0)->ch, 0x2800u + 0x47u);
    ck_assert_uint_eq(cons_cell_at(&s, 1, 1)->ch, 0x2800u + 0x47u);
    ck_assert_uint_eq(cons_cell_at(&s, 1, 1)->color, CONS_C_SERVER);
    cons_screen_free(&s);
}
END_TEST

START_TEST(test_charts_put_the_newest_sample_at_the_right_edge)
{
    struct cons_screen s;
    ck_assert_int_eq(cons_screen_init(&s, 10, 3), 0);
    double v[3] = {10, 10, 10};
    struct cons_chart_series se = {v, 3, 0, '#'};
    for (int g = 0; g < 3; g++) {
        cons_screen_clear(&s);
        cons_chart_draw(&s, 0, 0, 10, 3, (enum cons_glyphs)g, CONS_CHART_AREA, &se, 1, 0, 10,
                        false);
        ck_assert_msg(cons_cell_at(&s, 9, 2)->ch != ' ', "glyphs %d: right edge empty", g);
        ck_assert_msg(cons_cell_at(&s, 0, 2)->ch == ' ', "glyphs %d: left edge drawn", g);
    }
    /* More samples than fit: the oldest are left out, not the newest. */
    double many[30];
    for (int i = 0; i < 30; i++)
        many[i] = i < 25 ? 0 : 10;
    struct cons_chart_series m = {many, 30, 0, '#'};
    cons_screen_clear(&s);
    cons_chart_draw(&s, 0, 0, 10, 3, CONS_GLYPHS_ASCII, CONS_CHART_AREA, &m, 1, 0, 10, false);
    ck_assert_uint_eq(cons_cell_at(&s, 9, 0)->ch, '#');
    ck_assert_uint_eq(cons_cell_at(&s, 4, 0)->ch, ' ');
    cons_screen_free(&s);
}
END_TEST

START_TEST(test_log_scale_places_decades_evenly)
{
    struct cons_screen s;
    ck_assert_int_eq(cons_screen_init(&s, 3, 3), 0);
    double v[3] = {1, 31.6, 1000}; /* 10^0, 10^1.5, 10^3 on a 1..1000 axis */
    struct cons_chart_series se = {v, 3, 0, '*'};
    cons_chart_draw(&s, 0, 0, 3, 3, CONS_GLYPHS_ASCII, CONS_CHART_LINE, &se, 1, 1, 1000, true);
    ck_assert_uint_eq(cons_cell_at(&s, 0, 2)->ch, '*');
    ck_assert_uint_eq(cons_cell_at(&s, 1, 1)->ch, '*');
    ck_assert_uint_eq(cons_cell_at(&s, 2, 0)->ch, '*');
    cons_screen_free(&s);
}
END_TEST

/* ---- keys and the form ------------------------------------------------------------------------
 */

START_TEST(test_keys_switch_views_and_quit)
{
    struct cons_ui ui;
    cons_ui_init(&ui, 0, "http://127.0.0.1:9000/api/health");
    ck_assert_uint_eq(ui.refresh_ms, CONS_REFRESH_DEFAULT_MS);
    ck_assert_int_eq(cons_ui_key(&ui, '\t', false), CONS_ACT_REDRAW);
    ck_assert_int_eq(ui.view, CONS_VIEW_ROUTES);
    ck_assert_int_eq(cons_ui_key(&ui, '3', false), CONS_ACT_REDRAW);
    ck_assert_int_eq(ui.view, CONS_VIEW_RUNS);
    ck_assert_int_eq(cons_ui_key(&ui, CONS_KEY_BTAB, false), CONS_ACT_REDRAW);
    ck_assert_int_eq(ui.view, CONS_VIEW_ROUTES);
    ck_assert_int_eq(cons_ui_key(&ui, 'p', false), CONS_ACT_REDRAW);
    ck_assert(ui.paused);
    ck_assert_int_eq(cons_ui_key(&ui, 'h', false), CONS_ACT_REDRAW);
    ck_assert(ui.help);
    ck_assert_int_eq(cons_ui_key(&ui, 'x', false), CONS_ACT_REDRAW); /* any key closes help */
    ck_assert(!ui.help);
    ck_assert_int_eq(cons_ui_key(&ui, 'L', false), CONS_ACT_REDRAW);
    ck_assert(ui.log_scale);
    ck_assert_int_eq(cons_ui_key(&ui, 'q', false), CONS_ACT_QUIT);
}
END_TEST

START_TEST(test_refresh_steps_stay_in_bounds)
{
    struct cons_ui ui;
    cons_ui_init(&ui, 1000, NULL);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(cons_ui_key(&ui, '+', false), CONS_ACT_REFRESH);
    ck_assert_uint_eq(ui.refresh_ms, CONS_REFRESH_MAX_MS);
    cons_ui_key(&ui, '-', false);
    ck_assert_uint_eq(ui.refresh_ms, 2000);
    for (int i = 0; i < 10; i++)
        cons_ui_key(&ui, '-', false);
    ck_assert_uint_eq(ui.refresh_ms, CONS_REFRESH_MIN_MS);
    cons_ui_init(&ui, 99999, NULL);
    ck_assert_uint_eq(ui.refresh_ms, CONS_REFRESH_MAX_MS);
}
END_TEST

START_TEST(test_tier_view_takes_digits_as_users)
{
    struct cons_ui ui;
    cons_ui_init(&ui, 1000, NULL);
    cons_ui_key(&ui, '4', false);
    ck_assert_int_eq(ui.view, CONS_VIEW_TIER);
    ck_assert_int_eq(cons_ui_key(&ui, '0', false), CONS_ACT_TIER); /* no leading zero */
    ck_assert_int_eq(cons_ui_key(&ui, '5', false), CONS_ACT_TIER);
    ck_assert_int_eq(cons_ui_key(&ui, '0', false), CONS_ACT_TIER);
    ck_assert_int_eq(cons_ui_key(&ui, '1', false), CONS_ACT_TIER);
    ck_assert_str_eq(ui.tier_users, "501");
    ck_assert_int_eq(ui.view, CONS_VIEW_TIER); /* digits did not switch views */
    ck_assert_int_eq(cons_ui_key(&ui, CONS_KEY_BACKSPACE, false), CONS_ACT_TIER);
    ck_assert_str_eq(ui.tier_users, "50");
    ck_assert_int_eq(cons_ui_key(&ui, '\t', false), CONS_ACT_REDRAW);
    ck_assert_int_eq(ui.view, CONS_VIEW_OVERVIEW);
}
END_TEST

START_TEST(test_l_opens_the_form_and_enter_starts)
{
    struct cons_ui ui;
    cons_ui_init(&ui, 1000, "http://127.0.0.1:9000/api/health");
    ck_assert_int_eq(cons_ui_key(&ui, 'l', true), CONS_ACT_REDRAW);
    ck_assert(!ui.form_open); /* one test at a time */
    ck_assert_str_eq(ui.notice, "a load test is running: s stops it");
    ck_assert_int_eq(cons_ui_key(&ui, 's', false), CONS_ACT_REDRAW);
    ck_assert_str_eq(ui.notice, "no load test is running: l starts one");
    ck_assert_int_eq(cons_ui_key(&ui, 's', true), CONS_ACT_STOP);
    cons_ui_key(&ui, 'l', false);
    ck_assert(ui.form_open);
    ck_assert_int_eq(ui.form.field, CONS_FIELD_OPTIONS);
    ck_assert_str_eq(ui.form.options, "-c 50 -d 10s");
    /* q types into the form, it does not quit. */
    ck_assert_int_eq(cons_ui_key(&ui, 'q', false), CONS_ACT_REDRAW);
    ck_assert_str_eq(ui.form.options, "-c 50 -d 10sq");
    cons_ui_key(&ui, CONS_KEY_BACKSPACE, false);
    cons_ui_key(&ui, CONS_KEY_UP, false);
    ck_assert_int_eq(ui.form.field, CONS_FIELD_PRESET);
    cons_ui_key(&ui, CONS_KEY_LEFT, false);
    ck_assert_int_eq(ui.form.preset, CONS_PRESET_AB);
    ck_assert_str_eq(ui.form.options, "-n 10000 -c 50 -k");
    ck_assert_int_eq(cons_ui_key(&ui, CONS_KEY_ENTER, false), CONS_ACT_START);
    ck_assert_int_eq(cons_ui_key(&ui, CONS_KEY_ESC, false), CONS_ACT_REDRAW);
    ck_assert(!ui.form_open);
}
END_TEST

static struct cons_form form_of(enum cons_preset p, const char *options)
{
    struct cons_form f;
    memset(&f, 0, sizeof(f));
    f.preset = p;
    snprintf(f.target, sizeof(f.target), "http://127.0.0.1:9000/api/health");
    snprintf(f.options, sizeof(f.options), "%s", options);
    snprintf(f.label, sizeof(f.label), "my label");
    return f;
}

START_TEST(test_form_presets_become_plans)
{
    struct cons_load_plan p;
    char err[200];
    struct cons_form f = form_of(CONS_PRESET_AB, "-n 2k -c 20 -k");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    ck_assert_uint_eq(p.max_requests, 2000);
    ck_assert_uint_eq(p.connections, 20);
    ck_assert(p.keep_alive);
    ck_assert_str_eq(cons_plan_tool(&p), "ab");
    f = form_of(CONS_PRESET_WRK, "-c50 -d 1m30s -t 4");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    ck_assert_uint_eq(p.duration_us, 90000000);
    ck_assert_uint_eq(cons_plan_threads(&p), 4);
    f = form_of(CONS_PRESET_RATE, "-R 5000 -c 10 -d 5s");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    ck_assert(p.rate_rps == 5000);
    ck_assert_uint_eq(cons_plan_threads(&p), 2);
    f = form_of(CONS_PRESET_SCENARIO, " examples/api-mix.json ");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p.scenario, "examples/api-mix.json");
    ck_assert_str_eq(cons_plan_tool(&p), "run");
}
END_TEST

START_TEST(test_form_errors_name_the_field)
{
    struct cons_load_plan p;
    char err[200];
    struct cons_form f = form_of(CONS_PRESET_WRK, "-n 100");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "-n: not an option of the wrk-like preset (it takes -c -d -t)");
    f = form_of(CONS_PRESET_WRK, "-c 0");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "-c 0: expected a number from 1 to 100000");
    f = form_of(CONS_PRESET_WRK, "-d");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "-d needs a value");
    f = form_of(CONS_PRESET_RATE, "-c 10");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "constant rate: give the rate with -R (requests per second)");
    f = form_of(CONS_PRESET_WRK, "-c 2 -t 4");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "threads (4) must not exceed connections (2)");
    f = form_of(CONS_PRESET_WRK, "-c 2");
    snprintf(f.target, sizeof(f.target), "ftp://x");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), -1);
    ck_assert_msg(!strncmp(err, "target: ", 8), "%s", err);
}
END_TEST

/* A run from the console is described as its tool describes one, so `runs show` reprints it. */
START_TEST(test_plan_describes_the_run_like_its_tool)
{
    struct cons_load_plan p;
    char err[200];
    struct cons_form f = form_of(CONS_PRESET_RATE, "-R 2000 -c 20 -d 5s");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    char *cmd = cons_plan_cmdline(&p);
    ck_assert_str_eq(cmd, "tierbench wrk -t2 -c20 -d5s -R2000 --label 'my label' "
                          "http://127.0.0.1:9000/api/health");
    free(cmd);
    struct lg_config cfg = {.threads = 2,
                            .connections = 20,
                            .duration_us = 5000000,
                            .rate_rps = 2000,
                            .timeout_us = 2000000};
    char *json = cons_plan_config_json(&p, &cfg);
    cJSON *doc = cJSON_Parse(json);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(cJSON_GetObjectItem(doc, "tool")->valuestring, "wrk");
    ck_assert(cJSON_GetObjectItem(doc, "duration_s")->valuedouble == 5);
    ck_assert(cJSON_GetObjectItem(doc, "rate_rps")->valuedouble == 2000);
    ck_assert_uint_eq(cJSON_GetObjectItem(doc, "connections")->valueint, 20);
    cJSON_Delete(doc);
    free(json);
    f = form_of(CONS_PRESET_AB, "-n 500 -c 5");
    ck_assert_int_eq(cons_plan_from_form(&f, &p, err, sizeof(err)), 0);
    cmd = cons_plan_cmdline(&p);
    ck_assert_str_eq(cmd, "tierbench ab -n500 -c5 -W2 --label 'my label' "
                          "http://127.0.0.1:9000/api/health");
    free(cmd);
    cfg = (struct lg_config){.threads = 2, .connections = 5, .timeout_us = 30000000};
    json = cons_plan_config_json(&p, &cfg);
    doc = cJSON_Parse(json);
    ck_assert_uint_eq(cJSON_GetObjectItem(doc, "requests")->valueint, 500);
    ck_assert_uint_eq(cJSON_GetObjectItem(doc, "concurrency")->valueint, 5);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(doc, "keepalive")));
    cJSON_Delete(doc);
    free(json);
}
END_TEST

/* ---- log ring and stderr ----------------------------------------------------------------------
 */

START_TEST(test_log_ring_keeps_the_newest_lines)
{
    struct cons_log *log = cons_log_new();
    char line[64];
    for (int i = 0; i < CONS_LOG_LINES + 5; i++) {
        snprintf(line, sizeof(line), "line %d\twith a tab", i);
        cons_log_add(log, line);
    }
    cons_log_srv(log, SRV_LOG_DEBUG, "dropped");
    cons_log_srv(log, SRV_LOG_ERROR, "accept failed");
    char(*lines)[CONS_LOG_LINE_BYTES] = calloc(4, CONS_LOG_LINE_BYTES);
    ck_assert_uint_eq(cons_log_lines(log, lines, 4), 4);
    ck_assert_str_eq(lines[0], "line 66 with a tab");
    ck_assert_str_eq(lines[2], "line 68 with a tab");
    ck_assert_str_eq(lines[3], "server error: accept failed");
    free(lines);
    cons_log_free(log);
}
END_TEST

START_TEST(test_stderr_is_captured_while_the_screen_is_up)
{
    struct cons_log *log = cons_log_new();
    struct cons_capture cap;
    ck_assert_int_eq(cons_capture_begin(&cap, false), 0);
    fprintf(stderr, "first line\nsecond ");
    fprintf(stderr, "line\npartial");
    cons_capture_drain(&cap, log);
    char(*lines)[CONS_LOG_LINE_BYTES] = calloc(4, CONS_LOG_LINE_BYTES);
    ck_assert_uint_eq(cons_log_lines(log, lines, 4), 2);
    ck_assert_str_eq(lines[0], "first line");
    ck_assert_str_eq(lines[1], "second line");
    cons_capture_end(&cap, log);
    ck_assert_int_eq(cap.saved_fd, -1);
    /* stderr is the real one again: a write no longer reaches the ring. */
    fprintf(stderr, "%s", "");
    ck_assert_uint_eq(cons_log_lines(log, lines, 4), 2);
    free(lines);
    cons_log_free(log);
}
END_TEST

/* ---- frames ------------------------------------------------------------------------------------
 */

static void golden_frame(const char *name, struct fixture *fx, int w, int h, enum cons_glyphs g,
                         bool client)
{
    struct cons_frame f = fixture_frame(fx, w, h, g, client);
    char *text = render_text(&f);
    check_shape(text, w, h);
    if (g == CONS_GLYPHS_ASCII)
        ck_assert_msg(all_ascii(text), "%s: not ASCII:\n%s", name, text);
    check_golden(name, text);
    free(text);
}

START_TEST(test_frame_overview_80x24)
{
    struct fixture *fx = fixture_new();
    golden_frame("frame_overview_80x24.txt", fx, 80, 24, CONS_GLYPHS_BRAILLE, false);
    golden_frame("frame_overview_80x24_ascii.txt", fx, 80, 24, CONS_GLYPHS_ASCII, false);
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_load_test_80x24)
{
    struct fixture *fx = fixture_new();
    golden_frame("frame_load_80x24.txt", fx, 80, 24, CONS_GLYPHS_BRAILLE, true);
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_load_test_120x40)
{
    struct fixture *fx = fixture_new();
    golden_frame("frame_load_120x40.txt", fx, 120, 40, CONS_GLYPHS_BRAILLE, true);
    golden_frame("frame_load_120x40_ascii.txt", fx, 120, 40, CONS_GLYPHS_ASCII, true);
    fx->ui.log_scale = true;
    golden_frame("frame_load_120x40_blocks_log.txt", fx, 120, 40, CONS_GLYPHS_BLOCK, true);
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_views_80x24)
{
    struct fixture *fx = fixture_new();
    fx->ui.view = CONS_VIEW_ROUTES;
    golden_frame("frame_routes_80x24.txt", fx, 80, 24, CONS_GLYPHS_BRAILLE, true);
    fx->ui.view = CONS_VIEW_RUNS;
    golden_frame("frame_runs_80x24.txt", fx, 80, 24, CONS_GLYPHS_BRAILLE, false);
    fx->ui.view = CONS_VIEW_TIER;
    snprintf(fx->ui.tier_users, sizeof(fx->ui.tier_users), "5000");
    struct cons_frame f = fixture_frame(fx, 80, 24, CONS_GLYPHS_ASCII, false);
    f.tier_text = "Tier      Instances  Monthly (KRW)  Difficulty  Runner-up    Runner-up (KRW)\n"
                  "Standard          2        230,000         4/5  4 x Compact          240,000\n";
    char *text = render_text(&f);
    check_golden("frame_tier_80x24_ascii.txt", text);
    free(text);
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_form_and_help)
{
    struct fixture *fx = fixture_new();
    cons_ui_key(&fx->ui, 'l', false);
    snprintf(fx->ui.form.error, sizeof(fx->ui.form.error),
             "-c 0: expected a number from 1 to "
             "100000");
    golden_frame("frame_form_80x24.txt", fx, 80, 24, CONS_GLYPHS_BRAILLE, false);
    cons_ui_key(&fx->ui, CONS_KEY_ESC, false);
    cons_ui_key(&fx->ui, 'h', false);
    golden_frame("frame_help_80x24_ascii.txt", fx, 80, 24, CONS_GLYPHS_ASCII, false);
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_too_small_says_so)
{
    struct fixture *fx = fixture_new();
    golden_frame("frame_small_60x20.txt", fx, 60, 20, CONS_GLYPHS_BRAILLE, true);
    /* At every size below the minimum: the message, and nothing else. */
    for (int w = 20; w < CONS_MIN_WIDTH + 5; w += 7)
        for (int h = 5; h < CONS_MIN_HEIGHT + 3; h += 3) {
            if (w >= CONS_MIN_WIDTH && h >= CONS_MIN_HEIGHT)
                continue;
            struct cons_frame f = fixture_frame(fx, w, h, CONS_GLYPHS_BRAILLE, true);
            char *text = render_text(&f);
            check_shape(text, w, h);
            ck_assert_msg(strstr(text, "terminal too small") != NULL, "%dx%d:\n%s", w, h, text);
            ck_assert_msg(strstr(text, "req/s") == NULL, "%dx%d drew the frame", w, h);
            free(text);
        }
    fixture_free(fx);
}
END_TEST

START_TEST(test_frame_live_panel)
{
    struct fixture *fx = fixture_new();
    struct cons_frame f = fixture_frame(fx, 80, 24, CONS_GLYPHS_BRAILLE, true);
    f.live = true;
    f.note = NULL;
    f.server = NULL;
    f.server_series = NULL;
    f.title = "tierbench wrk -t2 -c50 -d20s http://127.0.0.1:9000/api/health";
    char *text = render_text(&f);
    check_shape(text, 80, 24);
    check_golden("frame_live_80x24.txt", text);
    free(text);
    fixture_free(fx);
}
END_TEST

/* Every size from the minimum to large, every view and glyph mode: rows fit, the footer keys
 * show, ASCII stays ASCII, and rendering twice gives the same screen. */
START_TEST(test_frames_reflow_at_every_size)
{
    struct fixture *fx = fixture_new();
    for (int w = CONS_MIN_WIDTH; w <= 220; w += 13)
        for (int h = CONS_MIN_HEIGHT; h <= 70; h += 7)
            for (int v = 0; v < CONS_VIEW__COUNT; v++)
                for (int g = 0; g < 3; g++) {
                    fx->ui.view = (enum cons_view)v;
                    struct cons_frame f =
                        fixture_frame(fx, w, h, (enum cons_glyphs)g, (w + h + v) % 2 == 0);
                    char *a = render_text(&f);
                    check_shape(a, w, h);
                    ck_assert_msg(strstr(a, "q quit") != NULL, "%dx%d view %d: no footer", w, h, v);
                    if (g == CONS_GLYPHS_ASCII)
                        ck_assert(all_ascii(a));
                    char *b = render_text(&f);
                    ck_assert_str_eq(a, b);
                    free(a);
                    free(b);
                }
    fixture_free(fx);
}
END_TEST

/* A frame with no data at all (the first moment of a remote console) draws, and says so. */
START_TEST(test_frame_without_data)
{
    struct cons_ui ui;
    cons_ui_init(&ui, 1000, NULL);
    struct cons_frame f = {.width = 80,
                           .height = 24,
                           .glyphs = CONS_GLYPHS_BRAILLE,
                           .ui = &ui,
                           .title = "http://10.0.0.9:9001",
                           .link = "disconnected (Couldn't connect to server), retrying in 4s"};
    char *text = render_text(&f);
    check_shape(text, 80, 24);
    ck_assert(strstr(text, "waiting for the first sample") != NULL);
    ck_assert(strstr(text, "disconnected (Couldn't connect to server), retrying in 4s") != NULL);
    free(text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("console");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_json_stats_fill_the_model);
    tcase_add_test(tc, test_json_that_is_not_stats_is_refused);
    tcase_add_test(tc, test_stats_and_their_json_give_the_same_sample);
    tcase_add_test(tc, test_client_sample_from_a_loadgen_snapshot);
    tcase_add_test(tc, test_series_is_keyed_by_second);
    suite_add_tcase(s, tc);
    tc = tcase_create("screen");
    tcase_add_test(tc, test_screen_text_trims_rows_and_writes_utf8);
    tcase_add_test(tc, test_numbers_fit_their_columns);
    tcase_add_test(tc, test_braille_area_fills_to_the_value);
    tcase_add_test(tc, test_charts_put_the_newest_sample_at_the_right_edge);
    tcase_add_test(tc, test_log_scale_places_decades_evenly);
    suite_add_tcase(s, tc);
    tc = tcase_create("keys");
    tcase_add_test(tc, test_keys_switch_views_and_quit);
    tcase_add_test(tc, test_refresh_steps_stay_in_bounds);
    tcase_add_test(tc, test_tier_view_takes_digits_as_users);
    tcase_add_test(tc, test_l_opens_the_form_and_enter_starts);
    tcase_add_test(tc, test_form_presets_become_plans);
    tcase_add_test(tc, test_form_errors_name_the_field);
    tcase_add_test(tc, test_plan_describes_the_run_like_its_tool);
    suite_add_tcase(s, tc);
    tc = tcase_create("log");
    tcase_add_test(tc, test_log_ring_keeps_the_newest_lines);
    tcase_add_test(tc, test_stderr_is_captured_while_the_screen_is_up);
    suite_add_tcase(s, tc);
    tc = tcase_create("frames");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_frame_overview_80x24);
    tcase_add_test(tc, test_frame_load_test_80x24);
    tcase_add_test(tc, test_frame_load_test_120x40);
    tcase_add_test(tc, test_frame_views_80x24);
    tcase_add_test(tc, test_frame_form_and_help);
    tcase_add_test(tc, test_frame_too_small_says_so);
    tcase_add_test(tc, test_frame_live_panel);
    tcase_add_test(tc, test_frames_reflow_at_every_size);
    tcase_add_test(tc, test_frame_without_data);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run(suite());
}
