/* console/model.c: the console's model, filled from what the parts publish: an in-process server
 * snapshot (server/server.h), the admin API's /api/stats JSON (the same figures, parsed with
 * cJSON), and a load generator snapshot (loadgen/loadgen.h); plus the per-second series the
 * charts read. Nothing here draws; render.c reads only this model. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sample.h"
#include "console/console_int.h"

double cons_point_rate_rps(const struct cons_point *p)
{
    return p->duration_s > 0 ? (double)p->requests / p->duration_s : 0;
}

static void lat_of(const struct hist *h, struct cons_lat *out)
{
    struct sample_latency l;
    sample_latency_of(h, &l);
    *out = (struct cons_lat){
        .known = l.count > 0,
        .count = l.count,
        .p50_us = l.p50_us,
        .p90_us = l.p90_us,
        .p99_us = l.p99_us,
        .p999_us = l.p999_us,
        .max_us = l.max_us,
        .mean_us = l.mean_us,
    };
}

/* Wall-clock second of a server timeline entry. The server keys seconds by its monotonic
 * clock, whose second boundaries are not the wall clock's, so this is within a second of the
 * truth: enough to put the client's seconds and the server's side by side. */
static int64_t server_second_unix(double sampled_unix_s, uint64_t age_s)
{
    return (int64_t)floor(sampled_unix_s) - (int64_t)age_s;
}

void cons_server_from_stats(const struct srv_stats *st, struct cons_server_sample *out)
{
    memset(out, 0, sizeof(*out));
    out->valid = true;
    out->uptime_s = st->uptime_s;
    out->sampled_unix_s = st->started_unix_s + st->uptime_s;
    out->stats_enabled = st->stats_enabled;
    out->requests = st->total.requests;
    out->bytes_out = st->total.bytes;
    out->errors = st->total.status_class[5];
    lat_of(st->total.latency_us, &out->latency);
    for (int w = 0; w < SRV_WINDOWS; w++) {
        out->rate_rps[w] = st->windows[w].rate_rps;
        lat_of(st->windows[w].sample.latency_us, &out->window_latency[w]);
    }
    memcpy(out->status_class, st->total.status_class, sizeof(out->status_class));
    for (int i = 0; i < SRV_CODE_SLOTS; i++)
        if (st->codes[i])
            out->codes[out->ncodes++] =
                (struct cons_code_count){.code = srv_code_slot_codes[i], .count = st->codes[i]};
    for (int r = 0; r < SRV_ROUTE__COUNT; r++) {
        struct cons_route_row *row = &out->routes[out->nroutes++];
        snprintf(row->name, sizeof(row->name), "%s", srv_route_names[r]);
        row->requests = st->routes[r].sample.requests;
        row->errors = st->routes[r].sample.status_class[5];
        lat_of(st->routes[r].sample.latency_us, &row->latency);
    }
    out->threads_total = st->threads_total;
    out->threads_busy = st->threads_busy;
    out->connections_open = st->connections_open;
    out->connections_total = st->connections_total;
    out->cache_hits = st->cache_hits;
    out->cache_misses = st->cache_misses;
    out->cpu_s = st->cpu_user_s + st->cpu_system_s;
    out->rss_bytes = st->rss_bytes;
    for (unsigned i = 0; i < st->timeline_len && i < SRV_TIMELINE_S; i++) {
        const struct srv_second *s = &st->timeline[i];
        out->points[out->npoints++] = (struct cons_point){
            .unix_s = server_second_unix(out->sampled_unix_s, s->age_s),
            .duration_s = (double)s->duration_us / 1e6,
            .requests = s->requests,
            .errors = s->errors,
            .p50_us = s->p50_us,
            .p90_us = s->p90_us,
            .p99_us = s->p99_us,
            .max_us = s->max_us,
        };
    }
}

/* ---- /api/stats JSON ------------------------------------------------------------------------ */

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static double num(const cJSON *o, const char *key, double def)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static uint64_t u64(const cJSON *o, const char *key)
{
    double d = num(o, key, 0);
    return d > 0 && d < 1.8e19 ? (uint64_t)d : 0;
}

static void lat_json(const cJSON *o, struct cons_lat *out)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(o))
        return;
    out->count = u64(o, "count");
    out->known = out->count > 0;
    out->p50_us = u64(o, "p50");
    out->p90_us = u64(o, "p90");
    out->p99_us = u64(o, "p99");
    out->p999_us = u64(o, "p99_9");
    out->max_us = u64(o, "max");
    out->mean_us = num(o, "mean", 0);
}

/* "codes": {"200": 12, "other": 1} into a list in the server's slot order (as it writes them). */
static size_t codes_json(const cJSON *o, struct cons_code_count *out, size_t max,
                         uint64_t *errors_5xx)
{
    size_t n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, o)
    {
        if (!cJSON_IsNumber(c) || n >= max)
            continue;
        int code = !strcmp(c->string, "other") ? 0 : (int)strtol(c->string, NULL, 10);
        out[n++] = (struct cons_code_count){.code = code, .count = (uint64_t)c->valuedouble};
        if (errors_5xx && code >= 500 && code <= 599)
            *errors_5xx += (uint64_t)c->valuedouble;
    }
    return n;
}

int cons_server_from_json(const char *text, struct cons_server_sample *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *doc = cJSON_Parse(text);
    if (!doc) {
        snprintf(err, errlen, "not JSON");
        return -1;
    }
    static const char *const required[] = {"uptime_s", "started_unix_s", "totals",
                                           "threads",  "connections",    "process"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!get(doc, required[i])) {
            snprintf(err, errlen, "not tierbench's /api/stats: no \"%s\"", required[i]);
            cJSON_Delete(doc);
            return -1;
        }
    out->valid = true;
    out->uptime_s = num(doc, "uptime_s", 0);
    out->sampled_unix_s = num(doc, "started_unix_s", 0) + out->uptime_s;
    out->stats_enabled = !cJSON_IsFalse(get(doc, "stats_enabled"));
    const cJSON *totals = get(doc, "totals");
    out->requests = u64(totals, "requests");
    out->bytes_out = u64(totals, "bytes_out");
    lat_json(get(totals, "latency_us"), &out->latency);
    const cJSON *w;
    int wi = 0;
    cJSON_ArrayForEach(w, get(doc, "windows"))
    {
        if (wi >= SRV_WINDOWS)
            break;
        out->rate_rps[wi] = num(w, "rate_rps", 0);
        lat_json(get(w, "latency_us"), &out->window_latency[wi]);
        wi++;
    }
    const cJSON *status = get(doc, "status");
    static const char *const classes[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int i = 0; i < 6; i++)
        out->status_class[i] = u64(status, classes[i]);
    out->errors = out->status_class[5];
    out->ncodes = codes_json(get(doc, "codes"), out->codes, SRV_CODE_SLOTS, NULL);
    const cJSON *r;
    cJSON_ArrayForEach(r, get(doc, "routes"))
    {
        if (out->nroutes >= SRV_ROUTE__COUNT)
            break;
        const cJSON *name = get(r, "route");
        struct cons_route_row *row = &out->routes[out->nroutes++];
        snprintf(row->name, sizeof(row->name), "%s",
                 cJSON_IsString(name) ? name->valuestring : "?");
        row->requests = u64(r, "requests");
        struct cons_code_count codes[SRV_CODE_SLOTS];
        codes_json(get(r, "codes"), codes, SRV_CODE_SLOTS, &row->errors);
        lat_json(get(r, "latency_us"), &row->latency);
    }
    const cJSON *threads = get(doc, "threads"), *conns = get(doc, "connections");
    out->threads_total = (unsigned)u64(threads, "total");
    out->threads_busy = (unsigned)u64(threads, "busy");
    out->connections_open = u64(conns, "open");
    out->connections_total = u64(conns, "total");
    const cJSON *cache = get(doc, "cache"), *proc = get(doc, "process");
    out->cache_hits = u64(cache, "hits");
    out->cache_misses = u64(cache, "misses");
    out->cpu_s = num(proc, "cpu_user_s", 0) + num(proc, "cpu_system_s", 0);
    out->rss_bytes = u64(proc, "rss_bytes");
    const cJSON *t;
    cJSON_ArrayForEach(t, get(doc, "timeline"))
    {
        if (out->npoints >= SRV_TIMELINE_S)
            break;
        const cJSON *lat = get(t, "latency_us");
        out->points[out->npoints++] = (struct cons_point){
            .unix_s = server_second_unix(out->sampled_unix_s, u64(t, "age_s")),
            .duration_s = num(t, "duration_s", 0),
            .requests = u64(t, "requests"),
            .errors = u64(t, "errors"),
            .p50_us = u64(lat, "p50"),
            .p90_us = u64(lat, "p90"),
            .p99_us = u64(lat, "p99"),
            .max_us = u64(lat, "max"),
        };
    }
    cJSON_Delete(doc);
    return 0;
}

/* ---- the client side ------------------------------------------------------------------------ */

void cons_client_from_snapshot(const struct lg_snapshot *snap, struct cons_client_sample *out)
{
    out->elapsed_us = snap->elapsed_us;
    out->done = snap->done;
    out->requests = snap->requests;
    memcpy(out->errors, snap->errors, sizeof(out->errors));
    memcpy(out->status_class, snap->status_class, sizeof(out->status_class));
    out->ncodes = 0;
    for (size_t i = 0; i < snap->nstatus && i < sizeof(out->codes) / sizeof(out->codes[0]); i++)
        out->codes[out->ncodes++] =
            (struct cons_code_count){.code = snap->status[i].code, .count = snap->status[i].count};
    out->connections_open = snap->connections_open;
    lat_of(snap->latency_us, &out->latency);
    out->npoints = 0;
    for (size_t i = 0; i < snap->nseconds && i < LG_SNAPSHOT_SECONDS; i++) {
        const struct lg_second *s = &snap->seconds[i];
        out->points[out->npoints++] = (struct cons_point){
            .unix_s = s->unix_s,
            .duration_s = s->duration_s,
            .requests = s->requests,
            .errors = s->errors,
            .p50_us = s->p50_us,
            .p90_us = s->p90_us,
            .p99_us = s->p99_us,
            .max_us = s->max_us,
        };
    }
}

/* ---- series --------------------------------------------------------------------------------- */

static size_t slot_of(int64_t unix_s)
{
    return (size_t)((uint64_t)unix_s % CONS_SERIES_S);
}

void cons_series_clear(struct cons_series *s)
{
    memset(s, 0, sizeof(*s));
}

void cons_series_put(struct cons_series *s, const struct cons_point *p)
{
    if (p->unix_s > 0)
        s->pt[slot_of(p->unix_s)] = *p;
}

const struct cons_point *cons_series_at(const struct cons_series *s, int64_t unix_s)
{
    if (unix_s <= 0)
        return NULL;
    const struct cons_point *p = &s->pt[slot_of(unix_s)];
    return p->unix_s == unix_s ? p : NULL;
}

void cons_series_from_server(const struct cons_server_sample *ss, struct cons_series *s)
{
    cons_series_clear(s);
    if (!ss || !ss->valid)
        return;
    /* Oldest first, so that if two entries map to one wall second the newer wins. */
    for (size_t i = ss->npoints; i-- > 0;)
        cons_series_put(s, &ss->points[i]);
}

int64_t cons_series_newest(const struct cons_series *s, int64_t at_or_before_unix_s)
{
    int64_t best = 0;
    for (size_t i = 0; i < CONS_SERIES_S; i++)
        if (s->pt[i].unix_s > best && s->pt[i].unix_s <= at_or_before_unix_s)
            best = s->pt[i].unix_s;
    return best;
}
