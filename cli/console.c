/* cli/console.c: `tierbench console`: the server in-process (the serve flags, parsed by serve.c)
 * or a remote one (--connect, through its admin API), shown by the live console
 * (console/console.h) until q or SIGINT/SIGTERM, then stopped gracefully (exit 0). The result
 * store and the reports reach the console only through the callbacks below: recent runs,
 * saving a load test started from the console, and the tier view's pick. --frame prints one
 * frame as text instead. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "console/console.h"
#include "db/db.h"
#include "loadgen/loadgen.h"
#include "server/server.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tierbench console [serve options]        the server, with its dashboard\n"
            "       tierbench console --connect URL [--token T]  watch a running server\n"
            "\n"
            "The live console: throughput, latency, status codes, routes, recent runs and the\n"
            "tier pick of a tierbench server, and the load tests started from it (key l) on\n"
            "the same seconds. Keys: q quit, p pause, + - refresh, tab 1-4 views, l load test,\n"
            "s stop it, L log scale, h help.\n"
            "\n"
            "  --connect URL      a running server's admin API (http://HOST:9001) instead of a\n"
            "                     server in this process\n"
            "  --token T          bearer token for --connect (default $TIERBENCH_ADMIN_TOKEN)\n"
            "  --refresh MS       refresh interval, 250 to 5000 (default 1000)\n"
            "  --db FILE          result store (default $TIERBENCH_DB, else\n"
            "                     $XDG_DATA_HOME/tierbench/results.db)\n"
            "  --ascii            7-bit characters only (the default when the locale is not\n"
            "                     UTF-8); --blocks: block characters instead of braille\n"
            "  --frame            print one frame as text and exit (after two samples one\n"
            "                     refresh apart); --width W --height H (default 80x24),\n"
            "                     --view overview|routes|runs|tier\n"
            "  --help             this text\n"
            "\n"
            "Serve options (the server in this process; see tierbench serve --help):\n");
    cli_serve_flags_usage(out);
    fprintf(out, "\nNO_COLOR set: no colours. SIGINT/SIGTERM end it like q.\n");
}

void cli_screen_opts(bool force_ascii, struct cli_screen_opts *out)
{
    /* Only the character type: LC_NUMERIC stays "C", so every number tierbench prints keeps its
     * decimal point. */
    setlocale(LC_CTYPE, "");
    out->glyphs = force_ascii || !cons_locale_utf8() ? CONS_GLYPHS_ASCII : CONS_GLYPHS_BRAILLE;
    /* no-color.org: present and not empty. */
    const char *nc = getenv("NO_COLOR");
    out->color = !(nc && *nc);
}

/* ---- the store, for the console's callbacks (called on its store thread, one at a time) ---- */

struct store_ctx {
    const char *db_path;
    struct db *db;
    char err[300];
};

static struct db *store_db(struct store_ctx *sc, char *err, size_t errlen)
{
    if (!sc->db && !sc->err[0])
        sc->db = cli_store_open(sc->db_path, sc->err, sizeof(sc->err));
    if (!sc->db)
        snprintf(err, errlen, "%s", sc->err);
    return sc->db;
}

static int recent_runs(void *arg, struct cons_run_row *out, size_t max, size_t *n, char *err,
                       size_t errlen)
{
    struct store_ctx *sc = arg;
    *n = 0;
    struct db *db = store_db(sc, err, errlen);
    if (!db)
        return -1;
    struct db_run_filter f = {.limit = max};
    struct db_run_summary *rows = NULL;
    size_t nrows = 0;
    if (db_run_list(db, &f, &rows, &nrows) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(db));
        return -1;
    }
    for (size_t i = 0; i < nrows && i < max; i++) {
        const struct db_run_summary *s = &rows[i];
        struct cons_run_row *r = &out[i];
        memset(r, 0, sizeof(*r));
        r->id = s->id;
        time_t t = (time_t)s->start_unix_s;
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(r->when, sizeof(r->when), "%m-%d %H:%M", &tm);
        snprintf(r->tool, sizeof(r->tool), "%s", s->tool);
        snprintf(r->label, sizeof(r->label), "%.63s", s->label);
        snprintf(r->target, sizeof(r->target), "%.255s", s->target);
        r->rate_rps = s->rps;
        r->p50_us = s->p50_us;
        r->p99_us = s->p99_us;
        r->requests = s->requests;
        r->errors = s->errors;
        (*n)++;
    }
    free(rows);
    return 0;
}

static int save_run(void *arg, struct run_result *run, char *msg, size_t msglen)
{
    struct store_ctx *sc = arg;
    struct db *db = store_db(sc, msg, msglen);
    if (!db)
        return -1;
    if (db_run_insert(db, run) != 0) {
        snprintf(msg, msglen, "not saved: %s", db_errmsg(db));
        return -1;
    }
    snprintf(msg, msglen, "run %lld saved", (long long)run->id);
    return 0;
}

static int tier_pick(void *arg, double users, char *text, size_t cap)
{
    struct store_ctx *sc = arg;
    struct db *db = store_db(sc, text, cap);
    if (!db)
        return -1;
    return cli_tier_users_text(db, users, text, cap);
}

static bool stop_requested(void *arg)
{
    (void)arg;
    return cli_interrupted();
}

/* ---- argv ------------------------------------------------------------------------------------ */

struct console_opts {
    const char *connect, *token, *db_path;
    unsigned refresh_ms;
    bool frame, ascii, blocks;
    int width, height;
    enum cons_view view;
};

static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (!strncmp(a, name, n) && a[n] == '=')
        return a + n + 1;
    if (!strcmp(a, name))
        return *i + 1 < argc ? argv[++*i] : "";
    return NULL;
}

static int number(const char *flag, const char *v, long min, long max, long *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < min || x > max) {
        fprintf(stderr, "tierbench console: %s %s: expected a number from %ld to %ld\n", flag, v,
                min, max);
        return -1;
    }
    *out = x;
    return 0;
}

/* The console's own options; the rest (serve's) go to rest[]. Returns 0, 1 after --help, or -1
 * (message printed). */
static int parse_args(int argc, char **argv, struct console_opts *o, char **rest, int *nrest)
{
    *nrest = 0;
    rest[(*nrest)++] = argv[0];
    o->width = 80;
    o->height = 24;
    o->view = CONS_VIEW_OVERVIEW;
    const char *env_token = getenv("TIERBENCH_ADMIN_TOKEN");
    o->token = env_token && *env_token ? env_token : NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long x;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((v = value_of(argc, argv, &i, "--connect"))) {
            if (!*v) {
                fprintf(stderr, "tierbench console: --connect needs a URL (http://HOST:9001)\n");
                return -1;
            }
            o->connect = v;
        } else if ((v = value_of(argc, argv, &i, "--token"))) {
            o->token = v;
        } else if ((v = value_of(argc, argv, &i, "--db"))) {
            o->db_path = v;
        } else if ((v = value_of(argc, argv, &i, "--refresh"))) {
            if (number(a, v, CONS_REFRESH_MIN_MS, CONS_REFRESH_MAX_MS, &x) != 0)
                return -1;
            o->refresh_ms = (unsigned)x;
        } else if ((v = value_of(argc, argv, &i, "--width"))) {
            if (number(a, v, 20, 1000, &x) != 0)
                return -1;
            o->width = (int)x;
        } else if ((v = value_of(argc, argv, &i, "--height"))) {
            if (number(a, v, 5, 1000, &x) != 0)
                return -1;
            o->height = (int)x;
        } else if ((v = value_of(argc, argv, &i, "--view"))) {
            static const char *const names[CONS_VIEW__COUNT] = {"overview", "routes", "runs",
                                                                "tier"};
            int found = -1;
            for (int k = 0; k < CONS_VIEW__COUNT; k++)
                if (!strcmp(v, names[k]) || (v[0] == '1' + k && !v[1]))
                    found = k;
            if (found < 0) {
                fprintf(stderr, "tierbench console: --view %s: overview, routes, runs or tier\n",
                        v);
                return -1;
            }
            o->view = (enum cons_view)found;
        } else if (!strcmp(a, "--frame")) {
            o->frame = true;
        } else if (!strcmp(a, "--ascii")) {
            o->ascii = true;
        } else if (!strcmp(a, "--blocks")) {
            o->blocks = true;
        } else {
            rest[(*nrest)++] = argv[i]; /* a serve flag, or its value: serve.c judges */
        }
    }
    if (o->connect && *nrest > 1) {
        fprintf(stderr,
                "tierbench console: %s: serve options start a server here; --connect "
                "watches one elsewhere (choose one)\n",
                rest[1]);
        return -1;
    }
    if (o->connect) {
        struct lg_url u;
        char err[256];
        if (lg_url_parse(o->connect, &u, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench console: --connect %s: %s\n", o->connect, err);
            return -1;
        }
    }
    return 0;
}

int cli_console(int argc, char **argv)
{
    struct console_opts o;
    memset(&o, 0, sizeof(o));
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0;
    if (!rest) {
        fprintf(stderr, "tierbench console: out of memory\n");
        return 1;
    }
    int rc = parse_args(argc, argv, &o, rest, &nrest);
    if (rc != 0) {
        free(rest);
        return rc > 0 ? 0 : 2;
    }
    struct srv_config scfg;
    cli_serve_config_default(&scfg);
    if (!o.connect && cli_serve_parse("console", nrest, rest, &scfg) != 0) {
        free(rest);
        return 2;
    }
    if (!o.frame && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "tierbench console: stdout is not a terminal (--frame prints one frame "
                        "as text)\n");
        free(rest);
        return 2;
    }
    struct cli_screen_opts so;
    cli_screen_opts(o.ascii, &so);
    if (o.blocks && so.glyphs != CONS_GLYPHS_ASCII)
        so.glyphs = CONS_GLYPHS_BLOCK;

    struct cons_log *log = cons_log_new();
    struct store_ctx store = {.db_path = o.db_path};
    struct srv *srv = NULL;
    char title[1200], target[1200], note[64] = "", err[512] = "";
    int status = 1;
    if (!log) {
        fprintf(stderr, "tierbench console: out of memory\n");
        goto done;
    }
    cli_signals_install();
    if (!o.connect) {
        /* The server's lines go to the console's ring, never over the screen. */
        scfg.log = cons_log_srv;
        scfg.log_arg = log;
        /* Server threads must not take SIGINT, SIGTERM or SIGWINCH: blocked while they are
         * created, they inherit the mask, and the signals reach the drawing thread. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGWINCH);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        rc = srv_start(&scfg, &srv, err, sizeof(err));
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
            fprintf(stderr, "tierbench console: %s\n", err);
            goto done;
        }
        const char *host = strcmp(scfg.bind_addr, "0.0.0.0") ? scfg.bind_addr : "127.0.0.1";
        snprintf(title, sizeof(title), "http://%s:%d", scfg.bind_addr, srv_port(srv));
        if (srv_admin_port(srv) >= 0)
            snprintf(note, sizeof(note), "admin :%d", srv_admin_port(srv));
        snprintf(target, sizeof(target), "http://%s:%d/api/health", host, srv_port(srv));
    } else {
        struct lg_url u;
        lg_url_parse(o.connect, &u, err, sizeof(err));
        snprintf(title, sizeof(title), "%s", o.connect);
        snprintf(note, sizeof(note), "remote");
        /* The admin API does not say where the main port is: assume the default. */
        snprintf(target, sizeof(target), "http://%s:9000/api/health", u.host);
    }
    struct cons_config cc = {
        .server = srv,
        .connect_url = o.connect,
        .token = o.token,
        .title = title,
        .note = note[0] ? note : NULL,
        .target_url = target,
        .refresh_ms = o.refresh_ms,
        .glyphs = (enum cons_glyphs)so.glyphs,
        .color = so.color,
        .log = log,
        .recent_runs = recent_runs,
        .save_run = save_run,
        .tier_pick = tier_pick,
        .store_arg = &store,
        .stop = stop_requested,
        .rescue = cli_rescue(),
    };
    if (o.frame) {
        size_t cap = (size_t)o.width * (size_t)o.height * 4 + (size_t)o.height + 1;
        char *buf = malloc(cap);
        if (!buf) {
            fprintf(stderr, "tierbench console: out of memory\n");
            goto done;
        }
        long n = cons_frame(&cc, o.view, o.width, o.height, buf, cap, err, sizeof(err));
        fputs(buf, stdout);
        free(buf);
        if (n < 0) {
            fprintf(stderr, "tierbench console: %s\n", err);
            goto done;
        }
        status = 0;
        goto done;
    }
    if (srv) {
        /* Left on the terminal when the console's screen goes away, like serve's first lines. */
        printf("tierbench console: listening on http://%s:%d/ (%u threads, docroot %s)\n",
               scfg.bind_addr, srv_port(srv), scfg.threads, srv_docroot(srv));
        fflush(stdout);
    }
    if (cons_run(&cc, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench console: %s\n", err);
        goto done;
    }
    status = 0;
done:
    if (srv) {
        srv_stop(srv);
        if (!o.frame)
            fprintf(stderr, "tierbench console: stopped\n");
    }
    db_close(store.db);
    cons_log_free(log);
    free(rest);
    return status;
}
