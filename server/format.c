/* server/format.c: text forms of a stats snapshot: the admin API's JSON (schema in
 * README.md; every latency object is common/sample.h's sample_latency_json, the vocabulary of
 * the run JSON too) and the Prometheus text exposition format (version 0.0.4). Pure functions
 * of the snapshot, so tests feed them hand-made snapshots. */
#include "server/server_int.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/jsonw.h"
#include "common/sample.h"

static void json_codes(struct jsonw *w, const uint64_t codes[SRV_CODE_SLOTS])
{
    jsonw_obj_begin(w, "codes");
    for (int i = 0; i < SRV_CODE_SLOTS; i++) {
        if (!codes[i])
            continue;
        char key[12];
        if (srv_code_slot_codes[i])
            snprintf(key, sizeof(key), "%d", srv_code_slot_codes[i]);
        else
            snprintf(key, sizeof(key), "other");
        jsonw_u64(w, key, codes[i]);
    }
    jsonw_obj_end(w);
}

size_t srv_stats_json(const struct srv_stats *st, bool timeline, char *buf, size_t cap)
{
    static const char *const classes[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    jsonw_obj_begin(&w, NULL);
    jsonw_double(&w, "uptime_s", st->uptime_s, 3);
    jsonw_double(&w, "started_unix_s", st->started_unix_s, 3);
    jsonw_bool(&w, "stats_enabled", st->stats_enabled);

    jsonw_obj_begin(&w, "totals");
    jsonw_u64(&w, "requests", st->total.requests);
    jsonw_u64(&w, "bytes_out", st->total.bytes);
    jsonw_u64(&w, "bytes_in", st->bytes_in);
    sample_latency_json(&w, "latency_us", st->total.latency_us);
    jsonw_obj_end(&w);

    jsonw_obj_begin(&w, "rate_rps");
    for (int i = 0; i < SRV_WINDOWS; i++) {
        char key[16];
        snprintf(key, sizeof(key), "%us", st->windows[i].seconds);
        jsonw_double(&w, key, st->windows[i].rate_rps, 1);
    }
    jsonw_obj_end(&w);

    jsonw_arr_begin(&w, "windows");
    for (int i = 0; i < SRV_WINDOWS; i++) {
        const struct srv_window_stats *ws = &st->windows[i];
        jsonw_obj_begin(&w, NULL);
        jsonw_u64(&w, "seconds", ws->seconds);
        jsonw_double(&w, "rate_rps", ws->rate_rps, 1);
        jsonw_u64(&w, "requests", ws->sample.requests);
        jsonw_u64(&w, "errors", ws->sample.errors);
        sample_latency_json(&w, "latency_us", ws->sample.latency_us);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_obj_begin(&w, "status");
    for (int i = 1; i <= 6; i++)
        jsonw_u64(&w, classes[i % 6], st->total.status_class[i % 6]);
    jsonw_obj_end(&w);
    json_codes(&w, st->codes);

    jsonw_arr_begin(&w, "routes");
    for (int r = 0; r < SRV_ROUTE__COUNT; r++) {
        const struct srv_route_stats *rs = &st->routes[r];
        jsonw_obj_begin(&w, NULL);
        jsonw_str(&w, "route", srv_route_names[r]);
        jsonw_u64(&w, "requests", rs->sample.requests);
        jsonw_u64(&w, "bytes_out", rs->sample.bytes);
        json_codes(&w, rs->codes);
        sample_latency_json(&w, "latency_us", rs->sample.latency_us);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_obj_begin(&w, "threads");
    jsonw_u64(&w, "total", st->threads_total);
    jsonw_u64(&w, "busy", st->threads_busy);
    jsonw_obj_end(&w);
    jsonw_obj_begin(&w, "connections");
    jsonw_u64(&w, "open", st->connections_open);
    jsonw_u64(&w, "total", st->connections_total);
    jsonw_obj_begin(&w, "shed");
    jsonw_u64(&w, "header_timeout", st->shed_header_timeout);
    jsonw_u64(&w, "body_timeout", st->shed_body_timeout);
    jsonw_u64(&w, "pressure", st->shed_pressure);
    jsonw_obj_end(&w);
    jsonw_obj_begin(&w, "admin_shed");
    jsonw_u64(&w, "header_timeout", st->admin_shed_header_timeout);
    jsonw_u64(&w, "pressure", st->admin_shed_pressure);
    jsonw_u64(&w, "per_client", st->admin_shed_per_client);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    jsonw_obj_begin(&w, "cache");
    jsonw_u64(&w, "hits", st->cache_hits);
    jsonw_u64(&w, "misses", st->cache_misses);
    jsonw_u64(&w, "entries", st->cache_entries);
    jsonw_obj_end(&w);
    jsonw_obj_begin(&w, "process");
    jsonw_double(&w, "cpu_user_s", st->cpu_user_s, 3);
    jsonw_double(&w, "cpu_system_s", st->cpu_system_s, 3);
    jsonw_u64(&w, "rss_bytes", st->rss_bytes);
    jsonw_obj_end(&w);

    if (timeline) {
        jsonw_arr_begin(&w, "timeline");
        for (unsigned i = 0; i < st->timeline_len; i++) {
            const struct srv_second *sec = &st->timeline[i];
            jsonw_obj_begin(&w, NULL);
            jsonw_u64(&w, "age_s", sec->age_s);
            jsonw_double(&w, "duration_s", (double)sec->duration_us / 1e6, 3);
            jsonw_u64(&w, "requests", sec->requests);
            jsonw_u64(&w, "errors", sec->errors);
            jsonw_u64(&w, "bytes_out", sec->bytes_out);
            /* The run JSON's timeline uses these inner keys too. */
            jsonw_obj_begin(&w, "latency_us");
            jsonw_u64(&w, "p50", sec->p50_us);
            jsonw_u64(&w, "p90", sec->p90_us);
            jsonw_u64(&w, "p99", sec->p99_us);
            jsonw_u64(&w, "max", sec->max_us);
            jsonw_obj_end(&w);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
    }
    jsonw_obj_end(&w);
    jsonw_finish(&w);
    return w.len;
}

/* snprintf-style appender: out->len counts what the full text needs. */
struct text {
    char *buf;
    size_t cap, len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->cap ? t->cap - t->len : 0;
    int n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

static void help(struct text *t, const char *name, const char *type, const char *text)
{
    add(t, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

size_t srv_stats_prometheus(const struct srv_stats *st, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    help(&t, "tierbench_http_requests_total", "counter",
         "HTTP requests answered, by route and status code.");
    for (int r = 0; r < SRV_ROUTE__COUNT; r++)
        for (int c = 0; c < SRV_CODE_SLOTS; c++) {
            if (!st->routes[r].codes[c])
                continue;
            char code[12];
            if (srv_code_slot_codes[c])
                snprintf(code, sizeof(code), "%d", srv_code_slot_codes[c]);
            else
                snprintf(code, sizeof(code), "other");
            add(&t, "tierbench_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                srv_route_names[r], code, (unsigned long long)st->routes[r].codes[c]);
        }
    help(&t, "tierbench_http_request_duration_seconds", "histogram",
         "Time from the parsed request to the last byte handed to the kernel.");
    for (int r = 0; r < SRV_ROUTE__COUNT; r++) {
        const struct srv_route_stats *rs = &st->routes[r];
        if (!rs->sample.requests)
            continue;
        for (int b = 0; b < SRV_PROM_BUCKETS; b++)
            add(&t, "tierbench_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                srv_route_names[r], srv_prom_bucket_le_s[b],
                (unsigned long long)rs->duration_le[b]);
        add(&t, "tierbench_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            srv_route_names[r], (unsigned long long)hist_count(rs->sample.latency_us));
        add(&t, "tierbench_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
            srv_route_names[r], rs->duration_sum_s);
        add(&t, "tierbench_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
            srv_route_names[r], (unsigned long long)hist_count(rs->sample.latency_us));
    }
    help(&t, "tierbench_http_response_bytes_total", "counter",
         "Response bytes written, headers included.");
    add(&t, "tierbench_http_response_bytes_total %llu\n", (unsigned long long)st->total.bytes);
    help(&t, "tierbench_http_requests_per_second", "gauge",
         "Requests per second over the last complete seconds.");
    for (int i = 0; i < SRV_WINDOWS; i++)
        add(&t, "tierbench_http_requests_per_second{window=\"%us\"} %.1f\n", st->windows[i].seconds,
            st->windows[i].rate_rps);
    help(&t, "tierbench_threads", "gauge", "Worker threads of the main pool, by state.");
    add(&t, "tierbench_threads{state=\"busy\"} %u\n", st->threads_busy);
    add(&t, "tierbench_threads{state=\"total\"} %u\n", st->threads_total);
    help(&t, "tierbench_connections_open", "gauge",
         "Open client connections (each holds a worker thread).");
    add(&t, "tierbench_connections_open %llu\n", (unsigned long long)st->connections_open);
    help(&t, "tierbench_connections_total", "counter", "Client connections accepted.");
    add(&t, "tierbench_connections_total %llu\n", (unsigned long long)st->connections_total);
    help(&t, "tierbench_connections_shed_total", "counter",
         "Connections the connection guard closed, by pool and reason.");
    add(&t, "tierbench_connections_shed_total{pool=\"main\",reason=\"header_timeout\"} %llu\n",
        (unsigned long long)st->shed_header_timeout);
    add(&t, "tierbench_connections_shed_total{pool=\"main\",reason=\"body_timeout\"} %llu\n",
        (unsigned long long)st->shed_body_timeout);
    add(&t, "tierbench_connections_shed_total{pool=\"main\",reason=\"pressure\"} %llu\n",
        (unsigned long long)st->shed_pressure);
    add(&t, "tierbench_connections_shed_total{pool=\"admin\",reason=\"header_timeout\"} %llu\n",
        (unsigned long long)st->admin_shed_header_timeout);
    add(&t, "tierbench_connections_shed_total{pool=\"admin\",reason=\"pressure\"} %llu\n",
        (unsigned long long)st->admin_shed_pressure);
    add(&t, "tierbench_connections_shed_total{pool=\"admin\",reason=\"per_client\"} %llu\n",
        (unsigned long long)st->admin_shed_per_client);
    help(&t, "tierbench_cache_requests_total", "counter", "Exchange-rate cache lookups by result.");
    add(&t, "tierbench_cache_requests_total{result=\"hit\"} %llu\n",
        (unsigned long long)st->cache_hits);
    add(&t, "tierbench_cache_requests_total{result=\"miss\"} %llu\n",
        (unsigned long long)st->cache_misses);
    help(&t, "tierbench_uptime_seconds", "gauge", "Seconds since the server started.");
    add(&t, "tierbench_uptime_seconds %.3f\n", st->uptime_s);
    help(&t, "process_cpu_seconds_total", "counter", "User and system CPU time of the process.");
    add(&t, "process_cpu_seconds_total %.3f\n", st->cpu_user_s + st->cpu_system_s);
    help(&t, "process_resident_memory_bytes", "gauge", "Resident memory of the process.");
    add(&t, "process_resident_memory_bytes %llu\n", (unsigned long long)st->rss_bytes);
    return t.len;
}
