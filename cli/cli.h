/* cli/cli.h: the subcommands and what they share. cli/ is the only code that parses argv,
 * combines the engines, the result store and the formatters, prints, exits and installs signal
 * handlers; every other part returns data. One file per subcommand (serve.c, ab.c, wrk.c,
 * run.c); common.c holds the shared pieces: the options every load command takes, saving a
 * run, the command-line joiner, the progress bar, signals and watching a run. */
#ifndef TB_CLI_H
#define TB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/run.h"

struct db;
struct metric_threshold;
struct rpt_point;
struct rpt_capacity;
struct rpt_table;

/* Subcommands, called by main.c with argv[0] = the subcommand name. Return the exit status. */
int cli_serve(int argc, char **argv);
int cli_ab(int argc, char **argv);
int cli_wrk(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_runs(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_capacity(int argc, char **argv);
int cli_tier(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_console(int argc, char **argv);

/* The server's flags, shared by `serve` and `console` (serve.c). */
struct srv_config;
/* srv_config_default, plus the admin token from $TIERBENCH_ADMIN_TOKEN. */
void cli_serve_config_default(struct srv_config *cfg);
/* Parses argv[1..argc-1] as serve flags into cfg (strings borrowed from argv). cmd names the
 * command in the one-line messages ("tierbench console: --port x: ..."). Returns 0, or -1 after
 * printing why. */
int cli_serve_parse(const char *cmd, int argc, char **argv, struct srv_config *cfg);
/* The flag lines of the usage text. */
void cli_serve_flags_usage(FILE *out);

/* What `tierbench tier --users USERS` prints (the other options at their defaults), from the
 * store db, into text (cut to cap): the console's tier view. Returns 0, or -1 with the one-line
 * reason in text. */
int cli_tier_users_text(struct db *db, double users, char *text, size_t cap);

/* A price table: "naver" (default when NULL), "aws", or a JSON file. 0, or -1 with err. */
struct rpt_prices;
int cli_prices_load(const char *spec, struct rpt_prices *p, char *err, size_t errlen);

/* An SLO: a latency percentile bounded from above ("p99<100ms"). 0, or -1 with err. */
int cli_slo_parse(const char *text, struct metric_threshold *out, char *err, size_t errlen);

/* The points of a sweep group (spec "g:3", or NULL for the latest sweep), latency at the given
 * percentile, one per step in the order they ran; *group gets the group used. *pts is
 * malloc'd. Returns 0, or -1 with one line in err ("no sweep in PATH yet: run ..."). */
int cli_group_points(struct db *db, const char *spec, double percentile, struct rpt_point **pts,
                     size_t *n, int64_t *group, char *err, size_t errlen);

/* Print a stored run again in the layout of the tool that made it (what `runs show` does): the
 * same lines the command printed to stdout, from the run and its stored configuration.
 * Return 0, or -1 when the run's target or configuration cannot be read. */
int cli_ab_show(FILE *f, const struct run_result *r);
int cli_wrk_show(FILE *f, const struct run_result *r);
int cli_run_show(FILE *f, const struct run_result *r);

/* What happens to a finished run. */
struct cli_save_opts {
    const char *db_path;   /* NULL: $TIERBENCH_DB, else $XDG_DATA_HOME/tierbench/results.db */
    const char *json_path; /* NULL: none; "-": stdout */
    bool no_save;
};

/* The options every load command (ab, wrk, run) takes. */
struct cons_live;
struct cli_common_opts {
    struct cli_save_opts save;
    const char *label;             /* --label */
    const char *tier;              /* --tier */
    bool live;                     /* --live: the console's client panel while the run goes */
    struct cons_live *live_screen; /* open while --live shows a run (cli_watch, cli_live_end) */
};
/* Consumes one common option at argv[*i] ("--db PATH" or "--db=PATH", ...). Returns 1 when it
 * was one (advancing *i past its value), 0 when not, -1 when its value is missing. */
int cli_common_opt_take(struct cli_common_opts *o, int argc, char **argv, int *i);
/* The value of option `name` (or its short form `alt`, NULL for none) at argv[*i]: "--x V" or
 * "--x=V", advancing *i past it. NULL when argv[*i] is another option; NULL with *missing set
 * when it is this option but its value is missing. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, const char *alt,
                          bool *missing);
/* The common options' lines of a usage text. */
extern const char cli_common_usage[];

/* Saves r in the result store (unless no_save), sets r->id, then writes the JSON form when asked
 * (even when saving failed: the numbers must not be lost), and prints "Run N saved to PATH" on
 * stderr. Returns 0, or -1 with one line in err: "run not saved: PATH: ..." or "JSON result not
 * written: FILE: No space left on device" (the store's failure when both failed). A JSON file is
 * written beside FILE and renamed over it, so a failed write leaves an earlier FILE untouched. */
int cli_finish(const struct cli_save_opts *opts, struct run_result *r, char *err, size_t errlen);
/* Copies label and tier into r and calls cli_finish; a failure is a warning on stderr. Returns
 * 0, or -1 when the run could not be saved or written. */
int cli_common_finish(const struct cli_common_opts *o, struct run_result *r);

/* Opens the result store: db_path, else $TIERBENCH_DB, else the XDG default. NULL with one
 * line in err. */
struct db *cli_store_open(const char *db_path, char *err, size_t errlen);

/* "tierbench ARGV..." with arguments quoted for a POSIX shell where needed (argv[0] is the
 * subcommand). A new string owned by the caller; NULL when out of memory. */
char *cli_cmdline_join(int argc, char **argv);

/* SIGINT and SIGTERM stop the running load test (its report still prints); SIGPIPE is
 * ignored; SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT put the terminal back (when the console
 * or --live has it) and then take their usual course. cli_interrupted tells whether SIGINT or
 * SIGTERM came. */
void cli_signals_install(void);
bool cli_interrupted(void);
/* The terminal rescue those handlers use (console/console.h); hand it to the console. */
struct cons_rescue *cli_rescue(void);
/* Whether the console may use colours (no NO_COLOR) and which glyphs (UTF-8 or not, --ascii)
 * for the terminal on stdout. Sets LC_CTYPE from the environment. */
struct cli_screen_opts {
    bool color;
    int glyphs; /* enum cons_glyphs */
};
void cli_screen_opts(bool force_ascii, struct cli_screen_opts *out);

/* Thousands of connections need thousands of descriptors: raises the soft RLIMIT_NOFILE toward
 * connections + 256 (at most the hard limit). When even connections + threads + CLI_FD_RESERVE
 * cannot be had, returns -1 with one line in err ("5000 connections need 5034 open files, but
 * the limit is 1024 (hard limit 1024): raise it (ulimit -n 5034) or use fewer connections"):
 * the commands refuse to start rather than run with most connections failing on EMFILE. */
#define CLI_FD_RESERVE 32
int cli_raise_fd_limit(unsigned connections, unsigned threads, char *err, size_t errlen);

/* Called about every 100 ms while a run goes, on the command's thread. */
typedef void cli_progress_fn(void *arg, uint64_t requests_done, uint64_t elapsed_us);

/* Watches a started run until it ends: progress every 100 ms, lg_stop on SIGINT/SIGTERM (after
 * cli_signals_install), then lg_wait into *out. Returns lg_wait's status. With common->live
 * and stdout a terminal, the console's client panel shows the run instead of progress (titled
 * title), and stays up for the next run (a scenario's stages) until cli_live_end; q there stops
 * the run as SIGINT does. common may be NULL. */
struct lg_run;
int cli_watch(struct lg_run *run, cli_progress_fn *progress, void *arg,
              struct cli_common_opts *common, const char *title, struct run_result *out);
/* Takes the --live panel down (if up), so the report prints on the terminal as usual; what
 * reached stderr meanwhile comes out first. Call before printing the report. */
void cli_live_end(struct cli_common_opts *common);

/* A progress bar on stderr, drawn only when stderr is a terminal. */
struct cli_bar {
    uint64_t total_us;       /* 0: unknown */
    uint64_t total_requests; /* 0: unknown */
    bool enabled;
    bool drawn;
};
void cli_bar_init(struct cli_bar *b, uint64_t total_us, uint64_t total_requests);
/* A cli_progress_fn: arg is a struct cli_bar. */
void cli_bar_progress(void *arg, uint64_t requests_done, uint64_t elapsed_us);
void cli_bar_clear(struct cli_bar *b);

#endif
