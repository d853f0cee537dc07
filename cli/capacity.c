/* cli/capacity.c: `tierbench capacity`: what a sweep says about capacity (reports/capacity.c):
 * the highest throughput within the SLO, the knee, a Universal Scalability Law fit, the
 * utilization-law bound from the server's CPU time per request, and the users that supports by
 * Little's law. Points come from a stored sweep group (the latest by default) or from a file
 * measured elsewhere (--points). Also cli_group_points, which `tier` uses too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/units.h"
#include "db/db.h"
#include "reports/reports.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: tierbench capacity [g:GROUP] [options]\n"
               "       tierbench capacity --points FILE [options]\n"
               "\n"
               "What a sweep (tierbench sweep) says about capacity: the highest throughput that\n"
               "meets the SLO, the knee of the latency curve, a Universal Scalability Law fit,\n"
               "the utilization-law bound, and the users that supports (Little's law).\n"
               "\n"
               "  g:GROUP           the sweep to read (default: the latest sweep in the store)\n"
               "  --points FILE     points measured elsewhere: TSV/CSV with a header naming\n"
               "                    concurrency, throughput and optionally a latency column\n"
               "  --slo SLO         e.g. 'p99<100ms' (default: judge errors only)\n"
               "  --max-errors PCT  a point with more failed requests fails (default 1%%)\n"
               "  --think-time T    a user's pause between requests, for Little's law (e.g. 5s)\n"
               "  --cores N         the server's cores, for the utilization bound (default: this\n"
               "                    machine's, when the sweep recorded server CPU)\n"
               "  --format F        text, md, csv, json or html (default text)\n"
               "  -o FILE           write there instead of stdout\n"
               "  --db FILE         result store\n");
}

struct cap_opts {
    const char *db_path, *points, *group, *out_path;
    struct rpt_capacity_opts copts;
    enum rpt_format format;
    bool cores_given;
};

int cli_slo_parse(const char *text, struct metric_threshold *out, char *err, size_t errlen)
{
    if (metric_threshold_parse(text, out, err, errlen) != 0)
        return -1;
    if (metric_percentile(out->metric) < 0 || (out->cmp != METRIC_LT && out->cmp != METRIC_LE)) {
        snprintf(err, errlen, "an SLO bounds a latency percentile from above, like 'p99<100ms'");
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct cap_opts *o)
{
    rpt_capacity_opts_init(&o->copts);
    o->format = RPT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        char err[256] = "";
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", NULL, &missing))) {
            o->db_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--points", NULL, &missing))) {
            o->points = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "-o", NULL, &missing))) {
            o->out_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--slo", NULL, &missing))) {
            if (cli_slo_parse(v, &o->copts.slo, err, sizeof(err)) != 0) {
                fprintf(stderr, "tierbench capacity: --slo %s: %s\n", v, err);
                return -1;
            }
            o->copts.has_slo = true;
        } else if ((v = cli_opt_value(argc, argv, &i, "--max-errors", NULL, &missing))) {
            char *end;
            double pct = strtod(v, &end);
            if (end == v || (*end && strcmp(end, "%")) || !(pct >= 0 && pct <= 100)) {
                fprintf(stderr, "tierbench capacity: --max-errors %s: expected a percentage\n", v);
                return -1;
            }
            o->copts.max_error_rate = pct / 100;
        } else if ((v = cli_opt_value(argc, argv, &i, "--think-time", NULL, &missing))) {
            uint64_t us;
            if (units_duration_parse(v, 1000000, &us) != 0) {
                fprintf(stderr, "tierbench capacity: --think-time %s: expected a duration\n", v);
                return -1;
            }
            o->copts.think_time_s = (double)us / 1e6;
        } else if ((v = cli_opt_value(argc, argv, &i, "--cores", NULL, &missing))) {
            char *end;
            double c = strtod(v, &end);
            if (end == v || *end || !(c > 0 && c <= 4096)) {
                fprintf(stderr, "tierbench capacity: --cores %s: expected a number of cores\n", v);
                return -1;
            }
            o->copts.cores = c;
            o->cores_given = true;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format", NULL, &missing))) {
            if (rpt_format_parse(v, &o->format) != 0) {
                fprintf(stderr,
                        "tierbench capacity: --format %s: expected text, md, csv, json "
                        "or html\n",
                        v);
                return -1;
            }
        } else if (missing) {
            fprintf(stderr, "tierbench capacity: %s needs a value\n", a);
            return -1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench capacity: unknown option %s (try --help)\n", a);
            return -1;
        } else if (!o->group) {
            o->group = a;
        } else {
            fprintf(stderr, "tierbench capacity: one group at a time (got %s and %s)\n", o->group,
                    a);
            return -1;
        }
    }
    if (o->points && o->group) {
        fprintf(stderr, "tierbench capacity: either a group or --points, not both\n");
        return -1;
    }
    return 0;
}

/* The latency a summary row holds at percentile p (the store keeps these columns). */
static double summary_latency_us(const struct db_run_summary *s, double p)
{
    if (p >= 99.9)
        return (double)s->p999_us;
    if (p >= 99)
        return (double)s->p99_us;
    if (p >= 90)
        return (double)s->p90_us;
    if (p >= 75)
        return (double)s->p75_us;
    return (double)s->p50_us;
}

int cli_group_points(struct db *db, const char *spec, double percentile, struct rpt_point **pts,
                     size_t *n, int64_t *group, char *err, size_t errlen)
{
    *pts = NULL;
    *n = 0;
    *group = 0;
    if (spec) {
        uint64_t id;
        const char *num = spec[0] == 'g' && spec[1] == ':' ? spec + 2 : spec;
        if (units_si_parse(num, &id) != 0 || id == 0 || strpbrk(num, ".kKmMgG")) {
            snprintf(err, errlen, "%s: expected a group like g:3", spec);
            return -1;
        }
        *group = (int64_t)id;
    } else {
        struct db_group_summary *gs;
        size_t ng;
        if (db_group_list(db, "sweep", 1, &gs, &ng) != 0) {
            snprintf(err, errlen, "%s", db_errmsg(db));
            return -1;
        }
        if (ng)
            *group = gs[0].group.id;
        free(gs);
        if (!ng) {
            snprintf(err, errlen, "no sweep in %s yet: run tierbench sweep URL first", db_path(db));
            return -1;
        }
    }
    struct db_run_filter f = {.group_id = *group, .oldest_first = true};
    struct db_run_summary *rows;
    size_t nrows;
    if (db_run_list(db, &f, &rows, &nrows) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(db));
        return -1;
    }
    if (nrows == 0) {
        snprintf(err, errlen, "group g:%lld has no runs", (long long)*group);
        free(rows);
        return -1;
    }
    *pts = calloc(nrows, sizeof(**pts));
    if (!*pts) {
        free(rows);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nrows; i++) {
        const struct db_run_summary *s = &rows[i];
        struct rpt_point *p = &(*pts)[i];
        uint64_t attempts = s->requests + s->errors - s->status_errors;
        p->rate_rps = s->rate_rps;
        p->throughput_rps = s->rps;
        /* Open loop: the concurrency the server saw is X R (Little's law on the client). */
        p->concurrency = s->rate_rps > 0 ? s->rps * s->mean_us / 1e6 : (double)s->connections;
        p->latency_us = s->requests ? summary_latency_us(s, percentile) : NAN;
        p->error_rate = attempts ? (double)s->errors / (double)attempts : 0;
        p->server_cpu_us_per_req =
            s->server_requests ? s->server_cpu_s * 1e6 / (double)s->server_requests : NAN;
    }
    *n = nrows;
    free(rows);
    return 0;
}

/* The capacity page: the tables, throughput against concurrency with the USL curve (not read
 * past 2x the largest measured N), and the SLO percentile against concurrency with the SLO. */
static int capacity_html(FILE *out, const char *source, const struct rpt_point *pts, size_t n,
                         const struct rpt_capacity *cap, const struct rpt_capacity_opts *o,
                         const struct rpt_table *t, size_t nt, const struct run_result *runs,
                         size_t nruns)
{
    char title[1300];
    snprintf(title, sizeof(title), "Capacity (%s)", source);
    struct rpt_html *p = rpt_html_begin(out, title);
    if (!p)
        return 1;
    rpt_html_tables(p, t, nt);
    enum { CURVE = 120 };
    double cn[CURVE], cx[CURVE];
    size_t ncurve = 0;
    if (cap->usl.ok) {
        double lo = INFINITY;
        for (size_t i = 0; i < n; i++)
            lo = pts[i].concurrency < lo ? pts[i].concurrency : lo;
        double hi = cap->usl_forecast_max_n;
        for (size_t i = 0; i < CURVE && lo < hi; i++, ncurve++) {
            cn[i] = lo + (hi - lo) * (double)i / (CURVE - 1);
            cx[i] = rpt_usl_x(&cap->usl, cn[i]);
        }
    }
    rpt_html_chart_throughput(p, pts, n, cn, cx, ncurve, "USL fit");
    double slo_us = o->has_slo ? o->slo.limit * 1000 : NAN;
    bool closed = nruns > 0;
    for (size_t i = 0; i < nruns; i++)
        closed &= runs[i].rate_rps == 0;
    if (closed) {
        /* A closed-loop sweep's runs: p50, p90 and p99 from each step's histogram. */
        char label[160];
        snprintf(label, sizeof(label), "SLO %s", o->has_slo ? o->slo.text : "");
        rpt_html_chart_latency(p, runs, nruns, slo_us, label);
        return rpt_html_end(p) == 0 ? 0 : 1;
    }
    /* Points from a file, or an open-loop sweep (x: the concurrency X R): the SLO's
     * percentile, which is what the points carry. */
    struct rpt_chart c;
    double pct = o->has_slo ? metric_percentile(o->slo.metric) : 99;
    double xs[256], ys[256];
    size_t m = 0;
    double top = 0;
    for (size_t i = 0; i < n && m < 256; i++) {
        if (isnan(pts[i].latency_us))
            continue;
        xs[m] = pts[i].concurrency;
        ys[m] = pts[i].latency_us;
        top = ys[m] > top ? ys[m] : top;
        m++;
    }
    double div;
    const char *unit = rpt_latency_unit(isnan(slo_us) || top > slo_us ? top : slo_us, &div);
    for (size_t i = 0; i < m; i++)
        ys[i] /= div;
    char name[32];
    snprintf(name, sizeof(name), "p%g", pct);
    rpt_chart_init(&c, "Latency against concurrency");
    rpt_axis_set(&c.x, "Concurrency", "", RPT_SCALE_LINEAR);
    rpt_axis_set(&c.y, "Latency", unit, RPT_SCALE_LINEAR);
    if (rpt_chart_series_add(&c, name, RPT_DRAW_BOTH, xs, ys, m) == 0) {
        if (!isnan(slo_us))
            rpt_chart_ref(&c, slo_us / div, "SLO %s", o->slo.text);
        rpt_html_chart(p, &c);
    }
    rpt_chart_free(&c);
    return rpt_html_end(p) == 0 ? 0 : 1;
}

/* A group's runs, whole (their histograms), in the order they ran. */
static int load_group_runs(const char *db_path, int64_t group, struct run_result **out, size_t *n,
                           char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct db *db = cli_store_open(db_path, err, errlen);
    if (!db)
        return -1;
    struct db_run_filter f = {.group_id = group, .oldest_first = true};
    struct db_run_summary *rows = NULL;
    size_t nrows = 0;
    int rc = db_run_list(db, &f, &rows, &nrows);
    if (rc == 0 && nrows && !(*out = calloc(nrows, sizeof(**out))))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < nrows; i++, (*n)++)
        rc = db_run_load(db, rows[i].id, &(*out)[i]) == 0 ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s", db_errmsg(db));
    free(rows);
    db_close(db);
    return rc;
}

int cli_capacity(int argc, char **argv)
{
    struct cap_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[512];
    struct rpt_point *pts = NULL;
    size_t n = 0;
    struct rpt_points file = {0};
    int64_t group = 0;
    double pct = o.copts.has_slo ? metric_percentile(o.copts.slo.metric) : 99;
    char source[1200];
    if (o.points) {
        size_t len;
        char *text = file_read(o.points, 16u << 20, &len, err, sizeof(err));
        if (!text || rpt_points_parse(text, len, o.points, &file, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench capacity: %s\n", err);
            free(text);
            return 2;
        }
        free(text);
        pts = file.v;
        n = file.n;
        snprintf(source, sizeof(source), "points from %s", o.points);
    } else {
        struct db *db = cli_store_open(o.db_path, err, sizeof(err));
        if (!db || cli_group_points(db, o.group, pct, &pts, &n, &group, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench capacity: %s\n", err);
            db_close(db);
            return 1;
        }
        db_close(db);
        snprintf(source, sizeof(source), "sweep g:%lld", (long long)group);
    }
    bool cpu_known = false;
    for (size_t i = 0; i < n; i++)
        cpu_known |= !isnan(pts[i].server_cpu_us_per_req);
    if (cpu_known && !o.cores_given) {
        long nproc = sysconf(_SC_NPROCESSORS_ONLN);
        o.copts.cores = nproc > 0 ? (double)nproc : 1;
    }
    struct rpt_capacity cap;
    struct rpt_table t[2];
    memset(t, 0, sizeof(t));
    int status = 1;
    if (rpt_capacity_compute(pts, n, &o.copts, &cap, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench capacity: %s\n", err);
        goto done;
    }
    if (rpt_capacity_summary_table(&t[0], &cap) != 0 ||
        rpt_capacity_points_table(&t[1], pts, n, &cap) != 0) {
        fprintf(stderr, "tierbench capacity: out of memory\n");
        goto done;
    }
    snprintf(t[0].title, sizeof(t[0].title), "Capacity (%.100s)", source);
    if (cpu_known && !o.cores_given)
        rpt_table_note(&t[0],
                       "cores: %.0f, this machine's (assumed to be the server's; --cores "
                       "N to change)",
                       o.copts.cores);
    FILE *out = stdout;
    if (o.out_path && !(out = fopen(o.out_path, "w"))) {
        fprintf(stderr, "tierbench capacity: -o %s: cannot write\n", o.out_path);
        goto tables;
    }
    if (o.format == RPT_HTML) {
        struct run_result *runs = NULL;
        size_t nruns = 0;
        if (group && load_group_runs(o.db_path, group, &runs, &nruns, err, sizeof(err)) != 0)
            fprintf(stderr, "tierbench capacity: %s (the latency chart shows the points)\n", err);
        status = capacity_html(out, source, pts, n, &cap, &o.copts, t, 2, runs, nruns);
        for (size_t i = 0; i < nruns; i++)
            run_result_free(&runs[i]);
        free(runs);
    } else
        status = rpt_tables_write(out, o.format, t, 2) == 0 ? 0 : 1;
    if (out != stdout && fclose(out) != 0)
        status = 1;
tables:
    rpt_table_free(&t[0]);
    rpt_table_free(&t[1]);
done:
    if (o.points)
        rpt_points_free(&file);
    else
        free(pts);
    return status;
}
