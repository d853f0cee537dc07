/* tests/it_loadgen.c: the load generator on real loopback sockets. The engine runs in-process
 * (lg_run) against tests/support/testsrv (chunked, close-delimited, 100-continue, 204/304,
 * HEAD, Connection: close every Nth, resets, drops, stray bytes, stalls, delays) and counts
 * are checked against the server's own; constant rate and coordinated-omission correction are
 * checked with a stall; snapshots of a running run; two runs in one process. The CLI layouts are
 * checked in it_loadgen_cli.c. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"
#include "tests/support/testsrv.h"
#include "tests/support/ck_run.h"

static struct testsrv *srv;
static char url[256];

static void start_srv_opts(const struct testsrv_opts *o)
{
    srv = testsrv_start(o);
    ck_assert_ptr_nonnull(srv);
}

static void start_srv(unsigned close_every)
{
    struct testsrv_opts o = {.close_every = close_every};
    start_srv_opts(&o);
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
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 20000);
    ck_assert_uint_eq(testsrv_requests(srv), 20000);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    ck_assert_uint_eq(r.html_bytes, 20000 * 5);
    ck_assert_uint_eq(r.doc_bytes, 5);
    ck_assert_str_eq(r.server_software, "testsrv");
    ck_assert_uint_eq(hist_count(r.latency), 20000);
    ck_assert_uint_eq(r.connections_opened, 20);
    ck_assert_uint_eq(r.keepalive_responses, 20000);
    ck_assert_str_eq(r.engine, "epoll");
    ck_assert_uint_ge(r.ntimeline, 1);
    uint64_t sum = 0;
    for (size_t i = 0; i < r.ntimeline; i++)
        sum += r.timeline[i].requests;
    ck_assert_uint_eq(sum, 20000);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* 64 connections per thread: counts stay exact. */
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
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 7000);
    ck_assert_uint_eq(testsrv_requests(srv), 7000);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    /* One connection per 7 responses, plus at most one partly used per connection slot. */
    ck_assert_uint_ge(r.connections_opened, 1000);
    ck_assert_uint_le(r.connections_opened, 1010);
    ck_assert_uint_eq(r.connections_opened, testsrv_accepts(srv));
    run_result_free(&r);
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
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 400);
    ck_assert_uint_eq(r.connections_opened, 400);
    ck_assert_uint_eq(testsrv_accepts(srv), 400);
    ck_assert_uint_eq(hist_count(r.connect_us), 400);
    ck_assert_uint_gt(hist_min(r.connect_us), 0);
    run_result_free(&r);
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
    /* 10 connections x 50 a second is 500; a loaded machine gets fewer, never none. */
    ck_assert_uint_ge(r.requests, 100);
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
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    uint64_t took = clock_now_us() - t0;
    ck_assert_uint_eq(r.requests, 0);
    ck_assert_uint_gt(r.errors[RUN_ERR_CONNECT], 10);
    ck_assert_uint_eq(r.errno_counts[RUN_ERR_CONNECT][111], r.errors[RUN_ERR_CONNECT]);
    ck_assert_uint_lt(took, 800000);
    run_result_free(&r);
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
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 0);
    ck_assert_uint_eq(r.errors[RUN_ERR_READ], 100);
    ck_assert_uint_eq(r.errno_counts[RUN_ERR_READ][104], 100); /* ECONNRESET */
    run_result_free(&r);
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

/* Regression: bytes arriving on an idle connection at a constant rate used to put the
 * connection into the schedule heap a second time (a write past the heap; AddressSanitizer
 * caught it). Now they close the connection and count a read error; the schedule holds. */
START_TEST(test_stray_bytes_at_constant_rate_close_the_connection)
{
    struct testsrv_opts o = {.stray_byte = true};
    start_srv_opts(&o);
    struct lg_config cfg = base_cfg("/fixed", 20, 0);
    cfg.duration_us = 1000000;
    cfg.rate_rps = 2000;
    struct run_result r;
    run_ok(&cfg, &r);
    /* The schedule holds (a loaded machine, e.g. under a sanitizer, falls behind it). */
    ck_assert_msg(r.requests >= 1000 && r.requests <= 2100, "%llu requests",
                  (unsigned long long)r.requests);
    /* Every response's stray byte closed its connection: one read error per response whose
     * stray byte arrived before the run ended (on a busy machine the last few may not).
     * A stray byte delayed past the next request's send prefixes that answer instead: a
     * parse error, on a loaded machine now and then. */
    uint64_t broken = r.errors[RUN_ERR_READ] + r.errors[RUN_ERR_PARSE];
    ck_assert_uint_ge(broken, r.requests * 9 / 10);
    ck_assert_uint_le(broken, r.requests);
    /* Answers in flight at the deadline are dropped (at most one per connection), and an
     * answer a late stray byte garbled is a parse error, not a response. */
    ck_assert_uint_le(r.requests, testsrv_requests(srv));
    ck_assert_uint_le(testsrv_requests(srv), r.requests + r.errors[RUN_ERR_PARSE] + 20);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* A close after the request was sent is a failed request, counted and never resent. */
START_TEST(test_close_after_request_is_a_failure_not_a_resend)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/drop", 2, 100);
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 0);
    ck_assert_uint_eq(r.errors[RUN_ERR_READ], 100);
    ck_assert_uint_eq(r.requests_sent, 100);
    ck_assert_uint_eq(testsrv_accepts(srv), 100);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* Per request, via the sample callback: wrk's latency starts at the first write, so for a
 * one-packet response it equals the time to first byte; ab's starts at connect(), so it is
 * exactly the connect time longer. */
struct latency_check {
    pthread_mutex_t lock;
    uint64_t n, wrk_rule_ok, ab_rule_ok, with_connect;
};

static void check_sample(void *arg, const struct lg_sample *s)
{
    struct latency_check *c = arg;
    pthread_mutex_lock(&c->lock);
    c->n++;
    c->with_connect += s->connect_us > 0;
    c->wrk_rule_ok += s->total_us == s->ttfb_us;
    c->ab_rule_ok += s->total_us == s->ttfb_us + s->connect_us;
    pthread_mutex_unlock(&c->lock);
}

static void latency_rule(bool connect_in_latency, struct latency_check *c)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 4, 400);
    cfg.keep_alive = false;
    cfg.connect_in_latency = connect_in_latency;
    cfg.on_sample = check_sample;
    cfg.on_sample_arg = c;
    pthread_mutex_init(&c->lock, NULL);
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 400);
    run_result_free(&r);
    testsrv_stop(srv);
}

START_TEST(test_latency_starts_at_first_write_wrk_or_connect_ab)
{
    struct latency_check wrk = {.n = 0}, ab = {.n = 0};
    latency_rule(false, &wrk);
    latency_rule(true, &ab);
    ck_assert_uint_eq(wrk.n, 400);
    ck_assert_uint_eq(wrk.with_connect, 400);
    ck_assert_uint_eq(wrk.wrk_rule_ok, 400);
    ck_assert_uint_eq(ab.ab_rule_ok, 400);
    ck_assert_uint_eq(ab.wrk_rule_ok, 0); /* connect_us >= 1, so never equal */
}
END_TEST

/* At a constant rate a request that times out still enters the corrected latency at its age:
 * a stall longer than the timeout cannot hide from p99. */
START_TEST(test_rate_timeouts_enter_corrected_latency)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 10, 0);
    cfg.duration_us = 3000000;
    cfg.rate_rps = 1000;
    cfg.timeout_us = 300000;
    struct stall_arg a = {srv};
    pthread_t t;
    pthread_create(&t, NULL, stall_later, &a);
    struct run_result r;
    run_ok(&cfg, &r);
    pthread_join(t, NULL);
    ck_assert_uint_gt(r.errors[RUN_ERR_TIMEOUT], 0);
    ck_assert_uint_eq(hist_count(r.latency), r.requests + r.errors[RUN_ERR_TIMEOUT]);
    uint64_t p99 = hist_percentile(r.latency, 99);
    ck_assert_msg(p99 >= 300000, "corrected p99 %llu us", (unsigned long long)p99);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_connections_saved_are_those_used)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 10, 5);
    struct run_result r;
    run_ok(&cfg, &r);
    ck_assert_uint_eq(r.requests, 5);
    ck_assert_uint_eq(r.connections, 5);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* Snapshots while the run goes: live counters, completed seconds, the histogram so far. */
START_TEST(test_snapshot_while_running)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 8, 0);
    cfg.duration_us = 2500000;
    struct lg_run *run;
    char err[256];
    ck_assert_int_eq(lg_start(&cfg, &run, err, sizeof(err)), 0);
    clock_sleep_us(300000);
    struct lg_snapshot a, b;
    ck_assert_int_eq(lg_snapshot(run, &a), 0);
    ck_assert(!a.finished);
    ck_assert_uint_gt(a.requests, 0);
    ck_assert_uint_le(a.requests, a.done);
    ck_assert_uint_eq(a.connections_open, 8);
    clock_sleep_us(1800000);
    ck_assert_int_eq(lg_snapshot(run, &b), 0);
    ck_assert_uint_gt(b.requests, a.requests);
    ck_assert_uint_ge(b.nseconds, 1);
    ck_assert_uint_gt(hist_count(b.latency_us), 0);
    ck_assert_uint_le(hist_count(b.latency_us), b.requests);
    /* Live counters are read one after another while the workers go on: they agree to within
     * the requests in flight, one per connection. */
    ck_assert_uint_le(b.status_class[2], b.requests + 8);
    ck_assert_uint_ge(b.status_class[2] + 8, b.requests);
    ck_assert_int_eq(b.status[0].code, 200);
    const struct lg_second *last = &b.seconds[b.nseconds - 1];
    ck_assert_uint_gt(last->requests, 0);
    ck_assert(last->rate_rps > 0);
    ck_assert_uint_gt(last->p99_us, 0);
    struct run_result r;
    ck_assert_int_eq(lg_wait(run, &r), 0);
    ck_assert_uint_ge(r.requests, b.requests);
    /* Responses in flight at the deadline are dropped, as wrk does: at most one per connection. */
    ck_assert_uint_le(r.requests, testsrv_requests(srv));
    ck_assert_uint_le(testsrv_requests(srv), r.requests + 8);
    /* The timeline covers the run, wall-clock seconds in order, first and last partial. */
    uint64_t sum = 0, dur = 0;
    for (size_t i = 0; i < r.ntimeline; i++) {
        sum += r.timeline[i].requests;
        dur += r.timeline[i].duration_us;
        if (i)
            ck_assert_int_eq(r.timeline[i].unix_s, r.timeline[i - 1].unix_s + 1);
    }
    ck_assert_uint_eq(sum, r.requests);
    ck_assert_msg(dur >= 2400000 && dur <= 2600000, "timeline covers %llu us",
                  (unsigned long long)dur);
    lg_snapshot_free(&a);
    lg_snapshot_free(&b);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* Two runs in one process: at the same time against two servers, then one after the other. */
struct concurrent {
    struct lg_config cfg;
    struct run_result r;
    int rc;
};

static void *run_thread(void *arg)
{
    struct concurrent *c = arg;
    char err[256];
    c->rc = lg_run(&c->cfg, &c->r, err, sizeof(err));
    return NULL;
}

START_TEST(test_two_runs_at_once_and_in_turn)
{
    struct testsrv *s1 = testsrv_start(NULL), *s2 = testsrv_start(NULL);
    ck_assert_ptr_nonnull(s1);
    ck_assert_ptr_nonnull(s2);
    char u1[128], u2[128];
    snprintf(u1, sizeof(u1), "http://127.0.0.1:%u/fixed", testsrv_port(s1));
    snprintf(u2, sizeof(u2), "http://127.0.0.1:%u/fixed", testsrv_port(s2));
    struct concurrent a = {
        .cfg = {
            .url = u1, .threads = 2, .connections = 4, .max_requests = 3000, .keep_alive = true}};
    struct concurrent b = {
        .cfg = {
            .url = u2, .threads = 1, .connections = 3, .max_requests = 2000, .keep_alive = true}};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_thread, &a);
    pthread_create(&tb, NULL, run_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ck_assert_int_eq(a.rc, 0);
    ck_assert_int_eq(b.rc, 0);
    ck_assert_uint_eq(a.r.requests, 3000);
    ck_assert_uint_eq(b.r.requests, 2000);
    ck_assert_uint_eq(testsrv_requests(s1), 3000);
    ck_assert_uint_eq(testsrv_requests(s2), 2000);
    run_result_free(&a.r);
    run_result_free(&b.r);
    run_thread(&a); /* and again, in turn */
    ck_assert_int_eq(a.rc, 0);
    ck_assert_uint_eq(a.r.requests, 3000);
    ck_assert_uint_eq(testsrv_requests(s1), 6000);
    run_result_free(&a.r);
    testsrv_stop(s1);
    testsrv_stop(s2);
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

START_TEST(test_lg_stop_ends_run_with_partial_results)
{
    start_srv(0);
    struct lg_config cfg = base_cfg("/fixed", 4, 0);
    cfg.duration_us = 10000000;
    struct lg_run *run;
    char err[256];
    uint64_t t0 = clock_now_us();
    ck_assert_int_eq(lg_start(&cfg, &run, err, sizeof(err)), 0);
    clock_sleep_us(300000);
    lg_stop(run);
    struct run_result r;
    ck_assert_int_eq(lg_wait(run, &r), 0);
    ck_assert_uint_lt(clock_now_us() - t0, 1000000);
    ck_assert_uint_gt(r.requests, 0);
    ck_assert(r.duration_s < 1.0);
    run_result_free(&r);
    testsrv_stop(srv);
}
END_TEST

/* ---- faults: what a broken or vanishing server does to a run. Each ends in counted errors and
 * the run ends on time. ---- */

/* A run of n requests on 2 connections against path: every one fails, counted as `cls`. */
static void all_fail_as(const char *path, int cls, uint64_t n)
{
    start_srv(0);
    struct lg_config cfg = base_cfg(path, 2, n);
    cfg.timeout_us = 300000;
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    ck_assert_msg(
        r.requests == 0 && r.errors[cls] == n && run_errors_total(&r) == n,
        "%s: %llu requests, errors connect %llu read %llu write %llu timeout %llu "
        "parse %llu",
        path, (unsigned long long)r.requests, (unsigned long long)r.errors[RUN_ERR_CONNECT],
        (unsigned long long)r.errors[RUN_ERR_READ], (unsigned long long)r.errors[RUN_ERR_WRITE],
        (unsigned long long)r.errors[RUN_ERR_TIMEOUT], (unsigned long long)r.errors[RUN_ERR_PARSE]);
    ck_assert_uint_eq(r.requests_sent, n);
    ck_assert_uint_lt(clock_now_us() - t0, 5000000);
    run_result_free(&r);
    testsrv_stop(srv);
}

/* The server closes (FIN or reset) in the middle of a body: a failed request, never a response
 * with a short body, and never resent. */
START_TEST(test_close_mid_response_is_a_read_error)
{
    all_fail_as("/cut", RUN_ERR_READ, 100);
    all_fail_as("/cut-chunked", RUN_ERR_READ, 100);
    all_fail_as("/cut-reset", RUN_ERR_READ, 100);
}
END_TEST

/* Endless header lines: the parser stops at its header limit (80 KiB in http_parser) with a
 * parse error; nothing is buffered, so memory does not grow with what the server sends. */
START_TEST(test_endless_headers_are_a_parse_error)
{
    all_fail_as("/huge-headers", RUN_ERR_PARSE, 20);
}
END_TEST

/* No Content-Length, not chunked, and the server keeps the connection open: the body ends only
 * at a close that never comes, so each request times out (as it must: there is no other end). */
START_TEST(test_no_length_on_an_open_connection_times_out)
{
    all_fail_as("/nolength", RUN_ERR_TIMEOUT, 6);
}
END_TEST

/* Interim answers: a 102 that never gets its final answer times out; 200 "100 Continue" before
 * the answer are all skipped; an unasked 101 is a parse error. */
START_TEST(test_interim_answers_skipped_or_timed_out_and_101_refused)
{
    all_fail_as("/interim", RUN_ERR_TIMEOUT, 6);
    all_fail_as("/101", RUN_ERR_PARSE, 100);
    check_framing("/interim-flood", "GET", 5, 200);
}
END_TEST

static void *stop_later(void *arg)
{
    clock_sleep_us(400000);
    testsrv_stop(arg);
    return NULL;
}

/* The target's port closes 0.4 s into a 1.2 s run (listener and every connection closed): the
 * requests before it count, the rest fail as refused connections, and the run ends on time. */
START_TEST(test_port_closing_mid_run_counts_refusals_and_ends_on_time)
{
    struct testsrv *s = testsrv_start(NULL);
    ck_assert_ptr_nonnull(s);
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/fixed", testsrv_port(s));
    struct lg_config cfg = {.url = u,
                            .threads = 2,
                            .connections = 8,
                            .duration_us = 1200000,
                            .timeout_us = 300000,
                            .keep_alive = true};
    pthread_t t;
    pthread_create(&t, NULL, stop_later, s);
    struct run_result r;
    uint64_t t0 = clock_now_us();
    run_ok(&cfg, &r);
    uint64_t took = clock_now_us() - t0;
    pthread_join(t, NULL);
    ck_assert_uint_gt(r.requests, 100);
    ck_assert_uint_gt(r.errors[RUN_ERR_CONNECT], 10);
    /* Refused (ECONNREFUSED), all but a connect racing the listener's close (then reset). */
    ck_assert_uint_ge(r.errno_counts[RUN_ERR_CONNECT][111] + 8, r.errors[RUN_ERR_CONNECT]);
    /* Per connection: the request in flight when its connection closed, and one more sent on a
     * connection the kernel accepted into the backlog just before the listener closed (reset
     * then). Everything after is refused. */
    ck_assert_uint_le(r.errors[RUN_ERR_READ] + r.errors[RUN_ERR_WRITE], 3 * 8);
    ck_assert_msg(took < 1600000, "took %llu us", (unsigned long long)took);
    ck_assert(r.duration_s <= 1.25);
    run_result_free(&r);
}
END_TEST

/* Fewer descriptors than connections: the library runs anyway and counts each socket() that
 * fails as a connect error with EMFILE (the commands refuse to start instead: cli/common.c).
 * The server is in another process, so only the client's sockets count against the limit. */
START_TEST(test_fd_limit_below_connections_counts_emfile)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct testsrv *s = testsrv_start(NULL);
        unsigned port = s ? testsrv_port(s) : 0;
        if (write(fds[1], &port, sizeof(port)) != sizeof(port))
            _exit(1);
        for (;;)
            pause(); /* until the test kills it */
    }
    unsigned port = 0;
    ck_assert_int_eq(read(fds[0], &port, sizeof(port)), (int)sizeof(port));
    ck_assert_uint_gt(port, 0);
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/fixed", port);
    struct rlimit old, low;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    /* What is open now, plus 20: room for the run's epoll descriptor and a few sockets. */
    int open_now = 0;
    for (int fd = 0; fd < 1024; fd++)
        open_now += fcntl(fd, F_GETFD) != -1;
    low = old;
    low.rlim_cur = (rlim_t)open_now + 20;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct lg_config cfg = {.url = u,
                            .threads = 1,
                            .connections = 64,
                            .duration_us = 500000,
                            .timeout_us = 300000,
                            .keep_alive = true};
    struct run_result r;
    char err[256];
    uint64_t t0 = clock_now_us();
    int rc = lg_run(&cfg, &r, err, sizeof(err));
    uint64_t took = clock_now_us() - t0;
    setrlimit(RLIMIT_NOFILE, &old);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(rc == 0, "lg_run: %s", err);
    ck_assert_uint_gt(r.requests, 100); /* the connections that got a socket work */
    ck_assert_uint_gt(r.errors[RUN_ERR_CONNECT], 40);
    ck_assert_uint_eq(r.errno_counts[RUN_ERR_CONNECT][EMFILE], r.errors[RUN_ERR_CONNECT]);
    ck_assert_msg(took < 1200000, "took %llu us", (unsigned long long)took);
    run_result_free(&r);
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
    tcase_add_test(tc, test_close_after_request_is_a_failure_not_a_resend);
    tcase_add_test(tc, test_latency_starts_at_first_write_wrk_or_connect_ab);
    tcase_add_test(tc, test_connections_saved_are_those_used);
    tcase_add_test(tc, test_snapshot_while_running);
    tcase_add_test(tc, test_two_runs_at_once_and_in_turn);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("faults");
    tcase_set_timeout(tf, 30);
    tcase_add_test(tf, test_close_mid_response_is_a_read_error);
    tcase_add_test(tf, test_endless_headers_are_a_parse_error);
    tcase_add_test(tf, test_no_length_on_an_open_connection_times_out);
    tcase_add_test(tf, test_interim_answers_skipped_or_timed_out_and_101_refused);
    tcase_add_test(tf, test_port_closing_mid_run_counts_refusals_and_ends_on_time);
    tcase_add_test(tf, test_fd_limit_below_connections_counts_emfile);
    suite_add_tcase(s, tf);
    TCase *tr = tcase_create("rate");
    tcase_set_timeout(tr, 30);
    tcase_add_test(tr, test_constant_rate_2000_for_5s_sends_10000);
    tcase_add_test(tr, test_stall_shows_in_corrected_p99_not_uncorrected);
    tcase_add_test(tr, test_stray_bytes_at_constant_rate_close_the_connection);
    tcase_add_test(tr, test_rate_timeouts_enter_corrected_latency);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return ck_run(it_suite());
}
