/* server/routes.c: the mock API of the seed's server (health, exchange rate behind the LRU/TTL
 * cache, echo) plus the bounded delay and CPU-work endpoints used to test load generators. The
 * routing table here is pure; srv.c calls srv_api_handle from CivetWeb's begin_request. */
#include "server/server_int.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonw.h"

const char *const srv_route_names[SRV_ROUTE__COUNT] = {
    "health", "exchange_rate", "echo", "delay", "work", "static", "not_found",
};

const int srv_code_slot_codes[SRV_CODE_SLOTS] = {
    0, 200, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 413, 500, 503,
};

const double srv_prom_bucket_le_s[SRV_PROM_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0,
};

const unsigned srv_window_seconds[SRV_WINDOWS] = {1, 10, 60};

#define DELAY_MAX_MS 10000
#define WORK_MAX_US  1000000
/* Slow handlers wake this often to notice srv_stop, so shutdown stays bounded. */
#define STOP_CHECK_US 20000

unsigned srv_code_slot(int status)
{
    for (unsigned i = 1; i < SRV_CODE_SLOTS; i++)
        if (srv_code_slot_codes[i] == status)
            return i;
    return 0;
}

static const struct route_def {
    const char *path;
    enum srv_route route;
    const char *allow;
} route_defs[] = {
    {"/api/health", SRV_ROUTE_HEALTH, "GET, HEAD"},
    {"/api/exchange-rate", SRV_ROUTE_EXCHANGE_RATE, "GET, HEAD"},
    {"/api/echo", SRV_ROUTE_ECHO, "GET, HEAD, POST"},
    {"/api/delay", SRV_ROUTE_DELAY, "GET, HEAD"},
    {"/api/work", SRV_ROUTE_WORK, "GET, HEAD"},
};

enum srv_route srv_route_find(const char *path)
{
    if (!path)
        return SRV_ROUTE_NOT_FOUND;
    if (strncmp(path, "/api/", 5) && strcmp(path, "/api"))
        return SRV_ROUTE_STATIC;
    for (size_t i = 0; i < sizeof(route_defs) / sizeof(route_defs[0]); i++)
        if (!strcmp(path, route_defs[i].path))
            return route_defs[i].route;
    return SRV_ROUTE_NOT_FOUND;
}

const char *srv_route_allow(enum srv_route r)
{
    for (size_t i = 0; i < sizeof(route_defs) / sizeof(route_defs[0]); i++)
        if (route_defs[i].route == r)
            return route_defs[i].allow;
    return "GET, HEAD";
}

bool srv_route_allows(enum srv_route r, const char *method)
{
    if (!method)
        return false;
    if (r == SRV_ROUTE_NOT_FOUND)
        return true; /* 404 whatever the method */
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return true;
    return r == SRV_ROUTE_ECHO && !strcmp(method, "POST");
}

/* Units of currency per US dollar: fixed mock values, so rates are deterministic. */
static const struct rate {
    const char code[4];
    double per_usd;
} rates[] = {
    {"USD", 1.0},  {"KRW", 1380.5}, {"EUR", 0.92},  {"JPY", 151.3}, {"GBP", 0.79},
    {"CNY", 7.24}, {"CAD", 1.36},   {"AUD", 1.52},  {"CHF", 0.88},  {"HKD", 7.82},
    {"SGD", 1.34}, {"INR", 83.2},   {"SEK", 10.45}, {"NOK", 10.6},  {"NZD", 1.64},
    {"MXN", 17.1}, {"BRL", 4.97},   {"TWD", 31.9},  {"THB", 35.6},  {"VND", 24650.0},
};

static const struct rate *rate_find(const char *code)
{
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        if (!strcmp(rates[i].code, code))
            return &rates[i];
    return NULL;
}

int srv_rate_lookup(const char *base, const char *quote, double *rate)
{
    const struct rate *b = rate_find(base), *q = rate_find(quote);
    if (!b || !q)
        return -1;
    *rate = q->per_usd / b->per_usd;
    return 0;
}

/* Burns CPU for about work_us, returns the microseconds spent; stops early on srv_stop. */
static uint64_t burn_cpu(struct srv *s, uint64_t work_us)
{
    uint64_t start = clock_now_us(), now = start;
    volatile uint64_t x = 1;
    while (now - start < work_us) {
        for (int i = 0; i < 200; i++)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
        now = clock_now_us();
        if (atomic_load_explicit(&s->stopping, memory_order_relaxed))
            break; /* srv_stop: answer now (spent_us tells how much was burnt) */
    }
    return now - start;
}

static void reply_json(struct mg_connection *c, const struct mg_request_info *ri, int status,
                       struct jsonw *w, struct srv_reply *rep)
{
    long n = jsonw_finish(w);
    if (n < 0) {
        srv_http_error(c, ri, 500, "response too large", NULL, rep);
        return;
    }
    srv_http_reply(c, ri, status, "application/json", NULL, w->buf, (size_t)n, false, rep);
}

/* The seed's health body; bench/server.sh gives nginx the very same bytes. */
static const char health_body[] = "{\"status\":\"ok\",\"service\":\"tierbench\"}";

static void handle_exchange(struct srv *s, struct mg_connection *c,
                            const struct mg_request_info *ri, struct srv_reply *rep)
{
    char base[8], quote[8], msg[96];
    const char *qs = ri->query_string;
    if (srv_query_get(qs, "base", base, sizeof(base)) < 0 ||
        srv_query_get(qs, "quote", quote, sizeof(quote)) < 0) {
        srv_http_error(c, ri, 400, "base and quote are required, e.g. ?base=USD&quote=KRW", NULL,
                       rep);
        return;
    }
    for (char *p = base; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    for (char *p = quote; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    double rate;
    if (srv_rate_lookup(base, quote, &rate) < 0) {
        snprintf(msg, sizeof(msg), "unknown currency: %s", rate_find(base) ? quote : base);
        srv_http_error(c, ri, 400, msg, NULL, rep);
        return;
    }
    char key[SRV_CACHE_KEY_MAX];
    snprintf(key, sizeof(key), "%s:%s", base, quote);
    bool hit = false;
    if (s->cache) {
        double cached;
        pthread_mutex_lock(&s->cache_lock);
        hit = srv_cache_get(s->cache, key, clock_now_us(), &cached) == 1;
        pthread_mutex_unlock(&s->cache_lock);
        if (hit)
            rate = cached;
    }
    if (!hit) {
        /* The uncached path stands for a slow upstream lookup: that is what the cache saves. */
        burn_cpu(s, s->cfg.exchange_work_us);
        if (s->cache) {
            pthread_mutex_lock(&s->cache_lock);
            srv_cache_put(s->cache, key, rate, clock_now_us());
            pthread_mutex_unlock(&s->cache_lock);
        }
    }
    atomic_fetch_add(hit ? &s->cache_hits : &s->cache_misses, 1);
    char body[256];
    struct jsonw w;
    jsonw_init(&w, body, sizeof(body));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "base", base);
    jsonw_str(&w, "quote", quote);
    jsonw_double(&w, "rate", rate, 6);
    jsonw_bool(&w, "cached", hit);
    jsonw_bool(&w, "cache_enabled", s->cache != NULL);
    jsonw_obj_end(&w);
    reply_json(c, ri, 200, &w, rep);
}

static void handle_echo_get(struct mg_connection *c, const struct mg_request_info *ri,
                            struct srv_reply *rep)
{
    char body[8192];
    struct jsonw w;
    jsonw_init(&w, body, sizeof(body));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "method", ri->request_method);
    jsonw_str(&w, "path", ri->local_uri);
    jsonw_str(&w, "query", ri->query_string);
    jsonw_str(&w, "http_version", ri->http_version);
    jsonw_obj_begin(&w, "headers");
    for (int i = 0; i < ri->num_headers; i++)
        jsonw_str(&w, ri->http_headers[i].name, ri->http_headers[i].value);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) < 0) {
        srv_http_error(c, ri, 431, "request headers too large to echo", NULL, rep);
        return;
    }
    reply_json(c, ri, 200, &w, rep);
}

/* 413 with Connection: close, since the rest of the body stays unread. */
static void reply_too_large(struct mg_connection *c, const struct mg_request_info *ri, uint64_t max,
                            struct srv_reply *rep)
{
    char body[96];
    int n = snprintf(body, sizeof(body), "{\"error\":\"request body larger than %llu bytes\"}",
                     (unsigned long long)max);
    srv_http_reply(c, ri, 413, "application/json", NULL, body, (size_t)n, true, rep);
}

static void handle_echo_post(struct srv *s, struct mg_connection *c,
                             const struct mg_request_info *ri, struct srv_reply *rep)
{
    uint64_t max = s->cfg.max_body_bytes;
    long long declared = ri->content_length;
    if (declared >= 0 && (uint64_t)declared > max) {
        reply_too_large(c, ri, max, rep);
        return;
    }
    /* Chunked bodies have no declared length: read up to max + 1 to detect an overflow. */
    size_t cap = declared >= 0 ? (size_t)declared : (size_t)(max + 1 < 65536 ? max + 1 : 65536);
    char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        srv_http_error(c, ri, 500, "out of memory", NULL, rep);
        return;
    }
    /* The connection guard times the body from here (request_timeout_ms) and may shed it when
     * the pool is nearly full: mg_read then returns what came, and the answer is 408. */
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot)
        srv_guard_set(slot, SRV_GUARD_BODY, clock_now_us());
    size_t len = 0;
    bool ended = false; /* the stream ended or failed before the body did */
    for (;;) {
        if (len == cap) {
            if (declared >= 0 || cap > max)
                break;
            size_t ncap = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
            char *nbuf = realloc(buf, ncap);
            if (!nbuf)
                break;
            buf = nbuf;
            cap = ncap;
        }
        int n = mg_read(c, buf + len, cap - len);
        if (n < 0 || (n == 0 && declared >= 0))
            ended = true;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (slot)
        srv_guard_set(slot, SRV_GUARD_WORK, clock_now_us());
    rep->bytes_in = len;
    if (len > max) {
        reply_too_large(c, ri, max, rep);
    } else if (ended || (declared >= 0 && len < (size_t)declared)) {
        rep->close = true;
        srv_http_error(c, ri, 408, "request body incomplete (too slow, or the client stopped)",
                       NULL, rep);
    } else {
        const char *ctype = srv_http_header(ri, "Content-Type");
        srv_http_reply(c, ri, 200, ctype ? ctype : "application/octet-stream", NULL, buf, len,
                       false, rep);
    }
    free(buf);
}

static void handle_delay(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                         struct srv_reply *rep)
{
    uint64_t ms;
    if (srv_query_u64(ri->query_string, "ms", 0, DELAY_MAX_MS, &ms) < 0) {
        srv_http_error(c, ri, 400, "ms must be an integer 0..10000", NULL, rep);
        return;
    }
    uint64_t end = clock_now_us() + ms * 1000;
    for (uint64_t now = clock_now_us(); now < end; now = clock_now_us()) {
        if (atomic_load(&s->stopping)) {
            srv_http_error(c, ri, 503, "shutting down", NULL, rep);
            return;
        }
        clock_sleep_us(end - now < STOP_CHECK_US ? end - now : STOP_CHECK_US);
    }
    char body[64];
    int n = snprintf(body, sizeof(body), "{\"delay_ms\":%llu}", (unsigned long long)ms);
    srv_http_reply(c, ri, 200, "application/json", NULL, body, (size_t)n, false, rep);
}

static void handle_work(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                        struct srv_reply *rep)
{
    uint64_t us;
    if (srv_query_u64(ri->query_string, "us", 0, WORK_MAX_US, &us) < 0) {
        srv_http_error(c, ri, 400, "us must be an integer 0..1000000", NULL, rep);
        return;
    }
    uint64_t spent = burn_cpu(s, us);
    char body[80];
    int n = snprintf(body, sizeof(body), "{\"work_us\":%llu,\"spent_us\":%llu}",
                     (unsigned long long)us, (unsigned long long)spent);
    srv_http_reply(c, ri, 200, "application/json", NULL, body, (size_t)n, false, rep);
}

void srv_api_handle(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                    enum srv_route route, struct srv_reply *rep)
{
    switch (route) {
    case SRV_ROUTE_HEALTH:
        srv_http_reply(c, ri, 200, "application/json", NULL, health_body, sizeof(health_body) - 1,
                       false, rep);
        break;
    case SRV_ROUTE_EXCHANGE_RATE:
        handle_exchange(s, c, ri, rep);
        break;
    case SRV_ROUTE_ECHO:
        if (!strcmp(ri->request_method, "POST"))
            handle_echo_post(s, c, ri, rep);
        else
            handle_echo_get(c, ri, rep);
        break;
    case SRV_ROUTE_DELAY:
        handle_delay(s, c, ri, rep);
        break;
    case SRV_ROUTE_WORK:
        handle_work(s, c, ri, rep);
        break;
    default:
        srv_http_error(c, ri, 404, "not found", NULL, rep);
        break;
    }
}
