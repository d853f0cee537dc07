/* console/console.c: the drawing thread's loop (cons_run), one frame as text (cons_frame) and the
 * --live client panel (cons_live_*). The loop waits for a key at most 100 ms, takes whatever
 * the sampler, load-test and store threads published (each behind its own mutex: a copy, never a
 * wait on I/O), turns it into a frame (render.c) and hands the screen model to tty.c. Read
 * next: render.c (the screen), source.c / load.c / store.c (the threads). */
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "console/console_int.h"

/* How long the loop waits for a key before it looks at its sources again: bounds how late a
 * stop request (SIGTERM) or a new sample is noticed. */
#define KEY_WAIT_MS 100
#define LOG_SHOWN   16

bool cons_locale_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8") || !strcmp(cs, "UTF8"));
}

/* What the screen shows; a paused console keeps showing a copy while the live one goes on. */
struct shown {
    struct cons_server_sample cur, prev;
    struct cons_series server_series, client_series;
    struct cons_client_sample client;
    bool have_client;
};

struct console {
    const struct cons_config *cfg;
    struct cons_ui ui;
    struct shown live, frozen;
    struct cons_server_sample incoming;
    struct cons_store_view store_view;
    uint64_t src_seq, load_seq, store_seq, save_seq;
    struct cons_source *src;
    struct cons_store *store;
    struct cons_load *load;
    bool load_ended;
    struct cons_log *log;
    bool own_log;
    struct cons_capture cap;
    struct cons_tty *tty;
    struct cons_screen scr;
    char link[240];
    bool link_down;
};

static void shown_take_server(struct shown *sh, const struct cons_server_sample *s)
{
    sh->prev = sh->cur;
    sh->cur = *s;
    cons_series_from_server(&sh->cur, &sh->server_series);
}

static void shown_take_client(struct shown *sh, const struct cons_client_sample *c)
{
    char result[sizeof(sh->client.result)];
    snprintf(result, sizeof(result), "%s", sh->client.result);
    sh->client = *c;
    /* The save message arrives later, from the store thread; keep it over newer samples. */
    if (!sh->client.result[0])
        snprintf(sh->client.result, sizeof(sh->client.result), "%s", result);
    for (size_t i = 0; i < c->npoints; i++)
        cons_series_put(&sh->client_series, &c->points[i]);
    sh->have_client = true;
}

static void build_frame(struct console *c, struct cons_frame *f, const char **log_ptrs,
                        char (*log_lines)[CONS_LOG_LINE_BYTES])
{
    const struct shown *sh = c->ui.paused ? &c->frozen : &c->live;
    memset(f, 0, sizeof(*f));
    f->width = c->scr.width;
    f->height = c->scr.height;
    f->glyphs = c->cfg->glyphs;
    f->ui = &c->ui;
    f->title = c->cfg->title;
    f->note = c->cfg->note;
    f->link = c->link_down ? c->link : NULL;
    f->server = sh->cur.valid ? &sh->cur : NULL;
    f->server_prev = sh->prev.valid ? &sh->prev : NULL;
    f->server_series = &sh->server_series;
    f->client = sh->have_client ? &sh->client : NULL;
    f->client_series = &sh->client_series;
    const struct cons_store_view *v = &c->store_view;
    f->runs = v->runs;
    f->nruns = v->nruns;
    f->runs_note = v->runs_note[0] ? v->runs_note : NULL;
    double users = c->ui.tier_users[0] ? strtod(c->ui.tier_users, NULL) : NAN;
    f->tier_text = !isnan(users) && v->tier_users == users ? v->tier_text : NULL;
    size_t n = cons_log_lines(c->log, log_lines, LOG_SHOWN);
    for (size_t i = 0; i < n; i++)
        log_ptrs[i] = log_lines[i];
    f->log = log_ptrs;
    f->nlog = n;
}

static int draw(struct console *c)
{
    int w, h;
    cons_tty_size(c->tty, &w, &h);
    if (w < 1 || h < 1)
        return 0;
    if (w != c->scr.width || h != c->scr.height) {
        cons_screen_free(&c->scr);
        if (cons_screen_init(&c->scr, w, h) != 0)
            return -1;
    }
    struct cons_frame f;
    const char *log_ptrs[LOG_SHOWN];
    char log_lines[LOG_SHOWN][CONS_LOG_LINE_BYTES];
    build_frame(c, &f, log_ptrs, log_lines);
    cons_render(&f, &c->scr);
    cons_tty_draw(c->tty, &c->scr);
    return 0;
}

static bool load_running(const struct console *c)
{
    return c->load && !c->load_ended;
}

static void start_load(struct console *c)
{
    struct cons_load_plan plan;
    char err[sizeof(c->ui.form.error)];
    if (cons_plan_from_form(&c->ui.form, &plan, err, sizeof(err)) != 0) {
        snprintf(c->ui.form.error, sizeof(c->ui.form.error), "%s", err);
        return;
    }
    /* The previous test has ended (l is refused while one runs) and its run was handed over. */
    cons_load_free(c->load);
    c->load = NULL;
    if (cons_load_start(&plan, c->ui.refresh_ms, &c->load, err, sizeof(err)) != 0) {
        snprintf(c->ui.form.error, sizeof(c->ui.form.error), "%s", err);
        return;
    }
    c->ui.form_open = false;
    c->ui.form.error[0] = '\0';
    c->load_ended = false;
    c->load_seq = 0;
    cons_series_clear(&c->live.client_series);
    memset(&c->live.client, 0, sizeof(c->live.client));
    snprintf(c->ui.notice, sizeof(c->ui.notice), "load test started: s stops it");
}

/* Takes what the threads published. Returns true when the screen should be drawn again. */
static bool poll_sources(struct console *c)
{
    bool dirty = false;
    if (cons_source_take(c->src, &c->src_seq, &c->incoming)) {
        shown_take_server(&c->live, &c->incoming);
        dirty = true;
    }
    if (c->load) {
        struct cons_client_sample cs;
        if (cons_load_take(c->load, &c->load_seq, &cs)) {
            shown_take_client(&c->live, &cs);
            dirty = true;
        }
        struct run_result r;
        int status;
        if (!c->load_ended && cons_load_result(c->load, &r, &status)) {
            c->load_ended = true;
            if (status == 0) {
                snprintf(c->live.client.result, sizeof(c->live.client.result), "saving...");
                cons_store_save(c->store, &r);
            }
            run_result_free(&r);
            dirty = true;
        }
    }
    if (cons_store_take(c->store, &c->store_seq, &c->store_view)) {
        if (c->store_view.save_seq != c->save_seq) {
            c->save_seq = c->store_view.save_seq;
            snprintf(c->live.client.result, sizeof(c->live.client.result), "%.150s",
                     c->store_view.save_msg);
            snprintf(c->ui.notice, sizeof(c->ui.notice), "%.150s", c->store_view.save_msg);
        }
        dirty = true;
    }
    char why[200];
    uint64_t retry_at;
    bool ok = cons_source_link(c->src, why, sizeof(why), &retry_at);
    if (!ok) {
        uint64_t now = clock_now_us();
        unsigned left = retry_at > now ? (unsigned)((retry_at - now + 999999) / 1000000) : 0;
        char text[sizeof(c->link)];
        snprintf(text, sizeof(text), "disconnected (%.150s), retrying in %us", why, left);
        if (!c->link_down || strcmp(text, c->link) != 0)
            dirty = true;
        snprintf(c->link, sizeof(c->link), "%s", text);
    } else if (c->link_down) {
        dirty = true;
    }
    c->link_down = !ok;
    return dirty;
}

static void ask_tier(struct console *c)
{
    if (c->ui.tier_users[0])
        cons_store_want_tier(c->store, strtod(c->ui.tier_users, NULL));
}

static void console_free(struct console *c)
{
    if (c->load && !c->load_ended) {
        /* A test still going is stopped; what it measured is saved before we return (the
         * store thread saves what is queued before it stops). */
        cons_load_stop(c->load);
        struct run_result r;
        int status;
        while (!cons_load_result(c->load, &r, &status))
            clock_sleep_us(20000);
        if (status == 0 && c->store)
            cons_store_save(c->store, &r);
        run_result_free(&r);
    }
    cons_load_free(c->load);
    cons_store_stop(c->store);
    cons_source_stop(c->src);
    cons_screen_free(&c->scr);
    if (c->own_log)
        cons_log_free(c->log);
    free(c);
}

int cons_run(const struct cons_config *cfg, char *err, size_t errlen)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->cfg = cfg;
    c->log = cfg->log;
    if (!c->log) {
        c->log = cons_log_new();
        c->own_log = true;
    }
    cons_ui_init(&c->ui, cfg->refresh_ms, cfg->target_url);
    if (cfg->rescue)
        cfg->rescue->stderr_fd = -1;
    if (!c->log || cons_store_start(cfg, &c->store) != 0 ||
        cons_source_start(cfg->server, cfg->connect_url, cfg->token, c->ui.refresh_ms, &c->src, err,
                          errlen) != 0) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        console_free(c);
        return -1;
    }
    if (cons_tty_open(cfg->color, cfg->rescue, &c->tty, err, errlen) != 0) {
        console_free(c);
        return -1;
    }
    /* From here on nothing may write to the terminal but tty.c: stderr goes to the log. */
    if (cons_capture_begin(&c->cap, false) == 0 && cfg->rescue)
        cfg->rescue->stderr_fd = c->cap.saved_fd;
    bool dirty = true;
    uint64_t last_draw_us = 0;
    int rc = 0;
    for (;;) {
        int key = cons_tty_key(c->tty, dirty ? 0 : KEY_WAIT_MS);
        cons_capture_drain(&c->cap, c->log);
        if (cfg->stop && cfg->stop(cfg->stop_arg))
            break;
        /* Too small a terminal shows only "too small": there q quits whatever else was open
         * (a form would take it as a letter), and other keys are ignored. */
        int tw, th;
        cons_tty_size(c->tty, &tw, &th);
        if (tw < CONS_MIN_WIDTH || th < CONS_MIN_HEIGHT) {
            if (key == 'q')
                break;
            if (key != CONS_KEY_RESIZE)
                key = CONS_KEY_NONE;
        }
        bool was_paused = c->ui.paused;
        enum cons_action act = cons_ui_key(&c->ui, key, load_running(c));
        if (act == CONS_ACT_QUIT)
            break;
        if (act != CONS_ACT_NONE)
            dirty = true;
        if (c->ui.paused && !was_paused)
            c->frozen = c->live;
        switch (act) {
        case CONS_ACT_REFRESH:
            cons_source_interval(c->src, c->ui.refresh_ms);
            if (c->load)
                cons_load_interval(c->load, c->ui.refresh_ms);
            break;
        case CONS_ACT_START:
            start_load(c);
            break;
        case CONS_ACT_STOP:
            if (c->load) {
                cons_load_stop(c->load);
                snprintf(c->ui.notice, sizeof(c->ui.notice), "stopping the load test");
            }
            break;
        case CONS_ACT_TIER:
            ask_tier(c);
            break;
        default:
            break;
        }
        if (poll_sources(c))
            dirty = true;
        uint64_t now = clock_now_us();
        /* A second's redraw at least, so "retrying in Ns" counts down. */
        if (dirty || now - last_draw_us >= 1000000) {
            if (draw(c) != 0) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            last_draw_us = now;
            dirty = false;
        }
    }
    cons_tty_close(c->tty);
    cons_capture_end(&c->cap, c->log);
    if (cfg->rescue)
        cfg->rescue->stderr_fd = -1;
    console_free(c);
    return rc;
}

/* ---- one frame as text ------------------------------------------------------------------------
 */

long cons_frame(const struct cons_config *cfg, enum cons_view view, int width, int height,
                char *buf, size_t cap, char *err, size_t errlen)
{
    struct shown *sh = calloc(1, sizeof(*sh));
    struct cons_run_row *runs = calloc(CONS_RUNS_MAX, sizeof(*runs));
    struct cons_screen scr = {0};
    long rc = -1;
    if (!sh || !runs || cons_screen_init(&scr, width, height) != 0) {
        snprintf(err, errlen, "out of memory, or a size out of 1..1000");
        goto done;
    }
    struct cons_ui ui;
    cons_ui_init(&ui, cfg->refresh_ms, cfg->target_url);
    ui.view = view;
    char link[240] = "", serr[200] = "";
    bool ok = true;
    struct cons_server_sample *s = malloc(sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < 2 && ok; i++) {
        if (i)
            clock_sleep_us((uint64_t)ui.refresh_ms * 1000);
        ok = cons_source_sample_once(cfg->server, cfg->connect_url, cfg->token, s, serr,
                                     sizeof(serr)) == 0;
        if (ok)
            shown_take_server(sh, s);
    }
    free(s);
    if (!ok)
        snprintf(link, sizeof(link), "disconnected (%.150s)", serr);
    size_t nruns = 0;
    char rerr[160] = "", note[200] = "";
    if (cfg->recent_runs &&
        cfg->recent_runs(cfg->store_arg, runs, CONS_RUNS_MAX, &nruns, rerr, sizeof(rerr)) != 0) {
        snprintf(note, sizeof(note), "runs: %s", rerr);
        nruns = 0;
    } else if (!cfg->recent_runs) {
        snprintf(note, sizeof(note), "no result store");
    }
    struct cons_frame f = {
        .width = width,
        .height = height,
        .glyphs = cfg->glyphs,
        .ui = &ui,
        .title = cfg->title,
        .note = cfg->note,
        .link = ok ? NULL : link,
        .server = sh->cur.valid ? &sh->cur : NULL,
        .server_prev = sh->prev.valid ? &sh->prev : NULL,
        .server_series = &sh->server_series,
        .client_series = &sh->client_series,
        .runs = runs,
        .nruns = nruns,
        .runs_note = note[0] ? note : NULL,
    };
    cons_render(&f, &scr);
    size_t need = cons_screen_text(&scr, buf, cap);
    rc = (long)need;
    if (!ok) {
        snprintf(err, errlen, "%s", serr);
        rc = -1;
    }
done:
    cons_screen_free(&scr);
    free(runs);
    free(sh);
    return rc;
}

/* ---- the --live client panel ------------------------------------------------------------------
 */

struct cons_live {
    enum cons_glyphs glyphs;
    struct cons_rescue *rescue;
    struct cons_tty *tty;
    struct cons_capture cap;
    struct cons_log *log;
    struct cons_screen scr;
    struct cons_ui ui;
    struct cons_series series;
    struct cons_client_sample client;
};

int cons_live_open(enum cons_glyphs glyphs, bool color, struct cons_rescue *rescue,
                   struct cons_live **out, char *err, size_t errlen)
{
    struct cons_live *lv = calloc(1, sizeof(*lv));
    if (!lv || !(lv->log = cons_log_new())) {
        free(lv);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    lv->glyphs = glyphs;
    lv->rescue = rescue;
    cons_ui_init(&lv->ui, CONS_REFRESH_DEFAULT_MS, NULL);
    if (rescue)
        rescue->stderr_fd = -1;
    if (cons_tty_open(color, rescue, &lv->tty, err, errlen) != 0) {
        cons_log_free(lv->log);
        free(lv);
        return -1;
    }
    /* What the command writes to stderr meanwhile (ab's progress lines, a stage's line) comes
     * out after the screen, in order. */
    if (cons_capture_begin(&lv->cap, true) == 0 && rescue)
        rescue->stderr_fd = lv->cap.saved_fd;
    *out = lv;
    return 0;
}

static void live_draw(struct cons_live *lv)
{
    int w, h;
    cons_tty_size(lv->tty, &w, &h);
    if (w != lv->scr.width || h != lv->scr.height) {
        cons_screen_free(&lv->scr);
        if (cons_screen_init(&lv->scr, w, h) != 0)
            return;
    }
    struct cons_frame f = {
        .width = w,
        .height = h,
        .glyphs = lv->glyphs,
        .ui = &lv->ui,
        .title = lv->client.title,
        .client = &lv->client,
        .client_series = &lv->series,
        .live = true,
    };
    cons_render(&f, &lv->scr);
    cons_tty_draw(lv->tty, &lv->scr);
}

static void live_sample(struct cons_live *lv, struct lg_run *run, const char *title, bool stopping)
{
    struct lg_snapshot snap;
    int rc = lg_snapshot(run, &snap);
    if (rc == 0 && !lv->ui.paused) {
        memset(&lv->client, 0, sizeof(lv->client));
        cons_client_from_snapshot(&snap, &lv->client);
        lv->client.active = true;
        lv->client.running = !snap.finished;
        lv->client.stopping = stopping;
        lv->client.duration_us = snap.duration_us;
        lv->client.max_requests = snap.max_requests;
        snprintf(lv->client.title, sizeof(lv->client.title), "%s", title ? title : "");
        snprintf(lv->client.result, sizeof(lv->client.result), "done; the report follows");
    }
    if (rc == 0) {
        for (size_t i = 0; i < snap.nseconds; i++)
            cons_series_put(&lv->series, &(struct cons_point){
                                             .unix_s = snap.seconds[i].unix_s,
                                             .duration_s = snap.seconds[i].duration_s,
                                             .requests = snap.seconds[i].requests,
                                             .errors = snap.seconds[i].errors,
                                             .p50_us = snap.seconds[i].p50_us,
                                             .p90_us = snap.seconds[i].p90_us,
                                             .p99_us = snap.seconds[i].p99_us,
                                             .max_us = snap.seconds[i].max_us,
                                         });
    }
    lg_snapshot_free(&snap);
}

enum cons_live_end cons_live_watch(struct cons_live *lv, struct lg_run *run, const char *title,
                                   unsigned refresh_ms, cons_stop_fn *stop, void *stop_arg)
{
    bool stopped = false;
    uint64_t next_us = 0;
    if (refresh_ms)
        lv->ui.refresh_ms = refresh_ms;
    for (;;) {
        int key = cons_tty_key(lv->tty, KEY_WAIT_MS);
        cons_capture_drain(&lv->cap, lv->log);
        bool redraw = false;
        if ((key == 'q' || key == 's' || (stop && stop(stop_arg))) && !stopped) {
            lg_stop(run);
            stopped = true;
            redraw = true;
        } else if (key == 'p' || key == 'L' || key == CONS_KEY_RESIZE) {
            if (key == 'p')
                lv->ui.paused = !lv->ui.paused;
            if (key == 'L')
                lv->ui.log_scale = !lv->ui.log_scale;
            redraw = true;
        } else if (key == '+' || key == '-' || key == '=') {
            lv->ui.refresh_ms = cons_refresh_step(lv->ui.refresh_ms, key != '-');
            redraw = true;
        }
        bool done = lg_done(run);
        uint64_t now = clock_now_us();
        if (done || now >= next_us) {
            live_sample(lv, run, title, stopped);
            next_us = now + (uint64_t)lv->ui.refresh_ms * 1000;
            redraw = true;
        }
        if (redraw)
            live_draw(lv);
        if (done)
            return stopped ? CONS_LIVE_STOP : CONS_LIVE_DONE;
    }
}

void cons_live_close(struct cons_live *lv)
{
    if (!lv)
        return;
    cons_tty_close(lv->tty);
    if (lv->rescue)
        lv->rescue->stderr_fd = -1;
    cons_capture_end(&lv->cap, lv->log);
    cons_screen_free(&lv->scr);
    cons_log_free(lv->log);
    free(lv);
}
