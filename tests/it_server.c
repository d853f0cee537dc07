/* tests/it_server.c: integration tests of the real server on ephemeral loopback ports: every
 * endpoint's status, headers and body, HTTP/1.0 and 1.1 keep-alive, 400/404/405/413, traversal
 * attempts, stats totals against the requests sent, the admin API answering while /api/delay
 * holds every worker, snapshots taken under load, connection counting, log lines of a failed
 * start (through the callback, never stderr), and the `tierbench serve` binary ($TIERBENCH):
 * flags and SIGTERM. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
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
#include <zlib.h>

#include "common/hist.h"
#include "server/server.h"
#include "tests/support/ck_run.h"

/* ---- a minimal HTTP client ------------------------------------------------------------------ */

struct resp {
    int status;
    char head[4096];
    char body[65536];
    size_t body_len;
    bool closed; /* the server closed after this response */
};

static int conn_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        ck_assert_int_gt(n, 0);
        data += n;
        len -= (size_t)n;
    }
}

/* Header value (first match, case-insensitive) copied into out; false when absent. */
static bool header(const struct resp *r, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (!strncasecmp(line, name, n) && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            snprintf(out, outlen, "%.*s", (int)len, v);
            return true;
        }
    }
    return false;
}

/* Reads one response (Content-Length delimited, or no body for HEAD/304). */
static void read_resp(int fd, struct resp *r, bool head_request)
{
    static char buf[sizeof(r->head) + sizeof(r->body)];
    size_t len = 0;
    char *end = NULL;
    memset(r, 0, sizeof(*r));
    while (!end) {
        ssize_t n = recv(fd, buf + len, 1, 0); /* byte by byte: never eat the next response */
        ck_assert_msg(n > 0, "connection closed or timed out before the headers");
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        ck_assert_uint_lt(len, sizeof(r->head) - 1);
    }
    size_t hlen = (size_t)(end - buf) + 4;
    memcpy(r->head, buf, hlen);
    r->head[hlen] = '\0';
    ck_assert_int_eq(sscanf(r->head, "HTTP/1.%*d %d", &r->status), 1);
    char cl[32];
    size_t want = 0;
    if (!head_request && r->status != 304 && header(r, "Content-Length", cl, sizeof(cl)))
        want = (size_t)strtoull(cl, NULL, 10);
    ck_assert_uint_lt(want, sizeof(r->body));
    while (r->body_len < want) {
        ssize_t n = recv(fd, r->body + r->body_len, want - r->body_len, 0);
        ck_assert_msg(n > 0, "short body");
        r->body_len += (size_t)n;
    }
    r->body[r->body_len] = '\0';
    char conn[32] = "";
    header(r, "Connection", conn, sizeof(conn));
    if (!strcasecmp(conn, "close")) {
        char c;
        r->closed = recv(fd, &c, 1, 0) == 0;
    }
}

/* One request on a fresh connection. raw is the whole request. */
static void request(int port, const char *raw, struct resp *r)
{
    int fd = conn_open(port);
    send_all(fd, raw, strlen(raw));
    read_resp(fd, r, !strncmp(raw, "HEAD ", 5));
    close(fd);
}

static void get(int port, const char *path, struct resp *r)
{
    char raw[1024];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    request(port, raw, r);
}

/* ---- fixture -------------------------------------------------------------------------------- */

static char docroot[PATH_MAX + 8], outside[PATH_MAX];
static struct srv *server;
static int port, admin_port;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_docroot(void)
{
    char tmpl[] = "/tmp/tb-it-server-XXXXXX", p[PATH_MAX + 64];
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    ck_assert_ptr_nonnull(realpath(tmpl, outside));
    snprintf(docroot, sizeof(docroot), "%s/www", outside);
    ck_assert_int_eq(mkdir(docroot, 0755), 0);
    snprintf(p, sizeof(p), "%s/index.html", docroot);
    write_file(p, "<html>tierbench test index</html>");
    snprintf(p, sizeof(p), "%s/notes.txt", docroot);
    write_file(p, "plain notes");
    snprintf(p, sizeof(p), "%s/secret.txt", outside);
    write_file(p, "TOPSECRET");
    char css[3000];
    for (size_t i = 0; i < sizeof(css) - 1; i++)
        css[i] = "body { color: #123; }\n"[i % 22];
    css[sizeof(css) - 1] = '\0';
    snprintf(p, sizeof(p), "%s/big.css", docroot);
    write_file(p, css);
    char target[PATH_MAX + 32];
    snprintf(target, sizeof(target), "%s/secret.txt", outside);
    snprintf(p, sizeof(p), "%s/link.txt", docroot);
    ck_assert_int_eq(symlink(target, p), 0);
}

static void remove_docroot(void)
{
    static const char *const names[] = {"www/index.html", "www/notes.txt", "www/link.txt",
                                        "www/big.css",    "secret.txt",    "www"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof(p), "%s/%s", outside, names[i]);
        if (unlink(p) < 0)
            rmdir(p);
    }
    rmdir(outside);
}

static void start_with(unsigned threads, const char *token)
{
    struct srv_config cfg;
    char err[256];
    make_docroot();
    srv_config_default(&cfg);
    cfg.port = 0;
    cfg.admin_port = 0;
    cfg.threads = threads;
    cfg.docroot = docroot;
    cfg.max_body_bytes = 1024;
    cfg.exchange_work_us = 100;
    cfg.admin_token = token;
    ck_assert_msg(srv_start(&cfg, &server, err, sizeof(err)) == 0, "srv_start: %s", err);
    port = srv_port(server);
    admin_port = srv_admin_port(server);
    ck_assert_int_gt(port, 0);
    ck_assert_int_gt(admin_port, 0);
}

static void stop(void)
{
    srv_stop(server);
    server = NULL;
    remove_docroot();
}

static void assert_json_error(const struct resp *r, int status)
{
    char ct[64];
    ck_assert_int_eq(r->status, status);
    ck_assert(header(r, "Content-Type", ct, sizeof(ct)));
    ck_assert_str_eq(ct, "application/json");
    ck_assert_msg(!strncmp(r->body, "{\"error\":", 9), "body: %s", r->body);
}

/* ---- endpoints ------------------------------------------------------------------------------ */

START_TEST(test_health_has_status_type_and_exact_length)
{
    struct resp r;
    char v[64];
    start_with(8, NULL);
    get(port, "/api/health", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(header(&r, "Content-Type", v, sizeof(v)));
    ck_assert_str_eq(v, "application/json");
    ck_assert(header(&r, "Content-Length", v, sizeof(v)));
    ck_assert_uint_eq(strtoul(v, NULL, 10), r.body_len);
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":\"ok\""));
    request(port, "HEAD /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.body_len, 0);
    stop();
}
END_TEST

START_TEST(test_exchange_rate_reports_cache_hit_and_rejects_bad_currency)
{
    struct resp r;
    start_with(8, NULL);
    get(port, "/api/exchange-rate?base=USD&quote=KRW", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"rate\":1380.5"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"cached\":false"));
    get(port, "/api/exchange-rate?base=usd&quote=krw", &r);
    ck_assert_ptr_nonnull(strstr(r.body, "\"cached\":true"));
    get(port, "/api/exchange-rate?base=USD&quote=XYZ", &r);
    assert_json_error(&r, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "XYZ"));
    get(port, "/api/exchange-rate?base=USD", &r);
    assert_json_error(&r, 400);
    stop();
}
END_TEST

START_TEST(test_echo_returns_post_body_and_413_over_limit)
{
    struct resp r;
    char raw[4096], big[2000];
    start_with(8, NULL);
    request(port,
            "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
            "Content-Length: 11\r\nConnection: close\r\n\r\nhello world",
            &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "hello world");
    char ct[64];
    ck_assert(header(&r, "Content-Type", ct, sizeof(ct)));
    ck_assert_str_eq(ct, "text/plain");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(raw, sizeof(raw),
             "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n%s", strlen(big),
             big);
    request(port, raw, &r);
    assert_json_error(&r, 413);
    ck_assert(r.closed);
    get(port, "/api/echo?x=1", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"method\":\"GET\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"query\":\"x=1\""));
    stop();
}
END_TEST

START_TEST(test_delay_and_work_are_bounded)
{
    struct resp r;
    start_with(8, NULL);
    get(port, "/api/delay?ms=20", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"delay_ms\":20}");
    get(port, "/api/delay?ms=10001", &r);
    assert_json_error(&r, 400);
    get(port, "/api/delay?ms=abc", &r);
    assert_json_error(&r, 400);
    get(port, "/api/delay", &r);
    assert_json_error(&r, 400);
    get(port, "/api/work?us=2000", &r);
    ck_assert_int_eq(r.status, 200);
    unsigned long long spent = 0;
    ck_assert_int_eq(sscanf(strstr(r.body, "\"spent_us\":"), "\"spent_us\":%llu", &spent), 1);
    ck_assert_uint_ge(spent, 2000);
    get(port, "/api/work?us=1000001", &r);
    assert_json_error(&r, 400);
    stop();
}
END_TEST

START_TEST(test_unknown_path_404_and_wrong_method_405_with_allow)
{
    struct resp r;
    char allow[64];
    start_with(8, NULL);
    get(port, "/api/nope", &r);
    assert_json_error(&r, 404);
    get(port, "/nope.html", &r);
    assert_json_error(&r, 404);
    request(port, "DELETE /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r);
    assert_json_error(&r, 405);
    ck_assert(header(&r, "Allow", allow, sizeof(allow)));
    ck_assert_str_eq(allow, "GET, HEAD");
    request(port,
            "PUT /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            &r);
    ck_assert_int_eq(r.status, 405);
    ck_assert(header(&r, "Allow", allow, sizeof(allow)));
    ck_assert_str_eq(allow, "GET, HEAD, POST");
    stop();
}
END_TEST

START_TEST(test_static_files_cache_rule_etag_and_304)
{
    struct resp r;
    char v[128], etag[128], raw[512];
    start_with(8, NULL);
    get(port, "/", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "<html>tierbench test index</html>");
    ck_assert(header(&r, "Cache-Control", v, sizeof(v)));
    ck_assert_str_eq(v, "public, max-age=3600, must-revalidate");
    ck_assert(header(&r, "Content-Type", v, sizeof(v)));
    ck_assert_str_eq(v, "text/html; charset=utf-8");
    ck_assert(header(&r, "ETag", etag, sizeof(etag)));
    snprintf(
        raw, sizeof(raw),
        "GET /index.html HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\nConnection: close\r\n\r\n",
        etag);
    request(port, raw, &r);
    ck_assert_int_eq(r.status, 304);
    ck_assert_uint_eq(r.body_len, 0);
    get(port, "/notes.txt", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(!header(&r, "Cache-Control", v, sizeof(v))); /* not in the seed's list */
    stop();
}
END_TEST

START_TEST(test_static_text_is_gzipped_when_accepted_with_its_own_etag)
{
    struct resp plain, gz;
    char v[128], etag_plain[128], etag_gz[128];
    start_with(8, NULL);
    get(port, "/big.css", &plain);
    ck_assert_int_eq(plain.status, 200);
    ck_assert_uint_eq(plain.body_len, 2999);
    ck_assert(!header(&plain, "Content-Encoding", v, sizeof(v)));
    ck_assert(header(&plain, "Vary", v, sizeof(v)));
    ck_assert(header(&plain, "ETag", etag_plain, sizeof(etag_plain)));
    request(port,
            "GET /big.css HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br, gzip\r\n"
            "Connection: close\r\n\r\n",
            &gz);
    ck_assert_int_eq(gz.status, 200);
    ck_assert(header(&gz, "Content-Encoding", v, sizeof(v)));
    ck_assert_str_eq(v, "gzip");
    ck_assert(header(&gz, "ETag", etag_gz, sizeof(etag_gz)));
    ck_assert_str_ne(etag_gz, etag_plain);
    ck_assert_uint_lt(gz.body_len, plain.body_len / 4);
    static char out[8192];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)gz.body;
    zs.avail_in = (uInt)gz.body_len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = sizeof(out);
    ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(zs.total_out, plain.body_len);
    ck_assert(!memcmp(out, plain.body, plain.body_len));
    inflateEnd(&zs);
    stop();
}
END_TEST

START_TEST(test_traversal_attempts_never_leave_the_docroot)
{
    static const char *const paths[] = {
        "/../secret.txt",      "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",    "/link.txt",          "/a\\..\\..\\secret.txt",
        "/%5c..%5csecret.txt", "/./../secret.txt",   "/.%2e/secret.txt",
    };
    struct resp r;
    char raw[512];
    start_with(8, NULL);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 paths[i]);
        request(port, raw, &r);
        ck_assert_msg(r.status == 403 || r.status == 404, "%s -> %d", paths[i], r.status);
        ck_assert_msg(!strstr(r.body, "TOPSECRET"), "%s leaked the file", paths[i]);
    }
    stop();
}
END_TEST

/* ---- keep-alive ---------------------------------------------------------------------------- */

START_TEST(test_http10_keep_alive_is_announced_and_kept)
{
    struct resp r;
    char conn[32];
    start_with(8, NULL);
    int fd = conn_open(port);
    for (int i = 0; i < 3; i++) {
        const char *req = "GET /api/health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
        send_all(fd, req, strlen(req));
        read_resp(fd, &r, false);
        ck_assert_int_eq(r.status, 200);
        ck_assert(header(&r, "Connection", conn, sizeof(conn)));
        ck_assert_str_eq(conn, "keep-alive");
    }
    close(fd);
    /* Plain HTTP/1.0: the server says close and closes. */
    fd = conn_open(port);
    send_all(fd, "GET /api/health HTTP/1.0\r\n\r\n", 28);
    read_resp(fd, &r, false);
    ck_assert(r.closed);
    close(fd);
    stop();
}
END_TEST

START_TEST(test_http11_keep_alive_serves_many_requests_on_one_connection)
{
    struct resp r;
    start_with(8, NULL);
    int fd = conn_open(port);
    for (int i = 0; i < 20; i++) {
        const char *req = i % 2 ? "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n"
                                : "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n";
        send_all(fd, req, strlen(req));
        read_resp(fd, &r, false);
        ck_assert_int_eq(r.status, 200);
        ck_assert(!r.closed);
    }
    close(fd);
    struct srv_stats *st = srv_stats_new();
    srv_stats_snapshot(server, st);
    ck_assert_uint_eq(st->connections_total, 1);
    ck_assert_uint_eq(st->total.requests, 20);
    srv_stats_free(st);
    stop();
}
END_TEST

/* ---- stats and admin ------------------------------------------------------------------------ */

START_TEST(test_stats_totals_equal_requests_sent)
{
    struct resp r;
    start_with(8, NULL);
    for (int i = 0; i < 30; i++)
        get(port, "/api/health", &r);
    for (int i = 0; i < 5; i++)
        get(port, "/api/nope", &r);
    get(port, "/api/delay?ms=99999", &r);
    struct srv_stats *st = srv_stats_new();
    srv_stats_snapshot(server, st);
    ck_assert_uint_eq(st->total.requests, 36);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].sample.requests, 30);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_NOT_FOUND].sample.requests, 5);
    ck_assert_uint_eq(st->total.status_class[2], 30);
    ck_assert_uint_eq(st->total.status_class[4], 6);
    ck_assert_uint_eq(st->connections_total, 36);
    ck_assert_uint_eq(hist_count(st->total.latency_us), 36);
    ck_assert_uint_eq(st->threads_total, 8);
    srv_stats_free(st);

    get(admin_port, "/api/stats", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"totals\":{\"requests\":36,"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"route\":\"health\",\"requests\":30,"));
    get(admin_port, "/metrics", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(
        strstr(r.body, "tierbench_http_requests_total{route=\"health\",code=\"200\"} 30\n"));
    ck_assert_ptr_nonnull(
        strstr(r.body, "tierbench_http_requests_total{route=\"not_found\",code=\"404\"} 5\n"));
    stop();
}
END_TEST

START_TEST(test_windows_and_timeline_count_finished_seconds)
{
    struct resp r;
    start_with(8, NULL);
    for (int i = 0; i < 20; i++)
        get(port, "/api/health", &r);
    /* Integration test: wait (bounded) until the seconds of those requests are reported, which
     * takes a full second after each ends (server.h: the windows lag the totals). */
    struct srv_stats *st = srv_stats_new();
    for (int i = 0; i < 60; i++) {
        srv_stats_snapshot(server, st);
        if (st->windows[2].sample.requests >= 20)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_eq(st->windows[1].seconds, 10);
    ck_assert_uint_eq(st->windows[1].sample.requests, 20);
    ck_assert_uint_eq(st->windows[2].sample.requests, 20);
    ck_assert(st->windows[1].rate_rps > 0.0);
    uint64_t in_timeline = 0;
    for (unsigned i = 0; i < st->timeline_len; i++)
        in_timeline += st->timeline[i].requests;
    ck_assert_uint_eq(in_timeline, 20);
    ck_assert_uint_ge(st->timeline[0].age_s, 2);
    srv_stats_free(st);
    stop();
}
END_TEST

START_TEST(test_admin_answers_while_delay_holds_every_worker)
{
    enum { THREADS = 4 };
    struct resp r;
    int fds[THREADS];
    start_with(THREADS, NULL);
    for (int i = 0; i < THREADS; i++) {
        fds[i] = conn_open(port);
        const char *req = "GET /api/delay?ms=2500 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        send_all(fds[i], req, strlen(req));
    }
    /* Wait (bounded) until every worker is inside its delay, as the admin API reports it. */
    bool all_busy = false;
    for (int i = 0; i < 200 && !all_busy; i++) {
        get(admin_port, "/api/stats?timeline=0", &r);
        all_busy = strstr(r.body, "\"threads\":{\"total\":4,\"busy\":4}") != NULL;
        if (!all_busy) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    ck_assert_msg(all_busy, "the workers never all got busy: %s", r.body);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    get(admin_port, "/api/stats", &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(took_s < 0.8, "admin took %.3f s while the main pool was busy", took_s);
    ck_assert_ptr_nonnull(strstr(r.body, "\"threads\":{\"total\":4,\"busy\":4}"));
    get(admin_port, "/metrics", &r);
    ck_assert_ptr_nonnull(strstr(r.body, "tierbench_threads{state=\"busy\"} 4\n"));
    for (int i = 0; i < THREADS; i++) {
        read_resp(fds[i], &r, false);
        ck_assert_int_eq(r.status, 200);
        close(fds[i]);
    }
    stop();
}
END_TEST

START_TEST(test_admin_token_is_required_when_set)
{
    struct resp r;
    start_with(4, "s3cret");
    get(admin_port, "/api/stats", &r);
    assert_json_error(&r, 401);
    request(admin_port,
            "GET /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n"
            "Connection: close\r\n\r\n",
            &r);
    ck_assert_int_eq(r.status, 200);
    request(admin_port,
            "GET /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\n"
            "Connection: close\r\n\r\n",
            &r);
    ck_assert_int_eq(r.status, 401);
    static const char *const wrong[] = {"s3cre", "s3cretX", "S3cret", "", "s3cret s3cret"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        char raw[256];
        snprintf(raw, sizeof(raw),
                 "GET /api/stats HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                 "Connection: close\r\n\r\n",
                 wrong[i]);
        request(admin_port, raw, &r);
        ck_assert_msg(r.status == 401, "token '%s' got %d", wrong[i], r.status);
    }
    stop();
}
END_TEST

/* ---- log lines ------------------------------------------------------------------------------ */

struct log_lines {
    pthread_mutex_t lock;
    int n;
    int level[16];
    char text[16][256];
};

static void log_collect(void *arg, enum srv_log_level level, const char *msg)
{
    struct log_lines *l = arg;
    pthread_mutex_lock(&l->lock);
    if (l->n < 16) {
        l->level[l->n] = level;
        snprintf(l->text[l->n], sizeof(l->text[0]), "%s", msg);
        l->n++;
    }
    pthread_mutex_unlock(&l->lock);
}

/* A listening socket on an ephemeral loopback port, to make a port "in use". */
static int busy_port(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *fd_out = fd;
    return ntohs(a.sin_port);
}

/* srv_start with stderr redirected to a file; returns srv_start's result and what the library
 * wrote to stderr (nothing, it must be). */
static int start_capturing_stderr(const struct srv_config *cfg, char *err, size_t errlen,
                                  char *stderr_text, size_t textlen)
{
    char path[] = "/tmp/tb-it-server-stderr-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    struct srv *s = NULL;
    int rc = srv_start(cfg, &s, err, errlen);
    srv_stop(s);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, stderr_text, textlen - 1, 0);
    stderr_text[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

START_TEST(test_failed_listen_reaches_the_log_callback_and_nothing_goes_to_stderr)
{
    int fd;
    int used = busy_port(&fd);
    char want[64], err[256], text[1024];
    snprintf(want, sizeof(want), "127.0.0.1:%d", used);
    make_docroot();
    struct log_lines lines = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct srv_config cfg;
    srv_config_default(&cfg);
    cfg.docroot = docroot;
    cfg.threads = 2;
    cfg.port = used;
    cfg.admin_port = -1;
    cfg.log = log_collect;
    cfg.log_arg = &lines;
    ck_assert_int_lt(start_capturing_stderr(&cfg, err, sizeof(err), text, sizeof(text)), 0);
    ck_assert_msg(text[0] == '\0', "the library wrote to stderr: %s", text);
    ck_assert_msg(strstr(err, want) && !strchr(err, '\n'), "err: %s", err);
    ck_assert_int_ge(lines.n, 1);
    ck_assert_msg(strstr(lines.text[0], want), "first log line: %s", lines.text[0]);
    ck_assert_int_eq(lines.level[0], SRV_LOG_DEBUG); /* start-up detail, folded into err */
    ck_assert_ptr_nonnull(strstr(err, lines.text[0]));

    /* The admin port in use: its CivetWeb message reaches the callback too. */
    lines.n = 0;
    cfg.port = 0;
    cfg.admin_port = used;
    ck_assert_int_lt(start_capturing_stderr(&cfg, err, sizeof(err), text, sizeof(text)), 0);
    ck_assert_msg(text[0] == '\0', "the library wrote to stderr: %s", text);
    ck_assert_msg(strstr(err, "admin API") && strstr(err, want), "err: %s", err);
    ck_assert_int_ge(lines.n, 1);
    ck_assert_msg(strstr(lines.text[0], want), "first log line: %s", lines.text[0]);

    /* No callback: silent. */
    cfg.log = NULL;
    cfg.admin_port = -1;
    cfg.port = used;
    ck_assert_int_lt(start_capturing_stderr(&cfg, err, sizeof(err), text, sizeof(text)), 0);
    ck_assert_msg(text[0] == '\0', "the library wrote to stderr: %s", text);
    ck_assert_ptr_nonnull(strstr(err, want));
    close(fd);
    remove_docroot();
}
END_TEST

/* ---- connections and concurrency ------------------------------------------------------------ */

START_TEST(test_connections_open_returns_to_zero_after_clients_close)
{
    struct resp r;
    start_with(8, NULL);
    int fds[5];
    for (int i = 0; i < 5; i++) {
        fds[i] = conn_open(port);
        send_all(fds[i], "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n", 37);
        read_resp(fds[i], &r, false);
        ck_assert_int_eq(r.status, 200);
    }
    struct srv_stats *st = srv_stats_new();
    srv_stats_snapshot(server, st);
    ck_assert_uint_eq(st->connections_open, 5);
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    /* The workers notice the closes on their next poll: wait for it, bounded. */
    for (int i = 0; i < 200; i++) {
        srv_stats_snapshot(server, st);
        if (st->connections_open == 0)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_eq(st->connections_open, 0);
    ck_assert_uint_eq(st->connections_total, 5);
    srv_stats_free(st);
    stop();
}
END_TEST

struct hammer {
    int port;
    int requests;
    int ok;
};

/* One keep-alive connection, one request at a time (read_resp is not thread-safe). */
static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    static const char req[] = "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n";
    int fd = conn_open(h->port);
    for (int i = 0; i < h->requests; i++) {
        char buf[2048];
        size_t len = 0;
        send_all(fd, req, sizeof(req) - 1);
        for (;;) {
            ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
            const char *end = strstr(buf, "\r\n\r\n"), *cl = strcasestr(buf, "Content-Length:");
            if (end && cl && len >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10))
                break;
        }
        h->ok += len > 12 && !strncmp(buf, "HTTP/1.1 200", 12);
    }
    close(fd);
    return NULL;
}

/* Workers record while snapshots and the collector read: totals stay exact, and under
 * ThreadSanitizer (make BUILD=build-tsan SAN=thread) this is the test that exercises the
 * stats locks from every side. */
START_TEST(test_snapshots_during_load_see_every_request)
{
    enum { CLIENTS = 4, EACH = 300 };
    start_with(8, NULL);
    struct hammer h[CLIENTS];
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        h[i] = (struct hammer){.port = port, .requests = EACH};
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
    }
    struct srv_stats *st = srv_stats_new();
    char *buf = malloc(256 * 1024);
    uint64_t prev = 0;
    for (int i = 0; i < 50; i++) {
        srv_stats_snapshot(server, st);
        ck_assert_uint_ge(st->total.requests, prev); /* never goes backwards */
        prev = st->total.requests;
        ck_assert_uint_lt(srv_stats_json(st, true, buf, 256 * 1024), 256 * 1024);
    }
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        ok += h[i].ok;
    }
    ck_assert_int_eq(ok, CLIENTS * EACH);
    /* A worker records a request after its answer is sent, so the client can have the last
     * answer a moment before it is counted: wait (bounded) until no worker is inside one. */
    for (int i = 0; i < 200; i++) {
        srv_stats_snapshot(server, st);
        if (st->threads_busy == 0 && st->total.requests == CLIENTS * EACH)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_eq(st->total.requests, CLIENTS * EACH);
    ck_assert_uint_eq(hist_count(st->total.latency_us), CLIENTS * EACH);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].sample.status_class[2], CLIENTS * EACH);
    free(buf);
    srv_stats_free(st);
    stop();
}
END_TEST

/* ---- the binary ----------------------------------------------------------------------------- */

static const char *binary(void)
{
    const char *b = getenv("TIERBENCH");
    return b && *b ? b : "build/tierbench";
}

/* Runs the binary with args, returns its exit status and the first stderr line. */
static int run_binary(const char *const *args, char *err_line, size_t errlen)
{
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execv(binary(), (char *const *)args);
        _exit(127);
    }
    close(pipefd[1]);
    ssize_t n = read(pipefd[0], err_line, errlen - 1);
    err_line[n > 0 ? n : 0] = '\0';
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_binary_rejects_bad_flag_values_naming_the_flag)
{
    char line[512];
    const char *a1[] = {binary(), "serve", "--port", "70000", NULL};
    ck_assert_int_eq(run_binary(a1, line, sizeof(line)), 2);
    ck_assert_ptr_nonnull(strstr(line, "--port"));
    const char *a2[] = {binary(), "serve", "--threads", "0", NULL};
    ck_assert_int_eq(run_binary(a2, line, sizeof(line)), 2);
    ck_assert_ptr_nonnull(strstr(line, "--threads"));
    const char *a3[] = {binary(), "serve", "--bind", "not-an-ip", NULL};
    ck_assert_int_eq(run_binary(a3, line, sizeof(line)), 2);
    ck_assert_ptr_nonnull(strstr(line, "--bind"));
    const char *a4[] = {binary(), "serve", "--frobnicate", NULL};
    ck_assert_int_eq(run_binary(a4, line, sizeof(line)), 2);
    ck_assert_ptr_nonnull(strstr(line, "--frobnicate"));
}
END_TEST

START_TEST(test_binary_serves_and_exits_0_on_sigterm)
{
    make_docroot();
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(binary(), binary(), "serve", "--port", "0", "--admin-port", "0", "--docroot", docroot,
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char line[1024] = "";
    size_t len = 0;
    while (!strstr(line, "admin API") && len < sizeof(line) - 1) {
        ssize_t n = read(out[0], line + len, sizeof(line) - 1 - len);
        ck_assert_int_gt(n, 0);
        len += (size_t)n;
        line[len] = '\0';
    }
    const char *p = strstr(line, "127.0.0.1:");
    ck_assert_ptr_nonnull(p);
    int bin_port = (int)strtol(p + 10, NULL, 10);
    ck_assert_int_gt(bin_port, 0);
    struct resp r;
    /* A request in flight when SIGTERM arrives still gets its answer. */
    int fd = conn_open(bin_port);
    const char *req = "GET /api/delay?ms=2000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    send_all(fd, req, strlen(req));
    /* Wait until a worker is inside the request (admin stats say so), then signal. */
    const char *ap = strstr(line, "admin API on http://127.0.0.1:");
    ck_assert_ptr_nonnull(ap);
    int bin_admin = (int)strtol(ap + strlen("admin API on http://127.0.0.1:"), NULL, 10);
    for (int i = 0; i < 300; i++) {
        get(bin_admin, "/api/stats?timeline=0", &r);
        if (strstr(r.body, "\"busy\":1"))
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_ptr_nonnull(strstr(r.body, "\"busy\":1"));
    kill(pid, SIGTERM);
    read_resp(fd, &r, false);
    ck_assert(r.status == 200 || r.status == 503);
    close(fd);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    close(out[0]);
    remove_docroot();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("it_server");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_health_has_status_type_and_exact_length);
    tcase_add_test(tc, test_exchange_rate_reports_cache_hit_and_rejects_bad_currency);
    tcase_add_test(tc, test_echo_returns_post_body_and_413_over_limit);
    tcase_add_test(tc, test_delay_and_work_are_bounded);
    tcase_add_test(tc, test_unknown_path_404_and_wrong_method_405_with_allow);
    tcase_add_test(tc, test_static_files_cache_rule_etag_and_304);
    tcase_add_test(tc, test_static_text_is_gzipped_when_accepted_with_its_own_etag);
    tcase_add_test(tc, test_traversal_attempts_never_leave_the_docroot);
    tcase_add_test(tc, test_http10_keep_alive_is_announced_and_kept);
    tcase_add_test(tc, test_http11_keep_alive_serves_many_requests_on_one_connection);
    tcase_add_test(tc, test_stats_totals_equal_requests_sent);
    tcase_add_test(tc, test_windows_and_timeline_count_finished_seconds);
    tcase_add_test(tc, test_admin_answers_while_delay_holds_every_worker);
    tcase_add_test(tc, test_admin_token_is_required_when_set);
    tcase_add_test(tc, test_failed_listen_reaches_the_log_callback_and_nothing_goes_to_stderr);
    tcase_add_test(tc, test_connections_open_returns_to_zero_after_clients_close);
    tcase_add_test(tc, test_snapshots_during_load_see_every_request);
    tcase_add_test(tc, test_binary_rejects_bad_flag_values_naming_the_flag);
    tcase_add_test(tc, test_binary_serves_and_exits_0_on_sigterm);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
