/* console/console.h: the live ncurses console. It shows a tierbench server (in-process, or a
 * remote one through its admin API) and the load tests started from it, side by side on the same
 * seconds; `tierbench console` (cli/console.c) is its front end, and `--live` of the load
 * commands uses its client panel. Data flows one way, as in goaccess: sources (a sampler thread,
 * a load-test thread, a store thread) fill snapshots, pure functions turn snapshots into a
 * screen model (a grid of cells, console_int.h), and one file (tty.c) draws that model with
 * curses from one thread. What needs the result store or the reports (recent runs, saving a run,
 * the tier pick) comes in through callbacks the caller implements. Read next: console.c. */
#ifndef TB_CONSOLE_H
#define TB_CONSOLE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "common/run.h"
#include "server/server.h"

struct lg_run;

/* ---- what the store gives and takes (callbacks the caller implements) ---------------------- */

/* One stored run as the runs list shows it; the caller formats what depends on its locale. */
struct cons_run_row {
    int64_t id;
    char when[24]; /* start time as people read it ("12-03 09:14"), formatted by the caller */
    char tool[16];
    char label[64];
    char target[256]; /* URL */
    double rate_rps;
    uint64_t p50_us, p99_us;
    uint64_t requests, errors;
};

/* Every store callback runs on the console's store thread, one call at a time (so a callback
 * may keep one database handle), never on the drawing thread: a slow store never freezes the
 * screen. */

/* Fills out[0..max-1] with the newest runs, newest first, and *n. Returns 0, or -1 with one
 * line in err. */
typedef int cons_recent_runs_fn(void *arg, struct cons_run_row *out, size_t max, size_t *n,
                                char *err, size_t errlen);
/* Saves a finished load test: tool, cmdline, config_json and label are filled as the command
 * its preset imitates fills them, so `tierbench runs show` prints it in that tool's layout. The
 * console owns run (the callback sets run->id and must not free it). Returns 0 with a short
 * message in msg ("run 17 saved"), or -1 with the reason. */
typedef int cons_save_run_fn(void *arg, struct run_result *run, char *msg, size_t msglen);
/* What `tierbench tier --users USERS` would answer, as text lines that fit 80 columns. Returns
 * 0, or -1 with one line of reason in text ("no sweep in the store yet: ..."). */
typedef int cons_tier_pick_fn(void *arg, double users, char *text, size_t cap);
/* Polled by the drawing thread about every 100 ms: true ends the console (SIGINT, SIGTERM). Must
 * be cheap and thread-safe (a flag set by a signal handler). */
typedef bool cons_stop_fn(void *arg);

/* ---- the server's log lines ----------------------------------------------------------------- */

/* A ring of the newest log lines (the in-process server's, and whatever reaches stderr while the
 * screen is up), shown by the console instead of written over the screen. Thread-safe. */
struct cons_log;

#define CONS_LOG_LINES      64
#define CONS_LOG_LINE_BYTES 200

/* NULL when out of memory. cons_log_free accepts NULL. */
struct cons_log *cons_log_new(void);
void cons_log_free(struct cons_log *log);
/* Adds one line (cut at CONS_LOG_LINE_BYTES - 1 bytes, control characters replaced). Any
 * thread. The oldest line is dropped when the ring is full. */
void cons_log_add(struct cons_log *log, const char *line);
/* A srv_log_fn (server/server.h) whose arg is a struct cons_log: pass it as srv_config.log so
 * the in-process server's lines land in the ring, never on the terminal. SRV_LOG_DEBUG lines
 * (CivetWeb's start-up detail) are dropped. */
void cons_log_srv(void *arg, enum srv_log_level level, const char *msg);

/* ---- putting the terminal back from a signal handler ---------------------------------------- */

/* What a crash handler needs to restore the terminal without calling curses (which is not
 * async-signal-safe): the terminal modes saved before curses started, the escape bytes that
 * leave its screen, and stderr as it was before the console captured it. The caller owns the
 * storage (a static object next to its signal handlers) and passes it in a config; the console
 * fills it while the screen is up and clears `armed` when it has put the terminal back. */
struct cons_rescue {
    volatile sig_atomic_t armed; /* 1 while the screen is up */
    int tty_fd;                  /* the terminal curses draws on */
    struct termios saved;        /* its modes before curses */
    int stderr_fd;               /* a copy of the original stderr, or -1 */
    char seq[128];               /* leave the alternate screen, show the cursor, reset colours */
    size_t seq_len;
};

/* Async-signal-safe: when armed, writes seq, restores the terminal modes and stderr, disarms.
 * For SIGSEGV/SIGABRT/... handlers (which then re-raise) and SIGTERM paths that cannot wait. */
void cons_rescue_now(struct cons_rescue *r);

/* ---- the console ---------------------------------------------------------------------------- */

/* How charts and frames are drawn. */
enum cons_glyphs {
    CONS_GLYPHS_BRAILLE, /* UTF-8: braille dots (U+2800), box drawing (the default in UTF-8) */
    CONS_GLYPHS_BLOCK,   /* UTF-8: block elements (U+2581..U+2588) for terminals without braille */
    CONS_GLYPHS_ASCII,   /* 7-bit only (when the locale is not UTF-8, or --ascii) */
};

/* The views of the console: keys 1-4 and tab. */
enum cons_view {
    CONS_VIEW_OVERVIEW,
    CONS_VIEW_ROUTES,
    CONS_VIEW_RUNS,
    CONS_VIEW_TIER,
    CONS_VIEW__COUNT
};

/* The smallest terminal the console draws in; below it the screen says so (and q still works). */
#define CONS_MIN_WIDTH  80
#define CONS_MIN_HEIGHT 24

/* Refresh interval: default, bounds, and the steps of + and -. */
#define CONS_REFRESH_DEFAULT_MS 1000
#define CONS_REFRESH_MIN_MS     250
#define CONS_REFRESH_MAX_MS     5000

#define CONS_RUNS_MAX 64 /* rows asked of recent_runs */

/* Plain configuration; strings are borrowed for the console's life. */
struct cons_config {
    struct srv *server;      /* the in-process server to show; NULL when connect_url is set */
    const char *connect_url; /* a tierbench admin API, "http://HOST:9001"; NULL: in-process */
    const char *token;       /* bearer token for connect_url; NULL: none */
    const char *title;       /* what the header names, e.g. "http://127.0.0.1:9000" */
    const char *note;        /* shown next to the views' tabs, e.g. "admin :9001"; NULL: none */
    const char
        *target_url;     /* the load form's default target ("http://127.0.0.1:9000/api/health") */
    unsigned refresh_ms; /* 0: CONS_REFRESH_DEFAULT_MS; clamped to the bounds */
    enum cons_glyphs glyphs;
    bool color;           /* false: monochrome (NO_COLOR, or a terminal without colours) */
    struct cons_log *log; /* shown in the runs view; NULL: a private ring */
    cons_recent_runs_fn *recent_runs; /* each may be NULL: that part of the screen says so */
    cons_save_run_fn *save_run;
    cons_tier_pick_fn *tier_pick;
    void *store_arg;    /* passed to the three store callbacks */
    cons_stop_fn *stop; /* NULL: only q ends the console */
    void *stop_arg;
    struct cons_rescue *rescue; /* NULL: no crash rescue */
};

/* Runs the console on the calling thread, which must be the process's only curses user and
 * must not block SIGWINCH: it starts the sampler and store threads (with every signal blocked,
 * so signals reach the drawing thread), draws until q or stop(), stops a running load test
 * (saving what it measured), stops its threads, and restores the terminal and stderr. stdout
 * must be a terminal; while the screen is up, stderr goes to the log ring. Returns 0, or -1 with
 * one line in err (no terminal, TERM unknown, out of memory). */
int cons_run(const struct cons_config *cfg, char *err, size_t errlen);

/* One frame as plain text, for tests, CI and scripts (`tierbench console --frame`): takes a
 * sample, waits one refresh interval (cfg->refresh_ms; 0: 1 s), takes another (so rates and
 * CPU% have a span), asks recent_runs once, renders `view` at width x height, and writes the
 * text (one line per row, trailing blanks cut) into buf, snprintf-style: returns the length the
 * whole frame needs, or -1 with one line in err when nothing could be sampled (a remote server
 * that did not answer: the frame is still written and says so). No curses, no threads. */
long cons_frame(const struct cons_config *cfg, enum cons_view view, int width, int height,
                char *buf, size_t cap, char *err, size_t errlen);

/* ---- the client panel alone (`tierbench ab|wrk|run ... --live`) --------------------------- */

struct cons_live;

/* Opens the screen for the client panel: stdout must be a terminal. stderr goes to a buffer
 * while the screen is up and comes out, in order, after cons_live_close. Returns 0, or -1
 * with one line in err (then nothing was changed). */
int cons_live_open(enum cons_glyphs glyphs, bool color, struct cons_rescue *rescue,
                   struct cons_live **out, char *err, size_t errlen);

enum cons_live_end {
    CONS_LIVE_DONE, /* the run ended by itself */
    CONS_LIVE_STOP, /* q, s or stop(): lg_stop was called and the run has ended */
};

/* Shows run (started, not yet waited for) until it ends, refreshing every refresh_ms (0: 1 s):
 * requests per second, latency percentiles, errors, progress and ETA. q or s (or stop()
 * returning true) calls lg_stop. Returns when lg_done(run) is true; the caller then calls
 * lg_wait. title names the run ("wrk -c 50 -d 10s http://..."). */
enum cons_live_end cons_live_watch(struct cons_live *lv, struct lg_run *run, const char *title,
                                   unsigned refresh_ms, cons_stop_fn *stop, void *stop_arg);

/* Restores the terminal, then writes what reached stderr meanwhile to stderr. NULL accepted. */
void cons_live_close(struct cons_live *lv);

/* True when the C library's character set (LC_CTYPE, set by the caller) is UTF-8. */
bool cons_locale_utf8(void);

#endif
