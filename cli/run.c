/* cli/run.c: `tierbench run SCENARIO.json`: load a scenario (loadgen/scenario.c), run each
 * stage, merge the stages into one run (run_merge, sequential), print a per-stage summary and
 * the threshold table, save the run (cli_finish). Exit status: 0, 99 when a threshold failed (k6's
 * convention), 2 for a bad command line or scenario, 1 when the run itself or saving it failed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "common/metric.h"
#include "common/units.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

#define EXIT_THRESHOLD_FAILED 99

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tierbench run [options] SCENARIO.json\n"
            "\n"
            "Runs a JSON scenario: stages (duration, connections, optional constant rate), a\n"
            "weighted mix of requests, and thresholds checked at the end (exit 99 on failure).\n"
            "\n"
            "options:\n"
            "  --target URL       run against URL instead of the scenario's target\n"
            "  --dry-run          validate the scenario and print the plan; send nothing\n"
            "%s"
            "  -h, --help         this help\n"
            "\n"
            "With --json -, stdout carries the JSON document only; the summary goes to stderr.\n"
            "Scenario format and examples: README.md, examples/*.json\n",
            cli_common_usage);
}

struct run_opts {
    struct cli_common_opts common;
    const char *scenario;
    const char *target; /* --target: overrides the scenario's */
    bool dry_run;
};

/* Returns 0, 1 after --help, or -1 on a usage error (already printed). */
static int parse_args(int argc, char **argv, struct run_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = cli_common_opt_take(&o->common, argc, argv, &i);
        if (took < 0) {
            fprintf(stderr, "tierbench run: %s needs a value\n", a);
            return -1;
        }
        if (took > 0)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--target") || !strncmp(a, "--target=", 9)) {
            if (a[8] == '=') {
                o->target = a + 9;
            } else if (i + 1 < argc) {
                o->target = argv[++i];
            } else {
                fprintf(stderr, "tierbench run: %s needs a value\n", a);
                return -1;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench run: unknown option %s (try tierbench run --help)\n", a);
            return -1;
        } else if (o->scenario) {
            fprintf(stderr, "tierbench run: one scenario file at a time (got %s and %s)\n",
                    o->scenario, a);
            return -1;
        } else {
            o->scenario = a;
        }
    }
    if (!o->scenario) {
        fprintf(stderr, "tierbench run: missing SCENARIO.json (try tierbench run --help)\n");
        return -1;
    }
    return 0;
}

static void print_plan(FILE *out, const struct run_opts *o, const struct lg_scenario *sc)
{
    char d[32];
    uint64_t total_us = 0;
    for (size_t i = 0; i < sc->nstages; i++)
        total_us += sc->stages[i].duration_us;
    fprintf(out, "Scenario %s\n", o->scenario);
    fprintf(out, "  target      %s\n", sc->target);
    if (sc->threads)
        fprintf(out, "  threads     %u (at most one per connection)\n", sc->threads);
    else
        fprintf(out, "  threads     2 (default; at most one per connection)\n");
    if (sc->timeout_us) {
        units_duration_format(d, sizeof(d), sc->timeout_us);
        fprintf(out, "  timeout     %s\n", d);
    } else {
        fprintf(out, "  timeout     2s (default)\n");
    }
    fprintf(out, "  keep-alive  %s\n", sc->keep_alive ? "yes" : "no");
    if (sc->nrequests == 0) {
        fprintf(out, "  requests    GET of the target's path\n");
    } else {
        uint64_t wsum = 0;
        for (size_t i = 0; i < sc->nrequests; i++)
            wsum += sc->requests[i].weight ? sc->requests[i].weight : 1;
        fprintf(out, "  requests    %zu kind%s\n", sc->nrequests, sc->nrequests == 1 ? "" : "s");
        for (size_t i = 0; i < sc->nrequests; i++) {
            const struct lg_request *rq = &sc->requests[i];
            unsigned w = rq->weight ? rq->weight : 1;
            fprintf(out, "    %-6s %-30s weight %u (%.0f%%)", rq->method,
                    rq->path ? rq->path : "(target's path)", w, 100.0 * w / (double)wsum);
            if (rq->nheaders)
                fprintf(out, ", %zu header%s", rq->nheaders, rq->nheaders == 1 ? "" : "s");
            if (rq->body)
                fprintf(out, ", %zu-byte body", rq->body_bytes);
            fprintf(out, "\n");
        }
    }
    units_duration_format(d, sizeof(d), total_us);
    fprintf(out, "  stages      %zu, %s in all\n", sc->nstages, d);
    for (size_t i = 0; i < sc->nstages; i++) {
        const struct lg_stage *st = &sc->stages[i];
        units_duration_format(d, sizeof(d), st->duration_us);
        fprintf(out, "    %zu  %-8s %6u connections  ", i + 1, d, st->connections);
        if (st->rate_rps > 0)
            fprintf(out, "constant rate %.0f req/s\n", st->rate_rps);
        else
            fprintf(out, "as fast as possible\n");
    }
    if (sc->nthresholds == 0)
        fprintf(out, "  thresholds  none\n");
    for (size_t i = 0; i < sc->nthresholds; i++)
        fprintf(out, "%s%s\n", i ? "              " : "  thresholds  ", sc->thresholds[i].text);
}

static double pct_ms(const struct run_result *r, double p)
{
    return r->latency ? (double)hist_percentile(r->latency, p) / 1000.0 : 0.0;
}

static void print_row(FILE *out, const char *name, const struct run_result *r, const char *rate)
{
    fprintf(out, "%-6s %8.1fs %6u %9s %11llu %10.1f %9.2f %9.2f %8llu\n", name, r->duration_s,
            r->connections, rate, (unsigned long long)r->requests, run_rps(r), pct_ms(r, 50),
            pct_ms(r, 99), (unsigned long long)run_errors_total(r));
}

static void print_summary(FILE *out, const struct lg_scenario *sc, const struct run_result *stages,
                          size_t nran, const struct run_result *total)
{
    char rate[32];
    fprintf(out, "\n%-6s %9s %6s %9s %11s %10s %9s %9s %8s\n", "Stage", "Duration", "Conns", "Rate",
            "Requests", "Req/s", "p50 ms", "p99 ms", "Errors");
    for (size_t i = 0; i < nran; i++) {
        char name[24];
        snprintf(name, sizeof(name), "%zu", i + 1);
        if (sc->stages[i].rate_rps > 0)
            snprintf(rate, sizeof(rate), "%.0f", sc->stages[i].rate_rps);
        else
            snprintf(rate, sizeof(rate), "-");
        print_row(out, name, &stages[i], rate);
    }
    print_row(out, "Total", total, "");
    if (total->nstatus) {
        fprintf(out, "Status codes:");
        for (size_t i = 0; i < total->nstatus; i++)
            fprintf(out, " %d: %llu%s", total->status[i].code,
                    (unsigned long long)total->status[i].count, i + 1 < total->nstatus ? "," : "");
        fprintf(out, "\n");
    }
    if (run_errors_total(total)) {
        fprintf(out, "Errors:");
        bool first = true;
        for (int i = 0; i < RUN_ERR__COUNT; i++) {
            if (!total->errors[i])
                continue;
            fprintf(out, "%s %s %llu", first ? "" : ",", run_err_names[i],
                    (unsigned long long)total->errors[i]);
            first = false;
        }
        fprintf(out, " (error rate %.4f)\n", run_error_rate(total));
    }
}

/* Prints the threshold table; returns the number of failures. */
static size_t print_thresholds(FILE *out, const struct metric_threshold *t, size_t n,
                               const struct run_result *total)
{
    size_t failed = 0;
    if (n == 0)
        return 0;
    fprintf(out, "\nThresholds\n");
    for (size_t i = 0; i < n; i++) {
        double v;
        bool ok = metric_threshold_check(&t[i], total, &v);
        if (!ok)
            failed++;
        fprintf(out, "  %s  %-28s measured %.6g\n", ok ? "PASS" : "FAIL", t[i].text, v);
    }
    if (failed)
        fprintf(out, "%zu of %zu thresholds failed\n", failed, n);
    else
        fprintf(out, "All %zu thresholds passed\n", n);
    return failed;
}

int cli_run_show(FILE *f, const struct run_result *r)
{
    /* Stages are merged when a run is saved, so its total is what there is to show; the
     * thresholds are judged again from the stored scenario. */
    print_summary(f, NULL, NULL, 0, r);
    fprintf(f, "(per-stage rows are not stored; this is the merged run)\n");
    cJSON *c = r->config_json ? cJSON_Parse(r->config_json) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(c, "thresholds");
    struct metric_threshold t[32];
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        char err[256];
        if (n < 32 && cJSON_IsString(e) &&
            metric_threshold_parse(e->valuestring, &t[n], err, sizeof(err)) == 0)
            n++;
    }
    cJSON_Delete(c);
    print_thresholds(f, t, n, r);
    return 0;
}

int cli_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    struct lg_scenario sc;
    char err[1024] = "";
    if (lg_scenario_load(o.scenario, &sc, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench run: %s\n", err);
        return 2;
    }
    if (o.target && lg_scenario_set_target(&sc, o.target, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench run: %s\n", err);
        lg_scenario_free(&sc);
        return 2;
    }
    if (o.dry_run) {
        print_plan(stdout, &o, &sc);
        printf("Dry run: the scenario is valid; nothing was sent.\n");
        lg_scenario_free(&sc);
        return 0;
    }
    /* Every stage's descriptors are checked before the first one runs, so a stage cannot fail
     * halfway through the scenario on the limit. */
    for (size_t i = 0; i < sc.nstages; i++) {
        struct lg_config cfg;
        lg_scenario_stage_config(&sc, i, &cfg);
        if (cli_raise_fd_limit(cfg.connections, cfg.threads, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench run: stage %zu: %s\n", i + 1, err);
            lg_scenario_free(&sc);
            return 1;
        }
    }
    /* With --json -, stdout carries the JSON document only. */
    FILE *out = o.common.save.json_path && !strcmp(o.common.save.json_path, "-") ? stderr : stdout;
    cli_signals_install();

    struct run_result *stages = calloc(sc.nstages, sizeof(*stages));
    struct run_result total;
    memset(&total, 0, sizeof(total));
    size_t nran = 0;
    int status = 0;
    if (!stages) {
        fprintf(stderr, "tierbench run: out of memory\n");
        status = 1;
        goto done;
    }
    for (size_t i = 0; i < sc.nstages && !cli_interrupted(); i++) {
        struct lg_config cfg;
        char d[32];
        lg_scenario_stage_config(&sc, i, &cfg);
        units_duration_format(d, sizeof(d), sc.stages[i].duration_us);
        if (sc.stages[i].rate_rps > 0)
            fprintf(stderr, "stage %zu/%zu: %s, %u connections, %.0f req/s\n", i + 1, sc.nstages, d,
                    cfg.connections, sc.stages[i].rate_rps);
        else
            fprintf(stderr, "stage %zu/%zu: %s, %u connections\n", i + 1, sc.nstages, d,
                    cfg.connections);
        struct lg_run *run;
        if (cli_raise_fd_limit(cfg.connections, cfg.threads, err, sizeof(err)) != 0 ||
            lg_start(&cfg, &run, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench run: stage %zu: %s\n", i + 1, err);
            status = 1;
            goto done;
        }
        /* A progress bar on stderr when it is a terminal. */
        struct cli_bar bar;
        cli_bar_init(&bar, cfg.duration_us, 0);
        char title[1200];
        snprintf(title, sizeof(title), "tierbench run %s: stage %zu/%zu", o.scenario, i + 1,
                 sc.nstages);
        int run_rc = cli_watch(run, cli_bar_progress, &bar, &o.common, title, &stages[i]);
        cli_bar_clear(&bar);
        if (run_rc != 0) {
            fprintf(stderr, "tierbench run: stage %zu: out of memory\n", i + 1);
            status = 1;
            goto done;
        }
        nran++;
        if (run_merge(&total, &stages[i], RUN_MERGE_SEQUENTIAL) != 0) {
            fprintf(stderr, "tierbench run: out of memory merging stage %zu\n", i + 1);
            status = 1;
            goto done;
        }
    }
    cli_live_end(&o.common);
    if (cli_interrupted())
        fprintf(stderr, "tierbench run: interrupted after %zu of %zu stages\n", nran, sc.nstages);
    if (nran == 0) {
        status = 1;
        goto done;
    }

    snprintf(total.tool, sizeof(total.tool), "run");
    /* The engine counts ab's "Length" failures (a body length other than the first
     * response's); with a mix of endpoints that is expected, not a failure, so a scenario
     * does not report it. */
    total.length_errors = 0;
    if (!total.engine[0])
        snprintf(total.engine, sizeof(total.engine), "%s",
                 strncmp(sc.target, "https://", 8) ? "epoll" : "curl");
    snprintf(total.target, sizeof(total.target), "%s", sc.target);
    if (o.common.label)
        snprintf(total.label, sizeof(total.label), "%s", o.common.label);
    if (o.common.tier)
        snprintf(total.tier, sizeof(total.tier), "%s", o.common.tier);
    free(total.cmdline);
    free(total.config_json);
    total.cmdline = cli_cmdline_join(argc, argv);
    total.config_json = strdup(sc.config_json);

    print_summary(out, &sc, stages, nran, &total);
    size_t failed = print_thresholds(out, sc.thresholds, sc.nthresholds, &total);
    fflush(out);
    if (cli_finish(&o.common.save, &total, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench run: %s\n", err);
        status = 1;
    }
    if (failed)
        status = EXIT_THRESHOLD_FAILED;
done:
    cli_live_end(&o.common);
    for (size_t i = 0; stages && i < sc.nstages; i++)
        run_result_free(&stages[i]);
    free(stages);
    run_result_free(&total);
    lg_scenario_free(&sc);
    return status;
}
