/* cli/report.c: `tierbench report`: comparison tables of stored runs. Runs with the same label
 * (or tier) are repeats of one configuration: a row shows their median req/s with its spread and
 * latency from their merged histograms, and the ratio to the first row with a Mann-Whitney U
 * test, the way Go's benchstat does (reports/stats.c). `report --tiers` is the guide's
 * comparison table with measured rows (reports/tiers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/units.h"
#include "db/db.h"
#include "reports/reports.h"

#define REPORT_MAX_ROWS 64

static void usage(FILE *f)
{
    fprintf(f, "usage: tierbench report [ID|g:GROUP|LABEL ...] [options]\n"
               "       tierbench report --tiers [options]\n"
               "\n"
               "One row per configuration: runs with the same label (--by tier: tier) are\n"
               "repeats; the first row is the baseline. With no selection: the latest group's\n"
               "runs, else the 20 newest.\n"
               "\n"
               "  --by label|tier    what makes runs repeats of one configuration (default label)\n"
               "  --tiers            the guide's comparison table, rows measured from runs tagged\n"
               "                     --tier (the others shown as the guide's claim)\n"
               "  --slo SLO          for --tiers: the latency the throughput is read at\n"
               "                     (default 'p99<200ms')\n"
               "  --think-time T     for --tiers: users = req/s x (response time + T) (default 0)\n"
               "  --prices P         for --tiers: naver (default), aws or a price file\n"
               "  --format F         text, md, csv, json or html (default text); -o FILE\n"
               "  --db FILE          result store\n");
}

struct report_opts {
    const char *db_path, *out_path, *prices;
    const char *sel[REPORT_MAX_ROWS];
    size_t nsel;
    bool by_tier, tiers;
    enum rpt_format format;
    struct metric_threshold slo;
    double think_time_s;
};

/* One configuration: its runs, loaded whole. */
struct row {
    char key[128];
    struct run_result *runs;
    size_t n, cap;
};

static int parse_args(int argc, char **argv, struct report_opts *o)
{
    o->format = RPT_TEXT;
    char err[256];
    if (cli_slo_parse("p99<200ms", &o->slo, err, sizeof(err)) != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", NULL, &missing))) {
            o->db_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "-o", NULL, &missing))) {
            o->out_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--prices", NULL, &missing))) {
            o->prices = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--by", NULL, &missing))) {
            if (strcmp(v, "label") && strcmp(v, "tier")) {
                fprintf(stderr, "tierbench report: --by %s: expected label or tier\n", v);
                return -1;
            }
            o->by_tier = !strcmp(v, "tier");
        } else if ((v = cli_opt_value(argc, argv, &i, "--slo", NULL, &missing))) {
            if (cli_slo_parse(v, &o->slo, err, sizeof(err)) != 0) {
                fprintf(stderr, "tierbench report: --slo %s: %s\n", v, err);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--think-time", NULL, &missing))) {
            uint64_t us;
            if (units_duration_parse(v, 1000000, &us) != 0) {
                fprintf(stderr, "tierbench report: --think-time %s: expected a duration\n", v);
                return -1;
            }
            o->think_time_s = (double)us / 1e6;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format", NULL, &missing))) {
            if (rpt_format_parse(v, &o->format) != 0) {
                fprintf(stderr,
                        "tierbench report: --format %s: expected text, md, csv, json or "
                        "html\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--tiers")) {
            o->tiers = true;
        } else if (missing) {
            fprintf(stderr, "tierbench report: %s needs a value\n", a);
            return -1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench report: unknown option %s (try --help)\n", a);
            return -1;
        } else if (o->nsel < REPORT_MAX_ROWS) {
            o->sel[o->nsel++] = a;
        } else {
            fprintf(stderr, "tierbench report: at most %d selections\n", REPORT_MAX_ROWS);
            return -1;
        }
    }
    return 0;
}

static void rows_free(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < rows[i].n; k++)
            run_result_free(&rows[i].runs[k]);
        free(rows[i].runs);
    }
}

/* Files run `id` under its configuration's row (a new row at the end when it is the first). */
static int add_run(struct db *db, int64_t id, bool by_tier, struct row *rows, size_t *nrows,
                   char *err, size_t errlen)
{
    struct run_result r;
    int rc = db_run_load(db, id, &r);
    if (rc != 0) {
        snprintf(err, errlen, "run %lld: %s", (long long)id,
                 rc > 0 ? "no such run" : db_errmsg(db));
        return -1;
    }
    char key[128];
    const char *tag = by_tier ? r.tier : r.label;
    if (*tag)
        snprintf(key, sizeof(key), "%s", tag);
    else
        snprintf(key, sizeof(key), "run %lld", (long long)r.id);
    size_t i = 0;
    while (i < *nrows && strcmp(rows[i].key, key))
        i++;
    if (i == *nrows) {
        if (*nrows == REPORT_MAX_ROWS) {
            snprintf(err, errlen, "more than %d configurations", REPORT_MAX_ROWS);
            run_result_free(&r);
            return -1;
        }
        memset(&rows[i], 0, sizeof(rows[i]));
        snprintf(rows[i].key, sizeof(rows[i].key), "%s", key);
        (*nrows)++;
    }
    struct row *w = &rows[i];
    for (size_t k = 0; k < w->n; k++)
        if (w->runs[k].id == r.id) { /* selected twice */
            run_result_free(&r);
            return 0;
        }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4;
        struct run_result *t = realloc(w->runs, cap * sizeof(*t));
        if (!t) {
            snprintf(err, errlen, "out of memory");
            run_result_free(&r);
            return -1;
        }
        w->runs = t;
        w->cap = cap;
    }
    w->runs[w->n++] = r;
    return 0;
}

/* The runs of a list filter, oldest first. */
static int add_filtered(struct db *db, const struct db_run_filter *f, bool by_tier,
                        struct row *rows, size_t *nrows, char *err, size_t errlen)
{
    struct db_run_summary *list;
    size_t n;
    if (db_run_list(db, f, &list, &n) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(db));
        return -1;
    }
    int rc = 0;
    for (size_t i = n; rc == 0 && i > 0; i--) /* listed newest first */
        rc = add_run(db, list[i - 1].id, by_tier, rows, nrows, err, errlen);
    free(list);
    return rc;
}

static int select_runs(struct db *db, const struct report_opts *o, struct row *rows, size_t *nrows,
                       char *err, size_t errlen)
{
    if (o->nsel == 0) {
        struct db_group_summary *gs;
        size_t ng;
        if (db_group_list(db, NULL, 1, &gs, &ng) != 0) {
            snprintf(err, errlen, "%s", db_errmsg(db));
            return -1;
        }
        struct db_run_filter f = {.limit = 20};
        if (ng && gs[0].runs) {
            f.group_id = gs[0].group.id;
            f.limit = 0;
        }
        free(gs);
        return add_filtered(db, &f, o->by_tier, rows, nrows, err, errlen);
    }
    for (size_t i = 0; i < o->nsel; i++) {
        const char *s = o->sel[i];
        uint64_t id;
        bool group = s[0] == 'g' && s[1] == ':';
        bool numeric = units_si_parse(group ? s + 2 : s, &id) == 0 && id > 0 &&
                       !strpbrk(s + (group ? 2 : 0), ".kKmMgG");
        int rc;
        if (numeric && !group) {
            rc = add_run(db, (int64_t)id, o->by_tier, rows, nrows, err, errlen);
        } else {
            struct db_run_filter f = {0};
            if (group && numeric)
                f.group_id = (int64_t)id;
            else if (o->by_tier)
                f.tier = s;
            else
                f.label = s;
            size_t before = *nrows;
            rc = add_filtered(db, &f, o->by_tier, rows, nrows, err, errlen);
            if (rc == 0 && *nrows == before && !group) {
                snprintf(err, errlen, "no runs with %s \"%s\" (tierbench runs lists them)",
                         o->by_tier ? "tier" : "label", s);
                rc = -1;
            }
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The row's runs' figures: req/s of each, p99 of each, and a merged latency histogram. */
struct row_figures {
    double rps[256], p99[256];
    size_t n;
    struct hist *latency; /* merged; NULL when no run has one */
    uint64_t errors, attempts;
};

static int figures_of(const struct row *w, struct row_figures *f)
{
    memset(f, 0, sizeof(*f));
    for (size_t k = 0; k < w->n && f->n < 256; k++) {
        const struct run_result *r = &w->runs[k];
        f->rps[f->n] = run_rps(r);
        f->p99[f->n] = r->latency ? (double)hist_percentile(r->latency, 99) : NAN;
        f->n++;
        f->errors += run_errors_total(r);
        f->attempts += r->requests + run_errors_total(r) - r->errors[RUN_ERR_STATUS];
        if (!r->latency)
            continue;
        if (!f->latency) {
            if (!(f->latency = hist_clone(r->latency)))
                return -1;
        } else if (hist_merge(f->latency, r->latency) != 0) {
            return -1;
        }
    }
    return 0;
}

static void delta_cell(struct rpt_cell *c, const double *base, size_t nb, const double *x,
                       size_t nx)
{
    struct rpt_delta d;
    char err[128];
    if (rpt_delta_compute(base, nb, x, nx, 0.05, &d, err, sizeof(err)) != 0) {
        rpt_cell_set(c, NAN, "-");
        return;
    }
    char text[RPT_CELL_BYTES];
    rpt_delta_format(&d, text, sizeof(text));
    rpt_cell_set(c, d.ratio, "%s", text);
}

static int comparison_tables(const struct row *rows, size_t nrows, bool by_tier,
                             struct rpt_table *t)
{
    static const char *const cols[] = {"Config|config",   "Runs|runs|r",        "Req/s|rps|r",
                                       "p50 ms|p50_ms|r", "p90 ms|p90_ms|r",    "p99 ms|p99_ms|r",
                                       "Max ms|max_ms|r", "Errors|error_rate|r"};
    static const char *const dcols[] = {"Config|config", "Req/s|rps_ratio", "p99|p99_ratio"};
    struct row_figures *f = calloc(nrows, sizeof(*f));
    if (!f || rpt_table_init(&t[0], "comparison", "Runs compared", cols, 8) != 0 ||
        rpt_table_init(&t[1], "ratios", "Against the first row", dcols, 3) != 0) {
        free(f);
        return -1;
    }
    int rc = 0;
    bool single = true;
    for (size_t i = 0; i < nrows && rc == 0; i++) {
        rc = figures_of(&rows[i], &f[i]);
        single &= f[i].n == 1;
        struct rpt_cell *c = rc == 0 ? rpt_table_row(&t[0]) : NULL;
        if (!c) {
            rc = -1;
            break;
        }
        double med = rpt_median(f[i].rps, f[i].n);
        double spread = rpt_spread(f[i].rps, f[i].n);
        static const double ps[] = {50, 90, 99};
        uint64_t v[3] = {0, 0, 0};
        if (f[i].latency)
            hist_percentiles(f[i].latency, ps, 3, v);
        double er = f[i].attempts ? (double)f[i].errors / (double)f[i].attempts : 0;
        rpt_cell_set(&c[0], NAN, "%s", rows[i].key);
        rpt_cell_set(&c[1], (double)f[i].n, "%zu", f[i].n);
        if (isnan(spread))
            rpt_cell_set(&c[2], med, "%.0f", med);
        else
            rpt_cell_set(&c[2], med, "%.0f ±%.0f%%", med, spread * 100);
        for (int k = 0; k < 3; k++)
            rpt_cell_set(&c[3 + k], (double)v[k] / 1e3, "%.2f", (double)v[k] / 1e3);
        double mx = f[i].latency ? (double)hist_max(f[i].latency) / 1e3 : NAN;
        rpt_cell_set(&c[6], mx, "%.2f", mx);
        rpt_cell_set(&c[7], er, "%.2f%%", er * 100);
        if (i == 0)
            continue;
        struct rpt_cell *d = rpt_table_row(&t[1]);
        if (!d) {
            rc = -1;
            break;
        }
        rpt_cell_set(&d[0], NAN, "%s", rows[i].key);
        delta_cell(&d[1], f[0].rps, f[0].n, f[i].rps, f[i].n);
        delta_cell(&d[2], f[0].p99, f[0].n, f[i].p99, f[i].n);
    }
    rpt_table_note(&t[0],
                   "Configurations are runs with the same %s; Req/s is the median of "
                   "their runs ± the largest deviation from it (benchstat's range)",
                   by_tier ? "tier" : "label");
    rpt_table_note(&t[0], "latency comes from the merged histograms of each row's runs, never "
                          "from averaged percentiles");
    snprintf(t[1].title, sizeof(t[1].title), "Against %.100s",
             nrows ? rows[0].key : "the first row");
    rpt_table_note(&t[1], "ratio of medians, ± the rows' ranges added; p: two-sided "
                          "Mann-Whitney U test of the runs; ~: not significant at 0.05");
    if (single)
        rpt_table_note(&t[1], "one run per row: no spread can be given and no test can show "
                              "a difference; repeat runs (same --label) to get one");
    if (nrows < 2)
        rpt_table_note(&t[1], "only one configuration: nothing to compare");
    for (size_t i = 0; i < nrows; i++)
        hist_free(f[i].latency);
    free(f);
    return rc;
}

/* The HTML page: the tables and each row's latency distribution as a percentile plot. */
static int report_html(FILE *out, const struct row *rows, size_t nrows, const struct rpt_table *t,
                       size_t nt)
{
    struct rpt_html *p = rpt_html_begin(out, "tierbench report");
    if (!p)
        return 1;
    rpt_html_tables(p, t, nt);
    struct hist *h[RPT_CHART_SERIES] = {NULL};
    const char *names[RPT_CHART_SERIES];
    size_t n = 0;
    for (size_t i = 0; i < nrows && n < RPT_CHART_SERIES; i++) {
        struct row_figures f;
        if (figures_of(&rows[i], &f) != 0)
            break;
        h[n] = f.latency;
        names[n++] = rows[i].key;
    }
    rpt_html_chart_percentiles(p, (const struct hist *const *)h, names, n, NAN, NULL);
    for (size_t i = 0; i < n; i++)
        hist_free(h[i]);
    if (nrows == 1 && rows[0].n == 1)
        rpt_html_chart_timeline(p, &rows[0].runs[0]);
    return rpt_html_end(p) == 0 ? 0 : 1;
}

/* --tiers: for each tier tag, the run with the highest req/s whose SLO percentile holds. */
static int tiers_table(struct db *db, const struct report_opts *o, struct rpt_table *t, char *err,
                       size_t errlen)
{
    struct rpt_prices prices;
    if (cli_prices_load(o->prices, &prices, err, errlen) != 0)
        return -1;
    struct db_run_summary *list;
    size_t n;
    struct db_run_filter f = {0};
    if (db_run_list(db, &f, &list, &n) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(db));
        return -1;
    }
    struct rpt_tier_measured m[32];
    size_t nm = 0;
    double pct = metric_percentile(o->slo.metric);
    for (size_t i = 0; i < n; i++) {
        const struct db_run_summary *s = &list[i];
        if (!s->tier[0])
            continue;
        double lat = pct >= 99.9 ? (double)s->p999_us
                     : pct >= 99 ? (double)s->p99_us
                     : pct >= 90 ? (double)s->p90_us
                     : pct >= 75 ? (double)s->p75_us
                                 : (double)s->p50_us;
        if (lat / 1e3 > o->slo.limit || !s->requests)
            continue;
        size_t k = 0;
        while (k < nm && strcasecmp(m[k].tier, s->tier))
            k++;
        if (k == nm) {
            if (nm == 32)
                continue;
            memset(&m[nm], 0, sizeof(m[nm]));
            snprintf(m[nm].tier, sizeof(m[nm].tier), "%.47s", s->tier);
            m[nm].rate_rps = -1;
            m[nm].monthly = NAN;
            nm++;
        }
        if (s->rps <= m[k].rate_rps)
            continue;
        m[k].rate_rps = s->rps;
        m[k].p50_us = (double)s->p50_us;
        m[k].p99_us = (double)s->p99_us;
        m[k].users_at_slo = s->rps * (s->mean_us / 1e6 + o->think_time_s);
        for (size_t p = 0; p < prices.ntiers; p++) {
            if (strcasecmp(prices.tiers[p].name, s->tier))
                continue;
            m[k].monthly = prices.tiers[p].per_month;
            snprintf(m[k].currency, sizeof(m[k].currency), "%s", prices.currency);
            m[k].difficulty = prices.tiers[p].difficulty;
        }
    }
    free(list);
    int rc = rpt_tier_compare_table(t, m, nm, err, errlen);
    if (rc == 0) {
        rpt_table_note(t,
                       "measured rows: per tier tag, the run with the highest req/s whose %s "
                       "held; users = req/s x (mean response time + %.1f s think time)",
                       o->slo.text, o->think_time_s);
        if (nm == 0)
            rpt_table_note(t, "no run is tagged with --tier yet: tierbench wrk ... --tier "
                              "gunicorn-nginx measures a row");
    }
    return rc;
}

int cli_report(int argc, char **argv)
{
    struct report_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[512];
    struct db *db = cli_store_open(o.db_path, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "tierbench report: %s\n", err);
        return 1;
    }
    struct row *rows = calloc(REPORT_MAX_ROWS, sizeof(*rows));
    struct rpt_table t[2];
    memset(t, 0, sizeof(t));
    size_t nrows = 0, nt = 0;
    int status = 1;
    if (!rows)
        goto done;
    if (o.tiers) {
        if (tiers_table(db, &o, &t[0], err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench report: %s\n", err);
            goto done;
        }
        nt = 1;
    } else {
        if (select_runs(db, &o, rows, &nrows, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench report: %s\n", err);
            goto done;
        }
        if (nrows == 0) {
            fprintf(stderr,
                    "tierbench report: no runs in %s yet (tierbench wrk, ab, run or "
                    "sweep make them)\n",
                    db_path(db));
            goto done;
        }
        if (comparison_tables(rows, nrows, o.by_tier, t) != 0) {
            fprintf(stderr, "tierbench report: out of memory\n");
            goto done;
        }
        nt = 2;
    }
    FILE *out = stdout;
    if (o.out_path && !(out = fopen(o.out_path, "w"))) {
        fprintf(stderr, "tierbench report: -o %s: cannot write\n", o.out_path);
        goto done;
    }
    if (o.format == RPT_HTML && !o.tiers)
        status = report_html(out, rows, nrows, t, nt);
    else if (o.format == RPT_HTML) {
        struct rpt_html *p = rpt_html_begin(out, "The guide's comparison, measured");
        status = p && rpt_html_tables(p, t, nt) == 0 && rpt_html_end(p) == 0 ? 0 : 1;
    } else
        status = rpt_tables_write(out, o.format, t, nt) == 0 ? 0 : 1;
    if (out != stdout && fclose(out) != 0)
        status = 1;
done:
    for (size_t i = 0; i < 2; i++)
        rpt_table_free(&t[i]);
    if (rows)
        rows_free(rows, nrows);
    free(rows);
    db_close(db);
    return status;
}
