/* tests/check_reports_layout.c: unit tests of the wrk and ab report layouts (reports/wrk.c,
 * reports/ab.c): wrk's number formats, the order of wrk's lines, wrk2's percentile block, ab's
 * failure counts. Line-for-line comparisons with the real tools are in it_loadgen_cli.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"
#include "tests/support/ck_run.h"

START_TEST(test_wrk_number_formats_match_wrk)
{
    char b[32];
    rpt_fmt_time_us(b, sizeof(b), 385.65);
    ck_assert_str_eq(b, "385.65us");
    rpt_fmt_time_us(b, sizeof(b), 6010);
    ck_assert_str_eq(b, "6.01ms");
    rpt_fmt_time_us(b, sizeof(b), 900);
    ck_assert_str_eq(b, "0.90ms");
    rpt_fmt_time_us(b, sizeof(b), 1500000);
    ck_assert_str_eq(b, "1.50s");
    rpt_fmt_time_us(b, sizeof(b), 120000000);
    ck_assert_str_eq(b, "2.00m");
    rpt_fmt_time_s(b, sizeof(b), 10);
    ck_assert_str_eq(b, "10s");
    rpt_fmt_time_s(b, sizeof(b), 60);
    ck_assert_str_eq(b, "1m");
    rpt_fmt_binary(b, sizeof(b), 23.14 * 1024 * 1024);
    ck_assert_str_eq(b, "23.14M");
    rpt_fmt_binary(b, sizeof(b), 500);
    ck_assert_str_eq(b, "500.00");
    rpt_fmt_metric(b, sizeof(b), 74910);
    ck_assert_str_eq(b, "74.91k");
}
END_TEST

/* A run_result with known contents for the layout tests. */
static void fake_run(struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    r->latency = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->ttfb_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->thread_rps = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->connect_req_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->processing_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    for (int i = 0; i < 1000; i++) {
        hist_record(r->latency, 300 + (uint64_t)i);
        hist_record(r->ttfb_us, 250 + (uint64_t)i);
        hist_record(r->connect_req_us, 0);
        hist_record(r->processing_us, 300 + (uint64_t)i);
    }
    for (int i = 0; i < 20; i++)
        hist_record(r->thread_rps, 70000 + (uint64_t)i * 100);
    r->requests = 1000;
    r->bytes_read = 163000;
    r->html_bytes = 15000;
    r->doc_bytes = 15;
    r->duration_s = 2.0;
    snprintf(r->server_software, sizeof(r->server_software), "nginx/1.22.1");
    snprintf(r->engine, sizeof(r->engine), "epoll");
    run_status_add(r, 200, 1000);
}

static char *capture_wrk(const struct run_result *r, const struct rpt_wrk_opts *o)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    rpt_wrk_report(f, r, o);
    fclose(f);
    return out;
}

START_TEST(test_wrk_report_lines_in_wrk_order)
{
    struct run_result r;
    fake_run(&r);
    struct rpt_wrk_opts o = {.latency = true};
    char *out = capture_wrk(&r, &o);
    const char *order[] = {"  Thread Stats   Avg      Stdev     Max   +/- Stdev\n",
                           "    Latency   ",
                           "    Req/Sec    ",
                           "  Latency Distribution\n",
                           "     50%  ",
                           "     99%  ",
                           "  1000 requests in 2.00s, 159.18KB read\n",
                           "Requests/sec:    500.00\n",
                           "Transfer/sec:     79.59KB\n"};
    const char *at = out;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *p = strstr(at, order[i]);
        ck_assert_msg(p != NULL, "missing or out of order: '%s' in\n%s", order[i], out);
        at = p + 1;
    }
    ck_assert_ptr_null(strstr(out, "Socket errors"));
    free(out);
    r.errors[RUN_ERR_TIMEOUT] = 3;
    r.errors[RUN_ERR_STATUS] = 7;
    out = capture_wrk(&r, &o);
    ck_assert_ptr_nonnull(strstr(out, "  Socket errors: connect 0, read 0, write 0, timeout 3\n"));
    ck_assert_ptr_nonnull(strstr(out, "  Non-2xx or 3xx responses: 7\n"));
    free(out);
    run_result_free(&r);
}
END_TEST

START_TEST(test_wrk2_percentile_block_for_constant_rate)
{
    struct run_result r;
    fake_run(&r);
    r.rate_rps = 500;
    r.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record(r.latency_uncorrected, 100);
    struct rpt_wrk_opts o = {.latency = true, .u_latency = true};
    char *out = capture_wrk(&r, &o);
    ck_assert_ptr_nonnull(
        strstr(out, "  Latency Distribution (HdrHistogram - Recorded Latency)\n"));
    ck_assert_ptr_nonnull(strstr(out, " 99.999%"));
    ck_assert_ptr_nonnull(strstr(out, "  Detailed Percentile spectrum:\n"));
    ck_assert_ptr_nonnull(strstr(out, "#[Mean    = "));
    ck_assert_ptr_nonnull(strstr(out, "Uncorrected Latency (measured without taking delayed"));
    ck_assert_ptr_nonnull(strstr(out, "     1.000000         1000\n"));
    free(out);
    run_result_free(&r);
}
END_TEST

START_TEST(test_ab_report_counts_failures_like_ab)
{
    struct run_result r;
    fake_run(&r);
    r.errors[RUN_ERR_CONNECT] = 1;
    r.errors[RUN_ERR_READ] = 2;
    r.length_errors = 3;
    run_status_add(&r, 302, 5);
    struct rpt_ab_opts o = {.host = "127.0.0.1",
                            .port = 80,
                            .path = "/",
                            .concurrency = 10,
                            .threads = 2,
                            .keepalive = true,
                            .confidence = true,
                            .percentile = true};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    rpt_ab_report(f, &r, &o);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(out, "Complete requests:      1003\n"));
    ck_assert_ptr_nonnull(strstr(out, "Failed requests:        6\n"
                                      "   (Connect: 1, Receive: 2, Length: 3, Exceptions: 0)\n"));
    ck_assert_ptr_nonnull(strstr(out, "Non-2xx responses:      5\n"));
    ck_assert_ptr_nonnull(strstr(out, "Requests per second:    501.50 [#/sec] (mean)\n"));
    ck_assert_ptr_nonnull(strstr(out, "Total:          0    1   0.3      1       1\n"));
    ck_assert_ptr_nonnull(strstr(out, " 100%      1 (longest request)\n"));
    free(out);
    run_result_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports_layout");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_wrk_number_formats_match_wrk);
    tcase_add_test(tc, test_wrk_report_lines_in_wrk_order);
    tcase_add_test(tc, test_wrk2_percentile_block_for_constant_rate);
    tcase_add_test(tc, test_ab_report_counts_failures_like_ab);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
