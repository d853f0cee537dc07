/* cli/runs.c: `tierbench runs`: the stored runs and groups. Lists (filtered, newest first, in
 * any report format), shows one run again in the layout of the tool that made it followed by its
 * per-second timeline, shows a group (a sweep) with its steps, labels and deletes runs, and
 * exports/imports runs with their histograms (reports/run_json.c, runs_import.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/units.h"
#include "db/db.h"
#include "reports/reports.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: tierbench runs [filters] [--format F]   list stored runs, newest first\n"
        "       tierbench runs --groups [--limit N]      list groups (sweeps, comparisons)\n"
        "       tierbench runs show ID|g:ID              a run in its tool's layout, or a group\n"
        "       tierbench runs label ID TEXT             set a run's label\n"
        "       tierbench runs delete ID... [--yes]      delete runs (asks on a terminal)\n"
        "       tierbench runs export ID|g:ID... > F     runs with their histograms, as JSON\n"
        "       tierbench runs import FILE               add exported runs to this store\n"
        "\n"
        "filters: --label TEXT  --tier NAME  --tool ab|wrk|run|sweep  --group ID\n"
        "         --since WHEN (2026-12-01, 2026-12-01T10:00, or an age: 90m, 24h)\n"
        "         --limit N (default 50; 0: all)\n"
        "--format text|md|csv|json (default text)   --db FILE (default $TIERBENCH_DB, else\n"
        "         $XDG_DATA_HOME/tierbench/results.db)\n");
}

struct runs_opts {
    const char *db_path;
    struct db_run_filter filter;
    enum rpt_format format;
    bool groups, yes;
    char *args[64]; /* positional arguments after the verb */
    size_t nargs;
};

/* "2026-12-01", "2026-12-01T10:00[:SS]" (UTC), or an age ("90m", "24h") before now. */
static int parse_since(const char *s, double *out)
{
    uint64_t age_us;
    if (units_duration_parse(s, 0, &age_us) == 0) {
        *out = (double)time(NULL) - (double)age_us / 1e6;
        return 0;
    }
    static const char *const forms[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                                        "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = strptime(s, forms[i], &tm);
        if (end && !*end) {
            *out = (double)timegm(&tm);
            return 0;
        }
    }
    return -1;
}

static int parse_args(int argc, char **argv, int first, struct runs_opts *o)
{
    o->filter.limit = 50;
    o->format = RPT_TEXT;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        uint64_t n;
        if ((v = cli_opt_value(argc, argv, &i, "--db", NULL, &missing))) {
            o->db_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--label", NULL, &missing))) {
            o->filter.label = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--tier", NULL, &missing))) {
            o->filter.tier = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--tool", NULL, &missing))) {
            o->filter.tool = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--group", NULL, &missing))) {
            if (units_si_parse(v[0] == 'g' && v[1] == ':' ? v + 2 : v, &n) != 0 || n == 0) {
                fprintf(stderr, "tierbench runs: --group: expected a group id like 3 or g:3\n");
                return -1;
            }
            o->filter.group_id = (int64_t)n;
        } else if ((v = cli_opt_value(argc, argv, &i, "--since", NULL, &missing))) {
            if (parse_since(v, &o->filter.since_unix_s) != 0) {
                fprintf(stderr,
                        "tierbench runs: --since %s: expected a date (2026-12-01, "
                        "2026-12-01T10:00) or an age (90m, 24h)\n",
                        v);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--limit", NULL, &missing))) {
            if (units_si_parse(v, &n) != 0) {
                fprintf(stderr, "tierbench runs: --limit %s: expected a number\n", v);
                return -1;
            }
            o->filter.limit = (size_t)n;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format", NULL, &missing))) {
            if (rpt_format_parse(v, &o->format) != 0 || o->format == RPT_HTML) {
                fprintf(stderr, "tierbench runs: --format %s: expected text, md, csv or json\n", v);
                return -1;
            }
        } else if (missing) {
            fprintf(stderr, "tierbench runs: %s needs a value\n", a);
            return -1;
        } else if (!strcmp(a, "--groups")) {
            o->groups = true;
        } else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) {
            o->yes = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench runs: unknown option %s (try tierbench runs --help)\n", a);
            return -1;
        } else if (o->nargs < sizeof(o->args) / sizeof(o->args[0])) {
            o->args[o->nargs++] = argv[i];
        } else {
            fprintf(stderr, "tierbench runs: too many arguments\n");
            return -1;
        }
    }
    return 0;
}

/* A run id "12", or a group "g:3" (*group set). */
static int parse_id(const char *s, int64_t *id, bool *group)
{
    uint64_t n;
    *group = s[0] == 'g' && s[1] == ':';
    const char *num = *group ? s + 2 : s;
    if (units_si_parse(num, &n) != 0 || n == 0 || strpbrk(num, ".kKmMgG"))
        return -1;
    *id = (int64_t)n;
    return 0;
}

static void when_local(double unix_s, char *buf, size_t len)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    else
        snprintf(buf, len, "?");
}

/* "12-03 09:11": a listing's time, short enough for 80 columns. */
static void when_short(double unix_s, char *buf, size_t len)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(buf, len, "%m-%d %H:%M", &tm);
    else
        snprintf(buf, len, "?");
}

/* "/api/health" from a URL (the host is nearly always the same; runs show names it), cut to fit
 * a column. */
static void short_target(const char *url, char *buf, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p = strchr(p, '/') ? strchr(p, '/') : "/";
    size_t n = strlen(p);
    if (n < len)
        snprintf(buf, len, "%s", p);
    else
        snprintf(buf, len, "%.*s~", (int)(len - 2), p);
}

static int runs_table(const struct db_run_summary *rows, size_t n, const char *title,
                      struct rpt_table *t)
{
    static const char *const cols[] = {"ID|id|r",      "Time|start_unix_s", "Tool|tool",
                                       "Path|target",  "Label|label",       "Req/s|rps|r",
                                       "p50|p50_ms|r", "p99|p99_ms|r",      "Errors|errors|r"};
    if (rpt_table_init(t, "runs", title, cols, sizeof(cols) / sizeof(cols[0])) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct db_run_summary *s = &rows[i];
        struct rpt_cell *c = rpt_table_row(t);
        if (!c)
            return -1;
        char when[32], target[16], label[200];
        when_short(s->start_unix_s, when, sizeof(when));
        short_target(s->target, target, sizeof(target));
        snprintf(label, sizeof(label), "%.10s%s%.10s", s->label,
                 s->label[0] && s->tier[0] ? "/" : "", s->tier);
        rpt_cell_set(&c[0], (double)s->id, "%lld", (long long)s->id);
        rpt_cell_set(&c[1], s->start_unix_s, "%s", when);
        rpt_cell_set(&c[2], NAN, "%s", s->tool);
        rpt_cell_set(&c[3], NAN, "%s", target);
        rpt_cell_set(&c[4], NAN, "%s", label);
        rpt_cell_set(&c[5], s->rps, "%.0f", s->rps);
        rpt_cell_set(&c[6], (double)s->p50_us / 1e3, "%.2f", (double)s->p50_us / 1e3);
        rpt_cell_set(&c[7], (double)s->p99_us / 1e3, "%.2f", (double)s->p99_us / 1e3);
        rpt_cell_set(&c[8], (double)s->errors, "%llu", (unsigned long long)s->errors);
    }
    if (n == 0)
        rpt_table_note(t, "no runs match");
    return 0;
}

static int list_runs(struct db *db, const struct runs_opts *o)
{
    struct db_run_summary *rows;
    size_t n;
    if (db_run_list(db, &o->filter, &rows, &n) != 0) {
        fprintf(stderr, "tierbench runs: %s\n", db_errmsg(db));
        return 1;
    }
    struct rpt_table t;
    int rc = runs_table(rows, n, "Runs, newest first", &t);
    if (rc == 0)
        rpt_table_note(&t, "latencies in ms; tierbench runs show ID prints a run in full");
    if (rc == 0 && o->filter.limit && n == o->filter.limit)
        rpt_table_note(&t, "the newest %zu shown; --limit 0 shows all", n);
    if (rc == 0)
        rc = rpt_tables_write(stdout, o->format, &t, 1);
    rpt_table_free(&t);
    free(rows);
    return rc == 0 ? 0 : 1;
}

static int list_groups(struct db *db, const struct runs_opts *o)
{
    struct db_group_summary *gs;
    size_t n;
    if (db_group_list(db, NULL, o->filter.limit, &gs, &n) != 0) {
        fprintf(stderr, "tierbench runs: %s\n", db_errmsg(db));
        return 1;
    }
    static const char *const cols[] = {"Group|group", "Kind|kind", "Created|created_unix_s",
                                       "Runs|runs|r", "Name|name"};
    struct rpt_table t;
    int rc = rpt_table_init(&t, "groups", "Groups, newest first", cols, 5);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct rpt_cell *c = rpt_table_row(&t);
        if (!c) {
            rc = -1;
            break;
        }
        char when[32];
        when_local(gs[i].group.created_unix_s, when, sizeof(when));
        rpt_cell_set(&c[0], (double)gs[i].group.id, "g:%lld", (long long)gs[i].group.id);
        rpt_cell_set(&c[1], NAN, "%s", gs[i].group.kind);
        rpt_cell_set(&c[2], gs[i].group.created_unix_s, "%s", when);
        rpt_cell_set(&c[3], (double)gs[i].runs, "%zu", gs[i].runs);
        rpt_cell_set(&c[4], NAN, "%.40s%s", gs[i].group.name,
                     strlen(gs[i].group.name) > 40 ? "~" : "");
    }
    if (rc == 0 && n == 0)
        rpt_table_note(&t, "no groups yet (tierbench sweep makes one)");
    if (rc == 0)
        rc = rpt_tables_write(stdout, o->format, &t, 1);
    rpt_table_free(&t);
    free(gs);
    return rc == 0 ? 0 : 1;
}

/* The per-second timeline of a run. */
static int timeline_table(const struct run_result *r, struct rpt_table *t)
{
    static const char *const cols[] = {"Second|second|r", "Covered|duration_s|r", "Req/s|rps|r",
                                       "Errors|errors|r", "p50 ms|p50_ms|r",      "p90 ms|p90_ms|r",
                                       "p99 ms|p99_ms|r", "Max ms|max_ms|r"};
    if (rpt_table_init(t, "timeline", "Per second", cols, 8) != 0)
        return -1;
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct run_second *s = &r->timeline[i];
        struct rpt_cell *c = rpt_table_row(t);
        if (!c)
            return -1;
        double dur = (double)s->duration_us / 1e6;
        double rps = dur > 0 ? (double)s->requests / dur : 0;
        rpt_cell_set(&c[0], (double)(s->unix_s - r->timeline[0].unix_s), "%lld",
                     (long long)(s->unix_s - r->timeline[0].unix_s));
        rpt_cell_set(&c[1], dur, "%.3fs", dur);
        rpt_cell_set(&c[2], rps, "%.0f", rps);
        rpt_cell_set(&c[3], (double)s->errors, "%llu", (unsigned long long)s->errors);
        rpt_cell_set(&c[4], (double)s->p50_us / 1e3, "%.2f", (double)s->p50_us / 1e3);
        rpt_cell_set(&c[5], (double)s->p90_us / 1e3, "%.2f", (double)s->p90_us / 1e3);
        rpt_cell_set(&c[6], (double)s->p99_us / 1e3, "%.2f", (double)s->p99_us / 1e3);
        rpt_cell_set(&c[7], (double)s->max_us / 1e3, "%.2f", (double)s->max_us / 1e3);
    }
    rpt_table_note(t, "Second 0 is the wall-clock second the run started in; Covered is how much "
                      "of each second the run ran (the first and last are partial)");
    return 0;
}

static int show_run(struct db *db, int64_t id, const struct runs_opts *o)
{
    struct run_result r;
    int rc = db_run_load(db, id, &r);
    if (rc != 0) {
        if (rc > 0)
            fprintf(stderr, "tierbench runs: no run %lld in %s\n", (long long)id, db_path(db));
        else
            fprintf(stderr, "tierbench runs: %s\n", db_errmsg(db));
        return 1;
    }
    if (o->format == RPT_TEXT) {
        char when[32];
        when_local(r.start_unix_s, when, sizeof(when));
        printf("Run %lld: %s on the %s engine, %s", (long long)r.id, r.tool, r.engine, when);
        if (r.label[0])
            printf(", label %s", r.label);
        if (r.tier[0])
            printf(", tier %s", r.tier);
        printf("\n");
        if (r.cmdline)
            printf("$ %s\n", r.cmdline);
        printf("\n");
        if (!strcmp(r.tool, "wrk"))
            cli_wrk_show(stdout, &r);
        else if (!strcmp(r.tool, "ab"))
            cli_ab_show(stdout, &r);
        else
            cli_run_show(stdout, &r);
        printf("\n");
    }
    struct rpt_table t;
    rc = timeline_table(&r, &t);
    if (rc == 0)
        rc = rpt_tables_write(stdout, o->format, &t, 1);
    rpt_table_free(&t);
    run_result_free(&r);
    return rc == 0 ? 0 : 1;
}

static int show_group(struct db *db, int64_t id, const struct runs_opts *o)
{
    struct db_group g;
    int rc = db_group_get(db, id, &g);
    if (rc != 0) {
        fprintf(stderr, "tierbench runs: %s\n",
                rc > 0 ? "no such group (tierbench runs --groups lists them)" : db_errmsg(db));
        return 1;
    }
    struct db_run_filter f = {.group_id = id, .oldest_first = true};
    struct db_run_summary *rows;
    size_t n;
    if (db_run_list(db, &f, &rows, &n) != 0) {
        fprintf(stderr, "tierbench runs: %s\n", db_errmsg(db));
        return 1;
    }
    char title[400];
    snprintf(title, sizeof(title), "Group g:%lld (%s): %s", (long long)g.id, g.kind, g.name);
    struct rpt_table t;
    rc = runs_table(rows, n, title, &t);
    if (rc == 0)
        rc = rpt_tables_write(stdout, o->format, &t, 1);
    rpt_table_free(&t);
    free(rows);
    return rc == 0 ? 0 : 1;
}

static int label_run(struct db *db, const struct runs_opts *o)
{
    int64_t id;
    bool group;
    if (o->nargs != 3 || parse_id(o->args[1], &id, &group) != 0 || group) {
        fprintf(stderr, "tierbench runs: usage: tierbench runs label ID TEXT\n");
        return 2;
    }
    int rc = db_run_set_label(db, id, o->args[2]);
    if (rc != 0) {
        fprintf(stderr, "tierbench runs: %s\n", rc > 0 ? "no such run" : db_errmsg(db));
        return 1;
    }
    printf("Run %lld labelled \"%s\"\n", (long long)id, o->args[2]);
    return 0;
}

static int delete_runs(struct db *db, const struct runs_opts *o)
{
    if (o->nargs < 2) {
        fprintf(stderr, "tierbench runs: usage: tierbench runs delete ID... [--yes]\n");
        return 2;
    }
    int64_t ids[64];
    for (size_t i = 1; i < o->nargs; i++) {
        bool group;
        if (parse_id(o->args[i], &ids[i - 1], &group) != 0 || group) {
            fprintf(stderr, "tierbench runs: delete: %s is not a run id\n", o->args[i]);
            return 2;
        }
    }
    size_t n = o->nargs - 1;
    if (!o->yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr, "tierbench runs: delete: not a terminal to ask on; add --yes\n");
            return 2;
        }
        fprintf(stderr, "Delete %zu run%s from %s? [y/N] ", n, n == 1 ? "" : "s", db_path(db));
        char answer[16] = "";
        if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
            fprintf(stderr, "Nothing deleted.\n");
            return 1;
        }
    }
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = db_run_delete(db, ids[i]);
        if (rc == 0) {
            printf("Run %lld deleted\n", (long long)ids[i]);
        } else {
            fprintf(stderr, "tierbench runs: run %lld: %s\n", (long long)ids[i],
                    rc > 0 ? "no such run" : db_errmsg(db));
            status = 1;
        }
    }
    return status;
}

static int export_runs(struct db *db, const struct runs_opts *o)
{
    struct run_result *runs = NULL;
    size_t n = 0, cap = 0;
    int status = 1;
    if (o->nargs < 2) {
        fprintf(stderr, "tierbench runs: usage: tierbench runs export ID|g:ID... > FILE\n");
        return 2;
    }
    for (size_t i = 1; i < o->nargs; i++) {
        int64_t id;
        bool group;
        if (parse_id(o->args[i], &id, &group) != 0) {
            fprintf(stderr, "tierbench runs: export: %s is not a run id or g:GROUP\n", o->args[i]);
            status = 2;
            goto done;
        }
        struct db_run_summary *rows = NULL;
        size_t nrows = 1;
        if (group) {
            struct db_run_filter f = {.group_id = id, .oldest_first = true};
            if (db_run_list(db, &f, &rows, &nrows) != 0) {
                fprintf(stderr, "tierbench runs: %s\n", db_errmsg(db));
                goto done;
            }
        }
        for (size_t k = 0; k < nrows; k++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct run_result *t = realloc(runs, cap * sizeof(*t));
                if (!t) {
                    free(rows);
                    goto done;
                }
                runs = t;
            }
            int rc = db_run_load(db, group ? rows[k].id : id, &runs[n]);
            if (rc != 0) {
                fprintf(stderr, "tierbench runs: run %lld: %s\n",
                        (long long)(group ? rows[k].id : id),
                        rc > 0 ? "no such run" : db_errmsg(db));
                free(rows);
                goto done;
            }
            n++;
        }
        free(rows);
    }
    if (rpt_runs_export(runs, n, stdout) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "tierbench runs: export: cannot write: %s\n", strerror(errno));
        goto done;
    }
    fprintf(stderr, "%zu run%s exported\n", n, n == 1 ? "" : "s");
    status = 0;
done:
    for (size_t i = 0; i < n; i++)
        run_result_free(&runs[i]);
    free(runs);
    return status;
}

static int import_runs(struct db *db, const struct runs_opts *o)
{
    if (o->nargs != 2) {
        fprintf(stderr, "tierbench runs: usage: tierbench runs import FILE\n");
        return 2;
    }
    char err[512];
    size_t len;
    char *text = file_read(o->args[1], 0, &len, err, sizeof(err));
    if (!text) {
        fprintf(stderr, "tierbench runs: import: %s\n", err);
        return 1;
    }
    struct run_result *runs;
    size_t n;
    int rc = rpt_runs_import(text, &runs, &n, err, sizeof(err));
    free(text);
    if (rc != 0) {
        fprintf(stderr, "tierbench runs: import: %s: %s\n", o->args[1], err);
        return 2;
    }
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        if (status == 0 && db_run_insert(db, &runs[i]) != 0) {
            fprintf(stderr, "tierbench runs: import: %s\n", db_errmsg(db));
            status = 1;
        } else if (status == 0) {
            printf("Imported run %lld (%s, %s)\n", (long long)runs[i].id, runs[i].tool,
                   runs[i].label[0] ? runs[i].label : "no label");
        }
        run_result_free(&runs[i]);
    }
    free(runs);
    return status;
}

int cli_runs(int argc, char **argv)
{
    struct runs_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, 1, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[512];
    struct db *db = cli_store_open(o.db_path, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "tierbench runs: %s\n", err);
        return 1;
    }
    const char *verb = o.nargs ? o.args[0] : NULL;
    int status;
    if (!verb)
        status = o.groups ? list_groups(db, &o) : list_runs(db, &o);
    else if (!strcmp(verb, "show") && o.nargs == 2) {
        int64_t id;
        bool group;
        if (parse_id(o.args[1], &id, &group) != 0) {
            fprintf(stderr, "tierbench runs: show: %s is not a run id or g:GROUP\n", o.args[1]);
            status = 2;
        } else {
            status = group ? show_group(db, id, &o) : show_run(db, id, &o);
        }
    } else if (!strcmp(verb, "label"))
        status = label_run(db, &o);
    else if (!strcmp(verb, "delete"))
        status = delete_runs(db, &o);
    else if (!strcmp(verb, "export"))
        status = export_runs(db, &o);
    else if (!strcmp(verb, "import"))
        status = import_runs(db, &o);
    else {
        fprintf(stderr, "tierbench runs: unknown command '%s' (try tierbench runs --help)\n", verb);
        status = 2;
    }
    db_close(db);
    return status;
}
