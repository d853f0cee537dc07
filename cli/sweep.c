/* cli/sweep.c: `tierbench sweep URL`: a ladder of load steps saved as one group, each step a
 * stored run, for `tierbench capacity` and `tierbench tier`. Closed loop: a doubling ladder of
 * connections; open loop: a ladder of constant rates (coordinated omission corrected), the
 * honest way to find the highest rate that meets a latency SLO. With --server-stats, each step
 * also records what tierbench serve's admin API counted: its requests and CPU seconds. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/jsonw.h"
#include "common/metric.h"
#include "common/units.h"
#include "db/db.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

#define SWEEP_MAX_STEPS   64
#define SWEEP_MAX_HEADERS 32

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: tierbench sweep [options] URL\n"
        "\n"
        "Runs a ladder of load steps against URL and saves them as one group (g:ID) for\n"
        "tierbench capacity and tierbench tier.\n"
        "\n"
        "  --conns LIST       closed loop: connections per step (default 1,2,4,...,512)\n"
        "  --rates LIST       open loop: constant rates per step, e.g. 1k,2k,4k (wrk2 -R,\n"
        "                     latency from the scheduled send: coordinated omission corrected)\n"
        "  --connections N    connections for --rates steps (default 100)\n"
        "  --duration T       measured time per step (default 5s)\n"
        "  --warmup T         unmeasured load before each step (default 0)\n"
        "  -t, --threads N    load-generator threads (default 2, at most one per connection)\n"
        "  --timeout T        per-request timeout (default 2s)\n"
        "  -H, --header H     add a request header (repeatable)\n"
        "  --slo SLO          e.g. 'p99<100ms': stop once p99 exceeds ten times it\n"
        "  --server-stats URL tierbench serve's admin API (http://HOST:9001): record the\n"
        "                     server's own request count and CPU time per step\n"
        "  --token T          bearer token for --server-stats ($TIERBENCH_ADMIN_TOKEN)\n"
        "%s"
        "\n"
        "A sweep stops early when a step's errors exceed 5%% or its SLO percentile exceeds\n"
        "ten times the SLO. Ctrl-C stops it and keeps the finished steps.\n",
        cli_common_usage);
}

struct sweep_opts {
    struct cli_common_opts common;
    const char *url;
    double steps[SWEEP_MAX_STEPS];
    size_t nsteps;
    bool open_loop;
    uint64_t connections; /* open loop */
    uint64_t duration_us, warmup_us, timeout_us, threads;
    const char *headers[SWEEP_MAX_HEADERS];
    size_t nheaders;
    struct metric_threshold slo;
    bool have_slo;
    const char *server_stats;
    const char *token;
};

/* "1,2,4,8" or "1k,2k,4k": counts with SI suffixes, strictly increasing. */
static int parse_list(const char *s, struct sweep_opts *o, const char *flag)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", s);
    o->nsteps = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (units_si_parse(tok, &v) != 0 || v == 0 || o->nsteps == SWEEP_MAX_STEPS ||
            (o->nsteps && (double)v <= o->steps[o->nsteps - 1])) {
            fprintf(stderr,
                    "tierbench sweep: %s %s: expected up to %d increasing numbers like 1,2,4 or "
                    "1k,2k\n",
                    flag, s, SWEEP_MAX_STEPS);
            return -1;
        }
        o->steps[o->nsteps++] = (double)v;
    }
    return o->nsteps ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct sweep_opts *o)
{
    o->duration_us = 5000000;
    o->timeout_us = 2000000;
    o->threads = 2;
    o->connections = 100;
    o->token = getenv("TIERBENCH_ADMIN_TOKEN");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        int took = cli_common_opt_take(&o->common, argc, argv, &i);
        if (took < 0) {
            fprintf(stderr, "tierbench sweep: %s needs a value\n", a);
            return -1;
        }
        if (took > 0)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if ((v = cli_opt_value(argc, argv, &i, "--conns", NULL, &missing))) {
            if (parse_list(v, o, "--conns") != 0)
                return -1;
            o->open_loop = false;
        } else if ((v = cli_opt_value(argc, argv, &i, "--rates", NULL, &missing))) {
            if (parse_list(v, o, "--rates") != 0)
                return -1;
            o->open_loop = true;
        } else if ((v = cli_opt_value(argc, argv, &i, "--connections", "-c", &missing))) {
            if (units_si_parse(v, &o->connections) != 0 || o->connections == 0 ||
                o->connections > 100000) {
                fprintf(stderr, "tierbench sweep: --connections %s: expected 1..100000\n", v);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--duration", "-d", &missing)) ||
                   (v = cli_opt_value(argc, argv, &i, "--warmup", NULL, &missing)) ||
                   (v = cli_opt_value(argc, argv, &i, "--timeout", NULL, &missing))) {
            bool warm = !strncmp(a, "--warmup", 8), tmo = !strncmp(a, "--timeout", 9);
            uint64_t *dst = warm ? &o->warmup_us : tmo ? &o->timeout_us : &o->duration_us;
            if (units_duration_parse(v, 1000000, dst) != 0 || (!warm && *dst == 0)) {
                fprintf(stderr, "tierbench sweep: %s %s: expected a duration like 5s\n", a, v);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--threads", "-t", &missing))) {
            if (units_si_parse(v, &o->threads) != 0 || o->threads == 0 || o->threads > 1024) {
                fprintf(stderr, "tierbench sweep: --threads %s: expected 1..1024\n", v);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--header", "-H", &missing))) {
            if (!strchr(v, ':') || o->nheaders == SWEEP_MAX_HEADERS) {
                fprintf(stderr, "tierbench sweep: --header '%s': want 'Name: value'\n", v);
                return -1;
            }
            o->headers[o->nheaders++] = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--slo", NULL, &missing))) {
            char err[256];
            if (metric_threshold_parse(v, &o->slo, err, sizeof(err)) != 0 ||
                metric_percentile(o->slo.metric) < 0) {
                fprintf(stderr, "tierbench sweep: --slo %s: %s\n", v,
                        *err ? err : "expected a latency percentile like 'p99<100ms'");
                return -1;
            }
            o->have_slo = true;
        } else if ((v = cli_opt_value(argc, argv, &i, "--server-stats", NULL, &missing))) {
            o->server_stats = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--token", NULL, &missing))) {
            o->token = v;
        } else if (missing) {
            fprintf(stderr, "tierbench sweep: %s needs a value\n", a);
            return -1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench sweep: unknown option %s (try tierbench sweep --help)\n", a);
            return -1;
        } else if (!o->url) {
            o->url = a;
        } else {
            fprintf(stderr, "tierbench sweep: unexpected argument %s\n", a);
            return -1;
        }
    }
    if (!o->url) {
        fprintf(stderr, "tierbench sweep: missing URL (try tierbench sweep --help)\n");
        return -1;
    }
    if (o->nsteps == 0)
        for (double c = 1; c <= 512; c *= 2)
            o->steps[o->nsteps++] = c;
    return 0;
}

/* The server's request count and process CPU seconds from its admin API (/api/stats). */
struct server_view {
    uint64_t requests;
    double cpu_s;
};

static int server_read(const struct sweep_opts *o, struct server_view *out, char *err,
                       size_t errlen)
{
    char url[1024];
    size_t n = strlen(o->server_stats);
    if (n && o->server_stats[n - 1] == '/')
        n--; /* "http://host:9001/" as well as "http://host:9001" */
    snprintf(url, sizeof(url), "%.*s/api/stats?timeline=0", (int)n, o->server_stats);
    char *body;
    long status;
    if (lg_fetch(url, o->token, 2000000, &body, &status, err, errlen) != 0)
        return -1;
    cJSON *doc = status == 200 ? cJSON_Parse(body) : NULL;
    free(body);
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(doc, "totals");
    const cJSON *proc = cJSON_GetObjectItemCaseSensitive(doc, "process");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(totals, "requests");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(proc, "cpu_user_s");
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(proc, "cpu_system_s");
    int rc = -1;
    if (cJSON_IsNumber(req) && cJSON_IsNumber(user) && cJSON_IsNumber(sys)) {
        out->requests = (uint64_t)req->valuedouble;
        out->cpu_s = user->valuedouble + sys->valuedouble;
        rc = 0;
    } else {
        snprintf(err, errlen, "%.200s: %s", url,
                 status == 401   ? "401: the admin API wants --token"
                 : status != 200 ? "not 200 OK"
                                 : "not tierbench serve's /api/stats");
    }
    cJSON_Delete(doc);
    return rc;
}

static char *step_config(const struct sweep_opts *o, size_t step, const struct lg_config *cfg)
{
    size_t cap = 2048 + strlen(o->url) * 2;
    for (size_t i = 0; i < o->nheaders; i++)
        cap += strlen(o->headers[i]) * 2 + 8;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    jsonw_obj_begin(&w, NULL);
    /* A step is a wrk run (runs show prints it in wrk's layout), with where it sat. */
    jsonw_str(&w, "tool", "wrk");
    jsonw_str(&w, "url", o->url);
    jsonw_u64(&w, "threads", cfg->threads);
    jsonw_u64(&w, "connections", cfg->connections);
    jsonw_double(&w, "duration_s", (double)cfg->duration_us / 1e6, 3);
    jsonw_double(&w, "timeout_s", (double)cfg->timeout_us / 1e6, 3);
    jsonw_double(&w, "rate_rps", cfg->rate_rps, 1);
    jsonw_bool(&w, "latency", true);
    jsonw_bool(&w, "u_latency", cfg->rate_rps > 0);
    jsonw_obj_begin(&w, "sweep");
    jsonw_u64(&w, "step", step + 1);
    jsonw_u64(&w, "steps", o->nsteps);
    jsonw_str(&w, "loop", o->open_loop ? "open" : "closed");
    jsonw_double(&w, "warmup_s", (double)o->warmup_us / 1e6, 3);
    jsonw_str(&w, "slo", o->have_slo ? o->slo.text : NULL);
    jsonw_obj_end(&w);
    jsonw_arr_begin(&w, "headers");
    for (size_t i = 0; i < o->nheaders; i++)
        jsonw_str(&w, NULL, o->headers[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Runs cfg to the end with a progress bar; 0, 1 when interrupted, -1 on error. */
static int step_run(const struct lg_config *cfg, struct run_result *r,
                    struct cli_common_opts *common, const char *title)
{
    char err[512];
    struct lg_run *run;
    if (cli_raise_fd_limit(cfg->connections, cfg->threads, err, sizeof(err)) != 0 ||
        lg_start(cfg, &run, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench sweep: %s\n", err);
        return -1;
    }
    struct cli_bar bar;
    cli_bar_init(&bar, cfg->duration_us, 0);
    int rc = cli_watch(run, cli_bar_progress, &bar, common, title, r);
    cli_bar_clear(&bar);
    if (rc != 0) {
        fprintf(stderr, "tierbench sweep: out of memory\n");
        return -1;
    }
    return cli_interrupted() ? 1 : 0;
}

/* Why the ladder stops after this step, or NULL to go on. */
static const char *stop_reason(const struct sweep_opts *o, const struct run_result *r, char *buf,
                               size_t len)
{
    double er = run_error_rate(r);
    if (er > 0.05) {
        snprintf(buf, len, "errors %.1f%% > 5%%", er * 100);
        return buf;
    }
    if (o->have_slo) {
        double ms = metric_value(o->slo.metric, r);
        if (ms > 10 * o->slo.limit) {
            snprintf(buf, len, "%s %.1f ms > 10x the SLO (%s)", metric_name(o->slo.metric), ms,
                     o->slo.text);
            return buf;
        }
    }
    return NULL;
}

int cli_sweep(int argc, char **argv)
{
    struct sweep_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[512];
    struct lg_url url;
    if (lg_url_parse(o.url, &url, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench sweep: %s\n", err);
        return 2;
    }
    struct server_view before, after;
    if (o.server_stats && server_read(&o, &before, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench sweep: --server-stats: %s\n", err);
        return 1;
    }
    /* The largest step's descriptors are checked before the first step runs. */
    unsigned max_conns = o.open_loop ? (unsigned)o.connections : (unsigned)o.steps[o.nsteps - 1];
    if (cli_raise_fd_limit(max_conns, (unsigned)(o.threads < max_conns ? o.threads : max_conns),
                           err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench sweep: %s\n", err);
        return 1;
    }
    struct db *db = NULL;
    int64_t group = 0;
    if (!o.common.save.no_save) {
        db = cli_store_open(o.common.save.db_path, err, sizeof(err));
        char name[1200];
        snprintf(name, sizeof(name), "%s %s %g..%g", o.url, o.open_loop ? "rates" : "conns",
                 o.steps[0], o.steps[o.nsteps - 1]);
        if (!db || db_group_create(db, "sweep", name, &group) != 0) {
            fprintf(stderr, "tierbench sweep: %s\n", db ? db_errmsg(db) : err);
            db_close(db);
            return 1;
        }
    }
    cli_signals_install();
    struct lg_request rq = {.method = "GET", .headers = o.headers, .nheaders = o.nheaders};
    struct run_result *done = calloc(o.nsteps, sizeof(*done));
    size_t ndone = 0;
    int status = done ? 0 : 1;
    const char *why = NULL;
    char whybuf[160];
    for (size_t i = 0; status == 0 && i < o.nsteps && !cli_interrupted() && !why; i++) {
        unsigned conns = o.open_loop ? (unsigned)o.connections : (unsigned)o.steps[i];
        struct lg_config cfg = {
            .url = o.url,
            .requests = &rq,
            .nrequests = 1,
            .threads = (unsigned)(o.threads < conns ? o.threads : conns),
            .connections = conns,
            .duration_us = o.warmup_us,
            .rate_rps = o.open_loop ? o.steps[i] : 0,
            .timeout_us = o.timeout_us,
            .keep_alive = true,
        };
        if (o.open_loop)
            fprintf(stderr, "step %zu/%zu: %g req/s on %u connections, %s\n", i + 1, o.nsteps,
                    o.steps[i], conns, o.warmup_us ? "warming up" : "measuring");
        else
            fprintf(stderr, "step %zu/%zu: %u connections, %s\n", i + 1, o.nsteps, conns,
                    o.warmup_us ? "warming up" : "measuring");
        struct run_result warm;
        char title[1200];
        snprintf(title, sizeof(title), "tierbench sweep %s: step %zu/%zu, %u connections%s", o.url,
                 i + 1, o.nsteps, conns, o.warmup_us ? " (warm-up first)" : "");
        if (o.warmup_us) {
            rc = step_run(&cfg, &warm, &o.common, title);
            run_result_free(&warm);
            if (rc != 0) {
                status = rc < 0 ? 1 : 0;
                break;
            }
        }
        if (o.server_stats && server_read(&o, &before, err, sizeof(err)) != 0) {
            fprintf(stderr, "tierbench sweep: --server-stats: %s\n", err);
            status = 1;
            break;
        }
        cfg.duration_us = o.duration_us;
        struct run_result *r = &done[ndone];
        rc = step_run(&cfg, r, &o.common, title);
        if (rc != 0) {
            run_result_free(r); /* an interrupted step is not a measurement */
            status = rc < 0 ? 1 : 0;
            break;
        }
        if (o.server_stats && server_read(&o, &after, err, sizeof(err)) == 0 &&
            after.requests > before.requests) {
            r->server_requests = after.requests - before.requests;
            r->server_cpu_s = after.cpu_s - before.cpu_s;
        }
        snprintf(r->tool, sizeof(r->tool), "wrk");
        r->group_id = group;
        r->cmdline = cli_cmdline_join(argc, argv);
        r->config_json = step_config(&o, i, &cfg);
        if (o.common.label)
            snprintf(r->label, sizeof(r->label), "%s", o.common.label);
        if (o.common.tier)
            snprintf(r->tier, sizeof(r->tier), "%s", o.common.tier);
        if (db && db_run_insert(db, r) != 0) {
            fprintf(stderr, "tierbench sweep: %s\n", db_errmsg(db));
            status = 1;
        }
        ndone++;
        fprintf(stderr, "  %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %.2f%%\n", run_rps(r),
                (double)hist_percentile(r->latency, 50) / 1e3,
                (double)hist_percentile(r->latency, 99) / 1e3, run_error_rate(r) * 100);
        why = stop_reason(&o, r, whybuf, sizeof(whybuf));
    }
    cli_live_end(&o.common);
    if (why)
        fprintf(stderr, "stopped early: %s\n", why);
    if (cli_interrupted())
        fprintf(stderr, "interrupted: %zu finished step%s kept\n", ndone, ndone == 1 ? "" : "s");

    /* The steps as a table. */
    static const char *const cols[] = {"Step|step|r",         "Conns|connections|r",
                                       "Rate|rate_rps|r",     "Req/s|rps|r",
                                       "p50 ms|p50_ms|r",     "p99 ms|p99_ms|r",
                                       "Errors|error_rate|r", "Srv CPU us|server_cpu_us|r"};
    struct rpt_table t;
    char title[256];
    snprintf(title, sizeof(title), "Sweep of %s", o.url);
    if (ndone && rpt_table_init(&t, "steps", title, cols, 8) == 0) {
        for (size_t i = 0; i < ndone; i++) {
            const struct run_result *r = &done[i];
            struct rpt_cell *c = rpt_table_row(&t);
            if (!c)
                break;
            double cpu =
                r->server_requests ? r->server_cpu_s * 1e6 / (double)r->server_requests : NAN;
            rpt_cell_set(&c[0], (double)(i + 1), "%zu", i + 1);
            rpt_cell_set(&c[1], r->connections, "%u", r->connections);
            if (r->rate_rps > 0)
                rpt_cell_set(&c[2], r->rate_rps, "%.0f", r->rate_rps);
            else
                rpt_cell_set(&c[2], NAN, "-");
            rpt_cell_set(&c[3], run_rps(r), "%.0f", run_rps(r));
            rpt_cell_set(&c[4], (double)hist_percentile(r->latency, 50) / 1e3, "%.2f",
                         (double)hist_percentile(r->latency, 50) / 1e3);
            rpt_cell_set(&c[5], (double)hist_percentile(r->latency, 99) / 1e3, "%.2f",
                         (double)hist_percentile(r->latency, 99) / 1e3);
            rpt_cell_set(&c[6], run_error_rate(r), "%.2f%%", run_error_rate(r) * 100);
            if (isnan(cpu))
                rpt_cell_set(&c[7], NAN, "-");
            else
                rpt_cell_set(&c[7], cpu, "%.1f", cpu);
        }
        if (group)
            rpt_table_note(&t, "saved as group g:%lld: tierbench capacity g:%lld --slo '%s'",
                           (long long)group, (long long)group,
                           o.have_slo ? o.slo.text : "p99<100ms");
        rpt_tables_write(stdout, RPT_TEXT, &t, 1);
        rpt_table_free(&t);
    }
    for (size_t i = 0; i < ndone; i++)
        run_result_free(&done[i]);
    free(done);
    db_close(db);
    if (ndone == 0 && status == 0)
        status = 1;
    return status;
}
