/* console/render.c: snapshots in, a screen model out (console_int.h, struct cons_frame). Pure:
 * no clock, no I/O, no curses; the same frame always gives the same screen, which is what the
 * golden frames in tests/data/frame_*.txt pin. Layout: a header (target, uptime, threads,
 * connections, CPU, RSS), the view tabs and the link state, the view, and a footer with the keys.
 * Every chart of a frame covers the same seconds (ending at the newest second either side has),
 * so the server's and the client's figures of one second sit one above the other. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "console/console_int.h"

struct rect {
    int x, y, w, h;
};

/* The characters of one glyph mode. */
struct glyphset {
    uint32_t h, v, tl, tr, bl, br; /* box drawing */
    uint32_t bar_full, bar_empty;  /* progress bar */
    const char *sep;               /* between header fields */
    const char *dash;              /* a range: "0–100k" */
    const char *del;               /* the backspace key */
};

static const struct glyphset utf8_glyphs = {0x2500u,    0x2502u,  0x250cu, 0x2510u,
                                            0x2514u,    0x2518u,  0x2588u, 0x2591u,
                                            " \u2502 ", "\u2013", "\u232b"};
static const struct glyphset ascii_glyphs = {'-', '|', '+',   '+', '+',   '+',
                                             '#', '.', " | ", "-", "bksp"};

static const struct glyphset *glyphs_of(enum cons_glyphs g)
{
    return g == CONS_GLYPHS_ASCII ? &ascii_glyphs : &utf8_glyphs;
}

/* Label width of a chart's y axis ("100k", "1.23ms"), plus one blank column. */
#define AXIS_W 7

/* ---- small pieces --------------------------------------------------------------------------- */

static int put(struct cons_screen *s, int x, int y, int w, uint8_t attr, uint8_t color,
               const char *text)
{
    return w > 0 ? cons_put(s, x, y, w, attr, color, text) : 0;
}

/* Right-aligned in the w columns that end at x + w. */
static void put_right(struct cons_screen *s, int x, int y, int w, uint8_t attr, uint8_t color,
                      const char *text)
{
    int n = cons_text_width(text);
    if (n > w)
        n = w;
    put(s, x + w - n, y, n, attr, color, text);
}

/* Text cut to w columns with a trailing '~' when it does not fit. */
static void put_cut(struct cons_screen *s, int x, int y, int w, uint8_t attr, uint8_t color,
                    const char *text)
{
    if (w <= 0)
        return;
    if (cons_text_width(text) <= w) {
        put(s, x, y, w, attr, color, text);
        return;
    }
    put(s, x, y, w - 1, attr, color, text);
    put(s, x + w - 1, y, 1, attr, color, "~");
}

static void lat_text(char *buf, size_t cap, bool known, uint64_t us)
{
    if (known)
        cons_fmt_us(buf, cap, (double)us);
    else
        snprintf(buf, cap, "-");
}

static void count_text(char *buf, size_t cap, double n)
{
    cons_fmt_count(buf, cap, n);
}

/* "p50 0.52ms  p90 0.71ms  p99 1.12ms  p99.9 2.30ms  max 5.70ms" in at most w columns: with
 * single spaces when that is too wide, then without p90. */
static void lat_line(char *buf, size_t cap, const struct cons_lat *l, int w)
{
    char a[16], b[16], c[16], d[16], e[16];
    lat_text(a, sizeof(a), l->known, l->p50_us);
    lat_text(b, sizeof(b), l->known, l->p90_us);
    lat_text(c, sizeof(c), l->known, l->p99_us);
    lat_text(d, sizeof(d), l->known, l->p999_us);
    lat_text(e, sizeof(e), l->known, l->max_us);
    snprintf(buf, cap, "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", a, b, c, d, e);
    if (cons_text_width(buf) > w)
        snprintf(buf, cap, "p50 %s p90 %s p99 %s p99.9 %s max %s", a, b, c, d, e);
    if (cons_text_width(buf) > w)
        snprintf(buf, cap, "p50 %s p99 %s p99.9 %s max %s", a, c, d, e);
    if (cons_text_width(buf) > w)
        snprintf(buf, cap, "p50 %s p99 %s max %s", a, c, e);
}

static void box(struct cons_screen *s, const struct glyphset *gl, struct rect r, const char *title)
{
    cons_fill(s, r.x, r.y, r.w, r.h, ' ', 0, CONS_C_NONE);
    for (int i = 1; i < r.w - 1; i++) {
        *cons_cell_at(s, r.x + i, r.y) = (struct cons_cell){.ch = gl->h, .color = CONS_C_LABEL};
        *cons_cell_at(s, r.x + i, r.y + r.h - 1) =
            (struct cons_cell){.ch = gl->h, .color = CONS_C_LABEL};
    }
    for (int j = 1; j < r.h - 1; j++) {
        *cons_cell_at(s, r.x, r.y + j) = (struct cons_cell){.ch = gl->v, .color = CONS_C_LABEL};
        *cons_cell_at(s, r.x + r.w - 1, r.y + j) =
            (struct cons_cell){.ch = gl->v, .color = CONS_C_LABEL};
    }
    *cons_cell_at(s, r.x, r.y) = (struct cons_cell){.ch = gl->tl, .color = CONS_C_LABEL};
    *cons_cell_at(s, r.x + r.w - 1, r.y) = (struct cons_cell){.ch = gl->tr, .color = CONS_C_LABEL};
    *cons_cell_at(s, r.x, r.y + r.h - 1) = (struct cons_cell){.ch = gl->bl, .color = CONS_C_LABEL};
    *cons_cell_at(s, r.x + r.w - 1, r.y + r.h - 1) =
        (struct cons_cell){.ch = gl->br, .color = CONS_C_LABEL};
    if (title)
        cons_putf(s, r.x + 2, r.y, r.w - 4, CONS_A_BOLD, CONS_C_NONE, " %s ", title);
}

/* ---- time axis and series -------------------------------------------------------------------- */

/* The seconds every chart of a frame shows: n samples of step seconds, the last ending at
 * right_s. */
struct span {
    int64_t right_s;
    size_t n;
    unsigned step_s;
};

static struct span span_of(const struct cons_frame *f, int plot_w)
{
    struct span sp = {0, cons_chart_samples(plot_w, f->glyphs), 1};
    if (sp.n > SRV_TIMELINE_S)
        sp.n = SRV_TIMELINE_S;
    /* A narrow chart still covers a minute: then a sample is several seconds. */
    if (sp.n > 0 && sp.n < 60)
        sp.step_s = (unsigned)((60 + sp.n - 1) / sp.n);
    if (f->server_series)
        sp.right_s = cons_series_newest(f->server_series, INT64_MAX);
    if (f->client_series) {
        int64_t c = cons_series_newest(f->client_series, INT64_MAX);
        if (c > sp.right_s)
            sp.right_s = c;
    }
    return sp;
}

enum metric_pick { PICK_RATE, PICK_P50, PICK_P99 };

/* The series' values over the span (NAN where it has no second). Several seconds a sample:
 * the rate over them, the highest percentile. */
static void series_values(const struct cons_series *se, const struct span *sp, enum metric_pick m,
                          double *out)
{
    for (size_t j = 0; j < sp->n; j++) {
        out[j] = NAN;
        if (!se || sp->right_s <= 0)
            continue;
        int64_t last = sp->right_s - (int64_t)((sp->n - 1 - j) * sp->step_s);
        double req = 0, dur = 0, v = NAN;
        for (unsigned k = 0; k < sp->step_s; k++) {
            const struct cons_point *p = cons_series_at(se, last - (int64_t)k);
            if (!p)
                continue;
            req += (double)p->requests;
            dur += p->duration_s;
            double x = m == PICK_P50 ? (double)p->p50_us : (double)p->p99_us;
            if (m != PICK_RATE && (isnan(v) || x > v) && p->requests > 0)
                v = x;
            if (m == PICK_RATE)
                v = 0;
        }
        if (m == PICK_RATE && !isnan(v))
            v = dur > 0 ? req / dur : 0;
        out[j] = v;
    }
}

static double max_of(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

/* "-120s ... -60s ... now" under the plot. */
static void time_axis(struct cons_screen *s, int x, int y, int w, const struct span *sp)
{
    if (w < 12)
        return;
    char left[24], mid[24];
    unsigned long total = (unsigned long)(sp->n * sp->step_s);
    snprintf(left, sizeof(left), "-%lus", total);
    snprintf(mid, sizeof(mid), "-%lus", total / 2);
    put(s, x, y, w, 0, CONS_C_LABEL, left);
    int mw = cons_text_width(mid);
    put(s, x + w / 2 - mw / 2, y, mw, 0, CONS_C_LABEL, mid);
    put_right(s, x, y, w, 0, CONS_C_LABEL, "now");
}

/* A throughput chart: its y labels and the area of one series. */
static void rate_chart(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                       const struct span *sp, const struct cons_series *se, uint8_t color,
                       double *scale_out)
{
    double v[SRV_TIMELINE_S];
    series_values(se, sp, PICK_RATE, v);
    double ymax = cons_nice_ceil(max_of(v, sp->n), 10);
    if (scale_out)
        *scale_out = ymax;
    char top[16], mid[16];
    count_text(top, sizeof(top), ymax);
    count_text(mid, sizeof(mid), ymax / 2);
    put_right(s, r.x, r.y, AXIS_W - 1, 0, CONS_C_LABEL, top);
    if (r.h >= 5)
        put_right(s, r.x, r.y + r.h / 2, AXIS_W - 1, 0, CONS_C_LABEL, mid);
    put_right(s, r.x, r.y + r.h - 1, AXIS_W - 1, 0, CONS_C_LABEL, "0");
    struct cons_chart_series cs = {v, sp->n, color, '#'};
    cons_chart_draw(s, r.x + AXIS_W, r.y, r.w - AXIS_W, r.h, f->glyphs, CONS_CHART_AREA, &cs, 1, 0,
                    ymax, false);
}

/* A latency chart: p50 and p99 lines of one side. */
static void latency_chart(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                          const struct span *sp, const struct cons_series *se, uint8_t p50_color)
{
    double p50[SRV_TIMELINE_S], p99[SRV_TIMELINE_S];
    series_values(se, sp, PICK_P50, p50);
    series_values(se, sp, PICK_P99, p99);
    double m = max_of(p99, sp->n);
    bool lg = f->ui && f->ui->log_scale;
    double ymin = 1, ymax;
    char top[16], bottom[16];
    if (lg) {
        ymax = pow(10, ceil(log10(m > 10 ? m : 10)));
        cons_fmt_us(bottom, sizeof(bottom), ymin);
    } else {
        ymax = cons_nice_ceil(m, 10);
        snprintf(bottom, sizeof(bottom), "0");
    }
    cons_fmt_us(top, sizeof(top), ymax);
    put_right(s, r.x, r.y, AXIS_W - 1, 0, CONS_C_LABEL, top);
    put_right(s, r.x, r.y + r.h - 1, AXIS_W - 1, 0, CONS_C_LABEL, bottom);
    struct cons_chart_series cs[2] = {{p50, sp->n, p50_color, 'o'}, {p99, sp->n, CONS_C_P99, '*'}};
    cons_chart_draw(s, r.x + AXIS_W, r.y, r.w - AXIS_W, r.h, f->glyphs, CONS_CHART_LINE, cs, 2,
                    ymin, ymax, lg);
}

/* ---- header, tabs, footer -------------------------------------------------------------------- */

static double cpu_pct(const struct cons_frame *f)
{
    const struct cons_server_sample *a = f->server_prev, *b = f->server;
    if (!a || !b || !a->valid || !b->valid || b->uptime_s <= a->uptime_s || b->cpu_s < a->cpu_s)
        return NAN;
    return (b->cpu_s - a->cpu_s) / (b->uptime_s - a->uptime_s) * 100;
}

static void header(struct cons_screen *s, const struct cons_frame *f)
{
    cons_fill(s, 0, 0, s->width, 1, ' ', CONS_A_REVERSE, CONS_C_TITLE);
    const struct cons_server_sample *sv = f->server;
    char right[160] = "";
    if (f->live) {
        snprintf(right, sizeof(right), "tierbench --live ");
    } else if (sv && sv->valid) {
        char up[16], rss[16], cpu[16];
        cons_fmt_uptime(up, sizeof(up), sv->uptime_s);
        cons_fmt_bytes(rss, sizeof(rss), (double)sv->rss_bytes);
        double c = cpu_pct(f);
        if (isnan(c))
            snprintf(cpu, sizeof(cpu), "-");
        else
            snprintf(cpu, sizeof(cpu), "%.0f%%", c);
        snprintf(right, sizeof(right), "up %s  threads %u/%u  conns %llu  CPU %s  RSS %s ", up,
                 sv->threads_busy, sv->threads_total, (unsigned long long)sv->connections_open, cpu,
                 rss);
    } else {
        snprintf(right, sizeof(right), "waiting for the first sample ");
    }
    int rw = cons_text_width(right);
    put_cut(s, 1, 0, s->width - rw - 3, CONS_A_REVERSE | CONS_A_BOLD, CONS_C_TITLE,
            f->title ? f->title : "tierbench");
    put_right(s, 0, 0, s->width, CONS_A_REVERSE, CONS_C_TITLE, right);
}

static const char *const view_names[CONS_VIEW__COUNT] = {"overview", "routes", "runs", "tier"};

static void tabs(struct cons_screen *s, const struct cons_frame *f)
{
    const struct cons_ui *ui = f->ui;
    char state[200];
    uint8_t color = CONS_C_LABEL, attr = 0;
    if (f->link) {
        snprintf(state, sizeof(state), "%s", f->link);
        color = CONS_C_BAD;
        attr = CONS_A_BOLD;
    } else if (ui && ui->paused) {
        snprintf(state, sizeof(state), "PAUSED (p resumes)");
        color = CONS_C_WARN;
        attr = CONS_A_BOLD;
    } else if (ui && ui->notice[0]) {
        snprintf(state, sizeof(state), "%s", ui->notice);
        color = CONS_C_WARN;
    } else if (ui) {
        snprintf(state, sizeof(state), "%s%slive, every %.2gs", f->note ? f->note : "",
                 f->note ? "  " : "", ui->refresh_ms / 1000.0);
    } else {
        state[0] = '\0';
    }
    int n = cons_text_width(state);
    /* The tabs, unless the state needs the row: "disconnected, retrying in 3s" matters more. */
    int x = 1;
    char tabs_text[128] = "";
    if (!f->live) {
        int len = 0;
        for (int v = 0; v < CONS_VIEW__COUNT; v++)
            len += snprintf(tabs_text + len, sizeof(tabs_text) - (size_t)len, "%d %s  ", v + 1,
                            view_names[v]);
    }
    if (x + cons_text_width(tabs_text) + n + 1 <= s->width) {
        for (int v = 0; v < CONS_VIEW__COUNT && !f->live; v++) {
            bool cur = ui && (int)ui->view == v;
            x += cons_putf(s, x, 1, s->width - x, cur ? CONS_A_REVERSE | CONS_A_BOLD : 0,
                           CONS_C_NONE, "%d %s", v + 1, view_names[v]);
            x += 2;
        }
        put_right(s, x, 1, s->width - x - 1, attr, color, state);
    } else {
        put_cut(s, 1, 1, s->width - 2, attr, color, state);
    }
}

struct key_help {
    const char *key, *what;
};

static void footer(struct cons_screen *s, const struct cons_frame *f)
{
    const struct glyphset *gl = glyphs_of(f->glyphs);
    const struct cons_ui *ui = f->ui;
    char refresh[16];
    snprintf(refresh, sizeof(refresh), "%.2gs", ui ? ui->refresh_ms / 1000.0 : 1.0);
    struct key_help main_keys[] = {{"q", "quit"}, {"p", "pause"}, {"+-", refresh}, {"tab", "view"},
                                   {"l", "load"}, {"s", "stop"},  {"L", "log"},    {"h", "help"}};
    struct key_help tier_keys[] = {{"0-9", "users"}, {gl->del, "delete"}, {"tab", "view"},
                                   {"l", "load"},    {"s", "stop"},       {"q", "quit"},
                                   {"h", "help"}};
    struct key_help form_keys[] = {
        {"enter", "start"}, {"tab", "next field"}, {"<- ->", "preset"}, {"esc", "cancel"}};
    struct key_help live_keys[] = {
        {"q", "stop the run"}, {"s", "stop"}, {"p", "pause"}, {"L", "log scale"}};
    const struct key_help *k = main_keys;
    size_t n = sizeof(main_keys) / sizeof(main_keys[0]);
    if (f->live) {
        k = live_keys;
        n = sizeof(live_keys) / sizeof(live_keys[0]);
    } else if (ui && ui->form_open) {
        k = form_keys;
        n = sizeof(form_keys) / sizeof(form_keys[0]);
    } else if (ui && ui->view == CONS_VIEW_TIER) {
        k = tier_keys;
        n = sizeof(tier_keys) / sizeof(tier_keys[0]);
    }
    int y = s->height - 1, x = 0;
    for (size_t i = 0; i < n && x < s->width; i++) {
        x += put(s, x, y, s->width - x, CONS_A_REVERSE, CONS_C_NONE, k[i].key);
        x += cons_putf(s, x, y, s->width - x, 0, CONS_C_NONE, " %s  ", k[i].what);
    }
}

/* ---- blocks of the overview ------------------------------------------------------------------ */

static void server_status_line(struct cons_screen *s, const struct cons_frame *f, struct rect r)
{
    const struct cons_server_sample *sv = f->server;
    if (!sv || !sv->valid)
        return;
    char a[16], b[16], c[16], d[16], e[16];
    count_text(a, sizeof(a), (double)sv->status_class[2]);
    count_text(b, sizeof(b), (double)sv->status_class[3]);
    count_text(c, sizeof(c), (double)sv->status_class[4]);
    count_text(d, sizeof(d), (double)sv->status_class[5]);
    double err = sv->requests ? 100.0 * (double)sv->errors / (double)sv->requests : 0;
    snprintf(e, sizeof(e), "%.2f%%", err);
    int x = r.x;
    x += put(s, x, r.y, r.w, CONS_A_BOLD, CONS_C_NONE, "Status ");
    x += cons_putf(s, x, r.y, r.x + r.w - x, 0, CONS_C_GOOD, "2xx %s  ", a);
    x += cons_putf(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, "3xx %s  ", b);
    x += cons_putf(s, x, r.y, r.x + r.w - x, 0, sv->status_class[4] ? CONS_C_WARN : CONS_C_NONE,
                   "4xx %s  ", c);
    x += cons_putf(s, x, r.y, r.x + r.w - x, 0, sv->status_class[5] ? CONS_C_BAD : CONS_C_NONE,
                   "5xx %s  ", d);
    x += cons_putf(s, x, r.y, r.x + r.w - x, sv->errors ? CONS_A_BOLD : 0,
                   sv->errors ? CONS_C_BAD : CONS_C_NONE, "errors %s  ", e);
    /* The codes themselves, most frequent first, as far as they fit. */
    struct cons_code_count codes[SRV_CODE_SLOTS];
    size_t n = sv->ncodes;
    memcpy(codes, sv->codes, n * sizeof(codes[0]));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && codes[j].count > codes[j - 1].count; j--) {
            struct cons_code_count t = codes[j];
            codes[j] = codes[j - 1];
            codes[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        char cnt[16], item[40];
        count_text(cnt, sizeof(cnt), (double)codes[i].count);
        if (codes[i].code)
            snprintf(item, sizeof(item), "%d:%s ", codes[i].code, cnt);
        else
            snprintf(item, sizeof(item), "other:%s ", cnt);
        int iw = cons_text_width(item);
        if (x + iw > r.x + r.w)
            break;
        x += put(s, x, r.y, iw, 0, CONS_C_LABEL, item);
    }
}

/* Route req/s from two samples: requests between them over the time between them. */
static double route_rate(const struct cons_frame *f, size_t i)
{
    const struct cons_server_sample *a = f->server_prev, *b = f->server;
    if (!a || !a->valid || i >= a->nroutes || b->uptime_s <= a->uptime_s ||
        strcmp(a->routes[i].name, b->routes[i].name) != 0 ||
        b->routes[i].requests < a->routes[i].requests)
        return NAN;
    return (double)(b->routes[i].requests - a->routes[i].requests) / (b->uptime_s - a->uptime_s);
}

/* The per-route table; rows routes with traffic, busiest first, at most r.h - 1. Returns the
 * rows used. */
static int routes_table(struct cons_screen *s, const struct cons_frame *f, struct rect r)
{
    const struct cons_server_sample *sv = f->server;
    if (r.h < 2)
        return 0;
    cons_putf(s, r.x, r.y, r.w, CONS_A_BOLD, CONS_C_NONE, "%-14s %8s %8s %8s %8s %8s", "Route",
              "Req/s", "p50", "p99", "Errors", "Requests");
    if (!sv || !sv->valid)
        return 1;
    size_t order[SRV_ROUTE__COUNT], n = 0;
    for (size_t i = 0; i < sv->nroutes; i++)
        if (sv->routes[i].requests)
            order[n++] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i;
             j > 0 && sv->routes[order[j]].requests > sv->routes[order[j - 1]].requests; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    if (n == 0) {
        put(s, r.x, r.y + 1, r.w, 0, CONS_C_LABEL, "no requests yet");
        return 2;
    }
    size_t k = 0;
    for (; k < n && (int)k < r.h - 1; k++) {
        const struct cons_route_row *row = &sv->routes[order[k]];
        char rate[16], p50[16], p99[16], err[16], req[16];
        double rr = route_rate(f, order[k]);
        if (isnan(rr))
            snprintf(rate, sizeof(rate), "-");
        else
            count_text(rate, sizeof(rate), rr);
        lat_text(p50, sizeof(p50), row->latency.known, row->latency.p50_us);
        lat_text(p99, sizeof(p99), row->latency.known, row->latency.p99_us);
        count_text(err, sizeof(err), (double)row->errors);
        count_text(req, sizeof(req), (double)row->requests);
        cons_putf(s, r.x, r.y + 1 + (int)k, r.w, 0, CONS_C_NONE, "%-14s %8s %8s %8s %8s %8s",
                  row->name, rate, p50, p99, err, req);
        if (row->errors)
            cons_paint(s, r.x + 42, r.y + 1 + (int)k, 8, CONS_A_BOLD, CONS_C_BAD);
    }
    return 1 + (int)k;
}

/* Recent runs; at most r.h - 1 rows. */
static void runs_table(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                       bool with_title)
{
    if (r.h < 1)
        return;
    int y = r.y;
    if (with_title) {
        put(s, r.x, y++, r.w, CONS_A_BOLD, CONS_C_NONE, "Recent runs");
        r.h--;
    }
    if (r.h < 1)
        return;
    if (!f->runs || f->nruns == 0) {
        put_cut(s, r.x, y, r.w, 0, CONS_C_LABEL,
                f->runs_note ? f->runs_note : "no runs in the result store yet");
        return;
    }
    /* Narrow (a column of a wide screen): no p50, so the label keeps some room. */
    bool p50_col = r.w >= 80;
    if (p50_col)
        cons_putf(s, r.x, y++, r.w, CONS_A_UNDERLINE, CONS_C_NONE,
                  "%5s  %-11s  %-4s  %8s  %8s  %8s  %s", "ID", "Time", "Tool", "Req/s", "p50",
                  "p99", "Label / target");
    else
        cons_putf(s, r.x, y++, r.w, CONS_A_UNDERLINE, CONS_C_NONE, "%5s  %-11s  %-4s  %7s  %7s  %s",
                  "ID", "Time", "Tool", "Req/s", "p99", "Label / target");
    for (size_t i = 0; i < f->nruns && y < r.y + r.h + (with_title ? 1 : 0); i++) {
        const struct cons_run_row *row = &f->runs[i];
        char rate[16], p50[16], p99[16], what[340];
        count_text(rate, sizeof(rate), row->rate_rps);
        cons_fmt_us(p50, sizeof(p50), (double)row->p50_us);
        cons_fmt_us(p99, sizeof(p99), (double)row->p99_us);
        if (row->label[0])
            snprintf(what, sizeof(what), "%s  %s", row->label, row->target);
        else
            snprintf(what, sizeof(what), "%s", row->target);
        int x = r.x;
        if (p50_col)
            x += cons_putf(s, r.x, y, r.w, 0, CONS_C_NONE,
                           "%5lld  %-11.11s  %-4.4s  %8s  %8s  %8s  ", (long long)row->id,
                           row->when, row->tool, rate, p50, p99);
        else
            x += cons_putf(s, r.x, y, r.w, 0, CONS_C_NONE, "%5lld  %-11.11s  %-4.4s  %7s  %7s  ",
                           (long long)row->id, row->when, row->tool, rate, p99);
        put_cut(s, x, y, r.x + r.w - x, 0, CONS_C_LABEL, what);
        if (row->errors)
            cons_paint(s, r.x, y, 5, CONS_A_BOLD, CONS_C_BAD);
        y++;
    }
}

/* Progress of a load test: 0..1 and the seconds left (NAN when unknown). */
static void progress_of(const struct cons_client_sample *c, double *frac, double *eta_s)
{
    double el = (double)c->elapsed_us / 1e6;
    *frac = 0;
    *eta_s = NAN;
    if (c->duration_us) {
        *frac = (double)c->elapsed_us / (double)c->duration_us;
        *eta_s = ((double)c->duration_us - (double)c->elapsed_us) / 1e6;
    }
    if (c->max_requests) {
        double f2 = (double)c->done / (double)c->max_requests;
        if (f2 > *frac) {
            *frac = f2;
            double rate = el > 0 ? (double)c->done / el : 0;
            *eta_s = rate > 0 ? ((double)c->max_requests - (double)c->done) / rate : NAN;
        }
    }
    if (*frac > 1)
        *frac = 1;
    if (!isnan(*eta_s) && *eta_s < 0)
        *eta_s = 0;
    if (!c->running) {
        *frac = c->stopping ? *frac : 1;
        *eta_s = 0;
    }
}

/* Requests per second now: the newest completed second while the test runs, the whole test's
 * average once it has ended (its last second is partial). */
static double client_rate(const struct cons_client_sample *c)
{
    double el = (double)c->elapsed_us / 1e6;
    if (!c->running || !c->npoints)
        return el > 0 ? (double)c->requests / el : 0;
    return cons_point_rate_rps(&c->points[c->npoints - 1]);
}

static uint64_t client_errors(const struct cons_client_sample *c)
{
    uint64_t n = 0;
    for (int k = 0; k < RUN_ERR__COUNT; k++)
        n += c->errors[k];
    return n;
}

/* The client summary: title, progress, latency now, errors (4 rows when r.h allows). */
static int client_summary(struct cons_screen *s, const struct cons_frame *f, struct rect r)
{
    const struct cons_client_sample *c = f->client;
    const struct glyphset *gl = glyphs_of(f->glyphs);
    int y = r.y;
    if (r.h < 1)
        return 0;
    const char *state = c->running ? (c->stopping ? "Load test (stopping)" : "Load test")
                                   : (c->stopping ? "Load test stopped" : "Load test ended");
    int x = r.x + put(s, r.x, y, r.w, CONS_A_BOLD, c->running ? CONS_C_CLIENT : CONS_C_NONE, state);
    char title[260];
    snprintf(title, sizeof(title), ": %s%s%s%s", c->title, c->label[0] ? " (" : "", c->label,
             c->label[0] ? ")" : "");
    put_cut(s, x, y, r.x + r.w - x, 0, CONS_C_NONE, title);
    y++;
    if (y >= r.y + r.h)
        return y - r.y;
    /* [bar] 42%  4.2s of 10s  ETA 5.8s  50 conns  stage 1/2 */
    double frac, eta;
    progress_of(c, &frac, &eta);
    int bw = r.w >= 100 ? 30 : 20;
    int fill = (int)(frac * bw + 0.5);
    put(s, r.x, y, 1, 0, CONS_C_LABEL, "[");
    for (int i = 0; i < bw; i++) {
        struct cons_cell *cell = cons_cell_at(s, r.x + 1 + i, y);
        if (cell)
            *cell = (struct cons_cell){.ch = i < fill ? gl->bar_full : gl->bar_empty,
                                       .color = i < fill ? CONS_C_CLIENT : CONS_C_LABEL};
    }
    put(s, r.x + 1 + bw, y, 1, 0, CONS_C_LABEL, "]");
    char el[16], tot[48], eta_s[170], stage[32] = "";
    snprintf(el, sizeof(el), "%.1fs", (double)c->elapsed_us / 1e6);
    if (c->duration_us)
        snprintf(tot, sizeof(tot), " of %.0fs", (double)c->duration_us / 1e6);
    else
        snprintf(tot, sizeof(tot), ", %llu of %llu requests", (unsigned long long)c->done,
                 (unsigned long long)c->max_requests);
    if (!c->running)
        snprintf(eta_s, sizeof(eta_s), "%s", c->result[0] ? c->result : "saving...");
    else if (isnan(eta))
        snprintf(eta_s, sizeof(eta_s), "ETA -");
    else
        snprintf(eta_s, sizeof(eta_s), "ETA %.0fs", ceil(eta));
    if (c->nstages > 1)
        snprintf(stage, sizeof(stage), "  stage %u/%u", c->stage, c->nstages);
    char line[256];
    snprintf(line, sizeof(line), " %3.0f%%  %s%s  %s  %u conns%s", frac * 100, el, tot, eta_s,
             c->connections_open, stage);
    put_cut(s, r.x + 2 + bw, y, r.w - bw - 2, 0, c->running ? CONS_C_NONE : CONS_C_GOOD, line);
    y++;
    if (y >= r.y + r.h)
        return y - r.y;
    /* Latency now: the newest completed second's rate, the whole run's percentiles. */
    char rate[16], lat[160];
    count_text(rate, sizeof(rate), client_rate(c));
    x = r.x + put(s, r.x, y, r.w, CONS_A_BOLD, CONS_C_CLIENT, "Client ");
    x += cons_putf(s, x, y, r.x + r.w - x, CONS_A_BOLD, CONS_C_NONE, "%s req/s%s  ", rate,
                   c->running ? "" : " average");
    lat_line(lat, sizeof(lat), &c->latency, r.x + r.w - x);
    put_cut(s, x, y, r.x + r.w - x, 0, CONS_C_NONE, lat);
    y++;
    if (y >= r.y + r.h)
        return y - r.y;
    /* Errors: the total, then each class that has some; then the status classes. */
    uint64_t nerr = client_errors(c);
    char n[16];
    count_text(n, sizeof(n), (double)nerr);
    x = r.x +
        cons_putf(s, r.x, y, r.w, CONS_A_BOLD, nerr ? CONS_C_BAD : CONS_C_NONE, "Errors %s  ", n);
    for (int k = 0; k < RUN_ERR__COUNT; k++) {
        if (!c->errors[k])
            continue;
        count_text(n, sizeof(n), (double)c->errors[k]);
        x += cons_putf(s, x, y, r.x + r.w - x, 0, CONS_C_BAD, "%s %s  ", run_err_names[k], n);
    }
    char a[16], b[16], d[16];
    count_text(a, sizeof(a), (double)c->status_class[2]);
    count_text(b, sizeof(b), (double)c->status_class[4]);
    count_text(d, sizeof(d), (double)c->status_class[5]);
    cons_putf(s, x, y, r.x + r.w - x, 0, CONS_C_LABEL, "status 2xx %s  4xx %s  5xx %s", a, b, d);
    y++;
    return y - r.y;
}

/* "scale 0-100k" at the right of a chart's title row, when it fits after the title (which ends
 * at column x). The y axis prints the same top value; this says what the chart measures. */
static void scale_label(struct cons_screen *s, const struct cons_frame *f, struct rect r, int x,
                        double scale)
{
    char top[16], sc[40];
    count_text(top, sizeof(top), scale);
    snprintf(sc, sizeof(sc), "scale 0%s%s req/s", glyphs_of(f->glyphs)->dash, top);
    if (x + 2 + cons_text_width(sc) > r.x + r.w)
        snprintf(sc, sizeof(sc), "0%s%s", glyphs_of(f->glyphs)->dash, top);
    if (x + 2 + cons_text_width(sc) <= r.x + r.w)
        put_right(s, r.x, r.y, r.w, 0, CONS_C_LABEL, sc);
}

/* "Server  91.2k req/s  10s 90.5k  60s 88.1k" with the chart's scale on the right. */
static void server_rate_title(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                              double scale)
{
    const struct cons_server_sample *sv = f->server;
    char a[16], b[16], c[16];
    count_text(a, sizeof(a), sv && sv->valid ? sv->rate_rps[0] : 0);
    count_text(b, sizeof(b), sv && sv->valid ? sv->rate_rps[1] : 0);
    count_text(c, sizeof(c), sv && sv->valid ? sv->rate_rps[2] : 0);
    int x = r.x + put(s, r.x, r.y, r.w, CONS_A_BOLD, CONS_C_SERVER, "Server ");
    x += cons_putf(s, x, r.y, r.x + r.w - x, CONS_A_BOLD, CONS_C_NONE, "%s req/s", a);
    x += cons_putf(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, "  10s %s  60s %s", b, c);
    scale_label(s, f, r, x, scale);
}

static void client_rate_title(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                              double scale)
{
    const struct cons_client_sample *c = f->client;
    char a[16];
    count_text(a, sizeof(a), client_rate(c));
    int x = r.x + put(s, r.x, r.y, r.w, CONS_A_BOLD, CONS_C_CLIENT, "Client ");
    x += cons_putf(s, x, r.y, r.x + r.w - x, CONS_A_BOLD, CONS_C_NONE, "%s req/s", a);
    double el = (double)c->elapsed_us / 1e6;
    char avg[16];
    count_text(avg, sizeof(avg), el > 0 ? (double)c->requests / el : 0);
    if (c->running)
        x += cons_putf(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, "  average %s", avg);
    else
        x += put(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, " average, ended");
    scale_label(s, f, r, x, scale);
}

static void latency_title(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                          const char *who, uint8_t color, const struct cons_lat *now)
{
    char lat[160];
    int x = r.x + put(s, r.x, r.y, r.w, CONS_A_BOLD, color, who);
    x += put(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, " ");
    lat_line(lat, sizeof(lat), now, r.x + r.w - x);
    put_cut(s, x, r.y, r.x + r.w - x, 0, CONS_C_NONE, lat);
    (void)f;
}

/* The legend of a latency chart, right-aligned on the row under it (the time axis row). */
static const char *latency_legend(const struct cons_frame *f)
{
    bool lg = f->ui && f->ui->log_scale;
    if (f->glyphs == CONS_GLYPHS_ASCII)
        return lg ? "*=p99 o=p50, log" : "*=p99 o=p50";
    return lg ? "upper p99, lower p50, log" : "upper p99, lower p50";
}

/* Splits h rows between blocks: each gets its minimum, then the rest by weight. */
static void share_rows(int h, const int *min, const int *weight, int *out, int n)
{
    int left = h, wsum = 0;
    for (int i = 0; i < n; i++) {
        out[i] = min[i];
        left -= min[i];
        wsum += weight[i];
    }
    if (left <= 0 || wsum == 0)
        return;
    int given = 0;
    for (int i = 0; i < n; i++) {
        int add = left * weight[i] / wsum;
        out[i] += add;
        given += add;
    }
    for (int i = 0; given < left; i = (i + 1) % n)
        if (weight[i]) {
            out[i]++;
            given++;
        }
}

/* The server's throughput and latency charts with the time axis: rows[0] throughput chart,
 * rows[1] latency chart (each plus its title row), then the axis row. Returns rows used. */
static int server_charts(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                         const struct span *sp, int rate_rows, int lat_rows)
{
    int y = r.y;
    double scale = 0;
    struct rect cr = {r.x, y + 1, r.w, rate_rows};
    rate_chart(s, f, cr, sp, f->server_series, CONS_C_SERVER, &scale);
    server_rate_title(s, f, (struct rect){r.x, y, r.w, 1}, scale);
    y += 1 + rate_rows;
    static const struct cons_lat none;
    const struct cons_server_sample *sv = f->server;
    latency_title(s, f, (struct rect){r.x, y, r.w, 1}, "Latency 1s", CONS_C_SERVER,
                  sv && sv->valid ? &sv->window_latency[0] : &none);
    latency_chart(s, f, (struct rect){r.x, y + 1, r.w, lat_rows}, sp, f->server_series,
                  CONS_C_SERVER);
    y += 1 + lat_rows;
    time_axis(s, r.x + AXIS_W, y, r.w - AXIS_W - cons_text_width(latency_legend(f)) - 2, sp);
    put_right(s, r.x, y, r.w, 0, CONS_C_LABEL, latency_legend(f));
    return y + 1 - r.y;
}

static void client_charts(struct cons_screen *s, const struct cons_frame *f, struct rect r,
                          const struct span *sp, int rate_rows, int lat_rows)
{
    int y = r.y;
    double scale = 0;
    rate_chart(s, f, (struct rect){r.x, y + 1, r.w, rate_rows}, sp, f->client_series, CONS_C_CLIENT,
               &scale);
    client_rate_title(s, f, (struct rect){r.x, y, r.w, 1}, scale);
    y += 1 + rate_rows;
    if (lat_rows > 0) {
        latency_title(s, f, (struct rect){r.x, y, r.w, 1}, "Latency", CONS_C_CLIENT,
                      &f->client->latency);
        latency_chart(s, f, (struct rect){r.x, y + 1, r.w, lat_rows}, sp, f->client_series,
                      CONS_C_CLIENT);
        y += 1 + lat_rows;
        time_axis(s, r.x + AXIS_W, y, r.w - AXIS_W - cons_text_width(latency_legend(f)) - 2, sp);
        put_right(s, r.x, y, r.w, 0, CONS_C_LABEL, latency_legend(f));
    }
}

static bool has_client(const struct cons_frame *f)
{
    return f->client && f->client->active;
}

static void overview(struct cons_screen *s, const struct cons_frame *f, struct rect body)
{
    bool client = has_client(f);
    if (client && body.w >= 120) {
        /* Two columns: the server on the left, the client on the right, same seconds. */
        int lw = (body.w - 1) / 2, rw = body.w - lw - 1;
        struct rect left = {body.x, body.y, lw, body.h},
                    right = {body.x + lw + 1, body.y, rw, body.h};
        for (int j = 0; j < body.h; j++) {
            struct cons_cell *c = cons_cell_at(s, body.x + lw, body.y + j);
            if (c)
                *c = (struct cons_cell){.ch = glyphs_of(f->glyphs)->v, .color = CONS_C_LABEL};
        }
        /* rows: charts (2 titles + 2 charts + axis), status, routes (min 3) | runs (min 3) */
        int min[4] = {3 + 6, 1, 3, 4}, wt[4] = {4, 0, 1, 1}, rows[4];
        share_rows(body.h, min, wt, rows, 4);
        int chart_rows = rows[0] - 3, rate_rows = (chart_rows * 3 + 3) / 5;
        int lat_rows = chart_rows - rate_rows;
        struct span sp = span_of(f, lw - AXIS_W);
        server_charts(s, f, left, &sp, rate_rows, lat_rows);
        int y = body.y + rows[0];
        server_status_line(s, f, (struct rect){left.x, y, left.w, 1});
        y++;
        routes_table(s, f, (struct rect){left.x, y, left.w, rows[2] + rows[3]});
        client_charts(s, f, right, &sp, rate_rows, lat_rows);
        y = body.y + rows[0];
        client_summary(s, f, (struct rect){right.x, y, right.w, 1 + rows[2]});
        runs_table(s, f, (struct rect){right.x, y + 1 + rows[2] - 1 + 1, right.w, rows[3] - 1},
                   true);
        return;
    }
    struct span sp = span_of(f, body.w - AXIS_W);
    if (client) {
        /* One column: server throughput, client throughput, server latency, axis; then the
         * client's figures and the newest runs. */
        int min[5] = {1 + 3, 1 + 2, 1 + 3 + 1, 1 + 4, 2}, wt[5] = {3, 2, 2, 0, 1}, rows[5];
        share_rows(body.h, min, wt, rows, 5);
        int y = body.y;
        double scale = 0;
        rate_chart(s, f, (struct rect){body.x, y + 1, body.w, rows[0] - 1}, &sp, f->server_series,
                   CONS_C_SERVER, &scale);
        server_rate_title(s, f, (struct rect){body.x, y, body.w, 1}, scale);
        y += rows[0];
        rate_chart(s, f, (struct rect){body.x, y + 1, body.w, rows[1] - 1}, &sp, f->client_series,
                   CONS_C_CLIENT, &scale);
        client_rate_title(s, f, (struct rect){body.x, y, body.w, 1}, scale);
        y += rows[1];
        static const struct cons_lat none;
        const struct cons_server_sample *sv = f->server;
        latency_title(s, f, (struct rect){body.x, y, body.w, 1}, "Latency 1s", CONS_C_SERVER,
                      sv && sv->valid ? &sv->window_latency[0] : &none);
        latency_chart(s, f, (struct rect){body.x, y + 1, body.w, rows[2] - 2}, &sp,
                      f->server_series, CONS_C_SERVER);
        y += rows[2] - 1;
        time_axis(s, body.x + AXIS_W, y, body.w - AXIS_W - cons_text_width(latency_legend(f)) - 2,
                  &sp);
        put_right(s, body.x, y, body.w, 0, CONS_C_LABEL, latency_legend(f));
        y++;
        y += client_summary(s, f, (struct rect){body.x, y, body.w, rows[3]});
        runs_table(s, f, (struct rect){body.x, y, body.w, rows[4]}, false);
        return;
    }
    /* The server alone: charts, status, routes, runs. */
    int min[4] = {3 + 7, 1, 3, 3}, wt[4] = {5, 0, 1, 1}, rows[4];
    share_rows(body.h, min, wt, rows, 4);
    int chart_rows = rows[0] - 3, rate_rows = (chart_rows * 3 + 3) / 5;
    int y = body.y + server_charts(s, f, body, &sp, rate_rows, chart_rows - rate_rows);
    server_status_line(s, f, (struct rect){body.x, y, body.w, 1});
    y += rows[1];
    routes_table(s, f, (struct rect){body.x, y, body.w, rows[2]});
    y += rows[2];
    runs_table(s, f, (struct rect){body.x, y, body.w, rows[3]}, true);
}

/* ---- the other views ------------------------------------------------------------------------- */

static void routes_view(struct cons_screen *s, const struct cons_frame *f, struct rect body)
{
    const struct cons_server_sample *sv = f->server;
    int y = body.y;
    put(s, body.x, y++, body.w, CONS_A_BOLD, CONS_C_NONE,
        "Routes (req/s over the last refresh; p50, p99 and errors since start)");
    y += routes_table(s, f, (struct rect){body.x, y, body.w, SRV_ROUTE__COUNT + 1}) + 1;
    if (!sv || !sv->valid)
        return;
    server_status_line(s, f, (struct rect){body.x, y++, body.w, 1});
    char hits[16], misses[16], conns[16], out[16];
    count_text(hits, sizeof(hits), (double)sv->cache_hits);
    count_text(misses, sizeof(misses), (double)sv->cache_misses);
    count_text(conns, sizeof(conns), (double)sv->connections_total);
    cons_fmt_bytes(out, sizeof(out), (double)sv->bytes_out);
    cons_putf(s, body.x, y++, body.w, 0, CONS_C_NONE,
              "Cache hits %s  misses %s   connections %s   sent %s%s", hits, misses, conns, out,
              sv->stats_enabled ? "" : "   (stats off: --no-stats)");
    y++;
    if (has_client(f) && y + 5 < body.y + body.h) {
        const struct cons_client_sample *c = f->client;
        put(s, body.x, y++, body.w, CONS_A_BOLD, CONS_C_CLIENT, "Load test status codes");
        int x = body.x;
        for (size_t i = 0; i < c->ncodes; i++) {
            char n[16];
            count_text(n, sizeof(n), (double)c->codes[i].count);
            x += cons_putf(s, x, y, body.x + body.w - x, 0, CONS_C_NONE, "%d:%s  ",
                           c->codes[i].code, n);
        }
        if (!c->ncodes)
            put(s, x, y, body.w, 0, CONS_C_LABEL, "none yet");
        y++;
        client_summary(s, f, (struct rect){body.x, y, body.w, 4});
    }
}

static void runs_view(struct cons_screen *s, const struct cons_frame *f, struct rect body)
{
    int log_rows = f->nlog ? (int)(f->nlog < 6 ? f->nlog : 6) + 1 : 0;
    if (body.h - log_rows < 4)
        log_rows = 0;
    put(s, body.x, body.y, body.w, CONS_A_BOLD, CONS_C_NONE,
        "Runs in the result store, newest first (tierbench runs show ID prints one)");
    runs_table(s, f, (struct rect){body.x, body.y + 1, body.w, body.h - 1 - log_rows}, false);
    if (!log_rows)
        return;
    int y = body.y + body.h - log_rows;
    put(s, body.x, y++, body.w, CONS_A_BOLD, CONS_C_NONE, "Messages");
    for (size_t i = f->nlog - (size_t)(log_rows - 1); i < f->nlog; i++)
        put_cut(s, body.x, y++, body.w, 0, CONS_C_LABEL, f->log[i]);
}

static void tier_view(struct cons_screen *s, const struct cons_frame *f, struct rect body)
{
    const struct cons_ui *ui = f->ui;
    int y = body.y;
    put(s, body.x, y++, body.w, CONS_A_BOLD, CONS_C_NONE,
        "Tier: what `tierbench tier --users N` picks, from the latest sweep");
    y++;
    int x = body.x + put(s, body.x, y, body.w, CONS_A_BOLD, CONS_C_NONE, "Users: ");
    const char *users = ui && ui->tier_users[0] ? ui->tier_users : "";
    x += put(s, x, y, body.w, CONS_A_UNDERLINE, CONS_C_NONE, users);
    put(s, x, y, 1, CONS_A_REVERSE, CONS_C_NONE, " ");
    y += 2;
    if (!users[0]) {
        put(s, body.x, y, body.w, 0, CONS_C_LABEL,
            "Type a number of concurrent users; the pick updates as you type.");
        return;
    }
    const char *t = f->tier_text ? f->tier_text : "working...";
    while (*t && y < body.y + body.h) {
        const char *nl = strchr(t, '\n');
        size_t n = nl ? (size_t)(nl - t) : strlen(t);
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), t);
        put_cut(s, body.x, y++, body.w, 0, CONS_C_NONE, line);
        t += n + (nl ? 1 : 0);
    }
}

/* ---- overlays ---------------------------------------------------------------------------------
 */

static void help_box(struct cons_screen *s, const struct cons_frame *f)
{
    static const char *const lines[] = {
        "q          quit (a running load test is stopped and saved)",
        "p          pause the display (sampling goes on)",
        "+ -        refresh interval: 250 ms, 500 ms, 1 s, 2 s, 5 s",
        "tab 1-4    views: overview, routes, runs, tier",
        "l          start a load test (a form: target, preset, label)",
        "s          stop the load test",
        "L          latency charts on a log scale, or back to linear",
        "h ?        this help; any key closes it",
        "",
        "Server figures are the server's own (its 1 s window lags about a",
        "second); client figures are the load generator's. Both charts show",
        "the same seconds; `now` is the newest second either side has.",
    };
    int n = (int)(sizeof(lines) / sizeof(lines[0]));
    int w = 74, h = n + 4;
    struct rect r = {(s->width - w) / 2, (s->height - h) / 2, w, h};
    box(s, glyphs_of(f->glyphs), r, "tierbench console: keys");
    for (int i = 0; i < n; i++)
        put(s, r.x + 3, r.y + 2 + i, w - 6, 0, CONS_C_NONE, lines[i]);
}

static void form_box(struct cons_screen *s, const struct cons_frame *f)
{
    const struct cons_form *fm = &f->ui->form;
    const struct glyphset *gl = glyphs_of(f->glyphs);
    int w = s->width - 8 < 90 ? s->width - 8 : 90, h = 12;
    struct rect r = {(s->width - w) / 2, (s->height - h) / 2, w, h};
    box(s, gl, r, "Start a load test");
    static const char *const names[CONS_FIELD__COUNT] = {"Target", "Preset", "Options", "Label"};
    char preset[64];
    snprintf(preset, sizeof(preset), "< %s >", cons_preset_names[fm->preset]);
    const char *values[CONS_FIELD__COUNT] = {fm->target, preset, fm->options, fm->label};
    static const char *const hints[CONS_PRESET__COUNT] = {
        "-n requests  -c connections  -k keep-alive  -W threads",
        "-c connections  -d duration  -t threads",
        "-R requests/s  -c connections  -d duration  -t threads (latency corrected)",
        "a scenario file; the target replaces its target (empty: keep it)",
    };
    int fx = r.x + 12, fw = r.w - 14;
    for (int i = 0; i < CONS_FIELD__COUNT; i++) {
        int y = r.y + 2 + i * 2 - (i > 1 ? 1 : 0);
        if (i == CONS_FIELD_OPTIONS)
            put_cut(s, fx, y + 1, fw, 0, CONS_C_LABEL, hints[fm->preset]);
        bool cur = (int)fm->field == i;
        put(s, r.x + 2, y, 9, cur ? CONS_A_BOLD : 0, CONS_C_NONE, names[i]);
        /* The field's end, when it is longer than the box, and a cursor after it. */
        const char *v = values[i];
        int vw = cons_text_width(v);
        int skip = vw > fw - 1 ? vw - (fw - 1) : 0;
        while (skip > 0 && *v) {
            v++;
            while ((*v & 0xc0) == 0x80)
                v++;
            skip--;
        }
        cons_fill(s, fx, y, fw, 1, ' ', CONS_A_UNDERLINE, CONS_C_NONE);
        int n = put(s, fx, y, fw, CONS_A_UNDERLINE | (cur ? CONS_A_BOLD : 0), CONS_C_NONE, v);
        if (cur && i != CONS_FIELD_PRESET)
            put(s, fx + n, y, 1, CONS_A_REVERSE, CONS_C_NONE, " ");
    }
    if (fm->error[0])
        put_cut(s, r.x + 2, r.y + h - 3, r.w - 4, CONS_A_BOLD, CONS_C_BAD, fm->error);
    put_cut(s, r.x + 2, r.y + h - 2, r.w - 4, 0, CONS_C_LABEL,
            "Enter starts it; the run is saved and listed in the runs view (3).");
}

static void too_small(struct cons_screen *s)
{
    char a[96];
    snprintf(a, sizeof(a), "terminal too small: %dx%d, the console needs %dx%d", s->width,
             s->height, CONS_MIN_WIDTH, CONS_MIN_HEIGHT);
    const char *b = "enlarge it, or press q to quit";
    int y = s->height / 2 - 1;
    if (y < 0)
        y = 0;
    int aw = cons_text_width(a), bw = cons_text_width(b);
    put(s, aw < s->width ? (s->width - aw) / 2 : 0, y, s->width, CONS_A_BOLD, CONS_C_WARN, a);
    if (y + 1 < s->height)
        put(s, bw < s->width ? (s->width - bw) / 2 : 0, y + 1, s->width, 0, CONS_C_NONE, b);
}

/* ---- the --live panel -------------------------------------------------------------------------
 */

static void live_panel(struct cons_screen *s, const struct cons_frame *f, struct rect body)
{
    if (!has_client(f)) {
        put(s, body.x, body.y, body.w, 0, CONS_C_LABEL, "starting...");
        return;
    }
    int used = client_summary(s, f, (struct rect){body.x, body.y, body.w, 4});
    struct rect r = {body.x, body.y + used + 1, body.w, body.h - used - 1};
    struct span sp = span_of(f, r.w - AXIS_W);
    int chart_rows = r.h - 3, rate_rows = (chart_rows + 1) / 2;
    if (chart_rows < 2)
        return;
    client_charts(s, f, r, &sp, rate_rows, chart_rows - rate_rows);
}

/* ---- the frame ---------------------------------------------------------------------------------
 */

void cons_render(const struct cons_frame *f, struct cons_screen *s)
{
    cons_screen_clear(s);
    if (s->width < CONS_MIN_WIDTH || s->height < CONS_MIN_HEIGHT) {
        too_small(s);
        return;
    }
    header(s, f);
    tabs(s, f);
    footer(s, f);
    struct rect body = {0, 2, s->width, s->height - 3};
    if (f->live) {
        live_panel(s, f, body);
        return;
    }
    enum cons_view view = f->ui ? f->ui->view : CONS_VIEW_OVERVIEW;
    switch (view) {
    case CONS_VIEW_ROUTES:
        routes_view(s, f, body);
        break;
    case CONS_VIEW_RUNS:
        runs_view(s, f, body);
        break;
    case CONS_VIEW_TIER:
        tier_view(s, f, body);
        break;
    default:
        overview(s, f, body);
        break;
    }
    if (f->ui && f->ui->form_open)
        form_box(s, f);
    else if (f->ui && f->ui->help)
        help_box(s, f);
}
