/* server/srv.c: the server's lifecycle: CivetWeb options, the begin_request fast path that
 * dispatches every request (API and static) and records its stats, the per-thread stats blocks,
 * connection counting, and the docroot search. Read next: routes.c, static.c, stats.c, admin.c. */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

void srv_config_default(struct srv_config *cfg)
{
    *cfg = (struct srv_config){
        .bind_addr = "127.0.0.1",
        .port = 9000,
        .threads = 256,
        .docroot = NULL,
        .admin_bind_addr = "127.0.0.1",
        .admin_port = 9001,
        .admin_threads = 16,
        .admin_token = NULL,
        .access_log_path = NULL,
        .keep_alive_ms = 5000,
        .request_timeout_ms = 30000,
        .header_timeout_ms = 2000,
        .shed_grace_ms = 25,
        .admin_request_timeout_ms = 2000,
        .admin_client_max = 4,
        .max_body_bytes = 1024 * 1024,
        .max_header_bytes = 16384,
        .cache_enabled = true,
        .cache_ttl_s = 60,
        .cache_entries = 1000,
        .exchange_work_us = 200,
        .stats_enabled = true,
        .sched_batch = true,
    };
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int srv_docroot_default(char *out, size_t outlen)
{
    const char *env = getenv("TIERBENCH_DOCROOT");
    if (env && *env && is_dir(env)) {
        snprintf(out, outlen, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const rel[] = {"/../share/tierbench/public", "/../public"};
        for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
            if (is_dir(cand)) {
                snprintf(out, outlen, "%s", cand);
                return 0;
            }
        }
    }
    snprintf(out, outlen, "./public");
    return is_dir(out) ? 0 : -1;
}

/* Longest srv_stop waits for requests in flight before closing connections. */
#define STOP_GRACE_US 5000000

/* ---- CivetWeb callbacks -------------------------------------------------------------------- */

/* Every request is answered here, so CivetWeb never reaches its own URI interpretation, handler
 * lookup (which takes a context-wide lock) or authorization check (which stat()s a .htpasswd
 * for every request): measured, that path costs a failed stat and a mutex per request. */
static int on_begin_request(struct mg_connection *c)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct srv *s = ri->user_data;
    struct srv_worker *w = mg_get_thread_pointer(c);
    /* With --no-stats the thread block only carries the busy flag that srv_stop waits on. */
    struct srv_stats_thread *t = w ? w->stats : NULL;
    bool record = t && s->cfg.stats_enabled;
    uint64_t start_us = clock_now_us();
    if (w && w->slot)
        srv_guard_set(w->slot, SRV_GUARD_WORK, start_us);
    if (t)
        srv_stats_busy(t, true);
    struct srv_reply rep = {.status = 500, .timed = record};
    enum srv_route route = srv_route_find(ri->local_uri);
    const char *framing = srv_http_framing_error(ri);
    if (framing) {
        rep.close = true;
        srv_http_error(c, ri, 400, framing, NULL, &rep);
    } else if (!srv_route_allows(route, ri->request_method)) {
        char allow[64];
        snprintf(allow, sizeof(allow), "Allow: %s\r\n", srv_route_allow(route));
        srv_http_error(c, ri, 405, "method not allowed", allow, &rep);
    } else if (route == SRV_ROUTE_STATIC) {
        srv_static_handle(s, c, ri, &rep);
    } else {
        srv_api_handle(s, c, ri, route, &rep);
    }
    if (record) {
        uint64_t end_us = rep.ready_us >= start_us ? rep.ready_us : clock_now_us();
        srv_stats_record(t, route, rep.status, end_us - start_us, rep.bytes_out, rep.bytes_in,
                         end_us);
    }
    if (t)
        srv_stats_busy(t, false);
    if (w && w->slot)
        srv_guard_set(w->slot, SRV_GUARD_HEAD, clock_now_us());
    return rep.status; /* CivetWeb logs it and sends nothing more */
}

struct srv_guard_slot *srv_worker_slot(const struct mg_connection *c)
{
    const struct srv_worker *w = mg_get_thread_pointer(c);
    return w ? w->slot : NULL;
}

static void *on_init_thread(const struct mg_context *ctx, int thread_type)
{
    struct srv *s = mg_get_user_data(ctx);
    if (thread_type != 1 || !s)
        return NULL;
    struct srv_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        srv_log(s, SRV_LOG_WARNING, "out of memory: a worker thread records no stats");
        return NULL;
    }
    if (s->cfg.sched_batch) {
        /* Each keep-alive request wakes the worker that holds its connection. As a normal
         * thread the woken worker preempts whoever runs (often the worker that just sent the
         * previous response, or the client), so most wake-ups cost an extra switch and IPI.
         * SCHED_BATCH workers never preempt on wake-up: they queue and run when the CPU frees
         * up. Measured on 2 cores with wrk -c50: 1.05-1.08 -> 1.00 switches per request and
         * 21.5-22 -> 17.1-17.8 us CPU per request, +30-50% req/s (README.md). The admin
         * pool stays normal so it still answers promptly. */
        struct sched_param sp = {.sched_priority = 0};
        pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    }
    w->stats = srv_stats_thread_add(s->stats);
    if (!w->stats)
        srv_log(s, SRV_LOG_WARNING, "out of memory: a worker thread records no stats");
    w->slot = srv_guard_slot_add(s->guard);
    if (!w->slot)
        srv_log(s, SRV_LOG_WARNING, "out of memory: a worker's connections go unguarded");
    return w;
}

static void on_exit_thread(const struct mg_context *ctx, int thread_type, void *ptr)
{
    (void)ctx;
    (void)thread_type;
    free(ptr); /* the stats block and the slot belong to the recorder and the guard */
}

/* Any non-NULL pointer would do as the mark; the server's own address says whose it is. */
void srv_conn_opened(struct srv *s, void **conn_data)
{
    atomic_fetch_add(&s->conns_open, 1);
    atomic_fetch_add(&s->conns_total, 1);
    *conn_data = s;
}

void srv_conn_closed(struct srv *s, void *conn_data)
{
    if (conn_data == s)
        atomic_fetch_sub(&s->conns_open, 1);
}

static int on_init_connection(const struct mg_connection *c, void **conn_data)
{
    struct srv *s = mg_get_user_data(mg_get_context(c));
    *conn_data = NULL;
    if (s)
        srv_conn_opened(s, conn_data);
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot)
        srv_guard_opened(slot, clock_now_us());
    return 0;
}

/* CivetWeb calls this for every connection it closes, including ones that never reached
 * init_connection (a failed TLS handshake, for instance); it sets the connection data to NULL
 * before init_connection and after this callback, so only counted ones carry the mark. */
static void on_connection_close(const struct mg_connection *c)
{
    struct srv *s = mg_get_user_data(mg_get_context(c));
    if (s)
        srv_conn_closed(s, mg_get_user_connection_data(c));
    struct srv_guard_slot *slot = srv_worker_slot(c);
    if (slot)
        srv_guard_closed(slot);
}

/* The access log is tierbench's own file rather than CivetWeb's access_log_file, which CivetWeb
 * opens and closes for every line: one open descriptor costs far less per request, and
 * srv_reopen_logs can swap it for log rotation. CivetWeb formats the line. One write per
 * line on an O_APPEND descriptor, so lines from several workers never interleave. */
static int on_log_access(const struct mg_connection *c, const char *message)
{
    struct srv *s = mg_get_user_data(mg_get_context(c));
    if (!s || s->access_fd < 0)
        return 1;
    char line[4200];
    size_t n = strlen(message);
    if (n > sizeof(line) - 1)
        n = sizeof(line) - 1;
    memcpy(line, message, n);
    line[n++] = '\n';
    pthread_rwlock_rdlock(&s->access_lock);
    ssize_t w = write(s->access_fd, line, n);
    pthread_rwlock_unlock(&s->access_lock);
    (void)w; /* a full disk loses log lines, never requests */
    return 1;
}

static int open_log(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int srv_reopen_logs(struct srv *s, bool *reopened, char *err, size_t errlen)
{
    *reopened = false;
    if (s->access_fd < 0)
        return 0;
    int fd = open_log(s->cfg.access_log_path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", s->cfg.access_log_path, strerror(errno));
        return -1;
    }
    /* Writers hold the read side while they write, so the descriptor they use is never closed
     * under them; dup2 puts the new file behind the same number. */
    pthread_rwlock_wrlock(&s->access_lock);
    dup2(fd, s->access_fd);
    pthread_rwlock_unlock(&s->access_lock);
    close(fd);
    *reopened = true;
    return 0;
}

void srv_log(const struct srv *s, enum srv_log_level level, const char *fmt, ...)
{
    if (!s->cfg.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    s->cfg.log(s->cfg.log_arg, level, line);
}

/* CivetWeb's messages. Returning 1 tells CivetWeb the message was handled, so it writes
 * nothing itself. While srv_mg_start runs, the starting thread's messages are start-up detail:
 * the first one becomes part of srv_start's one-line error. */
static int on_log_message(const struct mg_connection *c, const char *message)
{
    struct srv *s = c ? mg_get_user_data(mg_get_context(c)) : NULL;
    if (!s)
        return 1;
    enum srv_log_level level = SRV_LOG_ERROR;
    pthread_mutex_lock(&s->log_lock);
    if (s->log_capturing && pthread_equal(pthread_self(), s->log_start_thread)) {
        level = SRV_LOG_DEBUG;
        if (!s->log_first[0])
            snprintf(s->log_first, sizeof(s->log_first), "%s", message);
    }
    pthread_mutex_unlock(&s->log_lock);
    srv_log(s, level, "%s", message);
    return 1;
}

struct mg_context *srv_mg_start(struct srv *s, struct mg_callbacks *cb, const char **opts,
                                char *reason, size_t reasonlen)
{
    cb->log_message = on_log_message;
    pthread_mutex_lock(&s->log_lock);
    s->log_capturing = true;
    s->log_start_thread = pthread_self();
    s->log_first[0] = '\0';
    pthread_mutex_unlock(&s->log_lock);
    struct mg_context *ctx = mg_start(cb, s, opts);
    pthread_mutex_lock(&s->log_lock);
    s->log_capturing = false;
    snprintf(reason, reasonlen, "%s", s->log_first);
    pthread_mutex_unlock(&s->log_lock);
    return ctx;
}

/* Moves finished seconds into the shared history twice a second, so the per-second timeline
 * has no holes even when nobody reads the stats for a while. */
static void *collector_main(void *arg)
{
    struct srv *s = arg;
    pthread_mutex_lock(&s->collector_lock);
    while (!atomic_load(&s->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->collector_cond, &s->collector_lock, &ts);
        srv_stats_collect(s->stats, clock_now_us());
    }
    pthread_mutex_unlock(&s->collector_lock);
    return NULL;
}

/* ---- start / stop -------------------------------------------------------------------------- */

static int read_port(struct mg_context *ctx)
{
    struct mg_server_port ports[4];
    int n = mg_get_server_ports(ctx, 4, ports);
    return n > 0 ? ports[0].port : -1;
}

int srv_start(const struct srv_config *cfg, struct srv **out, char *err, size_t errlen)
{
    *out = NULL;
    struct srv *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->cfg = *cfg;
    s->port = s->admin_port = -1;
    pthread_mutex_init(&s->cache_lock, NULL);
    pthread_mutex_init(&s->collector_lock, NULL);
    pthread_cond_init(&s->collector_cond, NULL);
    pthread_mutex_init(&s->log_lock, NULL);
    pthread_rwlock_init(&s->access_lock, NULL);
    s->access_fd = -1;
    s->started_us = clock_now_us();
    s->started_unix_s = clock_wall_unix_s();

    if (cfg->docroot)
        snprintf(s->docroot, sizeof(s->docroot), "%s", cfg->docroot);
    else
        srv_docroot_default(s->docroot, sizeof(s->docroot));
    if (!realpath(s->docroot, s->docroot_real) || !is_dir(s->docroot_real)) {
        snprintf(err, errlen, "docroot %s: not a directory", s->docroot);
        goto fail;
    }
    s->docroot_real_len = strlen(s->docroot_real);
    if (cfg->threads < 1 || cfg->port < 0 || cfg->port > 65535) {
        snprintf(err, errlen, "bad threads or port");
        goto fail;
    }
    s->gzcache = srv_gzcache_new(64);
    if (!s->gzcache) {
        snprintf(err, errlen, "out of memory (gzip cache)");
        goto fail;
    }
    if (cfg->cache_enabled) {
        s->cache = srv_cache_new(cfg->cache_entries ? cfg->cache_entries : 1,
                                 (uint64_t)cfg->cache_ttl_s * 1000000);
        if (!s->cache) {
            snprintf(err, errlen, "out of memory (cache)");
            goto fail;
        }
    }
    s->stats = srv_stats_rec_new(s->started_us);
    if (!s->stats) {
        snprintf(err, errlen, "out of memory (stats)");
        goto fail;
    }
    if (cfg->access_log_path && *cfg->access_log_path) {
        s->access_fd = open_log(cfg->access_log_path);
        if (s->access_fd < 0) {
            snprintf(err, errlen, "access log %s: %s", cfg->access_log_path, strerror(errno));
            goto fail;
        }
    }
    /* Pressure starts when all but a sixteenth of the workers (at least one) hold connections:
     * the rest stay free for newcomers while the watchdog closes the connections that wait. */
    struct srv_guard_config gc = {
        .name = "main pool",
        .threads = cfg->threads,
        .header_timeout_us = (uint64_t)cfg->header_timeout_ms * 1000u,
        .body_timeout_us = (uint64_t)cfg->request_timeout_ms * 1000u,
        .busy_high = cfg->threads - (cfg->threads / 16 > 1 ? cfg->threads / 16 : 1),
        .shed_grace_us = (uint64_t)cfg->shed_grace_ms * 1000u,
        .log = cfg->log,
        .log_arg = cfg->log_arg,
    };
    if (gc.busy_high < 1)
        gc.busy_high = 1;
    s->guard = srv_guard_new(&gc);
    if (!s->guard) {
        snprintf(err, errlen, "out of memory (connection guard)");
        goto fail;
    }
    if (srv_guard_signal_setup() < 0) {
        snprintf(err, errlen, "cannot install the connection guard's signal handler");
        goto fail;
    }

    char listen[128], threads[16], ka[16], rto[16], hdr[16];
    snprintf(listen, sizeof(listen), "%s:%d", cfg->bind_addr, cfg->port);
    snprintf(threads, sizeof(threads), "%u", cfg->threads);
    snprintf(ka, sizeof(ka), "%u", cfg->keep_alive_ms);
    snprintf(rto, sizeof(rto), "%u", cfg->request_timeout_ms);
    snprintf(hdr, sizeof(hdr), "%u", cfg->max_header_bytes);
    /* No document_root: CivetWeb itself serves no file, so its CGI, SSI, directory listing and
     * .htpasswd handling cannot trigger even if begin_request ever returned 0; they are also
     * switched off explicitly. tcp_nodelay "1": otherwise every keep-alive response after the
     * first waits ~40 ms for the peer's delayed ACK. */
    const char *opts[40];
    int o = 0;
    opts[o++] = "listening_ports";
    opts[o++] = listen;
    opts[o++] = "num_threads";
    opts[o++] = threads;
    opts[o++] = "enable_keep_alive";
    opts[o++] = "yes";
    opts[o++] = "keep_alive_timeout_ms";
    opts[o++] = ka;
    opts[o++] = "request_timeout_ms";
    opts[o++] = rto;
    opts[o++] = "max_request_size";
    opts[o++] = hdr;
    opts[o++] = "tcp_nodelay";
    opts[o++] = "1";
    opts[o++] = "enable_directory_listing";
    opts[o++] = "no";
    opts[o++] = "cgi_pattern";
    opts[o++] = "/.tierbench-no-cgi$";
    opts[o++] = "ssi_pattern";
    opts[o++] = "/.tierbench-no-ssi$";
    opts[o++] = "enable_auth_domain_check";
    opts[o++] = "no";
    opts[o++] = "connection_queue";
    opts[o++] = "256";
    opts[o++] = "listen_backlog";
    opts[o++] = "4096";
    opts[o] = NULL;

    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.begin_request = on_begin_request;
    cb.init_thread = on_init_thread;
    cb.exit_thread = on_exit_thread;
    cb.init_connection = on_init_connection;
    cb.connection_close = on_connection_close;
    if (s->access_fd >= 0)
        cb.log_access = on_log_access;
    char reason[160];
    s->ctx = srv_mg_start(s, &cb, opts, reason, sizeof(reason));
    if (!s->ctx) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen,
                 reason[0] ? reason : "in use, or a bad address?");
        goto fail;
    }
    s->port = read_port(s->ctx);
    if (srv_guard_start(s->guard) < 0) {
        snprintf(err, errlen, "cannot start the connection guard thread");
        goto fail;
    }
    if (cfg->admin_port >= 0 && srv_admin_start(s, err, errlen) < 0)
        goto fail;
    if (cfg->stats_enabled) {
        if (pthread_create(&s->collector, NULL, collector_main, s) != 0) {
            snprintf(err, errlen, "cannot start the stats collector thread");
            goto fail;
        }
        s->collector_running = true;
    }
    *out = s;
    return 0;
fail:
    srv_stop(s);
    return -1;
}

struct poker {
    const char *addr;
    int port;
    atomic_bool done;
};

/* CivetWeb's accept loop polls its listening socket with a 2 s timeout and checks the stop flag
 * only when poll returns, so mg_stop alone takes up to 2 s per context. While mg_stop waits,
 * connect to the port every 10 ms so the loop wakes and sees the flag at once. */
static void *poke_main(void *arg)
{
    struct poker *pk = arg;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)pk->port)};
    if (inet_pton(AF_INET, pk->addr, &a.sin_addr) != 1 || a.sin_addr.s_addr == INADDR_ANY)
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (!atomic_load(&pk->done)) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            connect(fd, (struct sockaddr *)&a, sizeof(a));
            close(fd);
        }
        clock_sleep_us(10000);
    }
    return NULL;
}

static void stop_ctx(struct mg_context *ctx, const char *addr, int port)
{
    struct poker pk = {.addr = addr, .port = port};
    pthread_t th;
    atomic_init(&pk.done, false);
    bool poking = port > 0 && pthread_create(&th, NULL, poke_main, &pk) == 0;
    mg_stop(ctx);
    atomic_store(&pk.done, true);
    if (poking)
        pthread_join(th, NULL);
}

void srv_stop(struct srv *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    if (s->collector_running) {
        pthread_mutex_lock(&s->collector_lock);
        pthread_cond_signal(&s->collector_cond);
        pthread_mutex_unlock(&s->collector_lock);
        pthread_join(s->collector, NULL);
    }
    /* CivetWeb drops writes once its stop flag is up, so let in-flight requests write their
     * answers first. Slow handlers see `stopping` within STOP_CHECK_US; the wait is bounded. */
    if (s->ctx && s->stats) {
        uint64_t deadline_us = clock_now_us() + STOP_GRACE_US;
        while (srv_stats_busy_count(s->stats) > 0 && clock_now_us() < deadline_us)
            clock_sleep_us(2000);
    }
    /* The watchdogs stop first: nothing is shed while CivetWeb winds down. */
    srv_guard_stop(s->admin_guard);
    srv_guard_stop(s->guard);
    if (s->admin_ctx)
        stop_ctx(s->admin_ctx, s->cfg.admin_bind_addr, s->admin_port);
    if (s->ctx)
        stop_ctx(s->ctx, s->cfg.bind_addr, s->port); /* joins workers after in-flight requests */
    srv_guard_free(s->admin_guard);
    srv_guard_free(s->guard);
    if (s->access_fd >= 0)
        close(s->access_fd);
    pthread_rwlock_destroy(&s->access_lock);
    srv_stats_rec_free(s->stats);
    srv_cache_free(s->cache);
    srv_gzcache_free(s->gzcache);
    pthread_mutex_destroy(&s->cache_lock);
    pthread_mutex_destroy(&s->collector_lock);
    pthread_cond_destroy(&s->collector_cond);
    pthread_mutex_destroy(&s->log_lock);
    free(s);
}

int srv_port(const struct srv *s)
{
    return s->port;
}

int srv_admin_port(const struct srv *s)
{
    return s->admin_ctx ? s->admin_port : -1;
}

const char *srv_docroot(const struct srv *s)
{
    return s->docroot_real;
}
