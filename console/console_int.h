/* console/console_int.h: the console's insides, for console/ and its tests. The model (what a
 * server and a load test look like at one moment: model.c), the screen model (a grid of cells:
 * screen.c), charts (chart.c), the pure renderer from snapshots to a screen (render.c), the UI
 * state and its keys (ui.c), the load form and what it starts (form.c), and the threads that
 * fill snapshots (source.c, load.c, store.c). Only tty.c includes <curses.h>. */
#ifndef TB_CONSOLE_INT_H
#define TB_CONSOLE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/run.h"
#include "console/console.h"
#include "loadgen/loadgen.h"
#include "server/server.h"

/* ==== the model: snapshots as the console shows them (model.c) ============================== */

/* A latency summary; known is false when nothing was measured (the screen shows "-"). */
struct cons_lat {
    bool known;
    uint64_t count;
    uint64_t p50_us, p90_us, p99_us, p999_us, max_us;
    double mean_us;
};

/* One second of a timeline, keyed by wall-clock (Unix) second so the server's and the client's
 * seconds line up. */
struct cons_point {
    int64_t unix_s; /* 0: no data */
    double duration_s;
    uint64_t requests, errors;
    uint64_t p50_us, p90_us, p99_us, max_us;
};

/* requests / duration_s; 0 when the duration is 0. */
double cons_point_rate_rps(const struct cons_point *p);

struct cons_code_count {
    int code; /* HTTP status; 0: any other */
    uint64_t count;
};

struct cons_route_row {
    char name[24];
    uint64_t requests;       /* since start */
    uint64_t errors;         /* 5xx answers since start */
    struct cons_lat latency; /* since start */
};

/* A server at one moment: filled from an in-process snapshot (cons_server_from_stats) or from
 * the admin API's /api/stats JSON (cons_server_from_json): the same figures either way. */
struct cons_server_sample {
    bool valid;
    double sampled_unix_s; /* the server's wall clock at the snapshot: started + uptime */
    double uptime_s;
    bool stats_enabled;
    uint64_t requests, bytes_out;
    uint64_t errors;              /* 5xx answers */
    struct cons_lat latency;      /* every request since start */
    double rate_rps[SRV_WINDOWS]; /* the 1 s, 10 s and 60 s windows */
    struct cons_lat window_latency[SRV_WINDOWS];
    uint64_t status_class[6]; /* [1]..[5] = 1xx..5xx; [0] other */
    struct cons_code_count codes[SRV_CODE_SLOTS];
    size_t ncodes;
    struct cons_route_row routes[SRV_ROUTE__COUNT];
    size_t nroutes;
    unsigned threads_total, threads_busy;
    uint64_t connections_open, connections_total;
    uint64_t cache_hits, cache_misses;
    double cpu_s; /* user + system CPU seconds of the server process */
    uint64_t rss_bytes;
    size_t npoints;
    struct cons_point points[SRV_TIMELINE_S]; /* newest first */
};

/* From an in-process snapshot. */
void cons_server_from_stats(const struct srv_stats *st, struct cons_server_sample *out);
/* From /api/stats JSON (README: "GET /api/stats"). Returns 0, or -1 with one line in err (not
 * JSON, or not tierbench's stats: a required key missing). */
int cons_server_from_json(const char *text, struct cons_server_sample *out, char *err,
                          size_t errlen);

/* A load test at one moment (cons_client_from_snapshot fills the measured part; the load thread
 * the rest). */
struct cons_client_sample {
    bool active;     /* there is a test to show (running or ended) */
    bool running;    /* its threads are still going */
    bool stopping;   /* s was pressed */
    char title[192]; /* "wrk-like -c 50 -d 10s http://127.0.0.1:9000/api/health" */
    char label[64];
    double sampled_unix_s;
    unsigned stage, nstages; /* 1-based; scenarios have several */
    uint64_t elapsed_us;     /* since the test started (all stages) */
    uint64_t duration_us;    /* planned, all stages; 0: the test ends by request count */
    uint64_t done;           /* requests ended, answered or failed */
    uint64_t max_requests;   /* 0: no limit */
    uint64_t requests;       /* complete responses */
    uint64_t errors[RUN_ERR__COUNT];
    uint64_t status_class[6];
    struct cons_code_count codes[16];
    size_t ncodes;
    unsigned connections_open;
    struct cons_lat latency; /* the whole test so far (corrected at a constant rate) */
    size_t npoints;
    struct cons_point points[LG_SNAPSHOT_SECONDS]; /* the last completed seconds, oldest first */
    char result[160];                              /* once ended: "run 17 saved", or why not */
};

/* The measured part of a client sample from a loadgen snapshot of the current stage. Earlier
 * stages are added by the caller (elapsed, requests, errors, ...). */
void cons_client_from_snapshot(const struct lg_snapshot *snap, struct cons_client_sample *out);

/* A ring of per-second points for the charts, indexed by Unix second. */
#define CONS_SERIES_S 512
struct cons_series {
    struct cons_point pt[CONS_SERIES_S];
};
void cons_series_clear(struct cons_series *s);
void cons_series_put(struct cons_series *s, const struct cons_point *p);
/* The point of second unix_s, or NULL. */
const struct cons_point *cons_series_at(const struct cons_series *s, int64_t unix_s);
/* The series of a server sample's timeline (replacing what s held). */
void cons_series_from_server(const struct cons_server_sample *ss, struct cons_series *s);
/* The newest second in s at or before unix_s, or 0. */
int64_t cons_series_newest(const struct cons_series *s, int64_t at_or_before_unix_s);

/* ==== the screen model (screen.c) ============================================================ */

enum cons_attr {
    CONS_A_BOLD = 1,
    CONS_A_DIM = 2,
    CONS_A_REVERSE = 4,
    CONS_A_UNDERLINE = 8,
};

/* Semantic colours; tty.c maps them to the terminal's (or to nothing in monochrome). */
enum cons_color {
    CONS_C_NONE,
    CONS_C_TITLE,  /* the header bar */
    CONS_C_GOOD,   /* green: 2xx, healthy */
    CONS_C_WARN,   /* yellow: 4xx, stopping */
    CONS_C_BAD,    /* red: 5xx, errors, disconnected */
    CONS_C_SERVER, /* the server's series (throughput, p50) */
    CONS_C_CLIENT, /* the client's series */
    CONS_C_P99,    /* p99 lines */
    CONS_C_LABEL,  /* labels and axes */
    CONS_C__COUNT
};

struct cons_cell {
    uint32_t ch;   /* a Unicode code point that takes one column; ' ' when blank */
    uint8_t attr;  /* enum cons_attr bits */
    uint8_t color; /* enum cons_color */
};

struct cons_screen {
    int width, height;
    struct cons_cell *cells; /* height rows of width cells */
};

/* Allocates a blank screen. Returns 0, or -1 (out of memory, or a size out of 1..1000). */
int cons_screen_init(struct cons_screen *s, int width, int height);
/* Frees the cells; accepts a zeroed screen. */
void cons_screen_free(struct cons_screen *s);
void cons_screen_clear(struct cons_screen *s);
/* The cell at (x, y), or NULL outside the screen. */
struct cons_cell *cons_cell_at(struct cons_screen *s, int x, int y);
/* Writes UTF-8 text at (x, y), at most max_w columns (and never past the screen's edge); every
 * code point takes one column, control characters and malformed bytes show as '?'. Returns the
 * columns written. */
int cons_put(struct cons_screen *s, int x, int y, int max_w, uint8_t attr, uint8_t color,
             const char *text);
int cons_putf(struct cons_screen *s, int x, int y, int max_w, uint8_t attr, uint8_t color,
              const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Sets attr/color on w cells from (x, y) (keeping their characters). */
void cons_paint(struct cons_screen *s, int x, int y, int w, uint8_t attr, uint8_t color);
/* Fills a w x h rectangle with ch. */
void cons_fill(struct cons_screen *s, int x, int y, int w, int h, uint32_t ch, uint8_t attr,
               uint8_t color);
/* The screen as UTF-8 text, one line per row with trailing blanks cut, snprintf-style: returns
 * the length the whole text needs. */
size_t cons_screen_text(const struct cons_screen *s, char *buf, size_t cap);
/* Columns UTF-8 text takes (code points). */
int cons_text_width(const char *text);

/* ==== charts and numbers (chart.c) =========================================================== */

/* Numbers as the screen shows them, in at most 6 columns: "950", "12.3k", "1.23M". */
void cons_fmt_count(char *buf, size_t cap, double n);
/* Latency: "0us", "850us", "1.23ms", "12.3ms", "123ms", "1.23s". */
void cons_fmt_us(char *buf, size_t cap, double us);
/* Bytes, binary: "512B", "61.2M", "1.21G". */
void cons_fmt_bytes(char *buf, size_t cap, double bytes);
/* Elapsed time: "45s", "12m03s", "1h02m", "3d04h". */
void cons_fmt_uptime(char *buf, size_t cap, double s);
/* The smallest 1-2-5 step times a power of ten that is >= x (and >= floor). */
double cons_nice_ceil(double x, double floor);

/* One series of a chart: n values (NAN: no data), oldest first. */
struct cons_chart_series {
    const double *v;
    size_t n;
    uint8_t color;
    char ascii_mark; /* the mark of a line series in ASCII and block charts ('*', 'o') */
};

enum cons_chart_kind {
    CONS_CHART_AREA, /* filled from the bottom: throughput */
    CONS_CHART_LINE, /* dots joined: latency percentiles */
};

/* A chart in the w x h rectangle at (x, y): values map linearly from 0..ymax (or, with log_scale,
 * from ymin..ymax on a log10 axis) to the rectangle's height. The series have the same length:
 * one value per sample column (cons_chart_samples). Earlier series are drawn under later ones
 * where they share a cell. */
void cons_chart_draw(struct cons_screen *s, int x, int y, int w, int h, enum cons_glyphs g,
                     enum cons_chart_kind kind, const struct cons_chart_series *series,
                     size_t nseries, double ymin, double ymax, bool log_scale);
/* Samples (seconds) a chart of w columns holds: 2 a column in braille unless that exceeds the
 * SRV_TIMELINE_S seconds the server keeps, else 1 a column. */
size_t cons_chart_samples(int w, enum cons_glyphs g);

/* ==== UI state and keys (ui.c) =============================================================== */

/* Keys as the console sees them: Unicode code points, or these (tty.c translates curses'). */
enum cons_key {
    CONS_KEY_NONE = 0,
    CONS_KEY_TAB = '\t',
    CONS_KEY_ENTER = '\n',
    CONS_KEY_ESC = 27,
    CONS_KEY_UP = 0x110000,
    CONS_KEY_DOWN,
    CONS_KEY_LEFT,
    CONS_KEY_RIGHT,
    CONS_KEY_BACKSPACE,
    CONS_KEY_DELETE,
    CONS_KEY_HOME,
    CONS_KEY_END,
    CONS_KEY_BTAB, /* shift-tab */
    CONS_KEY_RESIZE,
};

/* The load-test presets of the form (key l). */
enum cons_preset {
    CONS_PRESET_AB,       /* ab-like: -n requests, -c connections, -k keep-alive */
    CONS_PRESET_WRK,      /* wrk-like: -c connections, -d duration, -t threads */
    CONS_PRESET_RATE,     /* constant rate (wrk2 -R): -R rate, -c, -d, -t */
    CONS_PRESET_SCENARIO, /* a scenario file (tierbench run) */
    CONS_PRESET__COUNT
};

/* "ab-like", "wrk-like", "constant rate", "scenario". */
extern const char *const cons_preset_names[CONS_PRESET__COUNT];
/* The options a preset starts with ("-n 10000 -c 50 -k", ...). */
extern const char *const cons_preset_defaults[CONS_PRESET__COUNT];

enum cons_form_field {
    CONS_FIELD_TARGET,
    CONS_FIELD_PRESET,
    CONS_FIELD_OPTIONS,
    CONS_FIELD_LABEL,
    CONS_FIELD__COUNT
};

struct cons_form {
    enum cons_form_field field; /* the one being edited */
    enum cons_preset preset;
    char target[256];
    char options[256]; /* the preset's flags, or the scenario file */
    char label[64];
    char error[160]; /* why the last Enter did not start a test */
};

struct cons_ui {
    enum cons_view view;
    bool paused;
    bool log_scale; /* latency charts on a log axis (key L) */
    bool help;      /* the help box is up */
    bool form_open;
    struct cons_form form;
    unsigned refresh_ms;
    char tier_users[16]; /* what was typed in the tier view */
    char notice[160];    /* a short message in the status line ("load test started") */
};

/* What a key asks of the console loop. */
enum cons_action {
    CONS_ACT_NONE,
    CONS_ACT_REDRAW,
    CONS_ACT_QUIT,
    CONS_ACT_REFRESH, /* refresh_ms changed */
    CONS_ACT_START,   /* Enter in the form: start the test it describes */
    CONS_ACT_STOP,    /* stop the running test */
    CONS_ACT_TIER,    /* tier_users changed: ask the store again */
};

/* Defaults: overview, refresh refresh_ms (clamped), form for target. */
void cons_ui_init(struct cons_ui *ui, unsigned refresh_ms, const char *target);
/* Applies one key. load_running: a test is going (l then only says so). */
enum cons_action cons_ui_key(struct cons_ui *ui, int key, bool load_running);
/* The next refresh interval of + (up) or - (down): 250, 500, 1000, 2000, 5000 ms. */
unsigned cons_refresh_step(unsigned ms, bool up);

/* ==== the load test a form describes (form.c) =============================================== */

struct cons_load_plan {
    enum cons_preset preset;
    char url[1024];
    char label[64];
    char title[192];  /* "wrk-like -c 50 -d 10s http://..." */
    unsigned threads; /* 0: min(2, connections) */
    unsigned connections;
    uint64_t duration_us;  /* wrk, rate */
    uint64_t max_requests; /* ab */
    double rate_rps;       /* rate */
    bool keep_alive;       /* ab -k; always on for the others */
    char scenario[512];    /* scenario: the file */
};

/* Checks the form and fills plan. Returns 0, or -1 with one line in err ("-c: expected a number
 * from 1 to 100000"). */
int cons_plan_from_form(const struct cons_form *f, struct cons_load_plan *plan, char *err,
                        size_t errlen);
/* The command that would make the same run ("tierbench wrk -t 2 -c 50 -d 10s URL") and its
 * configuration JSON in that command's keys (so `runs show` reprints it); new strings the caller
 * frees, NULL when out of memory. tool gets "ab", "wrk" or "run". */
char *cons_plan_cmdline(const struct cons_load_plan *plan);
char *cons_plan_config_json(const struct cons_load_plan *plan, const struct lg_config *cfg);
const char *cons_plan_tool(const struct cons_load_plan *plan);
/* Worker threads of a plan: its -t/-W, else min(2, connections) as the scenario files do. */
unsigned cons_plan_threads(const struct cons_load_plan *plan);

/* ==== the renderer (render.c): snapshots in, a screen out; no clock, no I/O ================= */

struct cons_frame {
    int width, height;
    enum cons_glyphs glyphs;
    const struct cons_ui *ui;
    const char *title; /* the header's target */
    const char *note;  /* next to the views' tabs ("admin :9001"), or NULL */
    const char *link;  /* NULL when the server answers; else "disconnected (why), retrying in 3s" */
    const struct cons_server_sample *server;      /* NULL or !valid: nothing yet */
    const struct cons_server_sample *server_prev; /* the one before, for CPU% and route rates */
    const struct cons_series *server_series;
    const struct cons_client_sample *client; /* NULL or !active: no load test */
    const struct cons_series *client_series;
    const struct cons_run_row *runs;
    size_t nruns;
    const char *runs_note;  /* why there are no runs ("no result store"), or NULL */
    const char *tier_text;  /* the tier pick for ui->tier_users, or NULL */
    const char *const *log; /* newest last */
    size_t nlog;
    bool live; /* the --live panel: the client side alone */
};

/* Draws the frame into out (already sized width x height). Pure: the same frame gives the same
 * screen. */
void cons_render(const struct cons_frame *f, struct cons_screen *out);

/* ==== the threads that fill snapshots ======================================================== */

/* thread.c: starts a thread with every signal blocked, so that SIGINT, SIGTERM and SIGWINCH
 * reach the drawing thread and cut its wait for a key short. name (at most 15 characters,
 * "tb-cons-...") shows in top -H and lets bench/console.sh add up the console's CPU time.
 * Returns pthread_create's result. */
int cons_thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg);
/* A condition variable on the monotonic clock (a wall-clock step must not stretch a wait). */
void cons_cond_init(pthread_cond_t *c);
/* Waits on c (lock held) at most wait_us. */
void cons_cond_wait_us(pthread_cond_t *c, pthread_mutex_t *lock, uint64_t wait_us);

/* source.c: the server side, sampled every refresh interval on its own thread: a snapshot of
 * the in-process server, or a GET of /api/stats (libcurl, timeouts, backoff). */
struct cons_source;
/* server or url (+ token). Returns 0, or -1 with err. The thread starts at once and takes a
 * first sample. */
int cons_source_start(struct srv *server, const char *url, const char *token, unsigned interval_ms,
                      struct cons_source **out, char *err, size_t errlen);
void cons_source_interval(struct cons_source *src, unsigned interval_ms);
/* Copies the newest sample when it is newer than *seq (then updates *seq and returns true). */
bool cons_source_take(struct cons_source *src, uint64_t *seq, struct cons_server_sample *out);
/* The link state: true while the last attempt worked; else why, and when the next try is due
 * (clock_now_us time). */
bool cons_source_link(struct cons_source *src, char *why, size_t cap, uint64_t *retry_at_us);
void cons_source_stop(struct cons_source *src); /* joins; NULL accepted */
/* One sample on the caller's thread (cons_frame): 0, or -1 with err. */
int cons_source_sample_once(struct srv *server, const char *url, const char *token,
                            struct cons_server_sample *out, char *err, size_t errlen);

/* load.c: a load test on its own thread, stage after stage, through the run handle. */
struct cons_load;
/* Resolves and starts plan's first stage. Returns 0, or -1 with err (bad target, scenario). */
int cons_load_start(const struct cons_load_plan *plan, unsigned interval_ms, struct cons_load **out,
                    char *err, size_t errlen);
void cons_load_interval(struct cons_load *l, unsigned interval_ms);
void cons_load_stop(struct cons_load *l); /* lg_stop, and no further stage */
/* Copies the newest client sample when newer than *seq. */
bool cons_load_take(struct cons_load *l, uint64_t *seq, struct cons_client_sample *out);
/* True once the test has ended; then *out gets its merged result (tool, cmdline, config_json,
 * label filled) to save, once (the caller owns it). Returns false while running. */
bool cons_load_result(struct cons_load *l, struct run_result *out, int *status);
void cons_load_free(struct cons_load *l); /* stops, joins; NULL accepted */

/* store.c: the store callbacks on their own thread. */
struct cons_store;
int cons_store_start(const struct cons_config *cfg, struct cons_store **out);
void cons_store_want_runs(struct cons_store *st); /* refresh the runs list soon */
void cons_store_want_tier(struct cons_store *st, double users);
/* Takes ownership of *run (zeroed on return) and saves it; the message arrives by
 * cons_store_take. */
void cons_store_save(struct cons_store *st, struct run_result *run);
/* What changed since *seq: the runs list, the tier text for `users` (NAN: none yet), the last
 * save message. Returns true when something did. */
struct cons_store_view {
    struct cons_run_row runs[CONS_RUNS_MAX];
    size_t nruns;
    bool runs_known;
    char runs_note[160];
    double tier_users;
    char tier_text[8192];
    char save_msg[200];
    uint64_t save_seq;
};
bool cons_store_take(struct cons_store *st, uint64_t *seq, struct cons_store_view *out);
void cons_store_stop(struct cons_store *st); /* joins; NULL accepted */

/* log.c */
/* Copies the newest max lines (oldest first) into lines[max][CONS_LOG_LINE_BYTES]; returns how
 * many. */
size_t cons_log_lines(struct cons_log *log, char (*lines)[CONS_LOG_LINE_BYTES], size_t max);
/* The capture of stderr while the screen is up: fd 2 becomes a non-blocking pipe (a writer that
 * finds it full loses its line instead of blocking), drained into log. */
struct cons_capture {
    int saved_fd; /* the original stderr; -1 when not capturing */
    int read_fd;
    char partial[CONS_LOG_LINE_BYTES];
    size_t npartial;
    char *keep; /* when keeping (cons_live): every captured byte, replayed at the end */
    size_t keep_len, keep_cap;
};
/* Starts capturing (keep: also keep the bytes to replay). Returns 0, or -1 (nothing changed). */
int cons_capture_begin(struct cons_capture *c, bool keep);
/* Moves what arrived into log (each complete line). */
void cons_capture_drain(struct cons_capture *c, struct cons_log *log);
/* Restores stderr (draining first), writes the kept bytes to it, frees them. */
void cons_capture_end(struct cons_capture *c, struct cons_log *log);

/* ==== the terminal (tty.c, the only file that includes <curses.h>) ========================= */

struct cons_tty;
/* Starts curses on stdout/stdin: no echo, cbreak, keypad, hidden cursor, colours when color
 * and the terminal has them; fills rescue when given. Returns 0, or -1 with err. */
int cons_tty_open(bool color, struct cons_rescue *rescue, struct cons_tty **out, char *err,
                  size_t errlen);
/* The terminal's size now. */
void cons_tty_size(struct cons_tty *t, int *width, int *height);
/* Waits up to timeout_ms for a key; returns it, or CONS_KEY_NONE. */
int cons_tty_key(struct cons_tty *t, int timeout_ms);
/* Draws the screen model (cells outside the terminal are skipped). */
void cons_tty_draw(struct cons_tty *t, const struct cons_screen *s);
/* Ends curses and restores the terminal; disarms the rescue. NULL accepted. */
void cons_tty_close(struct cons_tty *t);

#endif
