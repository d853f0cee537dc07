/* cli/common.c: what the subcommands share (see cli.h): the common load options, saving a run
 * in the result store (db/db.h) and writing its JSON (reports/reports.h) so the JSON carries the
 * store id, the command-line joiner, the file reader, signals and the progress bar. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "console/console.h"
#include "db/db.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

int cli_common_opt_take(struct cli_common_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char **slot = NULL;
    if (!strcmp(a, "--no-save")) {
        o->save.no_save = true;
        return 1;
    }
    if (!strcmp(a, "--live")) {
        o->live = true;
        return 1;
    }
    /* Accepted so that scripts written for earlier versions keep working: the engine no
     * longer pauses to batch responses, so there is nothing to turn off. */
    if (!strcmp(a, "--no-batch-pause"))
        return 1;
    if (!strcmp(a, "--db"))
        slot = &o->save.db_path;
    else if (!strcmp(a, "--json"))
        slot = &o->save.json_path;
    else if (!strcmp(a, "--label"))
        slot = &o->label;
    else if (!strcmp(a, "--tier"))
        slot = &o->tier;
    else {
        /* --db=PATH forms */
        static const char *const names[] = {"--db=", "--json=", "--label=", "--tier="};
        const char **slots[] = {&o->save.db_path, &o->save.json_path, &o->label, &o->tier};
        for (size_t k = 0; k < 4; k++) {
            size_t n = strlen(names[k]);
            if (!strncmp(a, names[k], n)) {
                *slots[k] = a + n;
                return 1;
            }
        }
        return 0;
    }
    if (*i + 1 >= argc)
        return -1;
    *slot = argv[++*i];
    return 1;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, const char *alt,
                          bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (!strncmp(a, name, n) && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) && (!alt || strcmp(a, alt)))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

const char cli_common_usage[] =
    "  --db FILE          result store (default $TIERBENCH_DB, else\n"
    "                     $XDG_DATA_HOME/tierbench/results.db)\n"
    "  --no-save          do not store the run\n"
    "  --json FILE|-      also write the run as JSON (- for stdout)\n"
    "  --label TEXT       tag the run (e.g. cache-on); --tier NAME tags its tier\n"
    "  --live             show the console's live panel while the run goes (when stdout\n"
    "                     is a terminal); the report prints after it\n";

int cli_common_finish(const struct cli_common_opts *o, struct run_result *r)
{
    if (o->label)
        snprintf(r->label, sizeof(r->label), "%s", o->label);
    if (o->tier)
        snprintf(r->tier, sizeof(r->tier), "%s", o->tier);
    if (o->save.no_save && !o->save.json_path)
        return 0;
    char err[256] = "";
    if (cli_finish(&o->save, r, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "warning: %s\n", err);
    return -1;
}

struct db *cli_store_open(const char *db_path, char *err, size_t errlen)
{
    char path[4096];
    if (db_path && *db_path) {
        snprintf(path, sizeof(path), "%s", db_path);
    } else if (db_default_path(path, sizeof(path)) != 0) {
        snprintf(err, errlen,
                 "no place for the result store: set TIERBENCH_DB, XDG_DATA_HOME or HOME, "
                 "or pass --db FILE");
        return NULL;
    }
    return db_open(path, err, errlen);
}

static int save(const struct cli_save_opts *opts, struct run_result *r, char *err, size_t errlen)
{
    char why[1024];
    struct db *db = cli_store_open(opts->db_path, why, sizeof(why));
    if (!db || db_run_insert(db, r) != 0) {
        snprintf(err, errlen, "run not saved: %s", db ? db_errmsg(db) : why);
        db_close(db);
        return -1;
    }
    fprintf(stderr, "Run %lld saved to %s\n", (long long)r->id, db_path(db));
    db_close(db);
    return 0;
}

static int write_json(const char *json_path, const struct run_result *r, char *err, size_t errlen)
{
    if (!strcmp(json_path, "-")) {
        if (rpt_run_json_write(r, stdout) != 0 || fflush(stdout) != 0) {
            snprintf(err, errlen, "cannot write the JSON result to stdout");
            return -1;
        }
        return 0;
    }
    /* A regular file (or a new one) is written beside it and renamed over it once complete, so
     * a failed write (a full disk) leaves no half document and an earlier file as it was.
     * Anything else (/dev/stdout, a pipe) is written in place. */
    struct stat st;
    bool in_place = stat(json_path, &st) == 0 && !S_ISREG(st.st_mode);
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", json_path, (long)getpid());
    const char *target = in_place ? json_path : tmp;
    FILE *f = fopen(target, "w");
    if (!f) {
        snprintf(err, errlen, "JSON result not written: %s: %s", json_path, strerror(errno));
        return -1;
    }
    int rc = rpt_run_json_write(r, f), why = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        why = errno;
    }
    if (rc == 0 && !in_place && rename(tmp, json_path) != 0) {
        rc = -1;
        why = errno;
    }
    if (rc != 0) {
        if (!in_place)
            unlink(tmp);
        snprintf(err, errlen, "JSON result not written: %s: %s", json_path, strerror(why));
    }
    return rc;
}

int cli_finish(const struct cli_save_opts *opts, struct run_result *r, char *err, size_t errlen)
{
    static const struct cli_save_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    int rc = 0;
    char json_err[512] = "";
    if (!opts->no_save)
        rc = save(opts, r, err, errlen);
    /* The JSON is written even when saving failed: the run's numbers must not be lost. */
    if (opts->json_path && write_json(opts->json_path, r, json_err, sizeof(json_err)) != 0) {
        if (rc == 0)
            snprintf(err, errlen, "%s", json_err);
        rc = -1;
    }
    return rc;
}

/* The command line as typed, with arguments quoted for a POSIX shell when needed. */
char *cli_cmdline_join(int argc, char **argv)
{
    size_t cap = 32;
    for (int i = 0; i < argc; i++)
        cap += strlen(argv[i]) * 4 + 3;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "tierbench");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *p = a; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "-_./:=@,+%",
                        *p))
                plain = false;
        s[len++] = ' ';
        if (plain) {
            len += (size_t)snprintf(s + len, cap - len, "%s", a);
            continue;
        }
        s[len++] = '\'';
        for (const char *p = a; *p; p++) {
            if (*p == '\'') {
                memcpy(s + len, "'\\''", 4);
                len += 4;
            } else {
                s[len++] = *p;
            }
        }
        s[len++] = '\'';
        s[len] = '\0';
    }
    return s;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A signal handler can reach only static storage, so the one terminal rescue of the process
 * lives here, next to the handlers; the console fills it while it has the terminal. */
static struct cons_rescue rescue = {.armed = 0, .tty_fd = -1, .stderr_fd = -1};

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof(crash_signals) / sizeof(crash_signals[0]))
static struct sigaction crash_previous[NCRASH];

/* Puts the terminal back, then lets the signal do what it did before (a core dump, or a
 * sanitizer's report) by restoring the previous action and raising it again. */
static void on_crash(int sig)
{
    cons_rescue_now(&rescue);
    for (size_t i = 0; i < NCRASH; i++)
        if (crash_signals[i] == sig)
            sigaction(sig, &crash_previous[i], NULL);
    raise(sig);
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction ca;
    memset(&ca, 0, sizeof(ca));
    ca.sa_handler = on_crash;
    sigemptyset(&ca.sa_mask);
    ca.sa_flags = SA_NODEFER;
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &ca, &crash_previous[i]);
}

bool cli_interrupted(void)
{
    return stop_requested != 0;
}

struct cons_rescue *cli_rescue(void)
{
    return &rescue;
}

int cli_raise_fd_limit(unsigned connections, unsigned threads, char *err, size_t errlen)
{
    /* A socket per connection and an epoll descriptor per worker thread; stdio, the store, the
     * JSON file and the resolver fit in the reserve. */
    rlim_t need = (rlim_t)connections + threads + CLI_FD_RESERVE;
    rlim_t want = (rlim_t)connections + 256;
    if (want < need)
        want = need;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0; /* cannot tell: run, and let EMFILE show as connect errors */
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need)
        return 0;
    snprintf(err, errlen,
             "%u connections need %llu open files, but the limit is %llu (hard limit %llu): "
             "raise it (ulimit -n %llu) or use fewer connections",
             connections, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
             (unsigned long long)rl.rlim_max, (unsigned long long)need);
    return -1;
}

static bool interrupted_cb(void *arg)
{
    (void)arg;
    return stop_requested != 0;
}

/* The --live panel; false when it cannot be shown (stdout not a terminal, no TERM), and then
 * the run goes on with the usual progress. */
static bool live_up(struct cli_common_opts *common)
{
    if (!common || !common->live)
        return false;
    if (common->live_screen)
        return true;
    if (!isatty(STDOUT_FILENO)) {
        common->live = false; /* off automatically, as promised: not a terminal */
        return false;
    }
    struct cli_screen_opts so;
    cli_screen_opts(false, &so);
    char err[256];
    if (cons_live_open((enum cons_glyphs)so.glyphs, so.color, &rescue, &common->live_screen, err,
                       sizeof(err)) != 0) {
        fprintf(stderr, "warning: --live: %s\n", err);
        common->live = false;
        return false;
    }
    return true;
}

void cli_live_end(struct cli_common_opts *common)
{
    if (common && common->live_screen) {
        cons_live_close(common->live_screen);
        common->live_screen = NULL;
    }
}

int cli_watch(struct lg_run *run, cli_progress_fn *progress, void *arg,
              struct cli_common_opts *common, const char *title, struct run_result *out)
{
    if (live_up(common)) {
        if (cons_live_watch(common->live_screen, run, title, 0, interrupted_cb, NULL) ==
            CONS_LIVE_STOP)
            stop_requested = 1; /* q: the rest of a scenario or sweep stops too, as on Ctrl-C */
        return lg_wait(run, out);
    }
    uint64_t next_us = 0;
    while (!lg_done(run)) {
        /* A signal cuts the sleep short, so Ctrl-C stops the run at once. */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (stop_requested)
            lg_stop(run);
        uint64_t done, elapsed_us;
        lg_progress(run, &done, &elapsed_us);
        if (progress && elapsed_us >= next_us) {
            progress(arg, done, elapsed_us);
            next_us = elapsed_us + 100000;
        }
    }
    return lg_wait(run, out);
}

void cli_bar_init(struct cli_bar *b, uint64_t total_us, uint64_t total_requests)
{
    memset(b, 0, sizeof(*b));
    b->total_us = total_us;
    b->total_requests = total_requests;
    b->enabled = isatty(STDERR_FILENO) == 1;
}

void cli_bar_progress(void *arg, uint64_t requests_done, uint64_t elapsed_us)
{
    struct cli_bar *b = arg;
    if (!b->enabled)
        return;
    double frac = 0;
    if (b->total_us)
        frac = (double)elapsed_us / (double)b->total_us;
    if (b->total_requests) {
        double f2 = (double)requests_done / (double)b->total_requests;
        if (!b->total_us || f2 > frac)
            frac = f2;
    }
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int k = 0; k < 30; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[30] = '\0';
    double el_s = (double)elapsed_us / 1e6;
    double rps = el_s > 0 ? (double)requests_done / el_s : 0;
    if (b->total_us)
        fprintf(stderr, "\r[%s] %10.0f req/s  %6.1fs / %.1fs ", bar, rps, el_s,
                (double)b->total_us / 1e6);
    else
        fprintf(stderr, "\r[%s] %10.0f req/s  %6.1fs  %llu/%llu ", bar, rps, el_s,
                (unsigned long long)requests_done, (unsigned long long)b->total_requests);
    b->drawn = true;
}

void cli_bar_clear(struct cli_bar *b)
{
    if (b->enabled && b->drawn)
        fprintf(stderr, "\r%78s\r", "");
    b->drawn = false;
}
