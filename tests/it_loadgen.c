/* tests/it_loadgen.c: the load generator on real loopback sockets. The engine runs in-process
 * (lg_run) against tests/support/testsrv (chunked, close-delimited, 100-continue, 204/304,
 * HEAD, Connection: close every Nth, resets, stalls, delays) and counts are checked against the
 * server's own; constant rate and coordinated-omission correction are checked with a stall.
 * The CLI layouts are checked in it_loadgen_cli.sh. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"
#include "tests/support/testsrv.h"
#include "tests/support/ck_run.h"

static struct testsrv *srv;
static char url[256];

static void start_srv(unsigned close_every)
{
    struct testsrv_opts o = {.close_every = close_every};
    srv = testsrv_start(&o);
    ck_assert_ptr_nonnull(srv);
}

static const char *url_of(const char *path)
{
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", testsrv_port(srv), path);
    return url;
}

static struct lg_config base_cfg(const char *path, unsigned conns, uint64_t n)
{
    struct lg_config c = {
        .url = url_of(path),
        .threads = 2,
        .connections = conns,
        .max_requests = n,
        .keep_alive = true,
    };
    return c;
}

static void run_ok(const struct lg_config *cfg, struct run_result *r)
{
    char err[256] = "";
    int rc = lg_run(cfg, r, err, sizeof(err));
    ck_assert_msg(rc == 0, "lg_run failed: %s", err);
}

START_TEST(test_requests_equal_server_count)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 20, 20000);
    struct lg_detail d;
    memset(&d, 0, sizeof(d));
    cfg.detail = &d;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 20000);
    ck_assert_uint_eq(testsrv_requests(srv), 20000);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    ck_assert_uint_eq(r.html_bytes, 20000 * 5);
    ck_assert_uint_eq(r.doc_bytes, 5);
    ck_assert_str_eq(r.server_software, "testsrv");
    ck_assert_uint_eq(hist_count(r.latency), 20000);
    ck_assert_uint_eq(d.connections_opened, 20);
    ck_assert_uint_eq(d.keepalive_responses, 20000);
    ck_assert_str_eq(r.engine, "epoll");
    ck_assert_uint_ge(r.ntimeline, 1);
    uint64_t sum = 0;
    for (size_t i = 0; i < r.ntimeline; i++)
        sum += r.timeline[i].requests;
    ck_assert_uint_eq(sum, 20000);
    run_result_free(&r);
    lg_detail_free(&d);
    testsrv_stop(srv);
}
END_TEST

/* 64 connections per thread: the batching pause path runs; counts stay exact. */
START_TEST(test_many_connections_counts_exact)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 128, 20000);
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 20000);
    ck_assert_uint_eq(testsrv_requests(srv), 20000);
    ck_assert_uint_eq(testsrv_accepts(srv), 128);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_connection_close_every_nth_reconnects)
{
    start_srv(7);
    struct lg_config cfg = base_cfg("/fixed", 10, 7000);
    struct lg_detail d;
    memset(&d, 0, sizeof(d));
    cfg.detail = &d;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 7000);
    ck_assert_uint_eq(testsrv_requests(srv), 7000);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    /* One connection per 7 responses, plus at most one partly used per connection slot. */
    ck_assert_uint_ge(d.connections_opened, 1000);
    ck_assert_uint_le(d.connections_opened, 1010);
    ck_assert_uint_eq(d.connections_opened, testsrv_accepts(srv));
    run_result_free(&r);
    lg_detail_free(&d);
    testsrv_stop(srv);
}
END_TEST

/* Each body framing the parser supports, end to end: every request answered, no errors. */
static void check_framing(const char *path, const char *method, uint64_t body_each, int status)
{
    start_srv(0);
    struct lg_request rq = {.method = method};
    struct lg_config cfg = base_cfg(path, 8, 800);
    cfg.requests = &rq;
    cfg.nrequests = 1;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_msg(r.requests == 800, "%s %s: %llu requests, errors r%llu p%llu t%llu", method, path,
                  (unsigned long long)r.requests, (unsigned long long)r.errors[RUN_ERR_READ],
                  (unsigned long long)r.errors[RUN_ERR_PARSE],
                  (unsigned long long)r.errors[RUN_ERR_TIMEOUT]);
    ck_assert_uint_eq(testsrv_requests(srv), 800);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    ck_assert_uint_eq(r.html_bytes, 800 * body_each);
    ck_assert_uint_eq(r.nstatus, 1);
    ck_assert_int_eq(r.status[0].code, status);
    run_result_free(&r);
    testsrv_stop(srv);
}

START_TEST(test_chunked_bodies)
{
    check_framing("/chunked", "GET", 5, 200);
}
END_TEST

START_TEST(test_close_delimited_bodies)
{
    check_framing("/close", "GET", 5, 200);
}
END_TEST

START_TEST(test_100_continue_before_final_response)
{
    check_framing("/continue", "GET", 5, 200);
}
END_TEST

START_TEST(test_204_304_and_head_have_no_body)
{
    check_framing("/204", "GET", 0, 204);
    check_framing("/304", "GET", 0, 304);
    check_framing("/fixed", "HEAD", 0, 200);
}
END_TEST

START_TEST(test_status_400_and_up_counted_as_errors)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/status/503", 4, 400);
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 400);
    ck_assert_uint_eq(r.errors[RUN_ERR_STATUS], 400);
    ck_assert_int_eq(r.status[0].code, 503);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_no_keepalive_opens_a_connection_per_request)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 4, 400);
    cfg.keep_alive = false;
    struct lg_detail d;
    memset(&d, 0, sizeof(d));
    cfg.detail = &d;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 400);
    ck_assert_uint_eq(d.connections_opened, 400);
    ck_assert_uint_eq(testsrv_accepts(srv), 400);
    ck_assert_uint_eq(hist_count(r.connect_us), 400);
    ck_assert_uint_gt(hist_min(r.connect_us), 0);
    run_result_free(&r);
    lg_detail_free(&d);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_delay_20ms_p50_within_20_to_22ms)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/delay?ms=20", 10, 0);
    cfg.duration_us = 1000000;
    struct run_result r;
    run_ok(&cfg, &r);
    uint64_t p50 = hist_percentile(r.latency, 50);
    ck_assert_msg(p50 >= 20000 && p50 <= 22000, "p50 %llu us", (unsigned long long)p50);
    ck_assert_uint_ge(r.requests, 300);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_refused_connections_counted_and_run_ends_on_time)
{
    start_srv(0);
    unsigned port = testsrv_port(srv);
    testsrv_stop(srv); /* the port is now closed */
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
    struct lg_config cfg = {
        .url = url, .threads = 2, .connections = 4, .duration_us = 500000, .keep_alive = true};
    struct lg_detail d;
    memset(&d, 0, sizeof(d));
    cfg.detail = &d;
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    uint64_t took = clock_now_us() - t0;
    ck_assert_uint_eq(r.requests, 0);
    ck_assert_uint_gt(r.errors[RUN_ERR_CONNECT], 10);
    ck_assert_uint_eq(d.errno_counts[RUN_ERR_CONNECT][111], r.errors[RUN_ERR_CONNECT]);
    ck_assert_uint_lt(took, 800000);
    run_result_free(&r);
    lg_detail_free(&d);
}
END_TEST

START_TEST(test_stalls_time_out_and_run_ends_on_time)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/stall", 4, 0);
    cfg.duration_us = 1000000;
    cfg.timeout_us = 200000;
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    uint64_t took = clock_now_us() - t0;
    ck_assert_uint_eq(r.requests, 0);
    /* 4 connections time out every 200 ms: about 16 to 20 in one second. */
    ck_assert_uint_ge(r.errors[RUN_ERR_TIMEOUT], 12);
    ck_assert_uint_le(r.errors[RUN_ERR_TIMEOUT], 24);
    ck_assert_uint_lt(took, 1300000);
    ck_assert(r.duration_s <= 1.05);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_resets_counted_as_read_errors)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/reset", 2, 100);
    struct lg_detail d;
    memset(&d, 0, sizeof(d));
    cfg.detail = &d;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 0);
    ck_assert_uint_eq(r.errors[RUN_ERR_READ], 100);
    ck_assert_uint_eq(d.errno_counts[RUN_ERR_READ][104], 100); /* ECONNRESET */
    run_result_free(&r);
    lg_detail_free(&d);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_max_requests_exact_with_many_threads)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 7, 1001);
    cfg.threads = 3;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 1001);
    ck_assert_uint_eq(testsrv_requests(srv), 1001);
    ck_assert_uint_eq(r.threads, 3);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_constant_rate_2000_for_5s_sends_10000)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 20, 0);
    cfg.duration_us = 5000000;
    cfg.rate_rps = 2000;
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_msg(r.requests >= 9800 && r.requests <= 10200, "%llu requests",
                  (unsigned long long)r.requests);
    ck_assert_ptr_nonnull(r.latency_uncorrected);
    ck_assert_uint_eq(hist_count(r.latency_uncorrected), r.requests);
    ck_assert(r.rate_rps == 2000);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

struct stall_arg {
    struct testsrv *s;
};

static void *stall_later(void *arg)
{
    struct stall_arg *a = arg;
    clock_sleep_us(1000000);
    testsrv_stall(a->s, 1000);
    return NULL;
}

START_TEST(test_stall_shows_in_corrected_p99_not_uncorrected)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 10, 0);
    cfg.duration_us = 3000000;
    cfg.rate_rps = 1000;
    struct stall_arg a = {srv};
    pthread_t t;
    pthread_create(&t, NULL, stall_later, &a);
    struct run_result r;
    run_ok(&cfg, &r);
    pthread_join(t, NULL);
    uint64_t p99c = hist_percentile(r.latency, 99);
    uint64_t p99u = hist_percentile(r.latency_uncorrected, 99);
    ck_assert_msg(p99c >= 700000, "corrected p99 %llu us", (unsigned long long)p99c);
    ck_assert_msg(p99u <= 100000, "uncorrected p99 %llu us", (unsigned long long)p99u);
    /* The stalled requests still arrive, so the schedule's count holds. */
    ck_assert_uint_ge(r.requests, 2800);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_bad_url_and_unresolvable_host_fail_cleanly)
{
    struct lg_config cfg = {.url = "ftp://x/", .threads = 1, .connections = 1, .max_requests = 1};
    struct run_result r;
    char err[256];
    ck_assert_int_eq(lg_run(&cfg, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "invalid URL"));
    cfg.url = "http://no-such-host.invalid/";
    ck_assert_int_eq(lg_run(&cfg, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "resolve"));
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

static void stop_soon(void *arg, uint64_t done, uint64_t elapsed_us)
{
    (void)arg;
    (void)done;
    if (elapsed_us >= 300000)
        lg_stop();
}

START_TEST(test_lg_stop_ends_run_with_partial_results)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 4, 0);
    cfg.duration_us = 10000000;
    cfg.progress = stop_soon;
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    ck_assert_uint_lt(clock_now_us() - t0, 1000000);
    ck_assert_uint_gt(r.requests, 0);
    ck_assert(r.duration_s < 1.0);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

static Suite *it_suite(void)
{
    Suite *s = suite_create("it_loadgen");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_requests_equal_server_count);
    tcase_add_test(tc, test_many_connections_counts_exact);
    tcase_add_test(tc, test_connection_close_every_nth_reconnects);
    tcase_add_test(tc, test_chunked_bodies);
    tcase_add_test(tc, test_close_delimited_bodies);
    tcase_add_test(tc, test_100_continue_before_final_response);
    tcase_add_test(tc, test_204_304_and_head_have_no_body);
    tcase_add_test(tc, test_status_400_and_up_counted_as_errors);
    tcase_add_test(tc, test_no_keepalive_opens_a_connection_per_request);
    tcase_add_test(tc, test_delay_20ms_p50_within_20_to_22ms);
    tcase_add_test(tc, test_refused_connections_counted_and_run_ends_on_time);
    tcase_add_test(tc, test_stalls_time_out_and_run_ends_on_time);
    tcase_add_test(tc, test_resets_counted_as_read_errors);
    tcase_add_test(tc, test_max_requests_exact_with_many_threads);
    tcase_add_test(tc, test_bad_url_and_unresolvable_host_fail_cleanly);
    tcase_add_test(tc, test_lg_stop_ends_run_with_partial_results);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("rate");
    tcase_set_timeout(tr, 30);
    tcase_add_test(tr, test_constant_rate_2000_for_5s_sends_10000);
    tcase_add_test(tr, test_stall_shows_in_corrected_p99_not_uncorrected);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return ck_run(it_suite());
}
