/* server/admin.c: the admin API on its own CivetWeb context and thread pool, so that it answers
 * while every main worker is busy: GET /api/stats (JSON), GET /metrics (Prometheus text),
 * GET /api/health. It has its own connection guard (short deadlines, a cap per client address)
 * so that slow or idle clients cannot hold its small pool, refuses foreign Origins and never
 * sends CORS headers. Also srv_stats_snapshot, the one reader of the live stats (format.c
 * turns a snapshot into text). */
#include "server/server_int.h"

#include <civetweb.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/clock.h"

static void process_usage(struct srv_stats *out)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        out->cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
        out->cpu_system_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    }
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        unsigned long size_pages, rss_pages;
        if (fscanf(f, "%lu %lu", &size_pages, &rss_pages) == 2)
            out->rss_bytes = (uint64_t)rss_pages * (uint64_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
}

void srv_stats_snapshot(struct srv *s, struct srv_stats *out)
{
    uint64_t now_us = clock_now_us();
    out->uptime_s = (double)(now_us - s->started_us) / 1e6;
    out->started_unix_s = s->started_unix_s;
    out->stats_enabled = s->cfg.stats_enabled;
    out->threads_total = s->cfg.threads;
    out->connections_open = atomic_load(&s->conns_open);
    out->connections_total = atomic_load(&s->conns_total);
    uint64_t shed[SRV_SHED__COUNT];
    srv_guard_counts(s->guard, shed);
    out->shed_header_timeout = shed[SRV_SHED_HEADER_TIMEOUT];
    out->shed_body_timeout = shed[SRV_SHED_BODY_TIMEOUT];
    out->shed_pressure = shed[SRV_SHED_PRESSURE];
    srv_guard_counts(s->admin_guard, shed);
    out->admin_shed_header_timeout = shed[SRV_SHED_HEADER_TIMEOUT];
    out->admin_shed_pressure = shed[SRV_SHED_PRESSURE];
    out->admin_shed_per_client = shed[SRV_SHED_PER_CLIENT];
    out->cache_hits = atomic_load(&s->cache_hits);
    out->cache_misses = atomic_load(&s->cache_misses);
    out->cache_entries = 0;
    if (s->cache) {
        pthread_mutex_lock(&s->cache_lock);
        out->cache_entries = srv_cache_len(s->cache);
        pthread_mutex_unlock(&s->cache_lock);
    }
    process_usage(out);
    if (s->cfg.stats_enabled) {
        srv_stats_fill(s->stats, now_us, out);
        return;
    }
    /* With --no-stats the worker blocks carry only busy flags: everything else reads zero. */
    sample_reset(&out->total, 0);
    memset(out->codes, 0, sizeof(out->codes));
    out->bytes_in = 0;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
        sample_reset(&out->routes[i].sample, 0);
        memset(out->routes[i].codes, 0, sizeof(out->routes[i].codes));
        memset(out->routes[i].duration_le, 0, sizeof(out->routes[i].duration_le));
        out->routes[i].duration_sum_s = 0;
    }
    for (int w = 0; w < SRV_WINDOWS; w++) {
        out->windows[w].seconds = srv_window_seconds[w];
        out->windows[w].rate_rps = 0;
        sample_reset(&out->windows[w].sample, 0);
    }
    out->timeline_len = 0;
    out->threads_busy = srv_stats_busy_count(s->stats);
}

/* What each admin worker keeps between requests: its own snapshot (refilled, never
 * reallocated, so a snapshot costs what the data costs) and its output buffer. */
struct admin_thread {
    struct srv_stats *st;
    char *buf;
    size_t cap;
};

static void *on_admin_init_thread(const struct mg_context *ctx, int thread_type)
{
    struct srv *s = mg_get_user_data(ctx);
    if (thread_type != 1 || !s)
        return NULL;
    struct srv_worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL; /* that worker allocates per request, unguarded */
    w->admin = calloc(1, sizeof(struct admin_thread));
    w->slot = srv_guard_slot_add(s->admin_guard);
    return w;
}

static void on_admin_exit_thread(const struct mg_context *ctx, int thread_type, void *ptr)
{
    (void)ctx;
    (void)thread_type;
    struct srv_worker *w = ptr;
    if (!w)
        return;
    struct admin_thread *at = w->admin;
    if (at) {
        srv_stats_free(at->st);
        free(at->buf);
        free(at);
    }
    free(w); /* the slot belongs to the guard */
}

static int on_admin_init_connection(const struct mg_connection *c, void **conn_data)
{
    *conn_data = NULL;
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot)
        srv_guard_opened(slot, clock_now_us());
    return 0;
}

static void on_admin_connection_close(const struct mg_connection *c)
{
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot)
        srv_guard_closed(slot);
}

/* Writes a formatted snapshot, growing the buffer until it fits. */
static void reply_snapshot(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                           bool prometheus)
{
    struct srv_reply rep = {0};
    struct admin_thread scratch = {0};
    struct srv_worker *w = mg_get_thread_pointer(c);
    struct admin_thread *at = w ? w->admin : NULL;
    if (!at)
        at = &scratch;
    if (!at->st)
        at->st = srv_stats_new();
    if (!at->buf) {
        at->cap = 64 * 1024;
        at->buf = malloc(at->cap);
    }
    if (!at->st || !at->buf)
        goto fail;
    srv_stats_snapshot(s, at->st);
    bool timeline = !(ri->query_string && strstr(ri->query_string, "timeline=0"));
    for (;;) {
        size_t n = prometheus ? srv_stats_prometheus(at->st, at->buf, at->cap)
                              : srv_stats_json(at->st, timeline, at->buf, at->cap);
        if (n < at->cap) {
            srv_http_reply(c, ri, 200,
                           prometheus ? "text/plain; version=0.0.4; charset=utf-8"
                                      : "application/json",
                           "Cache-Control: no-store\r\n", at->buf, n, false, &rep);
            goto done;
        }
        char *bigger = realloc(at->buf, n + 1);
        if (!bigger)
            goto fail;
        at->buf = bigger;
        at->cap = n + 1;
    }
fail:
    srv_http_error(c, ri, 500, "out of memory", NULL, &rep);
done:
    if (at == &scratch) {
        srv_stats_free(scratch.st);
        free(scratch.buf);
    }
}

bool srv_admin_token_ok(const char *want, const char *authorization)
{
    if (!want || !*want)
        return true;
    if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
        return false;
    const char *given = authorization + 7;
    size_t given_len = strlen(given), want_len = strlen(want);
    /* Constant time in the token's content: every byte of want is compared, whatever given
     * holds, and differences are OR-ed together instead of ending the loop. A shorter given is
     * read as its NUL repeated (always in bounds), so a length difference costs no early
     * return either; the loop's length depends only on the configured token. */
    unsigned diff = given_len != want_len;
    for (size_t i = 0; i < want_len; i++) {
        size_t at = i < given_len ? i : given_len;
        diff |= (unsigned char)given[at] ^ (unsigned char)want[i];
    }
    return diff == 0;
}

bool srv_admin_origin_ok(const char *origin, const char *bind_addr, int port, const char *host)
{
    if (!origin)
        return true; /* not a browser's cross-site request: curl, Prometheus, the console */
    char own[96];
    static const char *const loopback[] = {"127.0.0.1", "localhost"};
    snprintf(own, sizeof(own), "http://%s:%d", bind_addr, port);
    if (!strcasecmp(origin, own))
        return true;
    bool any = !strcmp(bind_addr, "0.0.0.0");
    if (any || !strncmp(bind_addr, "127.", 4))
        for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
            snprintf(own, sizeof(own), "http://%s:%d", loopback[i], port);
            if (!strcasecmp(origin, own))
                return true;
        }
    /* Bound to every address, the page's own address is whichever the browser used, which it
     * names in Host; a page served by another site carries that site's origin instead. */
    if (any && host && *host) {
        snprintf(own, sizeof(own), "http://%s", host);
        return !strcasecmp(origin, own);
    }
    return false;
}

static int on_admin_request(struct mg_connection *c)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct srv *s = ri->user_data;
    struct srv_reply rep = {0};
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot) {
        srv_guard_set(slot, SRV_GUARD_WORK, clock_now_us());
        srv_guard_peer(slot, ri->remote_addr); /* for the per-client cap */
    }
    const char *path = ri->local_uri ? ri->local_uri : "";
    bool get = !strcmp(ri->request_method, "GET") || !strcmp(ri->request_method, "HEAD");
    bool known =
        !strcmp(path, "/api/stats") || !strcmp(path, "/metrics") || !strcmp(path, "/api/health");
    /* No CORS, ever: a page from another origin may not read the admin API, and one that sends
     * a request anyway (a form post, an image) is refused before anything runs. */
    if (!srv_admin_origin_ok(srv_http_header(ri, "Origin"), s->cfg.admin_bind_addr, s->admin_port,
                             srv_http_header(ri, "Host"))) {
        srv_http_error(c, ri, 403, "cross-origin requests are refused", NULL, &rep);
    } else if (!known) {
        srv_http_error(c, ri, 404, "not found", NULL, &rep);
    } else if (!get) {
        srv_http_error(c, ri, 405, "method not allowed", "Allow: GET, HEAD\r\n", &rep);
    } else if (!strcmp(path, "/api/health")) {
        static const char body[] = "{\"status\":\"ok\",\"service\":\"tierbench-admin\"}";
        srv_http_reply(c, ri, 200, "application/json", NULL, body, sizeof(body) - 1, false, &rep);
    } else if (!srv_admin_token_ok(s->cfg.admin_token, srv_http_header(ri, "Authorization"))) {
        srv_http_error(c, ri, 401, "admin token required (Authorization: Bearer ...)",
                       "WWW-Authenticate: Bearer\r\n", &rep);
    } else {
        reply_snapshot(s, c, ri, !strcmp(path, "/metrics"));
        rep.status = 200;
    }
    if (slot)
        srv_guard_set(slot, SRV_GUARD_HEAD, clock_now_us());
    return rep.status;
}

int srv_admin_start(struct srv *s, char *err, size_t errlen)
{
    char listen[128], threads[16], rto[16];
    unsigned nthreads = s->cfg.admin_threads ? s->cfg.admin_threads : 1;
    unsigned timeout_ms = s->cfg.admin_request_timeout_ms ? s->cfg.admin_request_timeout_ms : 2000;
    snprintf(listen, sizeof(listen), "%s:%d", s->cfg.admin_bind_addr, s->cfg.admin_port);
    snprintf(threads, sizeof(threads), "%u", nthreads);
    snprintf(rto, sizeof(rto), "%u", timeout_ms);
    /* Short deadlines: the admin API answers small GETs from the operator's tools, so a client
     * that takes longer than this to ask is not one of them. Pressure starts one worker in
     * eight (at least one) short of full. */
    struct srv_guard_config gc = {
        .name = "admin pool",
        .threads = nthreads,
        .header_timeout_us =
            (uint64_t)(s->cfg.header_timeout_ms < timeout_ms ? s->cfg.header_timeout_ms
                                                             : timeout_ms) *
            1000u,
        .busy_high = nthreads - (nthreads / 8 > 1 ? nthreads / 8 : 1),
        .shed_grace_us = (uint64_t)s->cfg.shed_grace_ms * 1000u,
        .per_client_max = s->cfg.admin_client_max,
        .log = s->cfg.log,
        .log_arg = s->cfg.log_arg,
    };
    if (gc.busy_high < 1)
        gc.busy_high = 1;
    s->admin_guard = srv_guard_new(&gc);
    if (!s->admin_guard) {
        snprintf(err, errlen, "out of memory (admin connection guard)");
        return -1;
    }
    const char *opts[] = {
        "listening_ports",
        listen,
        "num_threads",
        threads,
        "enable_keep_alive",
        "yes",
        "keep_alive_timeout_ms",
        rto,
        "request_timeout_ms",
        rto,
        "tcp_nodelay",
        "1",
        "enable_directory_listing",
        "no",
        "cgi_pattern",
        "/.tierbench-no-cgi$",
        "ssi_pattern",
        "/.tierbench-no-ssi$",
        NULL,
    };
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.begin_request = on_admin_request;
    cb.init_thread = on_admin_init_thread;
    cb.exit_thread = on_admin_exit_thread;
    cb.init_connection = on_admin_init_connection;
    cb.connection_close = on_admin_connection_close;
    char reason[160];
    s->admin_ctx = srv_mg_start(s, &cb, opts, reason, sizeof(reason));
    if (!s->admin_ctx) {
        snprintf(err, errlen, "cannot listen on %s for the admin API: %s", listen,
                 reason[0] ? reason : "in use, or a bad address?");
        return -1;
    }
    struct mg_server_port ports[2];
    int n = mg_get_server_ports(s->admin_ctx, 2, ports);
    s->admin_port = n > 0 ? ports[0].port : -1;
    if (srv_guard_start(s->admin_guard) < 0) {
        snprintf(err, errlen, "cannot start the admin connection guard thread");
        return -1;
    }
    return 0;
}
