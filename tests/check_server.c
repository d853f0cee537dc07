/* tests/check_server.c: unit tests of the server's own pieces (no sockets): the LRU/TTL cache
 * with an injected clock, query parsing and bounds, routing, static path resolution, the stats
 * recorder's aggregation over threads and seconds, and the JSON/Prometheus formatters. */
#include <check.h>
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/server.h"
#include "server/server_int.h"
#include "tests/support/ck_run.h"

/* ---- cache ---------------------------------------------------------------------------------- */

START_TEST(test_cache_evicts_least_recently_used)
{
    struct srv_cache *c = srv_cache_new(3, 0);
    double v;
    ck_assert_ptr_nonnull(c);
    srv_cache_put(c, "A", 1, 0);
    srv_cache_put(c, "B", 2, 0);
    srv_cache_put(c, "C", 3, 0);
    ck_assert_int_eq(srv_cache_get(c, "A", 0, &v), 1); /* A becomes most recent: order A C B */
    ck_assert_str_eq(srv_cache_key_at(c, 0), "A");
    ck_assert_str_eq(srv_cache_key_at(c, 2), "B");
    srv_cache_put(c, "D", 4, 0); /* evicts B */
    ck_assert_uint_eq(srv_cache_len(c), 3);
    ck_assert_int_eq(srv_cache_get(c, "B", 0, &v), 0);
    ck_assert_int_eq(srv_cache_get(c, "C", 0, &v), 1);
    ck_assert(v == 3.0);
    ck_assert_int_eq(srv_cache_get(c, "D", 0, &v), 1);
    ck_assert(v == 4.0);
    ck_assert_str_eq(srv_cache_key_at(c, 0), "D");
    ck_assert_str_eq(srv_cache_key_at(c, 2), "A");
    ck_assert_ptr_null(srv_cache_key_at(c, 3));
    srv_cache_free(c);
}
END_TEST

START_TEST(test_cache_put_existing_key_refreshes_without_growing)
{
    struct srv_cache *c = srv_cache_new(2, 0);
    double v;
    srv_cache_put(c, "USD:KRW", 1380.5, 0);
    srv_cache_put(c, "USD:EUR", 0.92, 0);
    srv_cache_put(c, "USD:KRW", 1400.0, 0);
    ck_assert_uint_eq(srv_cache_len(c), 2);
    ck_assert_str_eq(srv_cache_key_at(c, 0), "USD:KRW");
    ck_assert_int_eq(srv_cache_get(c, "USD:KRW", 0, &v), 1);
    ck_assert(v == 1400.0);
    ck_assert_int_eq(srv_cache_put(c, "a-key-that-is-far-too-long", 1, 0), -1);
    srv_cache_free(c);
}
END_TEST

START_TEST(test_cache_entries_expire_after_ttl_with_injected_clock)
{
    struct srv_cache *c = srv_cache_new(10, 1000000); /* TTL 1 s */
    double v;
    srv_cache_put(c, "K", 7, 5000000);
    ck_assert_int_eq(srv_cache_get(c, "K", 5999999, &v), 1);
    ck_assert_int_eq(srv_cache_get(c, "K", 6000000, &v), 0); /* exactly the TTL: expired */
    ck_assert_uint_eq(srv_cache_len(c), 0);                  /* and removed */
    srv_cache_put(c, "K", 8, 6000000);                       /* re-put restarts the TTL */
    ck_assert_int_eq(srv_cache_get(c, "K", 6500000, &v), 1);
    ck_assert(v == 8.0);
    srv_cache_free(c);
}
END_TEST

START_TEST(test_cache_survives_many_keys_through_small_capacity)
{
    struct srv_cache *c = srv_cache_new(1000, 0);
    char key[16];
    double v;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        srv_cache_put(c, key, i, 0);
    }
    ck_assert_uint_eq(srv_cache_len(c), 1000);
    ck_assert_int_eq(srv_cache_get(c, "k3999", 0, &v), 0);
    ck_assert_int_eq(srv_cache_get(c, "k4000", 0, &v), 1);
    ck_assert(v == 4000.0);
    ck_assert_int_eq(srv_cache_get(c, "k4999", 0, &v), 1);
    srv_cache_free(c);
}
END_TEST

/* ---- query ---------------------------------------------------------------------------------- */

START_TEST(test_query_get_decodes_and_finds_exact_names)
{
    char out[32];
    ck_assert_int_eq(srv_query_get("base=USD&quote=KRW", "quote", out, sizeof(out)), 3);
    ck_assert_str_eq(out, "KRW");
    ck_assert_int_eq(srv_query_get("xbase=1&base=a%20b+c", "base", out, sizeof(out)), 5);
    ck_assert_str_eq(out, "a b c");
    ck_assert_int_eq(srv_query_get("flag&x=1", "flag", out, sizeof(out)), 0);
    ck_assert_int_eq(srv_query_get("a=1", "b", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_query_get(NULL, "b", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_query_get("a=%zz", "a", out, sizeof(out)), -2);
    ck_assert_int_eq(srv_query_get("a=%4", "a", out, sizeof(out)), -2);
    ck_assert_int_eq(srv_query_get("a=%00", "a", out, sizeof(out)), -2);
    ck_assert_int_eq(srv_query_get("a=toolong", "a", out, 4), -2);
}
END_TEST

START_TEST(test_query_u64_enforces_bounds_and_digits)
{
    uint64_t v = 0;
    ck_assert_int_eq(srv_query_u64("ms=0", "ms", 0, 10000, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(srv_query_u64("ms=10000", "ms", 0, 10000, &v), 0);
    ck_assert_uint_eq(v, 10000);
    ck_assert_int_eq(srv_query_u64("ms=10001", "ms", 0, 10000, &v), -2);
    ck_assert_int_eq(srv_query_u64("ms=-1", "ms", 0, 10000, &v), -2);
    ck_assert_int_eq(srv_query_u64("ms=1e3", "ms", 0, 10000, &v), -2);
    ck_assert_int_eq(srv_query_u64("ms=", "ms", 0, 10000, &v), -2);
    ck_assert_int_eq(srv_query_u64("ms=99999999999999999999999", "ms", 0, UINT64_MAX, &v), -2);
    ck_assert_int_eq(srv_query_u64("us=5", "ms", 0, 10000, &v), -1);
}
END_TEST

/* ---- routing -------------------------------------------------------------------------------- */

START_TEST(test_route_find_maps_api_paths_and_everything_else_to_static)
{
    ck_assert_int_eq(srv_route_find("/api/health"), SRV_ROUTE_HEALTH);
    ck_assert_int_eq(srv_route_find("/api/exchange-rate"), SRV_ROUTE_EXCHANGE_RATE);
    ck_assert_int_eq(srv_route_find("/api/echo"), SRV_ROUTE_ECHO);
    ck_assert_int_eq(srv_route_find("/api/delay"), SRV_ROUTE_DELAY);
    ck_assert_int_eq(srv_route_find("/api/work"), SRV_ROUTE_WORK);
    ck_assert_int_eq(srv_route_find("/api/healthz"), SRV_ROUTE_NOT_FOUND);
    ck_assert_int_eq(srv_route_find("/api/"), SRV_ROUTE_NOT_FOUND);
    ck_assert_int_eq(srv_route_find("/api"), SRV_ROUTE_NOT_FOUND);
    ck_assert_int_eq(srv_route_find("/"), SRV_ROUTE_STATIC);
    ck_assert_int_eq(srv_route_find("/apix"), SRV_ROUTE_STATIC);
    ck_assert_int_eq(srv_route_find("/style.css"), SRV_ROUTE_STATIC);
}
END_TEST

START_TEST(test_route_methods_and_allow_header)
{
    ck_assert(srv_route_allows(SRV_ROUTE_HEALTH, "GET"));
    ck_assert(srv_route_allows(SRV_ROUTE_HEALTH, "HEAD"));
    ck_assert(!srv_route_allows(SRV_ROUTE_HEALTH, "POST"));
    ck_assert(srv_route_allows(SRV_ROUTE_ECHO, "POST"));
    ck_assert(!srv_route_allows(SRV_ROUTE_ECHO, "PUT"));
    ck_assert(!srv_route_allows(SRV_ROUTE_STATIC, "DELETE"));
    ck_assert(srv_route_allows(SRV_ROUTE_NOT_FOUND, "DELETE")); /* unknown path: 404 first */
    ck_assert_str_eq(srv_route_allow(SRV_ROUTE_ECHO), "GET, HEAD, POST");
    ck_assert_str_eq(srv_route_allow(SRV_ROUTE_WORK), "GET, HEAD");
}
END_TEST

START_TEST(test_rate_lookup_is_quote_per_base_and_rejects_unknown)
{
    double r = 0;
    ck_assert_int_eq(srv_rate_lookup("USD", "KRW", &r), 0);
    ck_assert(r > 1380.0 && r < 1381.0);
    ck_assert_int_eq(srv_rate_lookup("KRW", "KRW", &r), 0);
    ck_assert(r == 1.0);
    ck_assert_int_eq(srv_rate_lookup("USD", "XXX", &r), -1);
    ck_assert_int_eq(srv_rate_lookup("usd", "KRW", &r), -1);
}
END_TEST

START_TEST(test_code_slots_have_other_for_unlisted_codes)
{
    ck_assert_int_eq(srv_code_slot_codes[srv_code_slot(200)], 200);
    ck_assert_int_eq(srv_code_slot_codes[srv_code_slot(413)], 413);
    ck_assert_uint_eq(srv_code_slot(299), 0);
    ck_assert_uint_eq(srv_code_slot(0), 0);
}
END_TEST

/* ---- HTTP helpers ------------------------------------------------------------------------- */

START_TEST(test_keep_alive_follows_connection_header_then_version)
{
    struct mg_request_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.http_version = "1.1";
    ck_assert(srv_http_keep_alive(&ri));
    ri.http_version = "1.0";
    ck_assert(!srv_http_keep_alive(&ri));
    ri.num_headers = 1;
    ri.http_headers[0].name = "connection";
    ri.http_headers[0].value = "Keep-Alive";
    ck_assert(srv_http_keep_alive(&ri));
    ri.http_version = "1.1";
    ri.http_headers[0].value = "close";
    ck_assert(!srv_http_keep_alive(&ri));
    ri.http_headers[0].value = "TE, keep-alive";
    ck_assert(srv_http_keep_alive(&ri));
}
END_TEST

START_TEST(test_http_date_is_imf_fixdate)
{
    char d[32];
    srv_http_date(784111777, d, sizeof(d));
    ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
}
END_TEST

/* ---- static paths ------------------------------------------------------------------------- */

static char root[PATH_MAX + 8], outside[PATH_MAX];

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_tree(void)
{
    char tmpl[] = "/tmp/tb-check-server-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    ck_assert_ptr_nonnull(realpath(tmpl, outside));
    snprintf(root, sizeof(root), "%s/www", outside);
    ck_assert_int_eq(mkdir(root, 0755), 0);
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof(sub), "%s/docs", root);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_file(root, "index.html", "<h1>hi</h1>");
    write_file(sub, "index.html", "docs");
    write_file(root, ".htpasswd", "secret");
    write_file(outside, "secret.txt", "secret");
    char link[PATH_MAX + 32], target[PATH_MAX + 32];
    snprintf(link, sizeof(link), "%s/escape.txt", root);
    snprintf(target, sizeof(target), "%s/secret.txt", outside);
    ck_assert_int_eq(symlink(target, link), 0);
}

static void remove_tree(void)
{
    static const char *const files[] = {"www/index.html",
                                        "www/docs/index.html",
                                        "www/.htpasswd",
                                        "www/escape.txt",
                                        "secret.txt",
                                        "www/docs",
                                        "www"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof(p), "%s/%s", outside, files[i]);
        if (unlink(p) < 0)
            rmdir(p);
    }
    rmdir(outside);
}

START_TEST(test_static_resolve_serves_files_and_index_inside_root)
{
    char out[PATH_MAX], want[PATH_MAX + 32];
    make_tree();
    ck_assert_int_eq(srv_static_resolve(root, "/index.html", out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/index.html", root);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(srv_static_resolve(root, "/", out, sizeof(out)), 0);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(srv_static_resolve(root, "/docs", out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/docs/index.html", root);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(srv_static_resolve(root, "/missing.css", out, sizeof(out)), -2);
    remove_tree();
}
END_TEST

START_TEST(test_static_resolve_refuses_traversal_hidden_backslash_and_symlink_escape)
{
    char out[PATH_MAX];
    make_tree();
    ck_assert_int_eq(srv_static_resolve(root, "/../secret.txt", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "/docs/../../secret.txt", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "/..", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "/.htpasswd", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "/docs\\..\\..\\secret.txt", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "/escape.txt", out, sizeof(out)), -1);
    ck_assert_int_eq(srv_static_resolve(root, "relative", out, sizeof(out)), -1);
    remove_tree();
}
END_TEST

START_TEST(test_static_mime_applies_seed_cache_rule_to_listed_types)
{
    bool cacheable, text;
    ck_assert_str_eq(srv_static_mime("/a/b.css", &cacheable, &text), "text/css; charset=utf-8");
    ck_assert(cacheable && text);
    srv_static_mime("/x.JPG", &cacheable, &text);
    ck_assert(cacheable && !text);
    srv_static_mime("/favicon.ico", &cacheable, &text);
    ck_assert(cacheable);
    ck_assert_str_eq(srv_static_mime("/data.json", &cacheable, &text), "application/json");
    ck_assert(!cacheable && text);
    ck_assert_str_eq(srv_static_mime("/dir.v1/noext", &cacheable, &text),
                     "application/octet-stream");
    ck_assert(!cacheable && !text);
}
END_TEST

START_TEST(test_accept_encoding_gzip_unless_q0)
{
    ck_assert(srv_static_accepts_gzip("gzip"));
    ck_assert(srv_static_accepts_gzip("deflate, gzip, br"));
    ck_assert(srv_static_accepts_gzip("br;q=1.0, gzip;q=0.8"));
    ck_assert(!srv_static_accepts_gzip("gzip;q=0"));
    ck_assert(!srv_static_accepts_gzip("br, gzip; q=0.0"));
    ck_assert(!srv_static_accepts_gzip("identity"));
    ck_assert(!srv_static_accepts_gzip("x-gzip-not"));
    ck_assert(!srv_static_accepts_gzip(NULL));
}
END_TEST

START_TEST(test_gzip_cache_compresses_once_and_keys_on_mtime)
{
    char text[4096];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = "tierbench "[i % 10];
    struct srv_gzcache *c = srv_gzcache_new(2);
    struct srv_gzblob *a = srv_gzcache_get(c, "/f.html", 1, sizeof(text), text);
    ck_assert_ptr_nonnull(a);
    size_t len;
    const unsigned char *d = srv_gzblob_data(a, &len);
    ck_assert_uint_lt(len, 200);             /* repetitive text compresses well */
    ck_assert(d[0] == 0x1f && d[1] == 0x8b); /* the gzip magic */
    struct srv_gzblob *again = srv_gzcache_get(c, "/f.html", 1, sizeof(text), NULL);
    ck_assert_ptr_eq(again, a); /* a hit needs no content */
    ck_assert_ptr_null(srv_gzcache_get(c, "/f.html", 2, sizeof(text), NULL)); /* file changed */
    /* Evicting the entry keeps a blob that a reader still holds. */
    srv_gzblob_release(srv_gzcache_get(c, "/g.html", 1, 10, "0123456789"));
    srv_gzblob_release(srv_gzcache_get(c, "/h.html", 1, 10, "0123456789"));
    d = srv_gzblob_data(a, &len);
    ck_assert(d[0] == 0x1f);
    srv_gzblob_release(again);
    srv_gzblob_release(a);
    srv_gzcache_free(c);
}
END_TEST

/* ---- stats ---------------------------------------------------------------------------------- */

#define S(sec) ((uint64_t)(sec)*1000000u)

START_TEST(test_stats_aggregate_threads_routes_codes_and_windows)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(1000));
    struct srv_stats_thread *t1 = srv_stats_thread_add(r), *t2 = srv_stats_thread_add(r);
    ck_assert_ptr_nonnull(t1);
    ck_assert_ptr_nonnull(t2);
    srv_stats_record(t1, SRV_ROUTE_HEALTH, 200, 100, 150, 0, S(1000) + 500000);
    srv_stats_record(t2, SRV_ROUTE_ECHO, 404, 300, 80, 12, S(1001) + 200000);
    for (int i = 0; i < 4; i++)
        srv_stats_record(i % 2 ? t1 : t2, SRV_ROUTE_HEALTH, 200, 1000, 150, 0, S(1002) + 10);
    srv_stats_record(t1, SRV_ROUTE_WORK, 503, 5000, 90, 0, S(1002) + 20);
    srv_stats_busy(t2, true);

    struct srv_stats *st = calloc(1, sizeof(*st));
    srv_stats_fill(r, S(1003) + 100000, st);
    ck_assert_uint_eq(st->requests, 7);
    ck_assert_uint_eq(st->bytes_out, 150 + 80 + 4 * 150 + 90);
    ck_assert_uint_eq(st->bytes_in, 12);
    ck_assert_uint_eq(st->status_class[2], 5);
    ck_assert_uint_eq(st->status_class[4], 1);
    ck_assert_uint_eq(st->status_class[5], 1);
    ck_assert_uint_eq(st->codes[srv_code_slot(200)], 5);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].requests, 5);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_ECHO].codes[srv_code_slot(404)], 1);
    ck_assert_uint_eq(st->latency.count, 7);
    ck_assert_uint_eq(st->latency.max_us, 5000);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].latency.p50_us, 1000);
    ck_assert_uint_eq(st->threads_busy, 1);
    /* Windows: the last complete second is 1002 (5 requests, one a 5xx). */
    ck_assert_uint_eq(st->windows[0].seconds, 1);
    ck_assert_uint_eq(st->windows[0].requests, 5);
    ck_assert_uint_eq(st->windows[0].errors, 1);
    ck_assert(st->windows[0].rate_rps == 5.0);
    ck_assert_uint_eq(st->windows[1].requests, 7);
    ck_assert(st->windows[1].rate_rps > 2.33 && st->windows[1].rate_rps < 2.34); /* 7 / 3 s */
    ck_assert_uint_eq(st->timeline_len, 3);
    ck_assert_uint_eq(st->timeline[0].age_s, 1);
    ck_assert_uint_eq(st->timeline[0].requests, 5);
    ck_assert_uint_eq(st->timeline[1].requests, 1);
    ck_assert_uint_eq(st->timeline[2].requests, 1);
    /* Prometheus buckets are cumulative: 100 us <= 0.0001 s, the 1 ms ones <= 0.001 s. */
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].duration_le[0], 1);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].duration_le[3], 5);

    /* A later snapshot moves the window; the totals stay. */
    srv_stats_fill(r, S(1010), st);
    ck_assert_uint_eq(st->requests, 7);
    ck_assert_uint_eq(st->windows[0].requests, 0);
    ck_assert_uint_eq(st->windows[1].requests, 7);
    ck_assert_uint_eq(st->timeline_len, 10);
    free(st);
    srv_stats_rec_free(r);
}
END_TEST

START_TEST(test_stats_collect_keeps_history_beyond_the_thread_ring)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(0));
    struct srv_stats_thread *t = srv_stats_thread_add(r);
    for (int sec = 0; sec < 100; sec++) {
        srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 50, 10, 0, S(sec) + 1);
        srv_stats_collect(r, S(sec + 1) + 5);
    }
    struct srv_stats *st = calloc(1, sizeof(*st));
    srv_stats_fill(r, S(100) + 5, st);
    ck_assert_uint_eq(st->windows[2].requests, 60); /* one a second, 60 s window */
    ck_assert(st->windows[2].rate_rps == 1.0);
    ck_assert_uint_eq(st->timeline_len, 100);
    ck_assert_uint_eq(st->timeline[99].requests, 1);
    free(st);
    srv_stats_rec_free(r);
}
END_TEST

START_TEST(test_formatters_write_json_and_prometheus_and_report_needed_length)
{
    struct srv_stats *st = calloc(1, sizeof(*st));
    st->requests = 3;
    st->routes[SRV_ROUTE_HEALTH].requests = 3;
    st->routes[SRV_ROUTE_HEALTH].codes[srv_code_slot(200)] = 2;
    st->routes[SRV_ROUTE_HEALTH].codes[srv_code_slot(404)] = 1;
    st->routes[SRV_ROUTE_HEALTH].latency.count = 3;
    st->routes[SRV_ROUTE_HEALTH].duration_le[SRV_PROM_BUCKETS - 1] = 3;
    st->threads_total = 64;
    st->threads_busy = 2;
    st->connections_open = 5;
    st->windows[0].seconds = 1;
    st->windows[0].rate_rps = 1234.5;
    st->timeline_len = 1;
    st->timeline[0].age_s = 1;
    char *buf = malloc(65536);
    size_t n = srv_stats_json(st, true, buf, 65536);
    ck_assert_uint_lt(n, 65536);
    ck_assert_uint_eq(strlen(buf), n);
    ck_assert_ptr_nonnull(strstr(buf, "\"totals\":{\"requests\":3,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"threads\":{\"total\":64,\"busy\":2}"));
    ck_assert_ptr_nonnull(strstr(buf, "\"1s\":1234.5"));
    ck_assert_ptr_nonnull(strstr(buf, "\"route\":\"health\",\"requests\":3"));
    ck_assert_ptr_nonnull(strstr(buf, "\"timeline\":[{\"age_s\":1"));
    ck_assert(buf[0] == '{' && buf[n - 1] == '}');
    ck_assert_uint_eq(srv_stats_json(st, true, buf, 10), n); /* truncated: needs n */

    n = srv_stats_prometheus(st, buf, 65536);
    ck_assert_uint_lt(n, 65536);
    ck_assert_ptr_nonnull(
        strstr(buf, "tierbench_http_requests_total{route=\"health\",code=\"200\"} 2\n"));
    ck_assert_ptr_nonnull(
        strstr(buf, "tierbench_http_requests_total{route=\"health\",code=\"404\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(buf, "# TYPE tierbench_http_request_duration_seconds histogram\n"));
    ck_assert_ptr_nonnull(strstr(
        buf, "tierbench_http_request_duration_seconds_bucket{route=\"health\",le=\"+Inf\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(buf, "tierbench_threads{state=\"busy\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(buf, "tierbench_connections_open 5\n"));
    ck_assert_uint_eq(srv_stats_prometheus(st, buf, 16), n);
    free(buf);
    free(st);
}
END_TEST

START_TEST(test_config_defaults_match_the_documented_ones)
{
    struct srv_config c;
    srv_config_default(&c);
    ck_assert_str_eq(c.bind_addr, "127.0.0.1");
    ck_assert_int_eq(c.port, 9000);
    ck_assert_int_eq(c.admin_port, 9001);
    ck_assert_uint_eq(c.cache_entries, 1000);
    ck_assert(c.cache_enabled && c.stats_enabled);
    ck_assert_ptr_null(c.docroot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("server");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_cache_evicts_least_recently_used);
    tcase_add_test(tc, test_cache_put_existing_key_refreshes_without_growing);
    tcase_add_test(tc, test_cache_entries_expire_after_ttl_with_injected_clock);
    tcase_add_test(tc, test_cache_survives_many_keys_through_small_capacity);
    tcase_add_test(tc, test_query_get_decodes_and_finds_exact_names);
    tcase_add_test(tc, test_query_u64_enforces_bounds_and_digits);
    tcase_add_test(tc, test_route_find_maps_api_paths_and_everything_else_to_static);
    tcase_add_test(tc, test_route_methods_and_allow_header);
    tcase_add_test(tc, test_rate_lookup_is_quote_per_base_and_rejects_unknown);
    tcase_add_test(tc, test_code_slots_have_other_for_unlisted_codes);
    tcase_add_test(tc, test_keep_alive_follows_connection_header_then_version);
    tcase_add_test(tc, test_http_date_is_imf_fixdate);
    tcase_add_test(tc, test_static_resolve_serves_files_and_index_inside_root);
    tcase_add_test(tc, test_static_resolve_refuses_traversal_hidden_backslash_and_symlink_escape);
    tcase_add_test(tc, test_static_mime_applies_seed_cache_rule_to_listed_types);
    tcase_add_test(tc, test_accept_encoding_gzip_unless_q0);
    tcase_add_test(tc, test_gzip_cache_compresses_once_and_keys_on_mtime);
    tcase_add_test(tc, test_stats_aggregate_threads_routes_codes_and_windows);
    tcase_add_test(tc, test_stats_collect_keeps_history_beyond_the_thread_ring);
    tcase_add_test(tc, test_formatters_write_json_and_prometheus_and_report_needed_length);
    tcase_add_test(tc, test_config_defaults_match_the_documented_ones);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
