/* tests/check_common.c: unit tests of common/: histogram, per-second window, JSON writer, run. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "common/jsonw.h"
#include "common/run.h"
#include "common/window.h"
#include "tests/support/ck_run.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* xorshift: deterministic pseudo-random latencies spread over many decades. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

START_TEST(test_hist_percentiles_within_0_1_percent_of_exact)
{
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof(*v));
    struct hist *h = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    ck_assert_ptr_nonnull(h);
    uint64_t seed = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        /* log-uniform between 1 us and ~1000 s */
        unsigned decade = (unsigned)(rng_next(&seed) % 30);
        v[i] = (1ull << decade) + rng_next(&seed) % (1ull << decade);
        hist_record(h, v[i]);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        double want = (double)exact_percentile(v, N, ps[i]);
        double got = (double)hist_percentile(h, ps[i]);
        ck_assert_msg(fabs(got - want) <= want * 0.001 + 0.5, "p%g: got %.0f want %.0f", ps[i], got,
                      want);
    }
    ck_assert_uint_eq(hist_count(h), N);
    ck_assert_uint_eq(hist_min(h), v[0]);
    ck_assert_uint_eq(hist_max(h), v[N - 1]);
    ck_assert_uint_eq(hist_percentile(h, 100), v[N - 1]);
    ck_assert_uint_eq(hist_percentile(h, 0), v[0]);
    hist_free(h);
    free(v);
}
END_TEST

START_TEST(test_hist_small_values_are_exact)
{
    struct hist *h = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    for (uint64_t i = 1; i <= 1000; i++)
        hist_record(h, i);
    ck_assert_uint_eq(hist_percentile(h, 50), 500);
    ck_assert_uint_eq(hist_percentile(h, 99), 990);
    ck_assert(fabs(hist_mean(h) - 500.5) < 1e-9);
    /* population stdev of 1..1000 */
    ck_assert(fabs(hist_stdev(h) - 288.6749902572095) < 1e-6);
    ck_assert_uint_eq(hist_count_between(h, 100, 199), 100);
    hist_free(h);
}
END_TEST

START_TEST(test_hist_merge_equals_recording_into_one)
{
    struct hist *a = hist_new(10, 1000000), *b = hist_new(10, 1000000);
    struct hist *all = hist_new(10, 1000000);
    uint64_t seed = 42;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = rng_next(&seed) % 900000;
        hist_record(i % 3 ? a : b, x);
        hist_record(all, x);
    }
    ck_assert_int_eq(hist_merge(a, b), 0);
    ck_assert_uint_eq(hist_count(a), hist_count(all));
    ck_assert_uint_eq(hist_min(a), hist_min(all));
    ck_assert_uint_eq(hist_max(a), hist_max(all));
    for (double p = 1; p < 100; p += 7)
        ck_assert_uint_eq(hist_percentile(a, p), hist_percentile(all, p));
    ck_assert(fabs(hist_mean(a) - hist_mean(all)) < 1e-6);
    hist_free(a);
    hist_free(b);
    hist_free(all);
}
END_TEST

START_TEST(test_hist_merge_keeps_max_and_refuses_other_shape)
{
    struct hist *a = hist_new(10, 1000), *b = hist_new(10, 1000), *c = hist_new(7, 1000);
    hist_record(a, 5);
    hist_record(b, 900);
    ck_assert_int_eq(hist_merge(a, b), 0);
    ck_assert_uint_eq(hist_max(a), 900);
    ck_assert_uint_eq(hist_min(a), 5);
    ck_assert_int_eq(hist_merge(a, c), -1);
    hist_free(a);
    hist_free(b);
    hist_free(c);
}
END_TEST

START_TEST(test_hist_reset_empties)
{
    struct hist *h = hist_new(10, 1000);
    hist_record_n(h, 77, 5);
    hist_reset(h);
    ck_assert_uint_eq(hist_count(h), 0);
    ck_assert_uint_eq(hist_max(h), 0);
    ck_assert_uint_eq(hist_percentile(h, 50), 0);
    hist_record(h, 3);
    ck_assert_uint_eq(hist_min(h), 3);
    hist_free(h);
}
END_TEST

START_TEST(test_hist_clamps_above_max_but_keeps_exact_max)
{
    struct hist *h = hist_new(10, 1000);
    hist_record(h, 5000);
    ck_assert_uint_eq(hist_max(h), 5000);
    ck_assert_uint_eq(hist_percentile(h, 50), 5000);
    hist_free(h);
}
END_TEST

START_TEST(test_hist_serialize_round_trip)
{
    struct hist *h = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    uint64_t seed = 7;
    for (int i = 0; i < 5000; i++)
        hist_record(h, rng_next(&seed) % 5000000);
    size_t need = hist_serialize(h, NULL, 0);
    uint8_t *buf = malloc(need);
    ck_assert_uint_eq(hist_serialize(h, buf, need), need);
    struct hist *g = hist_deserialize(buf, need);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(hist_count(g), hist_count(h));
    ck_assert_uint_eq(hist_min(g), hist_min(h));
    ck_assert_uint_eq(hist_max(g), hist_max(h));
    for (double p = 0; p <= 100; p += 12.5)
        ck_assert_uint_eq(hist_percentile(g, p), hist_percentile(h, p));
    ck_assert(fabs(hist_stdev(g) - hist_stdev(h)) < 1e-3);
    ck_assert_ptr_null(hist_deserialize(buf, need / 2)); /* truncated */
    buf[0] = 'X';
    ck_assert_ptr_null(hist_deserialize(buf, need)); /* bad magic */
    free(buf);
    hist_free(g);
    hist_free(h);
}
END_TEST

START_TEST(test_hist_next_visits_buckets_in_order)
{
    struct hist *h = hist_new(10, 100000);
    hist_record(h, 3);
    hist_record_n(h, 50000, 2);
    size_t pos = 0;
    uint64_t v, n, seen = 0, last = 0;
    while (hist_next(h, &pos, &v, &n)) {
        ck_assert_uint_ge(v, last);
        last = v;
        seen += n;
    }
    ck_assert_uint_eq(seen, 3);
    ck_assert_uint_ge(last, 50000);
    hist_free(h);
}
END_TEST

START_TEST(test_window_sums_recent_seconds_and_forgets_old)
{
    struct win *w = win_new(10, 7, 1000000);
    ck_assert_ptr_nonnull(w);
    for (uint64_t s = 100; s < 120; s++)
        for (uint64_t i = 0; i < s; i++)
            win_record(w, s, 1000 + i, i == 0, 10);
    struct win_slot sum = {.latency = hist_new(7, 1000000)};
    win_sum(w, 117, 119, &sum);
    ck_assert_uint_eq(sum.requests, 117 + 118 + 119);
    ck_assert_uint_eq(sum.errors, 3);
    ck_assert_uint_eq(sum.bytes, 10 * (117 + 118 + 119));
    ck_assert_uint_eq(hist_count(sum.latency), 117 + 118 + 119);
    /* seconds 100..109 were overwritten by 110..119 */
    memset(&sum, 0, offsetof(struct win_slot, latency));
    hist_reset(sum.latency);
    win_sum(w, 0, 109, &sum);
    ck_assert_uint_eq(sum.requests, 0);
    /* writing a second older than the ring holds is dropped, not misfiled */
    ck_assert_ptr_null(win_slot_at(w, 105));
    /* a gap leaves zero seconds between */
    win_record(w, 125, 5, 0, 1);
    memset(&sum, 0, offsetof(struct win_slot, latency));
    hist_reset(sum.latency);
    win_sum(w, 120, 125, &sum);
    ck_assert_uint_eq(sum.requests, 1);
    hist_free(sum.latency);
    win_free(w);
}
END_TEST

START_TEST(test_window_merge_matches_seconds)
{
    struct win *a = win_new(5, 7, 1000), *b = win_new(5, 7, 1000);
    win_record(a, 1, 10, 0, 0);
    win_record(b, 1, 20, 1, 0);
    win_record(b, 2, 30, 0, 0);
    win_merge(a, b);
    struct win_slot *s1 = win_slot_at(a, 1), *s2 = win_slot_at(a, 2);
    ck_assert_uint_eq(s1->requests, 2);
    ck_assert_uint_eq(s1->errors, 1);
    ck_assert_uint_eq(s2->requests, 1);
    ck_assert_uint_eq(hist_max(s1->latency), 20);
    win_free(a);
    win_free(b);
}
END_TEST

START_TEST(test_jsonw_writes_escaped_nested_json)
{
    char buf[256];
    struct jsonw w;
    jsonw_init(&w, buf, sizeof(buf));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "s", "a\"b\\c\n");
    jsonw_u64(&w, "n", 18446744073709551615ull);
    jsonw_arr_begin(&w, "a");
    jsonw_i64(&w, NULL, -1);
    jsonw_double(&w, NULL, 1.5, 2);
    jsonw_double(&w, NULL, NAN, 2);
    jsonw_arr_end(&w);
    jsonw_bool(&w, "t", true);
    jsonw_null(&w, "z");
    jsonw_obj_end(&w);
    ck_assert_int_gt(jsonw_finish(&w), 0);
    ck_assert_str_eq(buf, "{\"s\":\"a\\\"b\\\\c\\u000a\",\"n\":18446744073709551615,"
                          "\"a\":[-1,1.50,null],\"t\":true,\"z\":null}");
}
END_TEST

START_TEST(test_jsonw_reports_truncation)
{
    char buf[8];
    struct jsonw w;
    jsonw_init(&w, buf, sizeof(buf));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "key", "a long value");
    jsonw_obj_end(&w);
    ck_assert_int_eq(jsonw_finish(&w), -1);
    ck_assert_uint_eq(strlen(buf), 7);
}
END_TEST

START_TEST(test_run_status_add_keeps_codes_sorted)
{
    struct run_result r = {0};
    run_status_add(&r, 500, 1);
    run_status_add(&r, 200, 5);
    run_status_add(&r, 404, 2);
    run_status_add(&r, 200, 1);
    ck_assert_uint_eq(r.nstatus, 3);
    ck_assert_int_eq(r.status[0].code, 200);
    ck_assert_uint_eq(r.status[0].count, 6);
    ck_assert_int_eq(r.status[2].code, 500);
    r.errors[RUN_ERR_READ] = 2;
    r.errors[RUN_ERR_TIMEOUT] = 3;
    ck_assert_uint_eq(run_errors_total(&r), 5);
    run_result_free(&r);
    ck_assert_ptr_null(r.status);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_hist_percentiles_within_0_1_percent_of_exact);
    tcase_add_test(tc, test_hist_small_values_are_exact);
    tcase_add_test(tc, test_hist_merge_equals_recording_into_one);
    tcase_add_test(tc, test_hist_merge_keeps_max_and_refuses_other_shape);
    tcase_add_test(tc, test_hist_reset_empties);
    tcase_add_test(tc, test_hist_clamps_above_max_but_keeps_exact_max);
    tcase_add_test(tc, test_hist_serialize_round_trip);
    tcase_add_test(tc, test_hist_next_visits_buckets_in_order);
    tcase_add_test(tc, test_window_sums_recent_seconds_and_forgets_old);
    tcase_add_test(tc, test_window_merge_matches_seconds);
    tcase_add_test(tc, test_jsonw_writes_escaped_nested_json);
    tcase_add_test(tc, test_jsonw_reports_truncation);
    tcase_add_test(tc, test_run_status_add_keeps_codes_sorted);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
