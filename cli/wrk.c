/* cli/wrk.c: `tierbench wrk`: wrk 4.1's flags and report, wrk2's -R/-U constant-rate
 * mode, plus the store options every load command takes. argv -> struct lg_config -> lg_start
 * -> cli_watch -> rpt_wrk_report (reports/wrk.c) -> cli_common_finish. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/jsonw.h"
#include "cli/cli.h"
#include "common/units.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

#define WRK_MAX_HEADERS 64

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: tierbench wrk <options> <url>\n"
            "  Options:\n"
            "    -c, --connections <N>  Connections to keep open\n"
            "    -d, --duration    <T>  Duration of test\n"
            "    -t, --threads     <N>  Number of threads to use\n"
            "\n"
            "    -H, --header      <H>  Add header to request\n"
            "        --latency          Print latency statistics\n"
            "        --timeout     <T>  Socket/request timeout\n"
            "    -R, --rate        <N>  Constant throughput in requests/sec (wrk2; latency is\n"
            "                           measured from the scheduled send time)\n"
            "    -U, --u_latency        Also print the uncorrected latency distribution (wrk2)\n"
            "    -v, --verbose          Version alone; with a URL: errors by errno, status codes\n"
            "\n"
            "        --db PATH          Result store (default $TIERBENCH_DB or\n"
            "                           $XDG_DATA_HOME/tierbench/results.db)\n"
            "        --no-save          Do not save the run\n"
            "        --json FILE|-      Also write the result as JSON\n"
            "        --label TEXT       Label the run; --tier NAME tags its tier\n"
            "        --live             The console's live panel while it runs (on a terminal)\n"
            "\n"
            "  Numeric arguments may include a SI unit (1k, 1M, 1G)\n"
            "  Time arguments may include a time unit (2s, 2m, 2h)\n");
}

struct wrk_opts {
    uint64_t threads, connections, duration_us, timeout_us;
    double rate_rps;
    bool latency, u_latency, verbose;
    const char *headers[WRK_MAX_HEADERS];
    size_t nheaders;
    const char *url;
    struct cli_common_opts common;
};

/* Returns the value of option `a` ("-t2", "-t 2", "--threads=2", "--threads 2"), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *shortname,
                             const char *longname)
{
    const char *a = argv[*i];
    size_t sl = strlen(shortname), ll = strlen(longname);
    if (!strncmp(a, shortname, sl) && a[sl])
        return a + sl;
    if (!strncmp(a, longname, ll) && a[ll] == '=')
        return a + ll + 1;
    if (!strcmp(a, shortname) || !strcmp(a, longname)) {
        if (*i + 1 >= argc)
            return NULL;
        return argv[++*i];
    }
    return NULL;
}

static bool is_opt(const char *a, const char *shortname, const char *longname)
{
    size_t ll = strlen(longname);
    return !strncmp(a, shortname, 2) || !strcmp(a, longname) ||
           (!strncmp(a, longname, ll) && a[ll] == '=');
}

/* Returns 0, 1 (printed version/help: exit 0) or -1 (bad usage, message printed). */
static int parse_args(int argc, char **argv, struct wrk_opts *o)
{
    o->threads = 2;
    o->connections = 10;
    o->duration_us = 10000000;
    o->timeout_us = 2000000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = cli_common_opt_take(&o->common, argc, argv, &i);
        if (took < 0) {
            fprintf(stderr, "tierbench wrk: option %s needs a value\n", a);
            return -1;
        }
        if (took > 0)
            continue;
        const char *v;
        if (!strcmp(a, "--latency") || !strcmp(a, "-L")) {
            o->latency = true;
        } else if (!strcmp(a, "-U") || !strcmp(a, "--u_latency")) {
            o->u_latency = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--version") || !strcmp(a, "--verbose")) {
            o->verbose = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (is_opt(a, "-s", "--script")) {
            fprintf(stderr, "tierbench wrk: Lua scripts are not supported (use tierbench run)\n");
            return -1;
        } else if (is_opt(a, "-t", "--threads")) {
            v = opt_value(argc, argv, &i, "-t", "--threads");
            if (!v || units_si_parse(v, &o->threads) < 0 || o->threads == 0 || o->threads > 1024) {
                fprintf(stderr, "tierbench wrk: invalid number of threads '%s'\n", v ? v : "");
                return -1;
            }
        } else if (is_opt(a, "-c", "--connections")) {
            v = opt_value(argc, argv, &i, "-c", "--connections");
            if (!v || units_si_parse(v, &o->connections) < 0 || o->connections == 0 ||
                o->connections > 1000000) {
                fprintf(stderr, "tierbench wrk: invalid number of connections '%s'\n", v ? v : "");
                return -1;
            }
        } else if (is_opt(a, "-d", "--duration")) {
            v = opt_value(argc, argv, &i, "-d", "--duration");
            if (!v || units_duration_parse(v, 1000000, &o->duration_us) < 0 || !o->duration_us) {
                fprintf(stderr, "tierbench wrk: invalid duration '%s'\n", v ? v : "");
                return -1;
            }
        } else if (!strncmp(a, "--timeout", 9)) {
            v = opt_value(argc, argv, &i, "--timeout", "--timeout");
            if (!v || units_duration_parse(v, 1000000, &o->timeout_us) < 0 || !o->timeout_us) {
                fprintf(stderr, "tierbench wrk: invalid timeout '%s'\n", v ? v : "");
                return -1;
            }
        } else if (is_opt(a, "-R", "--rate")) {
            v = opt_value(argc, argv, &i, "-R", "--rate");
            uint64_t r = 0;
            if (!v || units_si_parse(v, &r) < 0 || r == 0) {
                fprintf(stderr, "tierbench wrk: invalid rate '%s'\n", v ? v : "");
                return -1;
            }
            o->rate_rps = (double)r;
        } else if (is_opt(a, "-H", "--header")) {
            v = opt_value(argc, argv, &i, "-H", "--header");
            if (!v || !strchr(v, ':')) {
                fprintf(stderr, "tierbench wrk: invalid header '%s' (want 'Name: value')\n",
                        v ? v : "");
                return -1;
            }
            if (o->nheaders >= WRK_MAX_HEADERS) {
                fprintf(stderr, "tierbench wrk: too many headers\n");
                return -1;
            }
            o->headers[o->nheaders++] = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tierbench wrk: unknown option '%s'\n", a);
            return -1;
        } else if (!o->url) {
            o->url = a;
        } else {
            fprintf(stderr, "tierbench wrk: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->url) {
        if (o->verbose) {
            printf("tierbench wrk %s [epoll] (wrk 4.1 / wrk2 compatible)\n", TB_VERSION);
            return 1;
        }
        return -1;
    }
    if (o->connections < o->threads) {
        fprintf(stderr, "number of connections must be >= threads\n");
        return -1;
    }
    return 0;
}

static char *config_json(const struct wrk_opts *o)
{
    size_t cap = 4096;
    for (size_t i = 0; i < o->nheaders; i++)
        cap += strlen(o->headers[i]) * 2 + 8;
    cap += strlen(o->url) * 2;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "tool", "wrk");
    jsonw_str(&w, "url", o->url);
    jsonw_u64(&w, "threads", o->threads);
    jsonw_u64(&w, "connections", o->connections);
    jsonw_double(&w, "duration_s", (double)o->duration_us / 1e6, 3);
    jsonw_double(&w, "timeout_s", (double)o->timeout_us / 1e6, 3);
    jsonw_double(&w, "rate_rps", o->rate_rps, 1);
    jsonw_bool(&w, "latency", o->latency);
    jsonw_bool(&w, "u_latency", o->u_latency);
    jsonw_bool(&w, "verbose", o->verbose);
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

/* Everything wrk prints after the run (the part `runs show` reprints after the header). */
static void wrk_print_result(FILE *f, const struct run_result *r, const struct rpt_wrk_opts *fo)
{
    /* https runs on the slower libcurl engine; say so, since its figures are not the epoll
     * engine's. */
    if (strcmp(r->engine, "epoll") != 0)
        fprintf(f, "  Engine: %s (https), %u thread%s\n", r->engine, r->threads,
                r->threads == 1 ? "" : "s");
    rpt_wrk_report(f, r, fo);
    if (fo->verbose && !strcmp(r->engine, "epoll"))
        fprintf(f, "  Engine: %s, %u threads\n", r->engine, r->threads);
}

int cli_wrk_show(FILE *f, const struct run_result *r)
{
    cJSON *c = r->config_json ? cJSON_Parse(r->config_json) : NULL;
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(c, "url");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "duration_s");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "threads");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "connections");
    struct rpt_wrk_opts fo = {
        .latency = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "latency")),
        .u_latency = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "u_latency")),
        .verbose = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "verbose")),
    };
    rpt_wrk_header(f, cJSON_IsString(url) ? url->valuestring : r->target,
                   cJSON_IsNumber(d) ? (uint64_t)(d->valuedouble * 1e6 + 0.5)
                                     : (uint64_t)(r->duration_s * 1e6),
                   cJSON_IsNumber(t) ? (unsigned)t->valuedouble : r->threads,
                   cJSON_IsNumber(n) ? (unsigned)n->valuedouble : r->connections);
    cJSON_Delete(c);
    wrk_print_result(f, r, &fo);
    return 0;
}

int cli_wrk(int argc, char **argv)
{
    struct wrk_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc > 0)
        return 0;
    if (rc < 0) {
        usage(stderr);
        return 1;
    }
    char err[512];
    struct lg_request rq = {.method = "GET", .headers = o.headers, .nheaders = o.nheaders};
    struct cli_bar bar;
    cli_bar_init(&bar, o.duration_us, 0);
    struct lg_config cfg = {
        .url = o.url,
        .requests = &rq,
        .nrequests = 1,
        .threads = (unsigned)o.threads,
        .connections = (unsigned)o.connections,
        .duration_us = o.duration_us,
        .rate_rps = o.rate_rps,
        .timeout_us = o.timeout_us,
        .keep_alive = true,
    };
    cli_signals_install();
    /* Like wrk, a bad or unresolvable target fails before the "Running" header; so does a
     * descriptor limit too low for -c. */
    struct lg_run *run;
    if (cli_raise_fd_limit(cfg.connections, cfg.threads, err, sizeof(err)) != 0 ||
        lg_start(&cfg, &run, err, sizeof(err)) < 0) {
        fprintf(stderr, "tierbench wrk: %s\n", err);
        return 1;
    }
    rpt_wrk_header(stdout, o.url, o.duration_us, cfg.threads, cfg.connections);
    fflush(stdout);
    struct run_result r;
    char *cmdline = cli_cmdline_join(argc, argv);
    rc = cli_watch(run, cli_bar_progress, &bar, &o.common, cmdline ? cmdline : o.url, &r);
    cli_live_end(&o.common);
    cli_bar_clear(&bar);
    if (rc != 0) {
        fprintf(stderr, "tierbench wrk: out of memory\n");
        free(cmdline);
        return 1;
    }
    struct rpt_wrk_opts fo = {.latency = o.latency, .u_latency = o.u_latency, .verbose = o.verbose};
    wrk_print_result(stdout, &r, &fo);
    fflush(stdout);
    snprintf(r.tool, sizeof(r.tool), "wrk");
    r.cmdline = cmdline;
    r.config_json = config_json(&o);
    cli_common_finish(&o.common, &r);
    run_result_free(&r);
    return 0;
}
