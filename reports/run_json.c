/* reports/run_json.c: the JSON form of one run (`--json FILE`), written with common/jsonw.h.
 * The schema is documented in README.md ("The run JSON"); keys carry their unit (latency_us,
 * duration_s), and every latency summary is common/sample.h's sample_latency_json. */
#include "reports/reports.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonw.h"
#include "common/sample.h"

/* "2026-11-30T00:10:00.250Z" */
static void iso8601_utc(double unix_s, char *buf, size_t len)
{
    time_t secs = (time_t)unix_s;
    int ms = (int)((unix_s - (double)secs) * 1000.0 + 0.5);
    if (ms >= 1000) {
        secs++;
        ms -= 1000;
    }
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* The errno's symbolic name ("ECONNREFUSED") when the C library knows it, else its number; 0
 * (an error that is not a system call's) is always "0". */
static const char *errno_key(int e, char *buf, size_t len)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char *name = e > 0 ? strerrorname_np(e) : NULL;
    if (name)
        return name;
#endif
    snprintf(buf, len, "%d", e);
    return buf;
}

/* "errors_by_errno": {"connect": {"ECONNREFUSED": 3}, "read": {}, ...}: every class, with its
 * non-zero errno counts only. */
static void write_errnos(struct jsonw *w, const struct run_result *r)
{
    char num[16];
    jsonw_obj_begin(w, "errors_by_errno");
    for (int i = 0; i < RUN_ERR__COUNT; i++) {
        jsonw_obj_begin(w, run_err_names[i]);
        for (int e = 0; e < RUN_ERRNO_MAX; e++)
            if (r->errno_counts[i][e])
                jsonw_u64(w, errno_key(e, num, sizeof(num)), r->errno_counts[i][e]);
        jsonw_obj_end(w);
    }
    jsonw_obj_end(w);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* key: base64 of the bytes (the serialized histogram), or null. */
static void write_b64(struct jsonw *w, const char *key, const uint8_t *data, size_t len)
{
    if (!data) {
        jsonw_null(w, key);
        return;
    }
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out) {
        jsonw_null(w, key); /* the caller's document is then incomplete: see rpt_runs_export */
        w->len = SIZE_MAX / 2;
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    jsonw_str(w, key, out);
    free(out);
}

static void write_hist_b64(struct jsonw *w, const char *key, const struct hist *h)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (h && hist_serialize_alloc(h, &buf, &len) != 0) {
        w->len = SIZE_MAX / 2; /* out of memory: the document is reported as not fitting */
        return;
    }
    write_b64(w, key, buf, len);
    free(buf);
}

static void write_timeline(struct jsonw *w, const struct run_result *r, bool hists)
{
    jsonw_arr_begin(w, "timeline");
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct run_second *s = &r->timeline[i];
        jsonw_obj_begin(w, NULL);
        /* Seconds since the first entry, so a chart's x axis stays true across a gap. */
        jsonw_i64(w, "second", s->unix_s - r->timeline[0].unix_s);
        jsonw_i64(w, "unix_s", s->unix_s);
        jsonw_double(w, "duration_s", (double)s->duration_us / 1e6, 6);
        jsonw_u64(w, "requests", s->requests);
        jsonw_u64(w, "errors", s->errors);
        jsonw_u64(w, "bytes", s->bytes);
        jsonw_obj_begin(w, "latency_us");
        jsonw_u64(w, "p50", s->p50_us);
        /* A second from a store older than schema 3 (no histogram) never had p90 or max. */
        if (s->latency)
            jsonw_u64(w, "p90", s->p90_us);
        else
            jsonw_null(w, "p90");
        jsonw_u64(w, "p99", s->p99_us);
        if (s->latency)
            jsonw_u64(w, "max", s->max_us);
        else
            jsonw_null(w, "max");
        jsonw_obj_end(w);
        if (hists)
            write_b64(w, "latency_hist", s->latency, s->latency_len);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
}

static void write_config(struct jsonw *w, const char *config_json)
{
    if (!config_json) {
        jsonw_null(w, "config");
        return;
    }
    /* Re-printing through cJSON both validates and compacts the stored text. */
    cJSON *tree = cJSON_Parse(config_json);
    char *compact = tree ? cJSON_PrintUnformatted(tree) : NULL;
    if (compact)
        jsonw_raw(w, "config", compact);
    else
        jsonw_str(w, "config", config_json);
    cJSON_free(compact);
    cJSON_Delete(tree);
}

static void write_run(struct jsonw *w, const struct run_result *r, bool hists)
{
    char iso[96];
    char code[16];
    jsonw_obj_begin(w, NULL);
    jsonw_str(w, "schema", RPT_RUN_JSON_SCHEMA);
    if (r->id > 0)
        jsonw_i64(w, "id", r->id);
    else
        jsonw_null(w, "id");
    if (r->group_id > 0)
        jsonw_i64(w, "group_id", r->group_id);
    else
        jsonw_null(w, "group_id");
    jsonw_str(w, "tool", r->tool);
    jsonw_str(w, "engine", r->engine);
    jsonw_str(w, "target", r->target);
    jsonw_str(w, "label", r->label);
    jsonw_str(w, "tier", r->tier);
    jsonw_str(w, "cmdline", r->cmdline);
    write_config(w, r->config_json);
    iso8601_utc(r->start_unix_s, iso, sizeof(iso));
    jsonw_str(w, "start_time", iso);
    jsonw_double(w, "start_unix_s", r->start_unix_s, 3);
    jsonw_double(w, "duration_s", r->duration_s, 3);
    jsonw_u64(w, "threads", r->threads);
    jsonw_u64(w, "connections", r->connections);
    jsonw_double(w, "rate_rps", r->rate_rps, 2);
    jsonw_u64(w, "requests", r->requests);
    jsonw_double(w, "rps", run_rps(r), 2);
    jsonw_u64(w, "requests_sent", r->requests_sent);
    jsonw_u64(w, "bytes_read", r->bytes_read);
    jsonw_u64(w, "bytes_written", r->bytes_written);
    jsonw_u64(w, "body_bytes_sent", r->body_bytes_sent);
    jsonw_u64(w, "connections_opened", r->connections_opened);
    jsonw_u64(w, "keepalive_responses", r->keepalive_responses);
    if (r->server_requests) {
        jsonw_obj_begin(w, "server");
        jsonw_u64(w, "requests", r->server_requests);
        jsonw_double(w, "cpu_s", r->server_cpu_s, 6);
        jsonw_double(w, "cpu_us_per_request", r->server_cpu_s * 1e6 / (double)r->server_requests,
                     2);
        jsonw_obj_end(w);
    } else {
        jsonw_null(w, "server");
    }
    jsonw_double(w, "error_rate", run_error_rate(r), 6);
    jsonw_obj_begin(w, "errors");
    jsonw_u64(w, "total", run_errors_total(r));
    for (int i = 0; i < RUN_ERR__COUNT; i++)
        jsonw_u64(w, run_err_names[i], r->errors[i]);
    jsonw_obj_end(w);
    write_errnos(w, r);
    jsonw_u64(w, "length_errors", r->length_errors);
    jsonw_obj_begin(w, "status");
    for (size_t i = 0; i < r->nstatus; i++) {
        snprintf(code, sizeof(code), "%d", r->status[i].code);
        jsonw_u64(w, code, r->status[i].count);
    }
    jsonw_obj_end(w);
    jsonw_str(w, "server_software", r->server_software);
    jsonw_u64(w, "doc_bytes", r->doc_bytes);
    jsonw_u64(w, "html_bytes", r->html_bytes);
    sample_latency_json(w, "latency_us", r->latency);
    sample_latency_json(w, "latency_uncorrected_us", r->latency_uncorrected);
    sample_latency_json(w, "connect_us", r->connect_us);
    sample_latency_json(w, "ttfb_us", r->ttfb_us);
    sample_latency_json(w, "connect_req_us", r->connect_req_us);
    sample_latency_json(w, "processing_us", r->processing_us);
    /* Req/s, not microseconds: the same summary, of each thread's rate every 100 ms. */
    sample_latency_json(w, "thread_rps", r->thread_rps);
    if (hists) {
        /* The histograms themselves (hist_serialize, base64), so runs made elsewhere merge and
         * compare exactly after `runs import`. */
        jsonw_obj_begin(w, "histograms");
        write_hist_b64(w, "latency", r->latency);
        write_hist_b64(w, "latency_uncorrected", r->latency_uncorrected);
        write_hist_b64(w, "connect", r->connect_us);
        write_hist_b64(w, "ttfb", r->ttfb_us);
        write_hist_b64(w, "connect_req", r->connect_req_us);
        write_hist_b64(w, "processing", r->processing_us);
        write_hist_b64(w, "thread_rps", r->thread_rps);
        jsonw_obj_end(w);
    }
    write_timeline(w, r, hists);
    jsonw_obj_end(w);
}

size_t rpt_run_json(const struct run_result *r, char *buf, size_t cap)
{
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    write_run(&w, r, false);
    return w.len;
}

/* Writes the document into a growing buffer; 0, or -1 when out of memory. */
static int render(const struct run_result *runs, size_t n, bool export_doc, char **out, size_t *len)
{
    size_t cap = 16384;
    for (size_t i = 0; i < n; i++)
        cap += 32768 + runs[i].ntimeline * (export_doc ? 2048 : 256) +
               (runs[i].config_json ? strlen(runs[i].config_json) : 0);
    for (int attempt = 0; attempt < 3; attempt++) {
        char *buf = malloc(cap);
        if (!buf)
            return -1;
        struct jsonw w;
        jsonw_init(&w, buf, cap);
        if (export_doc) {
            jsonw_obj_begin(&w, NULL);
            jsonw_str(&w, "schema", RPT_RUNS_EXPORT_SCHEMA);
            jsonw_arr_begin(&w, "runs");
        }
        for (size_t i = 0; i < n; i++)
            write_run(&w, &runs[i], export_doc);
        if (export_doc) {
            jsonw_arr_end(&w);
            jsonw_obj_end(&w);
        }
        if (w.len < cap) {
            *out = buf;
            *len = w.len;
            return 0;
        }
        free(buf);
        if (w.len >= SIZE_MAX / 2)
            return -1;
        cap = w.len + 1;
    }
    return -1;
}

int rpt_run_json_write(const struct run_result *r, FILE *f)
{
    char *buf;
    size_t len;
    if (render(r, 1, false, &buf, &len) != 0)
        return -1;
    int rc = fwrite(buf, 1, len, f) == len && fputc('\n', f) != EOF ? 0 : -1;
    free(buf);
    return rc;
}

int rpt_runs_export(const struct run_result *runs, size_t n, FILE *f)
{
    char *buf;
    size_t len;
    if (render(runs, n, true, &buf, &len) != 0)
        return -1;
    int rc = fwrite(buf, 1, len, f) == len && fputc('\n', f) != EOF ? 0 : -1;
    free(buf);
    return rc;
}
