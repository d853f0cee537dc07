/* tests/check_common.c: unit tests of common/: histogram, sample and per-second window, JSON
 * writer, units, metrics and thresholds, the run and its merges. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/hist.h"
#include "common/jsonw.h"
#include "common/metric.h"
#include "common/text.h"
#include "common/run.h"
#include "common/units.h"
#include "common/window.h"
#include "run_fixture.h"
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

START_TEST(test_hist_percentiles_in_one_pass_equal_one_by_one)
{
    struct hist *h = hist_new_default();
    uint64_t seed = 7;
    for (int i = 0; i < 50000; i++)
        hist_record(h, rng_next(&seed) % 5000000);
    const double ps[] = {0, 1, 50, 50, 90, 99, 99.9, 99.99, 100};
    uint64_t got[9];
    hist_percentiles(h, ps, 9, got);
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_eq(got[i], hist_percentile(h, ps[i]));
    struct hist *empty = hist_new_default();
    hist_percentiles(empty, ps, 9, got);
    ck_assert_uint_eq(got[4], 0);
    hist_free(h);
    hist_free(empty);
}
END_TEST

/* Merging into a coarser histogram gives exactly what recording the same values there gives. */
START_TEST(test_hist_merge_into_coarser_is_exact)
{
    struct hist *fine = hist_new(10, HIST_MAX_US_DEFAULT);
    struct hist *coarse = hist_new(7, HIST_MAX_US_DEFAULT);
    struct hist *direct = hist_new(7, HIST_MAX_US_DEFAULT);
    uint64_t seed = 99;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_next(&seed) % (1ull << (rng_next(&seed) % 33));
        hist_record(fine, v);
        hist_record(direct, v);
    }
    ck_assert_int_eq(hist_merge(coarse, fine), 0);
    ck_assert_uint_eq(hist_count(coarse), hist_count(direct));
    ck_assert_uint_eq(hist_min(coarse), hist_min(direct));
    ck_assert_uint_eq(hist_max(coarse), hist_max(direct));
    ck_assert(hist_mean(coarse) == hist_mean(direct));
    size_t pa = 0, pb = 0;
    uint64_t va, ca, vb, cb;
    while (hist_next(direct, &pb, &vb, &cb)) {
        ck_assert(hist_next(coarse, &pa, &va, &ca));
        ck_assert_uint_eq(va, vb);
        ck_assert_uint_eq(ca, cb);
    }
    ck_assert(!hist_next(coarse, &pa, &va, &ca));
    /* Finer from coarser would invent precision: refused, nothing changed. */
    ck_assert_int_eq(hist_merge(fine, coarse), -1);
    ck_assert_uint_eq(hist_count(fine), 100000);
    hist_free(fine);
    hist_free(coarse);
    hist_free(direct);
}
END_TEST

/* Sums are integers: the mean does not depend on the order of merges, and a value around
 * 2^40 keeps its units digit. */
START_TEST(test_hist_sums_are_exact_integers)
{
    struct hist *a = hist_new_default(), *b = hist_new_default();
    struct hist *ab = hist_new_default(), *ba = hist_new_default();
    hist_record_n(a, (1ull << 40) + 1, 3);
    hist_record(b, 1);
    hist_merge(ab, a);
    hist_merge(ab, b);
    hist_merge(ba, b);
    hist_merge(ba, a);
    ck_assert(hist_mean(ab) == hist_mean(ba));
    ck_assert(hist_mean(a) == (double)((1ull << 40) + 1));
    hist_free(a);
    hist_free(b);
    hist_free(ab);
    hist_free(ba);
}
END_TEST

/* Short hostile inputs never allocate huge shapes, and malformed ones are refused. */
START_TEST(test_hist_deserialize_refuses_bad_shapes_and_counts)
{
    /* 10 bytes: magic, sig_bits 16, max_value 2^62 in varints... */
    const uint8_t huge[] = {'T', 'B', 'H', '2', 16, 0x80, 0x80, 0x80, 0x80, 0x40};
    ck_assert_ptr_null(hist_deserialize(huge, sizeof(huge)));
    struct hist *h = hist_new_default();
    hist_record_n(h, 1234, 10);
    hist_record(h, 99999);
    uint8_t *buf;
    size_t len;
    ck_assert_int_eq(hist_serialize_alloc(h, &buf, &len), 0);
    struct hist *back = hist_deserialize(buf, len);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(hist_count(back), 11);
    ck_assert(hist_mean(back) == hist_mean(h));
    hist_free(back);
    /* Every truncation is refused. */
    for (size_t n = 0; n < len; n++)
        ck_assert_ptr_null(hist_deserialize(buf, n));
    /* A stated total that the buckets do not add up to is refused (byte 6: total = 11). */
    ck_assert_uint_eq(buf[4 + 1 + 5], 11);
    buf[4 + 1 + 5] = 12;
    ck_assert_ptr_null(hist_deserialize(buf, len));
    buf[4 + 1 + 5] = 11;
    /* A trailing byte is refused. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    ck_assert_ptr_null(hist_deserialize(longer, len + 1));
    free(longer);
    free(buf);
    hist_free(h);
}
END_TEST

START_TEST(test_sample_merge_parallel_and_sequential)
{
    struct sample a, b;
    ck_assert_int_eq(sample_init(&a, 7, 100), 0);
    ck_assert_int_eq(sample_init(&b, 10, 100), 0);
    a.duration_us = 600000;
    b.duration_us = 1000000;
    sample_record(&a, 100, 200, false, 10);
    sample_record(&b, 200, 503, true, 20);
    sample_record(&b, 0, 0, true, 0); /* no response */
    ck_assert_int_eq(sample_merge(&a, &b, SAMPLE_PARALLEL), 0);
    ck_assert_uint_eq(a.duration_us, 1000000);
    ck_assert_uint_eq(a.requests, 2);
    ck_assert_uint_eq(a.errors, 2);
    ck_assert_uint_eq(a.bytes, 30);
    ck_assert_uint_eq(a.status_class[2], 1);
    ck_assert_uint_eq(a.status_class[5], 1);
    ck_assert_uint_eq(hist_count(a.latency_us), 2);
    ck_assert(sample_rate_rps(&a) == 2.0);
    ck_assert_int_eq(sample_merge(&a, &b, SAMPLE_SEQUENTIAL), 0);
    ck_assert_uint_eq(a.duration_us, 2000000);
    /* A coarse sample cannot go into a finer one. */
    ck_assert_int_eq(sample_merge(&b, &a, SAMPLE_PARALLEL), -1);
    sample_free(&a);
    sample_free(&b);
}
END_TEST

/* Two generators at the same time: the same wall-clock seconds add up, the durations overlap,
 * the per-second percentiles come from the merged histograms. */
START_TEST(test_run_merge_parallel_adds_the_same_seconds)
{
    struct run_result a, b, total, one;
    fixture_run(&a, 3, 1000, 200);
    fixture_run(&b, 3, 500, 5000);
    b.start_unix_s = a.start_unix_s + 1; /* one second later, overlapping two */
    for (size_t i = 0; i < b.ntimeline; i++)
        b.timeline[i].unix_s += 1;
    memset(&total, 0, sizeof(total));
    ck_assert_int_eq(run_merge(&total, &a, RUN_MERGE_PARALLEL), 0);
    ck_assert_int_eq(run_merge(&total, &b, RUN_MERGE_PARALLEL), 0);
    ck_assert(total.duration_s == 4.0);
    ck_assert_uint_eq(total.threads, a.threads + b.threads);
    ck_assert_uint_eq(total.connections, a.connections + b.connections);
    ck_assert_uint_eq(total.ntimeline, 4);
    ck_assert_uint_eq(total.timeline[0].requests, 1000);
    ck_assert_uint_eq(total.timeline[1].requests, 1500);
    ck_assert_uint_eq(total.timeline[3].requests, 500);
    ck_assert_uint_eq(total.timeline[1].duration_us, 1000000);
    /* Second 1's p99 is that of both generators' requests together, not an average. */
    struct hist *h = run_second_latency(&a.timeline[1]);
    struct hist *hb = run_second_latency(&b.timeline[0]);
    ck_assert_int_eq(hist_merge(h, hb), 0);
    ck_assert_uint_eq(total.timeline[1].p99_us, hist_percentile(h, 99));
    ck_assert_uint_eq(total.timeline[1].p50_us, hist_percentile(h, 50));
    hist_free(h);
    hist_free(hb);
    /* Clone: equal and independent. */
    ck_assert_int_eq(run_clone(&one, &total), 0);
    ck_assert_uint_eq(one.requests, total.requests);
    ck_assert_uint_eq(hist_count(one.latency), hist_count(total.latency));
    ck_assert_uint_eq(one.timeline[1].latency_len, total.timeline[1].latency_len);
    ck_assert(memcmp(one.timeline[1].latency, total.timeline[1].latency,
                     total.timeline[1].latency_len) == 0);
    ck_assert_ptr_ne(one.timeline, total.timeline);
    ck_assert_str_eq(one.cmdline, total.cmdline);
    run_result_free(&total);
    ck_assert_uint_eq(one.requests, a.requests + b.requests);
    run_result_free(&one);
    run_result_free(&a);
    run_result_free(&b);
}
END_TEST

START_TEST(test_window_sums_recent_seconds_and_forgets_old)
{
    struct win *w = win_new(10, 7);
    ck_assert_ptr_nonnull(w);
    for (uint64_t s = 100; s < 120; s++)
        for (uint64_t i = 0; i < s; i++)
            win_record(w, (int64_t)s, 1000 + i, 200, i == 0, 10);
    struct sample sum = {.latency_us = hist_new(7, HIST_MAX_US_DEFAULT)};
    win_sum(w, 117, 119, &sum);
    ck_assert_uint_eq(sum.requests, 117 + 118 + 119);
    ck_assert_uint_eq(sum.errors, 3);
    ck_assert_uint_eq(sum.bytes, 10 * (117 + 118 + 119));
    ck_assert_uint_eq(hist_count(sum.latency_us), 117 + 118 + 119);
    /* seconds 100..109 were overwritten by 110..119 */
    sample_reset(&sum, 0);
    win_sum(w, 0, 109, &sum);
    ck_assert_uint_eq(sum.requests, 0);
    /* writing a second older than the ring holds is dropped, not misfiled */
    ck_assert_ptr_null(win_slot_at(w, 105));
    /* a gap leaves zero seconds between */
    win_record(w, 125, 5, 200, false, 1);
    sample_reset(&sum, 0);
    win_sum(w, 120, 125, &sum);
    ck_assert_uint_eq(sum.requests, 1);
    sample_free(&sum);
    win_free(w);
}
END_TEST

START_TEST(test_window_merge_matches_seconds)
{
    struct win *a = win_new(5, 7), *b = win_new(5, 7);
    win_record(a, 1, 10, 200, false, 0);
    win_record(b, 1, 20, 500, true, 0);
    win_record(b, 2, 30, 200, false, 0);
    win_merge(a, b);
    struct sample *s1 = win_slot_at(a, 1), *s2 = win_slot_at(a, 2);
    ck_assert_uint_eq(s1->requests, 2);
    ck_assert_uint_eq(s1->errors, 1);
    ck_assert_uint_eq(s2->requests, 1);
    ck_assert_uint_eq(hist_max(s1->latency_us), 20);
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

START_TEST(test_si_and_time_arguments)
{
    uint64_t v;
    ck_assert_int_eq(units_si_parse("1k", &v), 0);
    ck_assert_uint_eq(v, 1000);
    ck_assert_int_eq(units_si_parse("2M", &v), 0);
    ck_assert_uint_eq(v, 2000000);
    ck_assert_int_eq(units_si_parse("1.5k", &v), 0);
    ck_assert_uint_eq(v, 1500);
    ck_assert_int_eq(units_si_parse("12x", &v), -1);
    ck_assert_int_eq(units_si_parse("-1", &v), -1);
    ck_assert_int_eq(units_si_parse("", &v), -1);
    ck_assert_int_eq(units_duration_parse("10s", 1000000, &v), 0);
    ck_assert_uint_eq(v, 10000000);
    ck_assert_int_eq(units_duration_parse("2m", 1000000, &v), 0);
    ck_assert_uint_eq(v, 120000000);
    ck_assert_int_eq(units_duration_parse("250ms", 1000000, &v), 0);
    ck_assert_uint_eq(v, 250000);
    ck_assert_int_eq(units_duration_parse("3", 1000000, &v), 0);
    ck_assert_uint_eq(v, 3000000);
    ck_assert_int_eq(units_duration_parse("3parsecs", 1000000, &v), -1);
}
END_TEST

START_TEST(test_file_read_whole_file_and_clear_error)
{
    char tmpdir[] = "/tmp/tb-check-common-XXXXXX", path[512], err[512] = "";
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(path, sizeof(path), "%s/body", tmpdir);
    char big[20000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(big, f);
    fclose(f);
    size_t len = 0;
    char *s = file_read(path, 0, &len, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, sizeof(big) - 1);
    ck_assert_str_eq(s, big);
    free(s);
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    ck_assert_ptr_null(file_read(path, 0, &len, err, sizeof(err)));
    ck_assert_msg(strstr(err, "missing: No such file") != NULL, "%s", err);
    snprintf(path, sizeof(path), "%s/body", tmpdir);
    ck_assert_ptr_null(file_read(path, 10000, &len, err, sizeof(err)));
    ck_assert_msg(strstr(err, "larger than") != NULL, "%s", err);
    unlink(path);
    rmdir(tmpdir);
}
END_TEST

START_TEST(test_duration_parse_accepts_units_and_refuses_bare_numbers)
{
    uint64_t us;
    ck_assert_int_eq(units_duration_parse("10s", 0, &us), 0);
    ck_assert_uint_eq(us, 10000000);
    ck_assert_int_eq(units_duration_parse("500ms", 0, &us), 0);
    ck_assert_uint_eq(us, 500000);
    ck_assert_int_eq(units_duration_parse("1m30s", 0, &us), 0);
    ck_assert_uint_eq(us, 90000000);
    ck_assert_int_eq(units_duration_parse("1.5h", 0, &us), 0);
    ck_assert_uint_eq(us, 5400000000ull);
    ck_assert_int_eq(units_duration_parse("250us", 0, &us), 0);
    ck_assert_uint_eq(us, 250);
    ck_assert_int_eq(units_duration_parse("10", 0, &us), -1);
    ck_assert_int_eq(units_duration_parse("", 0, &us), -1);
    ck_assert_int_eq(units_duration_parse("-1s", 0, &us), -1);
    ck_assert_int_eq(units_duration_parse("1d", 0, &us), -1);
    ck_assert_int_eq(units_duration_parse("s", 0, &us), -1);
}
END_TEST

START_TEST(test_thresholds_evaluate_every_metric)
{
    struct run_result r;
    memset(&r, 0, sizeof(r));
    r.latency = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    for (uint64_t v = 1; v <= 1000; v++)
        hist_record(r.latency, v * 100); /* 0.1 ms .. 100 ms */
    r.requests = 1000;
    r.duration_s = 2;
    r.errors[RUN_ERR_STATUS] = 10;
    struct {
        const char *text;
        bool pass;
        double value;
    } cases[] = {
        {"p50_ms < 51", true, 50.0},    {"p99_ms <= 99", true, 99.0},
        {"p90_ms > 91", false, 90.0},   {"p999_ms >= 99.8", true, 100.0},
        {"max_ms == 100", true, 100.0}, {"min_ms<0.2", true, 0.1},
        {"mean_ms > 50", true, 50.05},  {"rps > 1000", false, 500.0},
        {"rps>=500", true, 500.0},      {"error_rate < 0.01", false, 0.01},
        {"errors == 10", true, 10.0},   {"requests > 999", true, 1000.0},
        {"p75_ms < 10", false, 75.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metric_threshold t;
        char err[256];
        ck_assert_msg(metric_threshold_parse(cases[i].text, &t, err, sizeof(err)) == 0, "%s: %s",
                      cases[i].text, err);
        double v;
        ck_assert_msg(metric_threshold_check(&t, &r, &v) == cases[i].pass, "%s: got %g",
                      cases[i].text, v);
        /* Bucket precision: 0.05% of the value. */
        ck_assert_msg(v >= cases[i].value * 0.999 && v <= cases[i].value * 1.001,
                      "%s: value %g, want %g", cases[i].text, v, cases[i].value);
        ck_assert_str_eq(t.text, cases[i].text);
    }
    ck_assert_str_eq(metric_name(METRIC_ERROR_RATE), "error_rate");
    ck_assert_str_eq(metric_cmp_name(METRIC_GE), ">=");
    run_result_free(&r);
}
END_TEST

/* Regression (fuzz_metric): "p99<1e308s" is finite in seconds but not in milliseconds; it was
 * accepted with an infinite limit. A message that quotes the input stays one line. */
START_TEST(test_threshold_parse_refuses_overflowing_limits_in_one_line)
{
    struct metric_threshold t;
    char err[256];
    ck_assert_int_eq(metric_threshold_parse("p99<1e308s", &t, err, sizeof(err)), -1);
    ck_assert_int_eq(metric_threshold_parse("p99_ms < 1e309", &t, err, sizeof(err)), -1);
    ck_assert_int_eq(metric_threshold_parse("p99_ms < 2\x1b[0m", &t, err, sizeof(err)), -1);
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_ptr_nonnull(strstr(err, "unexpected \"?[0m\""));
}
END_TEST

START_TEST(test_text_one_line_replaces_control_characters)
{
    char s[] = "a\nb\r\x1b[2J\x7f\tz \xc3\xa9";
    text_one_line(s);
    ck_assert_str_eq(s, "a?b??[2J??z \xc3\xa9");
}
END_TEST

START_TEST(test_threshold_parse_refuses_garbage)
{
    struct metric_threshold t;
    char err[256];
    ck_assert_int_eq(metric_threshold_parse("", &t, err, sizeof(err)), -1);
    ck_assert_int_eq(metric_threshold_parse("p99_ms 200", &t, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "expected \"METRIC OP NUMBER\" like \"p99_ms < 200\" (the operator is "
                          "one of < <= > >= ==)");
    ck_assert_int_eq(metric_threshold_parse("p99_ms < fast", &t, err, sizeof(err)), -1);
    ck_assert_int_eq(metric_threshold_parse("p99_ms < 200 ms", &t, err, sizeof(err)), -1);
    ck_assert_int_eq(metric_threshold_parse("  rps  >  1e3  ", &t, err, sizeof(err)), 0);
    ck_assert_double_eq(t.limit, 1000);
    /* The SLO form: a percentile with a time unit. */
    ck_assert_int_eq(metric_threshold_parse("p99<100ms", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.metric, METRIC_P99_MS);
    ck_assert_double_eq(t.limit, 100);
    ck_assert_int_eq(metric_threshold_parse("p50 <= 2.5s", &t, err, sizeof(err)), 0);
    ck_assert_double_eq(t.limit, 2500);
    ck_assert_int_eq(metric_threshold_parse("p999<800us", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.metric, METRIC_P999_MS);
    ck_assert_double_eq_tol(t.limit, 0.8, 1e-12);
    ck_assert(metric_percentile(t.metric) == 99.9);
    ck_assert_int_eq(metric_threshold_parse("p99<100", &t, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "expected a time like \"p99<100ms\" (us, ms or s)");
    ck_assert_int_eq(metric_threshold_parse("p98<100ms", &t, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_merge_sums_counts_and_merges_histograms)
{
    struct run_result a, b, total;
    fixture_run(&a, 3, 1000, 200);
    fixture_run(&b, 2, 500, 5000);
    b.connections = 80;
    b.start_unix_s = a.start_unix_s + 3;
    for (size_t i = 0; i < b.ntimeline; i++)
        b.timeline[i].unix_s += 3;
    memset(&total, 0, sizeof(total));
    ck_assert_int_eq(run_merge(&total, &a, RUN_MERGE_SEQUENTIAL), 0);
    ck_assert_int_eq(run_merge(&total, &b, RUN_MERGE_SEQUENTIAL), 0);

    ck_assert_uint_eq(total.requests, a.requests + b.requests);
    ck_assert_double_eq(total.duration_s, 5);
    ck_assert_double_eq(total.start_unix_s, a.start_unix_s);
    ck_assert_uint_eq(total.connections, 80);
    ck_assert_uint_eq(total.bytes_read, a.bytes_read + b.bytes_read);
    ck_assert_uint_eq(total.bytes_written, a.bytes_written + b.bytes_written);
    ck_assert_uint_eq(total.html_bytes, a.html_bytes + b.html_bytes);
    for (int i = 0; i < RUN_ERR__COUNT; i++)
        ck_assert_uint_eq(total.errors[i], a.errors[i] + b.errors[i]);
    ck_assert_uint_eq(total.length_errors, 14);
    ck_assert_str_eq(total.tool, "wrk");
    ck_assert_str_eq(total.cmdline, a.cmdline);

    /* The merged histogram equals recording everything into one. */
    struct hist *both = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_merge(both, a.latency);
    hist_merge(both, b.latency);
    ck_assert_uint_eq(hist_count(total.latency), hist_count(both));
    ck_assert_uint_eq(hist_percentile(total.latency, 99), hist_percentile(both, 99));
    ck_assert_uint_eq(hist_percentile(total.latency, 50), hist_percentile(both, 50));
    ck_assert_uint_eq(hist_max(total.latency), hist_max(b.latency));
    ck_assert_ptr_null(total.latency_uncorrected);
    hist_free(both);

    ck_assert_uint_eq(total.nstatus, 2);
    ck_assert_uint_eq(total.status[0].count, a.status[0].count + b.status[0].count);
    ck_assert_uint_eq(total.status[1].count, 10);

    /* Timelines keyed by wall-clock second: b started 3 s after a, so its seconds follow. */
    ck_assert_uint_eq(total.ntimeline, 5);
    for (unsigned s = 0; s < 5; s++)
        ck_assert_int_eq(total.timeline[s].unix_s, a.timeline[0].unix_s + s);
    ck_assert_uint_eq(total.timeline[3].requests, 500);
    ck_assert_uint_eq(total.timeline[3].p50_us, b.timeline[0].p50_us);
    ck_assert_uint_eq(total.timeline[2].requests, 1000);

    /* The sources are untouched. */
    ck_assert_uint_eq(a.requests, 3000);
    ck_assert_int_eq(b.timeline[0].unix_s, a.timeline[0].unix_s + 3);
    run_result_free(&a);
    run_result_free(&b);
    run_result_free(&total);
}
END_TEST

START_TEST(test_merge_closed_loop_stage_counts_as_uncorrected)
{
    struct run_result closed, rate, total;
    fixture_run(&closed, 2, 100, 100);
    fixture_run(&rate, 2, 100, 100);
    rate.rate_rps = 100;
    rate.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record_n(rate.latency_uncorrected, 50, 200);
    memset(&total, 0, sizeof(total));
    ck_assert_int_eq(run_merge(&total, &closed, RUN_MERGE_SEQUENTIAL), 0);
    ck_assert_ptr_null(total.latency_uncorrected);
    ck_assert_int_eq(run_merge(&total, &rate, RUN_MERGE_SEQUENTIAL), 0);
    ck_assert_ptr_nonnull(total.latency_uncorrected);
    ck_assert_uint_eq(hist_count(total.latency_uncorrected), 400);
    ck_assert_uint_eq(hist_count(total.latency), 400);
    ck_assert_uint_eq(hist_min(total.latency_uncorrected), 50);
    ck_assert_double_eq(total.rate_rps, 100);
    /* And the other order: rate stage first, closed-loop second. */
    run_result_free(&total);
    memset(&total, 0, sizeof(total));
    ck_assert_int_eq(run_merge(&total, &rate, RUN_MERGE_SEQUENTIAL), 0);
    ck_assert_int_eq(run_merge(&total, &closed, RUN_MERGE_SEQUENTIAL), 0);
    ck_assert_uint_eq(hist_count(total.latency_uncorrected), 400);
    run_result_free(&total);
    run_result_free(&closed);
    run_result_free(&rate);
}
END_TEST

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
    tcase_add_test(tc, test_hist_percentiles_in_one_pass_equal_one_by_one);
    tcase_add_test(tc, test_hist_merge_into_coarser_is_exact);
    tcase_add_test(tc, test_hist_sums_are_exact_integers);
    tcase_add_test(tc, test_hist_deserialize_refuses_bad_shapes_and_counts);
    tcase_add_test(tc, test_sample_merge_parallel_and_sequential);
    tcase_add_test(tc, test_run_merge_parallel_adds_the_same_seconds);
    tcase_add_test(tc, test_window_sums_recent_seconds_and_forgets_old);
    tcase_add_test(tc, test_window_merge_matches_seconds);
    tcase_add_test(tc, test_jsonw_writes_escaped_nested_json);
    tcase_add_test(tc, test_jsonw_reports_truncation);
    tcase_add_test(tc, test_run_status_add_keeps_codes_sorted);
    tcase_add_test(tc, test_duration_parse_accepts_units_and_refuses_bare_numbers);
    tcase_add_test(tc, test_si_and_time_arguments);
    tcase_add_test(tc, test_file_read_whole_file_and_clear_error);
    tcase_add_test(tc, test_threshold_parse_refuses_overflowing_limits_in_one_line);
    tcase_add_test(tc, test_text_one_line_replaces_control_characters);
    tcase_add_test(tc, test_thresholds_evaluate_every_metric);
    tcase_add_test(tc, test_threshold_parse_refuses_garbage);
    tcase_add_test(tc, test_merge_sums_counts_and_merges_histograms);
    tcase_add_test(tc, test_merge_closed_loop_stage_counts_as_uncorrected);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
