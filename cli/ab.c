/* cli/ab.c: `tierbench ab`: ApacheBench 2.3's flags, progress lines and summary, on the
 * epoll engine. Differences by design: HTTP/1.1 on the wire (ab's HTTP/1.0 keep-alive hangs on
 * many servers; --http1.0 restores ab's format), worker threads (-W), histograms instead of a
 * per-request array (flat memory), and every run saved to the result store. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/jsonw.h"
#include "cli/cli.h"
#include "common/file.h"
#include "common/units.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

#define AB_MAX_HEADERS                64
#define AB_DEFAULT_TIMELIMIT_REQUESTS 50000

static void usage(FILE *f)
{
    fprintf(f, "Usage: tierbench ab [options] http[s]://hostname[:port]/path\n"
               "Options are:\n"
               "    -n requests     Number of requests to perform\n"
               "    -c concurrency  Number of multiple requests to make at a time\n"
               "    -t timelimit    Seconds to max. to spend on benchmarking\n"
               "                    This implies -n 50000\n"
               "    -s timeout      Seconds to max. wait for each response\n"
               "                    Default is 30 seconds\n"
               "    -p postfile     File containing data to POST. Remember also to set -T\n"
               "    -u putfile      File containing data to PUT. Remember also to set -T\n"
               "    -T content-type Content-type header to use for POST/PUT data, eg.\n"
               "                    'application/x-www-form-urlencoded'\n"
               "                    Default is 'text/plain'\n"
               "    -v verbosity    How much troubleshooting info to print\n"
               "    -i              Use HEAD instead of GET\n"
               "    -C attribute    Add cookie, eg. 'Apache=1234'. (repeatable)\n"
               "    -H attribute    Add Arbitrary header line, eg. 'Accept-Encoding: gzip'\n"
               "                    Inserted after all normal header lines. (repeatable)\n"
               "    -A attribute    Add Basic WWW Authentication, the attributes\n"
               "                    are a colon separated username and password.\n"
               "    -V              Print version number and exit\n"
               "    -k              Use HTTP KeepAlive feature\n"
               "    -d              Do not show percentiles served table.\n"
               "    -S              Do not show confidence estimators and warnings.\n"
               "    -q              Do not show progress when doing more than 150 requests\n"
               "    -l              Accept variable document length (use this for dynamic pages)\n"
               "    -g filename     Output collected data to gnuplot format file.\n"
               "    -e filename     Output CSV file with percentages served\n"
               "    -r              Don't exit on socket receive errors (always the case here)\n"
               "    -m method       Method name\n"
               "    -h              Display usage information (this message)\n"
               "    -W threads      Worker threads (default: one per core, at most -c)\n"
               "    --http1.0       Send HTTP/1.0 requests exactly like ab (default HTTP/1.1)\n"
               "    --db PATH       Result store; --no-save: do not save the run\n"
               "    --json FILE|-   Also write the result as JSON\n"
               "    --label TEXT    Label the run; --tier NAME tags its tier\n"
               "    --live          The console's live panel while it runs (on a terminal)\n");
}

struct ab_opts {
    uint64_t requests;
    bool requests_set;
    uint64_t concurrency;
    uint64_t timelimit_us;
    uint64_t timeout_us;
    uint64_t threads;
    bool keepalive, head, nolength, no_percentile, no_confidence, quiet, http10;
    int verbosity;
    const char *method;
    const char *postfile, *putfile, *content_type;
    const char *csv_path, *gnuplot_path;
    const char *headers[AB_MAX_HEADERS];
    size_t nheaders;
    char *owned[AB_MAX_HEADERS]; /* header lines built here (cookies, auth) */
    size_t nowned;
    const char *url;
    struct cli_common_opts common;
};

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Returns a new "Authorization: Basic ..." line, or NULL. */
static char *basic_auth(const char *userpass)
{
    size_t n = strlen(userpass);
    size_t cap = 32 + (n + 2) / 3 * 4;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "Authorization: Basic ");
    const unsigned char *in = (const unsigned char *)userpass;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        s[len++] = b64[(v >> 18) & 63];
        s[len++] = b64[(v >> 12) & 63];
        s[len++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        s[len++] = i + 2 < n ? b64[v & 63] : '=';
    }
    s[len] = '\0';
    return s;
}

static int add_header(struct ab_opts *o, const char *h, bool owned)
{
    if (o->nheaders >= AB_MAX_HEADERS) {
        fprintf(stderr, "tierbench ab: too many headers\n");
        if (owned)
            free((char *)h);
        return -1;
    }
    o->headers[o->nheaders++] = h;
    if (owned)
        o->owned[o->nowned++] = (char *)h;
    return 0;
}

static int bad_value(char opt, const char *v)
{
    fprintf(stderr, "tierbench ab: invalid value '%s' for -%c\n", v ? v : "", opt);
    return -1;
}

/* getopt-style parsing: flags may be grouped (-kq), values attached (-n100) or separate.
 * Returns 0, 1 (printed version/help: exit 0) or -1 (bad usage, message printed). */
static int parse_args(int argc, char **argv, struct ab_opts *o)
{
    o->requests = 1;
    o->concurrency = 1;
    o->timeout_us = 30000000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = cli_common_opt_take(&o->common, argc, argv, &i);
        if (took < 0) {
            fprintf(stderr, "tierbench ab: option %s needs a value\n", a);
            return -1;
        }
        if (took > 0)
            continue;
        if (!strcmp(a, "--http1.0")) {
            o->http10 = true;
            continue;
        }
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (a[0] != '-' || !a[1]) {
            if (o->url) {
                fprintf(stderr, "tierbench ab: unexpected argument '%s'\n", a);
                return -1;
            }
            o->url = a;
            continue;
        }
        if (a[1] == '-') {
            fprintf(stderr, "tierbench ab: unknown option '%s'\n", a);
            return -1;
        }
        for (const char *p = a + 1; *p; p++) {
            char c = *p;
            const char *v = NULL;
            if (strchr("nctsmpuTegvHCAWXPbBxyzZfE", c)) {
                if (p[1])
                    v = p + 1;
                else if (i + 1 < argc)
                    v = argv[++i];
                else {
                    fprintf(stderr, "tierbench ab: option requires an argument -- '%c'\n", c);
                    return -1;
                }
            }
            uint64_t u = 0;
            switch (c) {
            case 'n':
                if (units_si_parse(v, &o->requests) < 0 || o->requests == 0)
                    return bad_value(c, v);
                o->requests_set = true;
                break;
            case 'c':
                if (units_si_parse(v, &o->concurrency) < 0 || o->concurrency == 0 ||
                    o->concurrency > 20000)
                    return bad_value(c, v);
                break;
            case 't':
                if (units_duration_parse(v, 1000000, &o->timelimit_us) < 0 || !o->timelimit_us)
                    return bad_value(c, v);
                break;
            case 's':
                if (units_duration_parse(v, 1000000, &o->timeout_us) < 0 || !o->timeout_us)
                    return bad_value(c, v);
                break;
            case 'W':
                if (units_si_parse(v, &o->threads) < 0 || o->threads == 0 || o->threads > 1024)
                    return bad_value(c, v);
                break;
            case 'v':
                if (units_si_parse(v, &u) < 0 || u > 10)
                    return bad_value(c, v);
                o->verbosity = (int)u;
                break;
            case 'm':
                o->method = v;
                break;
            case 'p':
                o->postfile = v;
                break;
            case 'u':
                o->putfile = v;
                break;
            case 'T':
                o->content_type = v;
                break;
            case 'e':
                o->csv_path = v;
                break;
            case 'g':
                o->gnuplot_path = v;
                break;
            case 'H':
                if (!strchr(v, ':')) {
                    fprintf(stderr, "tierbench ab: invalid header '%s' (want 'Name: value')\n", v);
                    return -1;
                }
                if (add_header(o, v, false) < 0)
                    return -1;
                break;
            case 'C': {
                size_t n = strlen(v) + 16;
                char *h = malloc(n);
                if (!h)
                    return -1;
                snprintf(h, n, "Cookie: %s", v);
                if (add_header(o, h, true) < 0)
                    return -1;
                break;
            }
            case 'A': {
                char *h = basic_auth(v);
                if (!h || add_header(o, h, true) < 0)
                    return -1;
                break;
            }
            case 'k':
                o->keepalive = true;
                break;
            case 'i':
                o->head = true;
                break;
            case 'l':
                o->nolength = true;
                break;
            case 'r':
                break;
            case 'd':
                o->no_percentile = true;
                break;
            case 'S':
                o->no_confidence = true;
                break;
            case 'q':
                o->quiet = true;
                break;
            case 'V':
                printf("This is tierbench ab, Version %s (ApacheBench 2.3 compatible)\n",
                       TB_VERSION);
                return 1;
            case 'h':
                usage(stdout);
                return 1;
            default:
                if (strchr("XPbBxyzZfEwI", c))
                    fprintf(stderr, "tierbench ab: option -%c is not supported\n", c);
                else
                    fprintf(stderr, "tierbench ab: invalid option -- '%c'\n", c);
                return -1;
            }
            if (v)
                break; /* the value consumed the rest of this argument */
        }
    }
    if (!o->url) {
        fprintf(stderr, "tierbench ab: wrong number of arguments\n");
        return -1;
    }
    if (o->timelimit_us && !o->requests_set)
        o->requests = AB_DEFAULT_TIMELIMIT_REQUESTS;
    if (o->concurrency > o->requests) {
        fprintf(stderr, "tierbench ab: Cannot use concurrency level greater than total number "
                        "of requests\n");
        return -1;
    }
    if ((o->postfile != NULL) + (o->putfile != NULL) + o->head > 1) {
        fprintf(stderr, "tierbench ab: -p, -u and -i cannot be combined\n");
        return -1;
    }
    return 0;
}

/* True for targets on this machine: localhost and 127.0.0.0/8. */
static bool is_loopback(const char *host)
{
    return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1");
}

/* ab's progress: "Completed N requests" every tenth (at least every 100) on stderr. */
struct ab_progress {
    uint64_t heartbeat;
    uint64_t next;
};

static void ab_progress(void *arg, uint64_t done, uint64_t elapsed_us)
{
    (void)elapsed_us;
    struct ab_progress *p = arg;
    if (!p->heartbeat)
        return;
    while (done >= p->next) {
        fprintf(stderr, "Completed %llu requests\n", (unsigned long long)p->next);
        p->next += p->heartbeat;
    }
    fflush(stderr);
}

/* ab -g: one line per request, written from the worker threads under a lock. */
struct gnuplot {
    FILE *f;
    pthread_mutex_t lock;
};

static void gnuplot_sample(void *arg, const struct lg_sample *s)
{
    struct gnuplot *g = arg;
    time_t t = (time_t)s->start_unix_s;
    struct tm tm;
    char when[64];
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Y", &tm);
    long ctime_ms = (long)((s->connect_us + 500) / 1000);
    long ttime_ms = (long)((s->total_us + 500) / 1000);
    pthread_mutex_lock(&g->lock);
    fprintf(g->f, "%s\t%lld\t%ld\t%ld\t%ld\t%ld\n", when, (long long)t, ctime_ms,
            ttime_ms - ctime_ms, ttime_ms, (long)((s->ttfb_us + 500) / 1000));
    pthread_mutex_unlock(&g->lock);
}

static char *config_json(const struct ab_opts *o, const char *method, unsigned threads)
{
    size_t cap = 4096 + strlen(o->url) * 2;
    for (size_t i = 0; i < o->nheaders; i++)
        cap += strlen(o->headers[i]) * 2 + 8;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "tool", "ab");
    jsonw_str(&w, "url", o->url);
    jsonw_str(&w, "method", method);
    jsonw_u64(&w, "requests", o->requests);
    jsonw_u64(&w, "concurrency", o->concurrency);
    jsonw_u64(&w, "threads", threads);
    jsonw_double(&w, "timelimit_s", (double)o->timelimit_us / 1e6, 3);
    jsonw_double(&w, "timeout_s", (double)o->timeout_us / 1e6, 3);
    jsonw_bool(&w, "keepalive", o->keepalive);
    jsonw_bool(&w, "http10", o->http10);
    jsonw_bool(&w, "nolength", o->nolength);
    jsonw_bool(&w, "no_confidence", o->no_confidence);
    jsonw_bool(&w, "no_percentile", o->no_percentile);
    jsonw_bool(&w, "quiet", o->quiet);
    jsonw_u64(&w, "verbosity", (uint64_t)o->verbosity);
    jsonw_str(&w, "postfile", o->postfile ? o->postfile : o->putfile);
    jsonw_str(&w, "content_type", o->content_type);
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

/* What ab prints around a run. Built from the options of a run being made, or from a stored
 * run's configuration (cli_ab_show), so `runs show` prints exactly what the run printed. */
struct ab_view {
    struct lg_url url;
    unsigned concurrency, threads;
    bool http10, keepalive, nolength, confidence, percentile, send_body, heartbeat;
    int verbosity;
};

static void ab_print_banner(FILE *f, const struct ab_view *v)
{
    fprintf(f, "This is tierbench ab, Version %s (ApacheBench 2.3 compatible)\n", TB_VERSION);
    fprintf(f, "Engine: %s, %u worker thread%s, HTTP/1.%c\n", v->url.https ? "curl" : "epoll",
            v->threads, v->threads == 1 ? "" : "s", v->http10 ? '0' : '1');
    fprintf(f, "\n");
    fprintf(f, "Benchmarking %s (be patient)%s", v->url.host, v->heartbeat ? "\n" : "...");
}

/* Everything after the run: ab's "..done", errors by errno when asked, the summary. */
static void ab_print_result(FILE *f, const struct run_result *r, const struct ab_view *v)
{
    if (!v->heartbeat)
        fprintf(f, "..done\n");
    if (v->verbosity >= 2 && run_errors_total(r) > r->errors[RUN_ERR_STATUS]) {
        fprintf(f, "Errors by class and errno:\n");
        rpt_errno_table(f, r);
    }
    struct rpt_ab_opts fo = {
        .host = v->url.host,
        .port = v->url.port,
        .path = v->url.path,
        .concurrency = v->concurrency,
        .threads = r->threads,
        .keepalive = v->keepalive,
        .nolength = v->nolength,
        .confidence = v->confidence,
        .percentile = v->percentile,
        .send_body = v->send_body,
    };
    rpt_ab_report(f, r, &fo);
}

static bool json_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double json_num(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

int cli_ab_show(FILE *f, const struct run_result *r)
{
    struct ab_view v;
    memset(&v, 0, sizeof(v));
    char err[256];
    if (lg_url_parse(r->target, &v.url, err, sizeof(err)) != 0)
        return -1;
    cJSON *c = r->config_json ? cJSON_Parse(r->config_json) : NULL;
    double requests = json_num(c, "requests", (double)run_ab_complete(r));
    const cJSON *post = cJSON_GetObjectItemCaseSensitive(c, "postfile");
    v.concurrency = (unsigned)json_num(c, "concurrency", r->connections);
    v.threads = (unsigned)json_num(c, "threads", r->threads);
    v.http10 = json_bool(c, "http10");
    v.keepalive = json_bool(c, "keepalive");
    v.nolength = json_bool(c, "nolength");
    v.confidence = !json_bool(c, "no_confidence");
    v.percentile = !json_bool(c, "no_percentile");
    v.send_body = cJSON_IsString(post);
    v.heartbeat = requests > 150 && !json_bool(c, "quiet");
    v.verbosity = (int)json_num(c, "verbosity", 0);
    cJSON_Delete(c);
    ab_print_banner(f, &v);
    ab_print_result(f, r, &v);
    return 0;
}

int cli_ab(int argc, char **argv)
{
    struct ab_opts o;
    memset(&o, 0, sizeof(o));
    int status = 1;
    char *body = NULL;
    size_t body_len = 0;
    FILE *csv = NULL;
    struct gnuplot gp = {.f = NULL};
    struct run_result r;
    memset(&r, 0, sizeof(r));
    char err[512];
    char ctype[300];

    int rc = parse_args(argc, argv, &o);
    if (rc > 0) {
        status = 0;
        goto done;
    }
    if (rc < 0) {
        usage(stderr);
        goto done;
    }
    struct lg_url url;
    if (lg_url_parse(o.url, &url, err, sizeof(err)) < 0) {
        fprintf(stderr, "tierbench ab: %s\n", err);
        goto done;
    }
    const char *method = o.head ? "HEAD" : o.postfile ? "POST" : o.putfile ? "PUT" : "GET";
    if (o.method)
        method = o.method;
    if (o.postfile || o.putfile) {
        const char *path = o.postfile ? o.postfile : o.putfile;
        body = file_read(path, 0, &body_len, err, sizeof(err));
        if (!body) {
            fprintf(stderr, "tierbench ab: could not open %s\n", path);
            goto done;
        }
        snprintf(ctype, sizeof(ctype), "Content-type: %s",
                 o.content_type ? o.content_type : "text/plain");
        if (add_header(&o, ctype, false) < 0)
            goto done;
    }
    /* ab's own default headers; -H lines with the same name replace them. */
    const char *ua =
        o.http10 ? "User-Agent: ApacheBench/2.3" : "User-Agent: tierbench-ab/" TB_VERSION;
    if (add_header(&o, ua, false) < 0 || add_header(&o, "Accept: */*", false) < 0)
        goto done;
    /* Move the defaults in front so the user's -H lines come last, as in ab. */
    {
        size_t nd = 2;
        const char *tmp[AB_MAX_HEADERS];
        size_t k = 0;
        for (size_t i = o.nheaders - nd; i < o.nheaders; i++)
            tmp[k++] = o.headers[i];
        for (size_t i = 0; i < o.nheaders - nd; i++) {
            /* A user header that names a default drops that default. */
            const char *h = o.headers[i];
            size_t nlen = strcspn(h, ":");
            for (size_t d = 0; d < nd; d++)
                if (tmp[d] && !strncasecmp(tmp[d], h, nlen) && tmp[d][nlen] == ':')
                    tmp[d] = NULL;
            tmp[k++] = h;
        }
        size_t out = 0;
        for (size_t i = 0; i < k; i++)
            if (tmp[i])
                o.headers[out++] = tmp[i];
        o.nheaders = out;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    /* One thread per core; but a loopback target is a server on this machine, and it needs a
     * core too: measured on 2 cores against nginx, two client threads lost throughput to one
     * (the server got less CPU), so one core is left to it. */
    if (is_loopback(url.host) && ncpu > 1)
        ncpu--;
    unsigned threads = o.threads ? (unsigned)o.threads : (unsigned)ncpu;
    if (threads > o.concurrency)
        threads = (unsigned)o.concurrency;
    if (url.https)
        threads = 1; /* the curl engine runs on one thread */

    if (o.csv_path && !(csv = fopen(o.csv_path, "w"))) {
        fprintf(stderr, "tierbench ab: Cannot open CSV output file %s\n", o.csv_path);
        goto done;
    }
    if (o.gnuplot_path) {
        gp.f = fopen(o.gnuplot_path, "w");
        if (!gp.f) {
            fprintf(stderr, "tierbench ab: Cannot open gnuplot output file %s\n", o.gnuplot_path);
            goto done;
        }
        pthread_mutex_init(&gp.lock, NULL);
        fprintf(gp.f, "starttime\tseconds\tctime\tdtime\tttime\twait\n");
    }

    struct lg_request rq = {.method = method,
                            .headers = o.headers,
                            .nheaders = o.nheaders,
                            .body = body,
                            .body_bytes = body_len};
    struct ab_progress prog = {0, 0};
    if (o.requests > 150 && !o.quiet) {
        prog.heartbeat = o.requests / 10 < 100 ? 100 : o.requests / 10;
        prog.next = prog.heartbeat;
    }
    struct lg_config cfg = {
        .url = o.url,
        .requests = &rq,
        .nrequests = 1,
        .threads = threads,
        .connections = (unsigned)o.concurrency,
        .duration_us = o.timelimit_us,
        .max_requests = o.requests,
        .timeout_us = o.timeout_us,
        .keep_alive = o.keepalive,
        .http10 = o.http10,
        .connect_in_latency = true,
        .ab_times = true,
        .on_sample = gp.f ? gnuplot_sample : NULL,
        .on_sample_arg = &gp,
    };
    struct ab_view view = {
        .url = url,
        .concurrency = (unsigned)o.concurrency,
        .threads = threads,
        .http10 = o.http10,
        .keepalive = o.keepalive,
        .nolength = o.nolength,
        .confidence = !o.no_confidence,
        .percentile = !o.no_percentile,
        .send_body = body != NULL,
        .heartbeat = prog.heartbeat != 0,
        .verbosity = o.verbosity,
    };
    ab_print_banner(stdout, &view);
    fflush(stdout);
    cli_signals_install();
    struct lg_run *run;
    if (cli_raise_fd_limit(cfg.connections, cfg.threads, err, sizeof(err)) != 0 ||
        lg_start(&cfg, &run, err, sizeof(err)) < 0) {
        printf("\n");
        fflush(stdout);
        fprintf(stderr, "tierbench ab: %s\n", err);
        goto done;
    }
    char *cmdline = cli_cmdline_join(argc, argv);
    rc = cli_watch(run, ab_progress, &prog, &o.common, cmdline ? cmdline : o.url, &r);
    cli_live_end(&o.common);
    free(cmdline);
    if (rc != 0) {
        fprintf(stderr, "tierbench ab: out of memory\n");
        goto done;
    }
    ab_progress(&prog, run_ab_complete(&r), 0);
    if (prog.heartbeat)
        fprintf(stderr, "Finished %llu requests\n", (unsigned long long)run_ab_complete(&r));
    ab_print_result(stdout, &r, &view);
    fflush(stdout);
    if (csv)
        rpt_ab_csv(csv, &r);
    snprintf(r.tool, sizeof(r.tool), "ab");
    r.cmdline = cli_cmdline_join(argc, argv);
    r.config_json = config_json(&o, method, threads);
    cli_common_finish(&o.common, &r);
    status = 0;
done:
    if (csv)
        fclose(csv);
    if (gp.f) {
        fclose(gp.f);
        pthread_mutex_destroy(&gp.lock);
    }
    for (size_t i = 0; i < o.nowned; i++)
        free(o.owned[i]);
    free(body);
    run_result_free(&r);
    return status;
}
