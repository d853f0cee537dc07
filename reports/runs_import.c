/* reports/runs_import.c: `runs import`: an export document (rpt_runs_export, in run_json.c)
 * back into runs, histograms and all, so runs made on other machines compare and merge exactly.
 * The document is checked as it is read: every error names the JSON path of the bad value, and
 * nothing half-read is returned. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "reports/reports.h"

struct reader {
    char path[160]; /* "runs[3]" */
    char *err;
    size_t errlen;
    bool failed;
};

static void bad(struct reader *rd, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(struct reader *rd, const char *key, const char *fmt, ...)
{
    if (rd->failed)
        return; /* the first error is the one worth reading */
    rd->failed = true;
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(rd->err, rd->errlen, "%s%s%s: %s", rd->path, key ? "." : "", key ? key : "", why);
    text_one_line(rd->err);
}

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static uint64_t get_u64(struct reader *rd, const cJSON *obj, const char *key)
{
    const cJSON *v = field(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1.8e19 ||
        v->valuedouble != floor(v->valuedouble)) {
        bad(rd, key, "expected a non-negative integer");
        return 0;
    }
    return (uint64_t)v->valuedouble;
}

/* A count in a JSON object of counts: a whole number in [0, 1.8e19], so it converts to
 * uint64_t exactly (a larger double would be undefined behaviour). */
static bool count_ok(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1.8e19 &&
           v->valuedouble == floor(v->valuedouble);
}

static double get_num(struct reader *rd, const cJSON *obj, const char *key)
{
    const cJSON *v = field(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
        bad(rd, key, "expected a non-negative number");
        return 0;
    }
    return v->valuedouble;
}

static void get_str(struct reader *rd, const cJSON *obj, const char *key, char *dst, size_t len)
{
    const cJSON *v = field(obj, key);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v))
        return;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= len) {
        bad(rd, key, "expected a string of at most %zu bytes", len - 1);
        return;
    }
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 into a new buffer; NULL when it is not base64. */
static uint8_t *b64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4)
        return NULL;
    uint8_t *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            bool pad = s[i + k] == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '=');
            v[k] = pad ? 0 : b64_value((unsigned char)s[i + k]);
            if (v[k] < 0)
                goto fail;
        }
        unsigned x =
            (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        out[o++] = (uint8_t)(x >> 16);
        if (s[i + 2] != '=')
            out[o++] = (uint8_t)(x >> 8);
        if (s[i + 3] != '=')
            out[o++] = (uint8_t)x;
    }
    *len = o;
    return out;
fail:
    free(out);
    return NULL;
}

/* A histogram from its base64 form; NULL for null or absent (and on error, with rd failed).
 * where: the key's path for the message ("histograms.latency"). */
static struct hist *get_hist(struct reader *rd, const cJSON *obj, const char *key,
                             const char *where)
{
    const cJSON *v = obj ? field(obj, key) : NULL;
    if (!v || cJSON_IsNull(v))
        return NULL;
    size_t len = 0;
    uint8_t *bytes = cJSON_IsString(v) ? b64_decode(v->valuestring, &len) : NULL;
    struct hist *h = bytes ? hist_deserialize(bytes, len) : NULL;
    free(bytes);
    if (!h)
        bad(rd, where, "not a valid histogram");
    return h;
}

static void read_errors(struct reader *rd, const cJSON *run, struct run_result *r)
{
    const cJSON *errors = field(run, "errors");
    const cJSON *by_errno = field(run, "errors_by_errno");
    for (int i = 0; i < RUN_ERR__COUNT && errors; i++)
        r->errors[i] = get_u64(rd, errors, run_err_names[i]);
    for (int i = 0; i < RUN_ERR__COUNT && by_errno; i++) {
        const cJSON *cls = field(by_errno, run_err_names[i]);
        const cJSON *e;
        /* Only an object's members have names: an array here would give NULL ones. */
        if (cls && !cJSON_IsObject(cls)) {
            bad(rd, "errors_by_errno", "%s: expected an object of errno counts", run_err_names[i]);
            return;
        }
        cJSON_ArrayForEach(e, cls)
        {
            int code = -1;
            char *end;
            long num = strtol(e->string, &end, 10);
            if (*e->string && !*end && num >= 0 && num < RUN_ERRNO_MAX)
                code = (int)num;
            else if (*e->string && !*end)
                code = RUN_ERRNO_MAX; /* a number, but out of range: refused below */
            for (int k = 1; code < 0 && k < RUN_ERRNO_MAX; k++) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
                const char *name = strerrorname_np(k);
                if (name && !strcmp(name, e->string))
                    code = k;
#endif
            }
            if (code < 0 || code >= RUN_ERRNO_MAX || !count_ok(e)) {
                bad(rd, "errors_by_errno", "%s.%s: unknown errno or a bad count", run_err_names[i],
                    e->string);
                return;
            }
            r->errno_counts[i][code] += (uint64_t)e->valuedouble;
        }
    }
}

static void read_status(struct reader *rd, const cJSON *run, struct run_result *r)
{
    const cJSON *e, *status = field(run, "status");
    if (status && !cJSON_IsNull(status) && !cJSON_IsObject(status)) {
        bad(rd, "status", "expected an object of counts by HTTP code");
        return;
    }
    cJSON_ArrayForEach(e, status)
    {
        char *end;
        long code = strtol(e->string, &end, 10);
        if (!*e->string || *end || code < 0 || code > 999 || !count_ok(e)) {
            bad(rd, "status", "\"%s\": expected an HTTP code and a count", e->string);
            return;
        }
        if (run_status_add(r, (int)code, (uint64_t)e->valuedouble) != 0)
            bad(rd, "status", "out of memory");
    }
}

static void read_timeline(struct reader *rd, const cJSON *run, struct run_result *r)
{
    const cJSON *t = field(run, "timeline");
    if (!t || cJSON_IsNull(t))
        return;
    if (!cJSON_IsArray(t)) {
        bad(rd, "timeline", "expected an array");
        return;
    }
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, t)
    {
        char key[48], where[64];
        snprintf(key, sizeof(key), "timeline[%zu]", i++);
        snprintf(where, sizeof(where), "%s.latency_hist", key);
        /* Bounded before the conversions to integers, which are undefined out of range. */
        const cJSON *unix_s = field(e, "unix_s");
        if (!cJSON_IsNumber(unix_s) || !(fabs(unix_s->valuedouble) <= 1e15)) {
            bad(rd, key, "unix_s: expected a Unix time in seconds");
            return;
        }
        double duration_s = get_num(rd, e, "duration_s");
        if (!(duration_s <= 1e6)) {
            bad(rd, key, "duration_s: expected the seconds of the second it covers");
            return;
        }
        struct sample s = {.second = (int64_t)unix_s->valuedouble,
                           .duration_us = (uint64_t)(duration_s * 1e6 + 0.5),
                           .requests = get_u64(rd, e, "requests"),
                           .errors = get_u64(rd, e, "errors"),
                           .bytes = get_u64(rd, e, "bytes"),
                           .latency_us = get_hist(rd, e, "latency_hist", where)};
        if (!rd->failed && run_timeline_add(r, &s, SAMPLE_SEQUENTIAL) != 0)
            bad(rd, key, "out of memory");
        const cJSON *lat = field(e, "latency_us");
        if (!s.latency_us && !rd->failed && cJSON_IsObject(lat)) {
            /* A second stored before histograms were kept: its figures, as they were. */
            struct run_second *rs = &r->timeline[r->ntimeline - 1];
            rs->p50_us = get_u64(rd, lat, "p50");
            rs->p90_us = get_u64(rd, lat, "p90");
            rs->p99_us = get_u64(rd, lat, "p99");
            rs->max_us = get_u64(rd, lat, "max");
        }
        hist_free(s.latency_us);
        if (rd->failed)
            return;
    }
}

static char *dup_json(const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    char *d = s ? strdup(s) : NULL;
    cJSON_free(s);
    return d;
}

static void read_run(struct reader *rd, const cJSON *run, struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    if (!cJSON_IsObject(run)) {
        bad(rd, NULL, "expected a run object");
        return;
    }
    const cJSON *schema = field(run, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, RPT_RUN_JSON_SCHEMA)) {
        bad(rd, "schema", "expected \"%s\"", RPT_RUN_JSON_SCHEMA);
        return;
    }
    get_str(rd, run, "tool", r->tool, sizeof(r->tool));
    get_str(rd, run, "engine", r->engine, sizeof(r->engine));
    get_str(rd, run, "target", r->target, sizeof(r->target));
    get_str(rd, run, "label", r->label, sizeof(r->label));
    get_str(rd, run, "tier", r->tier, sizeof(r->tier));
    get_str(rd, run, "server_software", r->server_software, sizeof(r->server_software));
    r->cmdline = dup_json(field(run, "cmdline"));
    r->config_json = dup_json(field(run, "config"));
    r->start_unix_s = get_num(rd, run, "start_unix_s");
    r->duration_s = get_num(rd, run, "duration_s");
    r->threads = (unsigned)get_u64(rd, run, "threads");
    r->connections = (unsigned)get_u64(rd, run, "connections");
    r->rate_rps = get_num(rd, run, "rate_rps");
    r->requests = get_u64(rd, run, "requests");
    r->requests_sent = get_u64(rd, run, "requests_sent");
    r->bytes_read = get_u64(rd, run, "bytes_read");
    r->bytes_written = get_u64(rd, run, "bytes_written");
    r->body_bytes_sent = get_u64(rd, run, "body_bytes_sent");
    r->connections_opened = get_u64(rd, run, "connections_opened");
    r->keepalive_responses = get_u64(rd, run, "keepalive_responses");
    r->length_errors = get_u64(rd, run, "length_errors");
    r->doc_bytes = get_u64(rd, run, "doc_bytes");
    r->html_bytes = get_u64(rd, run, "html_bytes");
    const cJSON *server = field(run, "server");
    if (cJSON_IsObject(server)) {
        r->server_requests = get_u64(rd, server, "requests");
        r->server_cpu_s = get_num(rd, server, "cpu_s");
    }
    read_errors(rd, run, r);
    read_status(rd, run, r);
    const cJSON *h = field(run, "histograms");
    if (!cJSON_IsObject(h)) {
        bad(rd, "histograms", "missing: this is not an export (tierbench runs export)");
        return;
    }
    r->latency = get_hist(rd, h, "latency", "histograms.latency");
    r->latency_uncorrected =
        get_hist(rd, h, "latency_uncorrected", "histograms.latency_uncorrected");
    r->connect_us = get_hist(rd, h, "connect", "histograms.connect");
    r->ttfb_us = get_hist(rd, h, "ttfb", "histograms.ttfb");
    r->connect_req_us = get_hist(rd, h, "connect_req", "histograms.connect_req");
    r->processing_us = get_hist(rd, h, "processing", "histograms.processing");
    r->thread_rps = get_hist(rd, h, "thread_rps", "histograms.thread_rps");
    read_timeline(rd, run, r);
    if (!r->latency && !rd->failed)
        bad(rd, "histograms.latency", "missing");
    if (r->latency && hist_count(r->latency) < r->requests && !r->latency_uncorrected &&
        !rd->failed)
        bad(rd, "histograms.latency", "holds fewer values than the run's requests");
}

int rpt_runs_import(const char *text, struct run_result **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct reader rd = {.path = "", .err = err, .errlen = errlen};
    cJSON *doc = cJSON_Parse(text);
    if (!doc) {
        snprintf(err, errlen, "not valid JSON");
        return -1;
    }
    const cJSON *schema = field(doc, "schema");
    const cJSON *runs = field(doc, "runs");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, RPT_RUNS_EXPORT_SCHEMA) ||
        !cJSON_IsArray(runs)) {
        snprintf(err, errlen, "not a tierbench export (expected \"schema\": \"%s\" and \"runs\")",
                 RPT_RUNS_EXPORT_SCHEMA);
        cJSON_Delete(doc);
        return -1;
    }
    size_t count = (size_t)cJSON_GetArraySize(runs);
    struct run_result *rs = calloc(count ? count : 1, sizeof(*rs));
    if (!rs) {
        snprintf(err, errlen, "out of memory");
        cJSON_Delete(doc);
        return -1;
    }
    size_t i = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        snprintf(rd.path, sizeof(rd.path), "runs[%zu]", i);
        read_run(&rd, run, &rs[i++]);
        if (rd.failed)
            break;
    }
    cJSON_Delete(doc);
    if (rd.failed) {
        for (size_t k = 0; k < i; k++)
            run_result_free(&rs[k]);
        free(rs);
        return -1;
    }
    *out = rs;
    *n = count;
    return 0;
}
