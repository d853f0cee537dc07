/* tests/check_loadgen.c: unit tests of the load generator's wire layer (URL parsing, request
 * building, the response parser fed whole and byte by byte) and of its argument helpers and
 * wrk/ab number formats. Engine behaviour on real sockets: tests/it_loadgen.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/lg_int.h"
#include "tests/support/ck_run.h"

/* Feeds a whole response; returns the parser's verdict for the first response. */
static long feed_all(struct lg_parse *p, const char *s, bool head)
{
    lg_parse_init(p);
    lg_parse_next(p, head);
    return lg_parse_feed(p, s, strlen(s));
}

/* Feeds one byte at a time: every split point of the response must parse the same. */
static bool feed_bytewise(struct lg_parse *p, const char *s, bool head)
{
    lg_parse_init(p);
    lg_parse_next(p, head);
    size_t n = strlen(s);
    for (size_t i = 0; i < n && !p->done; i++)
        if (lg_parse_feed(p, s + i, 1) != 1)
            return false;
    return true;
}

START_TEST(test_parse_content_length_body)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    ck_assert_int_eq(feed_all(&p, r, false), (long)strlen(r));
    ck_assert(p.done);
    ck_assert_int_eq(p.status, 200);
    ck_assert_uint_eq(p.body_bytes, 5);
    ck_assert(p.keep_alive);
    ck_assert(feed_bytewise(&p, r, false));
    ck_assert(p.done);
    ck_assert_uint_eq(p.body_bytes, 5);
}
END_TEST

START_TEST(test_parse_incomplete_body_is_not_done)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
    ck_assert_int_eq(feed_all(&p, r, false), (long)strlen(r));
    ck_assert(!p.done);
    ck_assert(p.headers_done);
    ck_assert_int_eq(lg_parse_eof(&p), -1);
}
END_TEST

START_TEST(test_parse_chunked_body_split_anywhere)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2\r\nhe\r\n3;ext=1\r\nllo\r\n0\r\nX-Trailer: 1\r\n\r\n";
    ck_assert_int_eq(feed_all(&p, r, false), (long)strlen(r));
    ck_assert(p.done);
    ck_assert_uint_eq(p.body_bytes, 5);
    ck_assert(feed_bytewise(&p, r, false));
    ck_assert(p.done);
    ck_assert_uint_eq(p.body_bytes, 5);
    ck_assert(p.keep_alive);
}
END_TEST

START_TEST(test_parse_body_delimited_by_close)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nhello world";
    ck_assert_int_eq(feed_all(&p, r, false), (long)strlen(r));
    ck_assert(!p.done);
    ck_assert_int_eq(lg_parse_eof(&p), 0);
    ck_assert(p.done);
    ck_assert(!p.keep_alive);
    ck_assert_uint_eq(p.body_bytes, 11);
}
END_TEST

START_TEST(test_parse_skips_100_continue)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    ck_assert_int_eq(feed_all(&p, r, false), (long)strlen(r));
    ck_assert(p.done);
    ck_assert_int_eq(p.status, 201);
    ck_assert_uint_eq(p.body_bytes, 2);
    ck_assert(feed_bytewise(&p, r, false));
    ck_assert_int_eq(p.status, 201);
}
END_TEST

START_TEST(test_parse_head_response_has_no_body)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
    ck_assert_int_eq(feed_all(&p, r, true), (long)strlen(r));
    ck_assert(p.done);
    ck_assert_uint_eq(p.body_bytes, 0);
    /* The same bytes for a GET wait for 5000 body bytes. */
    feed_all(&p, r, false);
    ck_assert(!p.done);
}
END_TEST

START_TEST(test_parse_204_and_304_have_no_body)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r204 = "HTTP/1.1 204 No Content\r\n\r\n";
    ck_assert_int_eq(feed_all(&p, r204, false), (long)strlen(r204));
    ck_assert(p.done);
    ck_assert_int_eq(p.status, 204);
    const char *r304 = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n";
    ck_assert_int_eq(feed_all(&p, r304, false), (long)strlen(r304));
    ck_assert(p.done);
    ck_assert_int_eq(p.status, 304);
    ck_assert_uint_eq(p.body_bytes, 0);
    ck_assert(p.keep_alive);
}
END_TEST

START_TEST(test_parse_connection_close_ends_keep_alive)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx";
    feed_all(&p, r, false);
    ck_assert(p.done);
    ck_assert(!p.keep_alive);
    const char *r10 = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx";
    feed_all(&p, r10, false);
    ck_assert(p.done);
    ck_assert(!p.keep_alive);
    const char *r10ka = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx";
    feed_all(&p, r10ka, false);
    ck_assert(p.keep_alive);
}
END_TEST

START_TEST(test_parse_stops_at_end_of_response)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n";
    long used = feed_all(&p, r, false);
    ck_assert(p.done);
    ck_assert_int_eq(used, (long)strlen("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
}
END_TEST

START_TEST(test_parse_next_response_on_same_connection)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    const char *r2 = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
    feed_all(&p, r1, false);
    ck_assert(p.done);
    lg_parse_next(&p, false);
    ck_assert(!p.done);
    ck_assert_int_eq(lg_parse_feed(&p, r2, strlen(r2)), (long)strlen(r2));
    ck_assert(p.done);
    ck_assert_int_eq(p.status, 404);
    ck_assert_uint_eq(p.body_bytes, 3);
}
END_TEST

START_TEST(test_parse_rejects_garbage)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    ck_assert_int_eq(feed_all(&p, "SMTP ready\r\n", false), -1);
    ck_assert_int_eq(feed_all(&p, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false), -1);
}
END_TEST

START_TEST(test_parse_captures_server_header_when_wanted)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    p.want_server = true;
    const char *r = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n";
    feed_all(&p, r, false);
    ck_assert(p.done);
    ck_assert_str_eq(p.server, "nginx/1.22.1");
    ck_assert(!p.want_server);
}
END_TEST

/* Regression (fuzz_parse): the Server header was captured only when its name arrived in one
 * read; a read ending inside "Server" lost it. Every split must capture the same value. */
START_TEST(test_parse_server_header_captured_at_any_split)
{
    const char *r =
        "HTTP/1.1 200 OK\r\nX-A: b\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n";
    size_t n = strlen(r);
    for (size_t at = 1; at < n; at++) {
        struct lg_parse p;
        memset(&p, 0, sizeof(p));
        p.want_server = true;
        lg_parse_init(&p);
        lg_parse_next(&p, false);
        ck_assert_int_eq(lg_parse_feed(&p, r, at), (long)at);
        ck_assert_int_eq(lg_parse_feed(&p, r + at, n - at), (long)(n - at));
        ck_assert(p.done);
        ck_assert_msg(!strcmp(p.server, "nginx/1.22.1"), "split at %zu: \"%s\"", at, p.server);
    }
}
END_TEST

/* Regression (fuzz_parse): a NUL in the Server value ended the captured string when the value
 * came whole, but not when it came in pieces; control bytes are now captured as '?'. */
START_TEST(test_parse_server_header_with_control_bytes_same_whole_or_split)
{
    static const char r[] = "HTTP/1.1 200 OK\r\nServer:\0\xc8 x\r\nContent-Length: 0\r\n\r\n";
    size_t n = sizeof(r) - 1;
    for (size_t piece = n; piece >= 1; piece = piece == n ? 1 : 0) {
        struct lg_parse p;
        memset(&p, 0, sizeof(p));
        p.want_server = true;
        lg_parse_init(&p);
        lg_parse_next(&p, false);
        for (size_t at = 0; at < n; at += piece)
            ck_assert_int_ge(lg_parse_feed(&p, r + at, piece < n - at ? piece : n - at), 0);
        ck_assert(p.done);
        ck_assert_str_eq(p.server, "?\xc8 x");
    }
}
END_TEST

/* A 101 answers a request to switch protocols, which this client never sends: it is a protocol
 * error, not a response with status 0 (http_parser would also stop reading at it). */
START_TEST(test_parse_unasked_101_is_an_error)
{
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    const char *r =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n";
    ck_assert_int_eq(feed_all(&p, r, false), -1);
    ck_assert(!p.done);
}
END_TEST

/* Many responses of every framing back to back on one connection, fed in random-sized pieces
 * (a fixed seed): each must come out with its status and body length, in order. */
START_TEST(test_parse_stream_of_mixed_responses_random_splits)
{
    static const struct {
        const char *wire;
        int status;
        uint64_t body;
        bool head;
    } kinds[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, 5, false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
         "chunked\r\n\r\n2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\n\r\n",
         200, 5, false},
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, 2,
         false},
        {"HTTP/1.1 204 No Content\r\n\r\n", 204, 0, false},
        {"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 304, 0, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", 200, 0, true},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, 0, false},
    };
    const size_t nk = sizeof(kinds) / sizeof(kinds[0]);
    enum { N = 500 };
    size_t order[N];
    char *stream = malloc(N * 128);
    ck_assert_ptr_nonnull(stream);
    size_t len = 0;
    uint32_t rng = 12345;
    for (size_t i = 0; i < N; i++) {
        rng = rng * 1103515245u + 12345u;
        order[i] = (rng >> 16) % nk;
        size_t n = strlen(kinds[order[i]].wire);
        memcpy(stream + len, kinds[order[i]].wire, n);
        len += n;
    }
    struct lg_parse p;
    memset(&p, 0, sizeof(p));
    lg_parse_init(&p);
    lg_parse_next(&p, kinds[order[0]].head);
    size_t at = 0, got = 0;
    while (at < len && got < N) {
        rng = rng * 1103515245u + 12345u;
        size_t piece = 1 + (rng >> 16) % 97;
        if (piece > len - at)
            piece = len - at;
        size_t off = 0;
        while (off < piece) {
            long used = lg_parse_feed(&p, stream + at + off, piece - off);
            ck_assert_int_ge(used, 0);
            off += (size_t)used;
            if (!p.done) {
                ck_assert_uint_eq(off, piece);
                break;
            }
            ck_assert_int_eq(p.status, kinds[order[got]].status);
            ck_assert_uint_eq(p.body_bytes, kinds[order[got]].body);
            ck_assert(p.keep_alive);
            got++;
            if (got < N)
                lg_parse_next(&p, kinds[order[got]].head);
        }
        at += piece;
    }
    ck_assert_uint_eq(got, N);
    free(stream);
}
END_TEST

START_TEST(test_url_parse_defaults_and_ports)
{
    struct lg_url u;
    char err[128];
    ck_assert_int_eq(lg_url_parse("http://127.0.0.1:9000/api/health?x=1", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_uint_eq(u.port, 9000);
    ck_assert_str_eq(u.path, "/api/health?x=1");
    ck_assert_str_eq(u.hostport, "127.0.0.1:9000");
    ck_assert_int_eq(lg_url_parse("http://example.com", &u, err, sizeof(err)), 0);
    ck_assert_uint_eq(u.port, 80);
    ck_assert_str_eq(u.path, "/");
    ck_assert_str_eq(u.hostport, "example.com");
    ck_assert_int_eq(lg_url_parse("https://example.com/x", &u, err, sizeof(err)), 0);
    ck_assert(u.https);
    ck_assert_uint_eq(u.port, 443);
}
END_TEST

START_TEST(test_url_parse_rejects_bad_urls)
{
    struct lg_url u;
    char err[128];
    ck_assert_int_eq(lg_url_parse("ftp://x/", &u, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "invalid URL"));
    ck_assert_int_eq(lg_url_parse("http://:80/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(lg_url_parse("http://h:99999/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(lg_url_parse("http://h:12x/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(lg_url_parse("notaurl", &u, err, sizeof(err)), -1);
}
END_TEST

/* Regression (fuzz_url): a host with CR LF was accepted and went into the Host header as is
 * (a header injection), and a DEL in the path went into the request line; the message quoted
 * the URL with its newlines. Both are refused now, in one line. */
START_TEST(test_url_parse_refuses_control_characters_in_one_line)
{
    struct lg_url u;
    char err[256];
    ck_assert_int_eq(lg_url_parse("http://h\r\nX-Injected: 1/", &u, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "host"));
    ck_assert_ptr_null(strpbrk(err, "\r\n"));
    ck_assert_int_eq(lg_url_parse("http://a b/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(lg_url_parse("http://h/a\x7f", &u, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "path"));
    ck_assert_int_eq(lg_url_parse("ftp://x\n\x1b[2J/", &u, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "invalid URL 'ftp://x??[2J/': expected http://host[:port]/path");
}
END_TEST

START_TEST(test_request_build_default_and_replaced_headers)
{
    struct lg_url u;
    char err[128], buf[1024];
    lg_url_parse("http://h:8080/p", &u, err, sizeof(err));
    struct lg_request rq = {.method = "GET"};
    long n = lg_request_build(&u, &rq, true, false, buf, sizeof(buf));
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "GET /p HTTP/1.1\r\nHost: h:8080\r\n\r\n");
    n = lg_request_build(&u, &rq, false, false, buf, sizeof(buf));
    buf[n] = '\0';
    ck_assert_str_eq(buf, "GET /p HTTP/1.1\r\nHost: h:8080\r\nConnection: close\r\n\r\n");
    const char *hdrs[] = {"host: other", "X-A: 1"};
    struct lg_request rq2 = {
        .method = "POST", .headers = hdrs, .nheaders = 2, .body = "ab", .body_bytes = 2};
    n = lg_request_build(&u, &rq2, true, true, buf, sizeof(buf));
    buf[n] = '\0';
    ck_assert_str_eq(buf, "POST /p HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n"
                          "host: other\r\nX-A: 1\r\n\r\nab");
    ck_assert_int_eq(lg_request_build(&u, &rq2, true, true, buf, 10), -1);
}
END_TEST

static Suite *loadgen_suite(void)
{
    Suite *s = suite_create("loadgen");
    TCase *tp = tcase_create("parse");
    tcase_add_test(tp, test_parse_content_length_body);
    tcase_add_test(tp, test_parse_incomplete_body_is_not_done);
    tcase_add_test(tp, test_parse_chunked_body_split_anywhere);
    tcase_add_test(tp, test_parse_body_delimited_by_close);
    tcase_add_test(tp, test_parse_skips_100_continue);
    tcase_add_test(tp, test_parse_head_response_has_no_body);
    tcase_add_test(tp, test_parse_204_and_304_have_no_body);
    tcase_add_test(tp, test_parse_connection_close_ends_keep_alive);
    tcase_add_test(tp, test_parse_stops_at_end_of_response);
    tcase_add_test(tp, test_parse_next_response_on_same_connection);
    tcase_add_test(tp, test_parse_rejects_garbage);
    tcase_add_test(tp, test_parse_captures_server_header_when_wanted);
    tcase_add_test(tp, test_parse_server_header_captured_at_any_split);
    tcase_add_test(tp, test_parse_unasked_101_is_an_error);
    tcase_add_test(tp, test_parse_server_header_with_control_bytes_same_whole_or_split);
    tcase_add_test(tp, test_parse_stream_of_mixed_responses_random_splits);
    suite_add_tcase(s, tp);
    TCase *tw = tcase_create("wire");
    tcase_add_test(tw, test_url_parse_defaults_and_ports);
    tcase_add_test(tw, test_url_parse_rejects_bad_urls);
    tcase_add_test(tw, test_url_parse_refuses_control_characters_in_one_line);
    tcase_add_test(tw, test_request_build_default_and_replaced_headers);
    suite_add_tcase(s, tw);
    return s;
}

int main(void)
{
    return ck_run(loadgen_suite());
}
