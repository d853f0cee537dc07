/* tests/it_hostile.c: the server against hostile clients, on ephemeral loopback ports, each test
 * bounded in time: slowloris, slow bodies and idle connections beyond the pool (with the
 * attack scaled down to threads + 50 connections; bench/hostile.sh runs the full-scale ones),
 * the admin API under attack on either port, oversized and malformed requests, request framing
 * (duplicate or malformed Content-Length, Transfer-Encoding with Content-Length), resets in the
 * middle of a response, the admin API's Origin and token rules, and the signals of the
 * `tierbench serve` binary ($TIERBENCH). The attacks come from tests/support/hostile.h. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"
#include "tests/support/ck_run.h"
#include "tests/support/hostile.h"
#include "tests/support/tmpdir.h"

/* What a probe must achieve under attack: the target of the reliability table. Sanitizers slow
 * the server's every call (ThreadSanitizer 5-15x) while the attack runs at full speed, so their
 * builds get three times as long; the mechanism under test is the same. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PROBE_TIMEOUT_MS 3000
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define PROBE_TIMEOUT_MS 3000
#endif
#endif
#ifndef PROBE_TIMEOUT_MS
#define PROBE_TIMEOUT_MS 1000
#endif

static char docroot[PATH_MAX];
static struct srv *server;
static int port, admin_port;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void make_docroot(void)
{
    char tmpl[] = "/tmp/tb-it-hostile-XXXXXX", p[PATH_MAX + 32];
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(docroot, sizeof(docroot), "%s", tmpl);
    snprintf(p, sizeof(p), "%s/index.html", docroot);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<html>hostile</html>", f);
    fclose(f);
    /* A file large enough that its answer is still being written when the client resets. */
    snprintf(p, sizeof(p), "%s/big.bin", docroot);
    f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    static char block[65536];
    memset(block, 'x', sizeof(block));
    for (int i = 0; i < 64; i++)
        fwrite(block, 1, sizeof(block), f);
    fclose(f);
}

/* Starts the server with small pools and short deadlines: the mechanisms of the full-scale
 * attacks, at a size a test can afford. Tests adjust cfg through the callback-free fields. */
static void start_cfg(struct srv_config *cfg)
{
    char err[256];
    ck_assert_msg(srv_start(cfg, &server, err, sizeof(err)) == 0, "srv_start: %s", err);
    port = srv_port(server);
    admin_port = srv_admin_port(server);
}

static void default_cfg(struct srv_config *cfg)
{
    make_docroot();
    srv_config_default(cfg);
    cfg->port = 0;
    cfg->admin_port = 0;
    cfg->threads = 8;
    cfg->docroot = docroot;
    cfg->header_timeout_ms = 1000;
}

static void stop(void)
{
    srv_stop(server);
    server = NULL;
    tmpdir_remove(docroot);
}

/* Probes a path n times, gap_ms apart; every probe must get want within PROBE_TIMEOUT_MS.
 * Returns the slowest latency. */
static uint64_t probe_n(int p, const char *source, const char *path, const char *headers, int n,
                        unsigned gap_ms, int want)
{
    uint64_t slowest_us = 0;
    for (int i = 0; i < n; i++) {
        int status;
        uint64_t lat_us;
        char why[128] = "";
        int rc = hostile_probe("127.0.0.1", p, source, path, headers, PROBE_TIMEOUT_MS, &status,
                               &lat_us, why, sizeof(why));
        ck_assert_msg(rc == 0, "probe %d of %s on port %d: %s", i + 1, path, p, why);
        ck_assert_int_eq(status, want);
        if (lat_us > slowest_us)
            slowest_us = lat_us;
        sleep_ms(gap_ms);
    }
    return slowest_us;
}

static struct hostile *attack(int p, const char *source, enum hostile_kind kind, unsigned conns,
                              unsigned interval_ms, bool reconnect)
{
    struct hostile_opts o = {.addr = "127.0.0.1",
                             .port = p,
                             .source_addr = source,
                             .kind = kind,
                             .conns = conns,
                             .interval_ms = interval_ms,
                             .reconnect = reconnect};
    char err[128];
    struct hostile *h = hostile_start(&o, err, sizeof(err));
    ck_assert_msg(h != NULL, "attack: %s", err);
    return h;
}

/* Waits (bounded) until the attack has opened at least n connections. */
static void wait_opened(struct hostile *h, uint64_t n)
{
    struct hostile_counts c;
    for (int i = 0; i < 300; i++) {
        hostile_counts(h, &c);
        if (c.opened >= n)
            return;
        sleep_ms(10);
    }
    ck_abort_msg("the attack opened only %llu of %llu connections", (unsigned long long)c.opened,
                 (unsigned long long)n);
}

static struct srv_stats *snapshot(void)
{
    struct srv_stats *st = srv_stats_new();
    ck_assert_ptr_nonnull(st);
    srv_stats_snapshot(server, st);
    return st;
}

/* ---- slow and idle clients beyond the pool ------------------------------------------------- */

START_TEST(test_slowloris_beyond_the_pool_leaves_health_answering)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    /* threads + 50 connections sending one head byte a second, reopened when closed: without
     * the guard every worker waits on one of them for request_timeout_ms (30 s). */
    struct hostile *h = attack(port, NULL, HOSTILE_SLOWLORIS, cfg.threads + 50, 1000, true);
    wait_opened(h, cfg.threads + 50);
    sleep_ms(300);
    probe_n(port, NULL, "/api/health", NULL, 5, 200, 200);
    struct hostile_counts c;
    hostile_counts(h, &c);
    hostile_stop(h);
    ck_assert_uint_gt(c.server_closed, 0);
    ck_assert_int_eq(c.last_status, 400); /* a half-sent head is answered 400, then closed */
    struct srv_stats *st = snapshot();
    ck_assert_uint_gt(st->shed_pressure, 0);
    srv_stats_free(st);
    stop();
}
END_TEST

START_TEST(test_slowloris_within_the_pool_is_cut_at_the_header_deadline)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    cfg.threads = 16;
    start_cfg(&cfg);
    /* Fewer than the pressure mark: only the head deadline (1 s here) ends them. */
    struct hostile *h = attack(port, NULL, HOSTILE_SLOWLORIS, 6, 200, false);
    wait_opened(h, 6);
    uint64_t t0 = hostile_now_us();
    probe_n(port, NULL, "/api/health", NULL, 2, 100, 200);
    struct hostile_counts c;
    do {
        sleep_ms(20);
        hostile_counts(h, &c);
    } while (c.server_closed < 6 && hostile_now_us() - t0 < 3000000);
    uint64_t took_us = hostile_now_us() - t0;
    hostile_stop(h);
    ck_assert_uint_eq(c.server_closed, 6);
    ck_assert_int_eq(c.last_status, 400);
    ck_assert_msg(took_us > 700000 && took_us < 2000000, "closed after %llu us",
                  (unsigned long long)took_us);
    struct srv_stats *st = snapshot();
    ck_assert_uint_eq(st->shed_header_timeout, 6);
    ck_assert_uint_eq(st->shed_pressure, 0);
    static char text[256 * 1024];
    ck_assert_uint_lt(srv_stats_prometheus(st, text, sizeof(text)), sizeof(text));
    ck_assert_ptr_nonnull(strstr(
        text, "tierbench_connections_shed_total{pool=\"main\",reason=\"header_timeout\"} 6\n"));
    ck_assert_uint_lt(srv_stats_json(st, false, text, sizeof(text)), sizeof(text));
    ck_assert_ptr_nonnull(strstr(text, "\"shed\":{\"header_timeout\":6,"));
    srv_stats_free(st);
    stop();
}
END_TEST

START_TEST(test_slow_bodies_beyond_the_pool_are_cut_and_answered_408)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    struct hostile *h = attack(port, NULL, HOSTILE_SLOW_BODY, cfg.threads + 50, 1000, true);
    wait_opened(h, cfg.threads + 50);
    sleep_ms(300);
    probe_n(port, NULL, "/api/health", NULL, 5, 200, 200);
    struct hostile_counts c;
    hostile_counts(h, &c);
    hostile_stop(h);
    ck_assert_uint_gt(c.server_closed, 0);
    ck_assert_int_eq(c.last_status, 408);
    stop();
}
END_TEST

START_TEST(test_slow_body_within_the_pool_ends_at_the_request_timeout)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    cfg.threads = 16;
    cfg.request_timeout_ms = 1000;
    start_cfg(&cfg);
    struct hostile *h = attack(port, NULL, HOSTILE_SLOW_BODY, 3, 100, false);
    wait_opened(h, 3);
    struct hostile_counts c;
    uint64_t t0 = hostile_now_us();
    do {
        sleep_ms(20);
        hostile_counts(h, &c);
    } while (c.server_closed < 3 && hostile_now_us() - t0 < 3000000);
    hostile_stop(h);
    ck_assert_uint_eq(c.server_closed, 3);
    ck_assert_uint_eq(c.answers, 3);
    ck_assert_int_eq(c.last_status, 408);
    struct srv_stats *st = snapshot();
    ck_assert_uint_eq(st->shed_body_timeout, 3);
    srv_stats_free(st);
    stop();
}
END_TEST

START_TEST(test_idle_connections_beyond_the_pool_then_recovery)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    struct hostile *h = attack(port, NULL, HOSTILE_IDLE, cfg.threads + 50, 0, true);
    wait_opened(h, cfg.threads + 50);
    sleep_ms(300);
    probe_n(port, NULL, "/api/health", NULL, 5, 200, 200);
    probe_n(admin_port, NULL, "/api/stats", NULL, 2, 100, 200);
    hostile_stop(h);
    /* Once they are gone, every worker is free again. */
    struct srv_stats *st = srv_stats_new();
    for (int i = 0; i < 200; i++) {
        srv_stats_snapshot(server, st);
        if (st->connections_open == 0)
            break;
        sleep_ms(10);
    }
    ck_assert_uint_eq(st->connections_open, 0);
    ck_assert_uint_gt(st->shed_pressure, 0);
    srv_stats_free(st);
    probe_n(port, NULL, "/api/health", NULL, 2, 0, 200);
    stop();
}
END_TEST

/* ---- the admin API under attack ---------------------------------------------------------- */

START_TEST(test_admin_answers_slowloris_on_its_own_port_from_another_or_the_same_address)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    /* More than its 16 threads, from another address (127.0.0.2): the head deadline, the
     * pressure rule and the per-client cap all apply. */
    struct hostile *h = attack(admin_port, "127.0.0.2", HOSTILE_SLOWLORIS, 60, 1000, true);
    wait_opened(h, 60);
    sleep_ms(200);
    probe_n(admin_port, "127.0.0.1", "/api/stats", NULL, 4, 150, 200);
    hostile_stop(h);
    /* From the probe's own address: the cap cannot tell them apart, the waiting ones go. */
    h = attack(admin_port, "127.0.0.1", HOSTILE_SLOWLORIS, 8, 1000, true);
    wait_opened(h, 8);
    sleep_ms(200);
    probe_n(admin_port, "127.0.0.1", "/metrics", NULL, 4, 150, 200);
    hostile_stop(h);
    stop();
}
END_TEST

/* A connection from source to 127.0.0.1:p that asks GET /api/health once and keeps the
 * connection open (keep-alive), so the server knows its address. */
static int kept_alive_from(const char *source, int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
    inet_pton(AF_INET, source, &src.sin_addr);
    dst.sin_port = htons((uint16_t)p);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
    static const char req[] = "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n";
    ck_assert_int_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
    char buf[1024];
    ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 12);
    ck_assert(!strncmp(buf, "HTTP/1.1 200", 12));
    return fd;
}

/* Whether the server closed fd (end of stream or reset), waiting at most wait_ms. */
static bool closed_by_server(int fd, int wait_ms)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, wait_ms) <= 0)
        return false;
    char c;
    return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

START_TEST(test_admin_per_client_cap_closes_that_clients_oldest_idle_connections)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    cfg.admin_client_max = 2;
    start_cfg(&cfg);
    int fds[5];
    for (int i = 0; i < 5; i++) {
        fds[i] = kept_alive_from("127.0.0.2", admin_port);
        sleep_ms(5); /* distinct ages: the oldest go first */
    }
    int other = kept_alive_from("127.0.0.1", admin_port); /* another client: not affected */
    sleep_ms(100);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(closed_by_server(fds[i], 200) == (i < 3), "connection %d", i);
    ck_assert(!closed_by_server(other, 0));
    struct srv_stats *st = snapshot();
    ck_assert_uint_eq(st->admin_shed_per_client, 3);
    srv_stats_free(st);
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    close(other);
    stop();
}
END_TEST

START_TEST(test_admin_keeps_answering_while_the_main_port_is_flooded)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    struct hostile *h = attack(port, NULL, HOSTILE_SLOWLORIS, 200, 1000, true);
    wait_opened(h, 200);
    probe_n(admin_port, NULL, "/api/stats", NULL, 4, 150, 200);
    hostile_stop(h);
    stop();
}
END_TEST

/* ---- malformed requests ------------------------------------------------------------------- */

/* Sends raw (all at once), reads until the server closes or 2 s pass. Returns the status of
 * the first answer (0: none) and whether the server closed the connection. */
static int exchange(int p, const void *raw, size_t len, bool *closed, char *out, size_t outlen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, (const char *)raw + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may close before taking it all */
        off += (size_t)w;
    }
    size_t got = 0;
    *closed = false;
    uint64_t deadline = hostile_now_us() + 2000000;
    while (hostile_now_us() < deadline) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            *closed = true; /* end of stream, or a reset after the server closed */
            break;
        }
        size_t take = (size_t)n < outlen - 1 - got ? (size_t)n : outlen - 1 - got;
        memcpy(out + got, buf, take);
        got += take;
    }
    out[got] = '\0';
    close(fd);
    int status = 0;
    sscanf(out, "HTTP/%*d.%*d %d", &status);
    return status;
}

START_TEST(test_oversized_head_gets_400_and_a_closed_connection)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    static char raw[40000], out[8192];
    int n = snprintf(raw, sizeof(raw), "GET /api/health HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(raw + n, 'a', 20000); /* over the 16 KiB limit of a head */
    memcpy(raw + n + 20000, "\r\n\r\n", 4);
    bool closed;
    int status = exchange(port, raw, (size_t)n + 20004, &closed, out, sizeof(out));
    ck_assert_msg(status == 400 || status == 431, "status %d", status);
    ck_assert(closed);
    probe_n(port, NULL, "/api/health", NULL, 1, 0, 200);
    stop();
}
END_TEST

START_TEST(test_garbage_http09_and_bad_methods_get_400_and_close)
{
    static const struct {
        const char *raw;
        size_t len;
    } cases[] = {
        {"GARBAGE\r\n\r\n", 11},
        {"GET /\r\n\r\n", 9}, /* HTTP/0.9 */
        {"FOO / HTTP/1.1\r\nHost: t\r\n\r\n", 27},
        {"\x01\x02\x03\xff\r\n\r\n", 8},
        {"GET /api/health HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n", 43},
        {"GET /api/health HTTP/1.1\r\nHost t\r\n\r\n", 36},
    };
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[4096];
        bool closed;
        int status = exchange(port, cases[i].raw, cases[i].len, &closed, out, sizeof(out));
        ck_assert_msg(status == 400 && closed, "case %zu: status %d, closed %d", i, status, closed);
    }
    probe_n(port, NULL, "/api/health", NULL, 1, 0, 200);
    stop();
}
END_TEST

START_TEST(test_ambiguous_framing_is_rejected_and_the_connection_closed)
{
    /* Each is followed by a second request, which a server that misread the framing would
     * answer on the same connection (a smuggled request). */
    static const char *const cases[] = {
        "GET /api/health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n"
        "hello",
        "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5abc\r\n\r\nhello",
        "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        "0\r\n\r\n",
    };
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char raw[1024], out[4096];
        int n =
            snprintf(raw, sizeof(raw), "%sGET /api/health HTTP/1.1\r\nHost: t\r\n\r\n", cases[i]);
        bool closed;
        int status = exchange(port, raw, (size_t)n, &closed, out, sizeof(out));
        ck_assert_msg(status == 400 && closed, "case %zu: status %d, closed %d", i, status, closed);
        ck_assert_msg(strstr(out + 12, "HTTP/1.1 200") == NULL, "case %zu: a second answer: %s", i,
                      out);
    }
    stop();
}
END_TEST

/* A client that resets (RST) while its answer is being written, many times over: the server
 * keeps its workers, answers everyone else and ends with no connection open. */
START_TEST(test_resets_mid_response_leave_the_server_whole)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    start_cfg(&cfg);
    for (int i = 0; i < 40; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int small = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        const char *req = i % 2 ? "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                                : "GET /api/delay?ms=30 HTTP/1.1\r\nHost: t\r\n\r\n";
        ck_assert_int_gt(send(fd, req, strlen(req), MSG_NOSIGNAL), 0);
        char buf[1024];
        if (i % 2)
            ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 0); /* the answer has begun */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd); /* RST */
    }
    probe_n(port, NULL, "/api/health", NULL, 3, 0, 200);
    struct srv_stats *st = srv_stats_new();
    for (int i = 0; i < 300; i++) {
        srv_stats_snapshot(server, st);
        if (st->connections_open == 0 && st->threads_busy == 0)
            break;
        sleep_ms(10);
    }
    ck_assert_uint_eq(st->connections_open, 0);
    ck_assert_uint_eq(st->threads_busy, 0);
    srv_stats_free(st);
    stop();
}
END_TEST

/* ---- admin API: token, Origin, no CORS ---------------------------------------------------- */

START_TEST(test_admin_refuses_foreign_origins_requires_the_token_and_sends_no_cors)
{
    struct srv_config cfg;
    default_cfg(&cfg);
    cfg.admin_token = "s3cret";
    start_cfg(&cfg);
    static const char *const paths[] = {"/api/stats", "/metrics"};
    for (size_t i = 0; i < 2; i++) {
        char raw[512], out[65536];
        bool closed;
        /* No token: 401. */
        int n = snprintf(raw, sizeof(raw),
                         "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", paths[i]);
        ck_assert_int_eq(exchange(admin_port, raw, (size_t)n, &closed, out, sizeof(out)), 401);
        /* The token, from a page of another origin: 403, whatever the token. */
        n = snprintf(raw, sizeof(raw),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://evil.example\r\n"
                     "Authorization: Bearer s3cret\r\nConnection: close\r\n\r\n",
                     paths[i], admin_port);
        ck_assert_int_eq(exchange(admin_port, raw, (size_t)n, &closed, out, sizeof(out)), 403);
        ck_assert_ptr_null(strcasestr(out, "Access-Control-"));
        /* A CORS preflight gets no CORS either. */
        n = snprintf(raw, sizeof(raw),
                     "OPTIONS %s HTTP/1.1\r\nHost: t\r\nOrigin: http://evil.example\r\n"
                     "Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n",
                     paths[i]);
        int status = exchange(admin_port, raw, (size_t)n, &closed, out, sizeof(out));
        ck_assert_msg(status == 403 || status == 405, "preflight: %d", status);
        ck_assert_ptr_null(strcasestr(out, "Access-Control-"));
        /* The token from the admin's own origin: 200, still no CORS. */
        n = snprintf(raw, sizeof(raw),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n"
                     "Authorization: Bearer s3cret\r\nConnection: close\r\n\r\n",
                     paths[i], admin_port, admin_port);
        ck_assert_int_eq(exchange(admin_port, raw, (size_t)n, &closed, out, sizeof(out)), 200);
        ck_assert_ptr_null(strcasestr(out, "Access-Control-"));
    }
    stop();
}
END_TEST

/* ---- signals of the binary ---------------------------------------------------------------- */

static const char *binary(void)
{
    const char *b = getenv("TIERBENCH");
    return b && *b ? b : "build/tierbench";
}

static size_t file_text(const char *path, char *out, size_t outlen)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        out[0] = '\0';
        return 0;
    }
    ssize_t n = read(fd, out, outlen - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

/* Waits (bounded) until path contains text. */
static bool wait_text(const char *path, const char *text, char *buf, size_t buflen)
{
    for (int i = 0; i < 300; i++) {
        file_text(path, buf, buflen);
        if (strstr(buf, text))
            return true;
        sleep_ms(10);
    }
    return false;
}

START_TEST(test_binary_survives_hup_quit_usr1_reopens_its_log_and_stops_on_term)
{
    char dir[] = "/tmp/tb-it-hostile-sig-XXXXXX", out[PATH_MAX], errp[PATH_MAX];
    char log[PATH_MAX], rotated[PATH_MAX + 8], buf[8192];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(out, sizeof(out), "%s/out", dir);
    snprintf(errp, sizeof(errp), "%s/err", dir);
    snprintf(log, sizeof(log), "%s/access.log", dir);
    snprintf(rotated, sizeof(rotated), "%s.1", log);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        execl(binary(), binary(), "serve", "--port", "0", "--no-admin", "--threads", "4",
              "--access-log", log, (char *)NULL);
        _exit(127);
    }
    ck_assert_msg(wait_text(out, "listening on http://127.0.0.1:", buf, sizeof(buf)),
                  "no start line: %s", buf);
    const char *at = strstr(buf, "127.0.0.1:");
    int p = (int)strtol(at + 10, NULL, 10);
    ck_assert_int_gt(p, 0);
    probe_n(p, NULL, "/api/health", NULL, 1, 0, 200);
    ck_assert(wait_text(log, "GET /api/health", buf, sizeof(buf)));

    /* Rotation: the old file is renamed, SIGHUP makes the server write a new one. */
    ck_assert_int_eq(rename(log, rotated), 0);
    ck_assert_int_eq(kill(pid, SIGHUP), 0);
    ck_assert(wait_text(errp, "SIGHUP: access log reopened", buf, sizeof(buf)));
    probe_n(p, NULL, "/api/nope", NULL, 1, 0, 404);
    ck_assert_msg(wait_text(log, "GET /api/nope", buf, sizeof(buf)), "new log: %s", buf);
    file_text(rotated, buf, sizeof(buf));
    ck_assert_ptr_null(strstr(buf, "/api/nope"));

    ck_assert_int_eq(kill(pid, SIGUSR1), 0);
    ck_assert(wait_text(errp, "SIGUSR1: ", buf, sizeof(buf)));
    ck_assert_int_eq(kill(pid, SIGQUIT), 0);
    ck_assert(wait_text(errp, "SIGQUIT ignored", buf, sizeof(buf)));
    /* Still serving after all three. */
    probe_n(p, NULL, "/api/health", NULL, 1, 0, 200);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);

    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    tmpdir_remove(dir);
}
END_TEST

int main(void)
{
    /* A test that finds a worker it cannot reach must fail, not die of SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_slowloris_beyond_the_pool_leaves_health_answering);
    tcase_add_test(tc, test_slowloris_within_the_pool_is_cut_at_the_header_deadline);
    tcase_add_test(tc, test_slow_bodies_beyond_the_pool_are_cut_and_answered_408);
    tcase_add_test(tc, test_slow_body_within_the_pool_ends_at_the_request_timeout);
    tcase_add_test(tc, test_idle_connections_beyond_the_pool_then_recovery);
    tcase_add_test(tc,
                   test_admin_answers_slowloris_on_its_own_port_from_another_or_the_same_address);
    tcase_add_test(tc, test_admin_per_client_cap_closes_that_clients_oldest_idle_connections);
    tcase_add_test(tc, test_admin_keeps_answering_while_the_main_port_is_flooded);
    tcase_add_test(tc, test_oversized_head_gets_400_and_a_closed_connection);
    tcase_add_test(tc, test_garbage_http09_and_bad_methods_get_400_and_close);
    tcase_add_test(tc, test_ambiguous_framing_is_rejected_and_the_connection_closed);
    tcase_add_test(tc, test_resets_mid_response_leave_the_server_whole);
    tcase_add_test(tc, test_admin_refuses_foreign_origins_requires_the_token_and_sends_no_cors);
    tcase_add_test(tc, test_binary_survives_hup_quit_usr1_reopens_its_log_and_stops_on_term);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
