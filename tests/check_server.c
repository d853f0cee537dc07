/* tests/check_server.c: unit tests of the server's own pieces (no sockets): the LRU/TTL cache
 * with an injected clock, query parsing and bounds, routing, static path resolution, the stats
 * recorder's aggregation over threads and seconds (injected times), the JSON/Prometheus
 * formatters, connection counting and the admin token check. */
#include <check.h>
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hist.h"
#include "common/sample.h"
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

static struct srv_stats *stats_new(void)
{
    struct srv_stats *st = srv_stats_new();
    ck_assert_ptr_nonnull(st);
    return st;
}

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

    struct srv_stats *st = stats_new();
    /* Second 1002 is reported once it is a full second old: from 1004 on. */
    srv_stats_fill(r, S(1004) + 100000, st);
    ck_assert_uint_eq(st->total.requests, 7);
    ck_assert_uint_eq(st->total.bytes, 150 + 80 + 4 * 150 + 90);
    ck_assert_uint_eq(st->bytes_in, 12);
    ck_assert_uint_eq(st->total.status_class[2], 5);
    ck_assert_uint_eq(st->total.status_class[4], 1);
    ck_assert_uint_eq(st->total.status_class[5], 1);
    ck_assert_uint_eq(st->codes[srv_code_slot(200)], 5);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].sample.requests, 5);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_ECHO].codes[srv_code_slot(404)], 1);
    ck_assert_uint_eq(hist_count(st->total.latency_us), 7);
    ck_assert_uint_eq(hist_max(st->total.latency_us), 5000);
    ck_assert_uint_eq(hist_percentile(st->routes[SRV_ROUTE_HEALTH].sample.latency_us, 50), 1000);
    ck_assert_uint_eq(st->threads_busy, 1);
    /* Windows: the last reported second is 1002 (5 requests, one a 5xx). */
    ck_assert_uint_eq(st->windows[0].seconds, 1);
    ck_assert_uint_eq(st->windows[0].sample.requests, 5);
    ck_assert_uint_eq(st->windows[0].sample.errors, 1);
    ck_assert(st->windows[0].rate_rps == 5.0);
    ck_assert_uint_eq(st->windows[1].sample.requests, 7);
    ck_assert(st->windows[1].rate_rps > 2.33 && st->windows[1].rate_rps < 2.34); /* 7 / 3 s */
    ck_assert_uint_eq(st->timeline_len, 3);
    ck_assert_uint_eq(st->timeline[0].age_s, 2); /* 1004 - 1002: the newest reported second */
    ck_assert_uint_eq(st->timeline[0].requests, 5);
    ck_assert_uint_eq(st->timeline[0].max_us, 5000);
    ck_assert(st->timeline[0].p50_us >= 996 && st->timeline[0].p50_us <= 1004); /* 0.4% */
    ck_assert_uint_eq(st->timeline[1].requests, 1);
    ck_assert_uint_eq(st->timeline[2].requests, 1);
    /* Prometheus buckets are cumulative: 100 us <= 0.0001 s, the 1 ms ones <= 0.001 s. */
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].duration_le[0], 1);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].duration_le[3], 5);

    /* A later snapshot (into the same object) moves the window; the totals stay. */
    srv_stats_fill(r, S(1011), st);
    ck_assert_uint_eq(st->total.requests, 7);
    ck_assert_uint_eq(hist_count(st->total.latency_us), 7);
    ck_assert_uint_eq(st->windows[0].sample.requests, 0);
    ck_assert_uint_eq(st->windows[1].sample.requests, 7);
    ck_assert_uint_eq(st->timeline_len, 10);
    srv_stats_free(st);
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
    struct srv_stats *st = stats_new();
    srv_stats_fill(r, S(101) + 5, st);                     /* seconds 0..99 reported */
    ck_assert_uint_eq(st->windows[2].sample.requests, 60); /* one a second, 60 s window */
    ck_assert(st->windows[2].rate_rps == 1.0);
    ck_assert_uint_eq(st->timeline_len, 100);
    ck_assert_uint_eq(st->timeline[99].requests, 1);
    srv_stats_free(st);
    srv_stats_rec_free(r);
}
END_TEST

/* The bug this guards against: a collect at the start of second s+1 moved second s into the
 * history, and a request of second s recorded a moment later (its worker had measured the end
 * time just before the collect) was lost from the windows and the timeline. */
START_TEST(test_stats_request_recorded_after_a_collect_in_the_next_second_still_counts)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(500));
    struct srv_stats_thread *t = srv_stats_thread_add(r);
    srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 40, 10, 0, S(501) + 100);
    srv_stats_collect(r, S(502) + 1000); /* the start of second 502 */
    srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 70, 10, 0, S(501) + 999999); /* ended in 501 */
    struct srv_stats *st = stats_new();
    srv_stats_fill(r, S(502) + 500000, st);
    ck_assert_uint_eq(st->total.requests, 2);
    ck_assert_uint_eq(st->windows[0].sample.requests, 0); /* 501 is not a full second old yet */
    srv_stats_collect(r, S(503) + 1000);
    srv_stats_fill(r, S(503) + 2000, st);
    ck_assert_uint_eq(st->windows[0].sample.requests, 2);
    ck_assert_uint_eq(hist_max(st->windows[0].sample.latency_us), 70);
    ck_assert_uint_eq(st->timeline_len, 2); /* 501 and the start second 500 */
    ck_assert_uint_eq(st->timeline[0].age_s, 2);
    ck_assert_uint_eq(st->timeline[0].requests, 2);
    srv_stats_free(st);
    srv_stats_rec_free(r);
}
END_TEST

START_TEST(test_stats_windows_lag_the_totals_by_one_full_second)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(10));
    struct srv_stats_thread *t = srv_stats_thread_add(r);
    srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 40, 10, 0, S(11) + 10);
    struct srv_stats *st = stats_new();
    srv_stats_fill(r, S(13) - 1, st); /* second 11 ended 0.999999 s ago: not yet */
    ck_assert_uint_eq(st->total.requests, 1);
    ck_assert_uint_eq(st->windows[2].sample.requests, 0);
    ck_assert_uint_eq(st->timeline_len, 1); /* only second 10 */
    ck_assert_uint_eq(st->timeline[0].age_s, 2);
    srv_stats_fill(r, S(13), st); /* exactly a full second old */
    ck_assert_uint_eq(st->windows[0].sample.requests, 1);
    ck_assert_uint_eq(st->timeline_len, 2);
    ck_assert_uint_eq(st->timeline[0].requests, 1);
    srv_stats_free(st);
    srv_stats_rec_free(r);
}
END_TEST

START_TEST(test_stats_first_second_counts_only_the_time_since_start)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(20) + 750000); /* started 0.25 s before 21 */
    struct srv_stats_thread *t = srv_stats_thread_add(r);
    srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 40, 10, 0, S(20) + 800000);
    srv_stats_record(t, SRV_ROUTE_HEALTH, 200, 40, 10, 0, S(21) + 800000);
    struct srv_stats *st = stats_new();
    srv_stats_fill(r, S(23), st);
    ck_assert_uint_eq(st->timeline_len, 2);
    ck_assert_uint_eq(st->timeline[1].duration_us, 250000);
    ck_assert_uint_eq(st->timeline[0].duration_us, 1000000);
    ck_assert_uint_eq(st->windows[1].sample.duration_us, 1250000);
    ck_assert(st->windows[1].rate_rps == 2 / 1.25);
    ck_assert_uint_eq(st->routes[SRV_ROUTE_HEALTH].sample.duration_us, S(23) - S(20) - 750000);
    srv_stats_free(st);
    srv_stats_rec_free(r);
}
END_TEST

/* N workers' samples merge exactly: the same requests spread over 16 threads or recorded by
 * one give identical figures everywhere (counts, every percentile, mean, windows, timeline). */
START_TEST(test_stats_of_many_threads_equal_one_thread_with_the_same_requests)
{
    enum { THREADS = 16, PER_SECOND = 300 };
    struct srv_stats_rec *one = srv_stats_rec_new(S(100)), *many = srv_stats_rec_new(S(100));
    struct srv_stats_thread *t1 = srv_stats_thread_add(one), *tn[THREADS];
    for (int i = 0; i < THREADS; i++)
        tn[i] = srv_stats_thread_add(many);
    uint64_t x = 88172645463325252ull; /* xorshift64: reproducible latencies */
    for (int sec = 100; sec < 104; sec++) {
        for (int k = 0; k < PER_SECOND; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t lat_us = 5 + (x % 1000) * (x % 1000) / 50; /* 5 us .. 20 ms, skewed */
            int status = x % 97 == 0 ? 503 : 200;
            enum srv_route route = x % 5 == 0 ? SRV_ROUTE_STATIC : SRV_ROUTE_HEALTH;
            uint64_t end_us = S(sec) + (uint64_t)k * 3000;
            srv_stats_record(t1, route, status, lat_us, 100 + x % 50, 0, end_us);
            srv_stats_record(tn[(x >> 20) % THREADS], route, status, lat_us, 100 + x % 50, 0,
                             end_us);
        }
        srv_stats_collect(one, S(sec) + 600000);
        srv_stats_collect(many, S(sec) + 600000);
    }
    struct srv_stats *a = stats_new(), *b = stats_new();
    srv_stats_fill(one, S(106), a);
    srv_stats_fill(many, S(106), b);
    struct sample_latency la, lb;
    sample_latency_of(a->total.latency_us, &la);
    sample_latency_of(b->total.latency_us, &lb);
    ck_assert_uint_eq(la.count, 4 * PER_SECOND);
    ck_assert(memcmp(&la, &lb, sizeof(la)) == 0);
    ck_assert_uint_eq(a->total.requests, b->total.requests);
    ck_assert_uint_eq(a->total.errors, b->total.errors);
    ck_assert_uint_eq(a->total.bytes, b->total.bytes);
    for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
        sample_latency_of(a->routes[i].sample.latency_us, &la);
        sample_latency_of(b->routes[i].sample.latency_us, &lb);
        ck_assert(memcmp(&la, &lb, sizeof(la)) == 0);
        ck_assert(memcmp(a->routes[i].duration_le, b->routes[i].duration_le,
                         sizeof(a->routes[i].duration_le)) == 0);
    }
    for (int w = 0; w < SRV_WINDOWS; w++) {
        sample_latency_of(a->windows[w].sample.latency_us, &la);
        sample_latency_of(b->windows[w].sample.latency_us, &lb);
        ck_assert(memcmp(&la, &lb, sizeof(la)) == 0);
        ck_assert_uint_eq(a->windows[w].sample.requests, b->windows[w].sample.requests);
    }
    ck_assert_uint_eq(a->windows[1].sample.requests, 4 * PER_SECOND);
    ck_assert_uint_eq(a->timeline_len, b->timeline_len);
    ck_assert(memcmp(a->timeline, b->timeline, a->timeline_len * sizeof(a->timeline[0])) == 0);
    srv_stats_free(a);
    srv_stats_free(b);
    srv_stats_rec_free(one);
    srv_stats_rec_free(many);
}
END_TEST

/* A snapshot folds what the workers recorded since the previous one into the totals; records
 * between snapshots, and several snapshot objects, must all see exactly every request. */
START_TEST(test_stats_snapshots_between_records_keep_exact_totals)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(0));
    struct srv_stats_thread *t[3] = {srv_stats_thread_add(r), srv_stats_thread_add(r),
                                     srv_stats_thread_add(r)};
    struct hist *ref = hist_new_default();
    struct srv_stats *a = stats_new(), *b = stats_new();
    uint64_t x = 42, n = 0;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 200 * (round + 1); i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t lat_us = 3 + x % 7000;
            srv_stats_record(t[x % 3], SRV_ROUTE_ECHO, 200, lat_us, 10, 1, S(1) + (uint64_t)i);
            hist_record(ref, lat_us);
            n++;
        }
        srv_stats_fill(r, S(1) + 500000, round % 2 ? a : b);
    }
    srv_stats_fill(r, S(1) + 600000, a);
    struct sample_latency la, lref;
    sample_latency_of(a->routes[SRV_ROUTE_ECHO].sample.latency_us, &la);
    sample_latency_of(ref, &lref);
    ck_assert_uint_eq(la.count, n);
    ck_assert(memcmp(&la, &lref, sizeof(la)) == 0);
    ck_assert_uint_eq(a->total.requests, n);
    ck_assert_uint_eq(a->routes[SRV_ROUTE_ECHO].codes[srv_code_slot(200)], n);
    ck_assert_uint_eq(a->bytes_in, n);
    srv_stats_fill(r, S(1) + 700000, b); /* nothing new: the same figures in another object */
    ck_assert_uint_eq(b->total.requests, n);
    ck_assert_uint_eq(hist_count(b->total.latency_us), n);
    ck_assert_uint_eq(b->routes[SRV_ROUTE_ECHO].codes[srv_code_slot(200)], n);
    hist_free(ref);
    srv_stats_free(a);
    srv_stats_free(b);
    srv_stats_rec_free(r);
}
END_TEST

/* The Prometheus buckets come from one pass over the histogram; they must equal counting each
 * bucket from zero, as hist_count_between(h, 0, le) does. */
START_TEST(test_stats_prometheus_buckets_equal_counts_from_zero)
{
    struct srv_stats_rec *r = srv_stats_rec_new(S(0));
    struct srv_stats_thread *t = srv_stats_thread_add(r);
    struct hist *ref = hist_new_default();
    uint64_t x = 1234567;
    for (int i = 0; i < 5000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t lat_us = x % 3 == 0 ? 100 + x % 3 : (x % 20000000) / (1 + x % 1000);
        srv_stats_record(t, SRV_ROUTE_WORK, 200, lat_us, 1, 0, S(1));
        hist_record(ref, lat_us);
    }
    /* Values right at and around bucket edges. */
    static const uint64_t edges[] = {100, 250, 251, 249999, 250000, 250001, 1000000, 999999};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        srv_stats_record(t, SRV_ROUTE_WORK, 200, edges[i], 1, 0, S(1));
        hist_record(ref, edges[i]);
    }
    struct srv_stats *st = stats_new();
    srv_stats_fill(r, S(3), st);
    for (int b = 0; b < SRV_PROM_BUCKETS; b++) {
        uint64_t le_us = (uint64_t)(srv_prom_bucket_le_s[b] * 1e6 + 0.5);
        ck_assert_uint_eq(st->routes[SRV_ROUTE_WORK].duration_le[b],
                          hist_count_between(ref, 0, le_us));
    }
    hist_free(ref);
    srv_stats_free(st);
    srv_stats_rec_free(r);
}
END_TEST

START_TEST(test_formatters_write_json_and_prometheus_and_report_needed_length)
{
    struct srv_stats *st = stats_new();
    struct sample *health = &st->routes[SRV_ROUTE_HEALTH].sample;
    sample_record(health, 10, 200, false, 100);
    sample_record(health, 20, 200, false, 100);
    sample_record(health, 30, 404, false, 100);
    sample_merge(&st->total, health, SAMPLE_PARALLEL);
    st->routes[SRV_ROUTE_HEALTH].codes[srv_code_slot(200)] = 2;
    st->routes[SRV_ROUTE_HEALTH].codes[srv_code_slot(404)] = 1;
    st->routes[SRV_ROUTE_HEALTH].duration_le[SRV_PROM_BUCKETS - 1] = 3;
    st->threads_total = 64;
    st->threads_busy = 2;
    st->connections_open = 5;
    st->windows[0].seconds = 1;
    st->windows[0].rate_rps = 1234.5;
    st->timeline_len = 1;
    st->timeline[0] = (struct srv_second){.age_s = 2,
                                          .duration_us = 1000000,
                                          .requests = 3,
                                          .p50_us = 20,
                                          .p90_us = 30,
                                          .p99_us = 30,
                                          .max_us = 30};
    char *buf = malloc(65536);
    size_t n = srv_stats_json(st, true, buf, 65536);
    ck_assert_uint_lt(n, 65536);
    ck_assert_uint_eq(strlen(buf), n);
    ck_assert_ptr_nonnull(strstr(buf, "\"totals\":{\"requests\":3,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"threads\":{\"total\":64,\"busy\":2}"));
    ck_assert_ptr_nonnull(strstr(buf, "\"1s\":1234.5"));
    ck_assert_ptr_nonnull(strstr(buf, "\"route\":\"health\",\"requests\":3"));
    /* Every latency object is sample_latency_json's: the run JSON's vocabulary. */
    ck_assert_ptr_nonnull(strstr(buf, "\"bytes_in\":0,\"latency_us\":{\"count\":3,\"min\":10,"
                                      "\"mean\":20.0,\"stdev\":8.2,\"p50\":20,\"p75\":30,"
                                      "\"p90\":30,\"p99\":30,\"p99_9\":30,\"max\":30}"));
    ck_assert_ptr_nonnull(
        strstr(buf, "\"codes\":{\"200\":2,\"404\":1},\"latency_us\":{\"count\":3,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"errors\":0,\"latency_us\":{\"count\":0,\"min\":0,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"timeline\":[{\"age_s\":2,\"duration_s\":1.000,"
                                      "\"requests\":3,\"errors\":0,\"bytes_out\":0,"
                                      "\"latency_us\":{\"p50\":20,\"p90\":30,\"p99\":30,"
                                      "\"max\":30}}]"));
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
    ck_assert_ptr_nonnull(strstr(buf, "tierbench_http_response_bytes_total 300\n"));
    ck_assert_uint_eq(srv_stats_prometheus(st, buf, 16), n);
    free(buf);
    srv_stats_free(st);
}
END_TEST

/* ---- connections, admin token ------------------------------------------------------------- */

static uint64_t conns_open_of(struct srv *s)
{
    return atomic_load(&s->conns_open);
}

START_TEST(test_conn_close_counts_only_connections_it_saw_open)
{
    struct srv *s = calloc(1, sizeof(*s));
    void *a = NULL, *b = NULL;
    srv_conn_opened(s, &a);
    srv_conn_opened(s, &b);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(conns_open_of(s), 2);
    /* CivetWeb closes a connection that never reached init_connection: its data is NULL. */
    srv_conn_closed(s, NULL);
    ck_assert_uint_eq(conns_open_of(s), 2);
    srv_conn_closed(s, a);
    srv_conn_closed(s, b);
    ck_assert_uint_eq(conns_open_of(s), 0);
    srv_conn_closed(s, NULL); /* and never below zero, or wrapping around */
    ck_assert_uint_eq(conns_open_of(s), 0);
    ck_assert_uint_eq((uint64_t)atomic_load(&s->conns_total), 2);
    free(s);
}
END_TEST

struct log_capture {
    int calls;
    enum srv_log_level level;
    char text[64];
};

static void log_capture_fn(void *arg, enum srv_log_level level, const char *msg)
{
    struct log_capture *l = arg;
    l->calls++;
    l->level = level;
    snprintf(l->text, sizeof(l->text), "%s", msg);
}

START_TEST(test_log_lines_go_to_the_callback_with_their_level_or_nowhere)
{
    struct srv *s = calloc(1, sizeof(*s));
    srv_log(s, SRV_LOG_ERROR, "dropped %d", 1); /* no callback: nothing, and no crash */
    struct log_capture l = {0};
    s->cfg.log = log_capture_fn;
    s->cfg.log_arg = &l;
    srv_log(s, SRV_LOG_WARNING, "worker %u: %s", 3u, "no stats");
    ck_assert_int_eq(l.calls, 1);
    ck_assert_int_eq(l.level, SRV_LOG_WARNING);
    ck_assert_str_eq(l.text, "worker 3: no stats");
    free(s);
}
END_TEST

START_TEST(test_admin_token_accepts_only_the_exact_bearer_token)
{
    ck_assert(srv_admin_token_ok("s3cret", "Bearer s3cret"));
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer s3creT"));     /* last byte differs */
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer x3cret"));     /* first byte differs */
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer s3c"));        /* a prefix */
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer s3cretX"));    /* longer */
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer s3cret\x01")); /* longer by a byte */
    ck_assert(!srv_admin_token_ok("s3cret", "Bearer "));
    ck_assert(!srv_admin_token_ok("s3cret", "Basic s3cret"));
    ck_assert(!srv_admin_token_ok("s3cret", "s3cret"));
    ck_assert(!srv_admin_token_ok("s3cret", NULL));
    ck_assert(srv_admin_token_ok(NULL, NULL)); /* no token configured */
    ck_assert(srv_admin_token_ok("", "Bearer whatever"));
}
END_TEST

static double token_check_s(const char *want, const char *auth, int reps)
{
    double best = 1e9;
    for (int round = 0; round < 15; round++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        unsigned ok = 0;
        for (int i = 0; i < reps; i++)
            ok += srv_admin_token_ok(want, auth);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ck_assert_uint_eq(ok, 0);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        best = s < best ? s : best;
    }
    return best;
}

/* An early exit at the first differing byte (strcmp) makes a guess that is wrong at its first
 * byte ~1000x faster to reject than one wrong only at its last byte, with a 64 KiB token. The
 * constant-time compare takes the same time for both. Best of 15 rounds against noise; the
 * bound leaves a wide margin either way. */
START_TEST(test_admin_token_compare_time_does_not_depend_on_where_a_guess_differs)
{
    enum { LEN = 64 * 1024 };
    char *want = malloc(LEN + 1), *first = malloc(LEN + 8), *last = malloc(LEN + 8);
    memset(want, 'k', LEN);
    want[LEN] = '\0';
    snprintf(first, LEN + 8, "Bearer %s", want);
    snprintf(last, LEN + 8, "Bearer %s", want);
    first[7] = 'x';          /* differs at the first byte */
    last[7 + LEN - 1] = 'x'; /* differs at the last byte */
    double t_first = token_check_s(want, first, 20);
    double t_last = token_check_s(want, last, 20);
    ck_assert_msg(t_first > t_last / 5, "first-byte miss %.1f us, last-byte miss %.1f us",
                  t_first * 1e6 / 20, t_last * 1e6 / 20);
    free(want);
    free(first);
    free(last);
}
END_TEST

/* ---- the connection guard's policy (guard.c), the framing checks, the admin Origin rule ----- */

static struct srv_guard_config guard_cfg(void)
{
    return (struct srv_guard_config){
        .name = "test",
        .threads = 8,
        .header_timeout_us = 2000000,
        .body_timeout_us = 30000000,
        .busy_high = 7,
        .shed_grace_us = 25000,
    };
}

/* A view with a distinct slot pointer per index, so tests can find entries after sorting. */
static struct srv_guard_view gview(uintptr_t id, enum srv_guard_state st, uint64_t since_us,
                                   bool first, uint32_t ip)
{
    return (struct srv_guard_view){.slot = (struct srv_guard_slot *)id,
                                   .state = st,
                                   .since_us = since_us,
                                   .first = first,
                                   .peer_ip = ip};
}

static enum srv_shed_reason shed_of(const struct srv_guard_view *v, size_t n, uintptr_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].slot == (struct srv_guard_slot *)id)
            return v[i].shed;
    ck_abort_msg("view %lu missing", (unsigned long)id);
    return SRV_SHED_NONE;
}

START_TEST(test_guard_sheds_a_first_head_only_after_the_header_timeout)
{
    struct srv_guard_config cfg = guard_cfg();
    uint64_t t0 = 1000000000;
    struct srv_guard_view v[3] = {
        gview(1, SRV_GUARD_HEAD, t0, true, 0),           /* slowloris: 2 s old */
        gview(2, SRV_GUARD_HEAD, t0 + 1500000, true, 0), /* 0.5 s old */
        gview(3, SRV_GUARD_HEAD, t0, false, 0), /* keep-alive: CivetWeb's keep_alive_timeout */
    };
    bool pressure;
    uint64_t next = srv_guard_decide(&cfg, v, 3, t0 + 2000000, &pressure);
    ck_assert(!pressure);
    ck_assert_int_eq(shed_of(v, 3, 1), SRV_SHED_HEADER_TIMEOUT);
    ck_assert_int_eq(shed_of(v, 3, 2), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 3, 3), SRV_SHED_NONE);
    /* The next pass is due when the second head's deadline comes. */
    ck_assert_uint_eq(next, t0 + 1500000 + 2000000 > t0 + 2000000 + 500000
                                ? t0 + 2000000 + 500000
                                : t0 + 1500000 + 2000000);
}
END_TEST

START_TEST(test_guard_sheds_a_body_after_the_body_timeout_never_work)
{
    struct srv_guard_config cfg = guard_cfg();
    uint64_t t0 = 1000000000, now = t0 + 31000000;
    struct srv_guard_view v[2] = {
        gview(1, SRV_GUARD_BODY, t0, false, 0),
        gview(2, SRV_GUARD_WORK, t0, false, 0), /* a handler working for 31 s is left alone */
    };
    bool pressure;
    srv_guard_decide(&cfg, v, 2, now, &pressure);
    ck_assert_int_eq(shed_of(v, 2, 1), SRV_SHED_BODY_TIMEOUT);
    ck_assert_int_eq(shed_of(v, 2, 2), SRV_SHED_NONE);
}
END_TEST

START_TEST(test_guard_under_pressure_sheds_waiting_connections_past_the_grace_only)
{
    struct srv_guard_config cfg = guard_cfg();
    uint64_t now = 1000000000;
    struct srv_guard_view v[8];
    /* 7 of 8 workers hold connections: the mark. */
    v[0] = gview(1, SRV_GUARD_HEAD, now - 100000, true, 0);   /* waited 100 ms for a head */
    v[1] = gview(2, SRV_GUARD_HEAD, now - 30000, false, 0);   /* idle keep-alive, 30 ms */
    v[2] = gview(3, SRV_GUARD_BODY, now - 50000, false, 0);   /* body for 50 ms */
    v[3] = gview(4, SRV_GUARD_HEAD, now - 10000, true, 0);    /* 10 ms: within the grace */
    v[4] = gview(5, SRV_GUARD_WORK, now - 5000000, false, 0); /* inside a handler */
    v[5] = gview(6, SRV_GUARD_WORK, now - 100, false, 0);
    v[6] = gview(7, SRV_GUARD_HEAD, now, true, 0); /* just accepted */
    v[7] = gview(8, SRV_GUARD_FREE, now - 900000, false, 0);
    bool pressure;
    uint64_t next = srv_guard_decide(&cfg, v, 8, now, &pressure);
    ck_assert(pressure);
    ck_assert_int_eq(shed_of(v, 8, 1), SRV_SHED_PRESSURE);
    ck_assert_int_eq(shed_of(v, 8, 2), SRV_SHED_PRESSURE);
    ck_assert_int_eq(shed_of(v, 8, 3), SRV_SHED_PRESSURE);
    ck_assert_int_eq(shed_of(v, 8, 4), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 8, 5), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 8, 6), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 8, 7), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 8, 8), SRV_SHED_NONE);
    /* Due again when the 10 ms one reaches the grace. */
    ck_assert_uint_eq(next, now - 10000 + 25000);

    /* One connection fewer and there is no pressure: nothing is shed for waiting. */
    for (size_t i = 0; i < 8; i++)
        v[i] = gview(i + 1, i < 6 ? SRV_GUARD_HEAD : SRV_GUARD_FREE, now - 100000, false, 0);
    srv_guard_decide(&cfg, v, 8, now, &pressure);
    ck_assert(!pressure);
    ck_assert_int_eq(shed_of(v, 8, 1), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 8, 2), SRV_SHED_NONE);
}
END_TEST

START_TEST(test_guard_per_client_cap_sheds_that_clients_oldest_waiting_ones)
{
    struct srv_guard_config cfg = guard_cfg();
    cfg.per_client_max = 2;
    cfg.busy_high = 100; /* no pressure in this test */
    uint64_t now = 1000000000;
    uint32_t a = 0x0100007f, b = 0x0200007f;
    struct srv_guard_view v[7] = {
        gview(1, SRV_GUARD_HEAD, now - 400, false, a), /* a: 4 connections, cap 2 */
        gview(2, SRV_GUARD_WORK, now - 500, false, a), /* inside a handler: never taken */
        gview(3, SRV_GUARD_HEAD, now - 300, false, a),
        gview(4, SRV_GUARD_HEAD, now - 100, false, a),
        gview(5, SRV_GUARD_HEAD, now - 900, false, b), /* b: 2, at the cap */
        gview(6, SRV_GUARD_HEAD, now - 800, false, b),
        gview(7, SRV_GUARD_HEAD, now - 700, true, 0), /* address not known yet: not counted */
    };
    bool pressure;
    srv_guard_decide(&cfg, v, 7, now, &pressure);
    ck_assert_int_eq(shed_of(v, 7, 1), SRV_SHED_PER_CLIENT); /* a's oldest waiting */
    ck_assert_int_eq(shed_of(v, 7, 3), SRV_SHED_PER_CLIENT);
    ck_assert_int_eq(shed_of(v, 7, 4), SRV_SHED_NONE); /* the newest stays */
    ck_assert_int_eq(shed_of(v, 7, 2), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 7, 5), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 7, 6), SRV_SHED_NONE);
    ck_assert_int_eq(shed_of(v, 7, 7), SRV_SHED_NONE);
}
END_TEST

static const char *framing(const char *n1, const char *v1, const char *n2, const char *v2)
{
    struct mg_request_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.http_headers[0].name = n1;
    ri.http_headers[0].value = v1;
    ri.http_headers[1].name = n2;
    ri.http_headers[1].value = v2;
    ri.num_headers = n1 ? (n2 ? 2 : 1) : 0;
    return srv_http_framing_error(&ri);
}

START_TEST(test_framing_rejects_duplicate_or_malformed_length_and_te_with_cl)
{
    ck_assert_ptr_null(framing(NULL, NULL, NULL, NULL));
    ck_assert_ptr_null(framing("Content-Length", "12", "Host", "x"));
    ck_assert_ptr_null(framing("transfer-encoding", "Chunked", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Content-Length", "12", "content-length", "12"));
    ck_assert_ptr_nonnull(framing("Content-Length", "12abc", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Content-Length", "-1", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Content-Length", "+5", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Content-Length", "", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Content-Length", "1234567890123456789", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Transfer-Encoding", "chunked", "Content-Length", "5"));
    ck_assert_ptr_nonnull(framing("Transfer-Encoding", "gzip, chunked", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Transfer-Encoding", "identity", NULL, NULL));
    ck_assert_ptr_nonnull(framing("Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"));
}
END_TEST

START_TEST(test_admin_origin_is_accepted_only_from_the_admins_own_origin)
{
    ck_assert(srv_admin_origin_ok(NULL, "127.0.0.1", 9001, "127.0.0.1:9001"));
    ck_assert(srv_admin_origin_ok("http://127.0.0.1:9001", "127.0.0.1", 9001, NULL));
    ck_assert(srv_admin_origin_ok("http://LOCALHOST:9001", "127.0.0.1", 9001, NULL));
    ck_assert(!srv_admin_origin_ok("http://127.0.0.1:9000", "127.0.0.1", 9001, NULL));
    ck_assert(!srv_admin_origin_ok("http://evil.example", "127.0.0.1", 9001, "evil.example"));
    ck_assert(!srv_admin_origin_ok("null", "127.0.0.1", 9001, NULL));
    ck_assert(!srv_admin_origin_ok("https://127.0.0.1:9001", "127.0.0.1", 9001, NULL));
    ck_assert(srv_admin_origin_ok("http://10.1.2.3:9001", "10.1.2.3", 9001, NULL));
    ck_assert(!srv_admin_origin_ok("http://localhost:9001", "10.1.2.3", 9001, NULL));
    /* Bound to every address: the address the browser used, as Host names it. */
    ck_assert(srv_admin_origin_ok("http://10.1.2.3:9001", "0.0.0.0", 9001, "10.1.2.3:9001"));
    ck_assert(!srv_admin_origin_ok("http://evil.example:9001", "0.0.0.0", 9001, "10.1.2.3:9001"));
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
    ck_assert_uint_eq(c.threads, 256);
    ck_assert_uint_eq(c.admin_threads, 16);
    ck_assert_uint_eq(c.header_timeout_ms, 2000);
    ck_assert_uint_eq(c.request_timeout_ms, 30000);
    ck_assert_uint_eq(c.shed_grace_ms, 25);
    ck_assert_uint_eq(c.admin_request_timeout_ms, 2000);
    ck_assert_uint_eq(c.admin_client_max, 4);
    ck_assert_uint_gt(c.admin_threads, c.admin_client_max);
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
    tcase_add_test(tc, test_stats_request_recorded_after_a_collect_in_the_next_second_still_counts);
    tcase_add_test(tc, test_stats_windows_lag_the_totals_by_one_full_second);
    tcase_add_test(tc, test_stats_first_second_counts_only_the_time_since_start);
    tcase_add_test(tc, test_stats_of_many_threads_equal_one_thread_with_the_same_requests);
    tcase_add_test(tc, test_stats_snapshots_between_records_keep_exact_totals);
    tcase_add_test(tc, test_stats_prometheus_buckets_equal_counts_from_zero);
    tcase_add_test(tc, test_formatters_write_json_and_prometheus_and_report_needed_length);
    tcase_add_test(tc, test_conn_close_counts_only_connections_it_saw_open);
    tcase_add_test(tc, test_log_lines_go_to_the_callback_with_their_level_or_nowhere);
    tcase_add_test(tc, test_admin_token_accepts_only_the_exact_bearer_token);
    tcase_add_test(tc, test_admin_token_compare_time_does_not_depend_on_where_a_guess_differs);
    tcase_add_test(tc, test_guard_sheds_a_first_head_only_after_the_header_timeout);
    tcase_add_test(tc, test_guard_sheds_a_body_after_the_body_timeout_never_work);
    tcase_add_test(tc, test_guard_under_pressure_sheds_waiting_connections_past_the_grace_only);
    tcase_add_test(tc, test_guard_per_client_cap_sheds_that_clients_oldest_waiting_ones);
    tcase_add_test(tc, test_framing_rejects_duplicate_or_malformed_length_and_te_with_cl);
    tcase_add_test(tc, test_admin_origin_is_accepted_only_from_the_admins_own_origin);
    tcase_add_test(tc, test_config_defaults_match_the_documented_ones);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
