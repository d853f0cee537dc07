/* tests/check_reports_json.c: unit tests of the run JSON (reports/run_json.c): the document is
 * parsed back with cJSON and every documented key (schema tierbench.run/2) is checked against the
 * run it came from. */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"
#include "run_fixture.h"
#include "tests/support/ck_run.h"

/* The run JSON's key for an errno: its name where the C library has strerrorname_np, else the
 * number. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define ERRNO_KEY(e, name) (name)
#else
static char errno_buf[16];
#define ERRNO_KEY(e, name) (snprintf(errno_buf, sizeof(errno_buf), "%d", (e)), errno_buf)
#endif

static cJSON *render(const struct run_result *r)
{
    size_t need = rpt_run_json(r, NULL, 0);
    char *buf = malloc(need + 1);
    ck_assert_uint_eq(rpt_run_json(r, buf, need + 1), need);
    ck_assert_uint_eq(strlen(buf), need);
    cJSON *doc = cJSON_Parse(buf);
    ck_assert_msg(doc != NULL, "not valid JSON: %s", buf);
    free(buf);
    return doc;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(cJSON_IsNumber(v), "missing number %s", key);
    return v->valuedouble;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(cJSON_IsString(v), "missing string %s", key);
    return v->valuestring;
}

static const cJSON *obj(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(v != NULL, "missing %s", key);
    return v;
}

START_TEST(test_run_json_has_every_documented_field)
{
    struct run_result r;
    fixture_run(&r, 3, 1000, 200);
    r.id = 42;
    cJSON *doc = render(&r);
    ck_assert_str_eq(str(doc, "schema"), RPT_RUN_JSON_SCHEMA);
    ck_assert_str_eq(RPT_RUN_JSON_SCHEMA, "tierbench.run/2");
    ck_assert_double_eq(num(doc, "id"), 42);
    ck_assert(cJSON_IsNull(obj(doc, "group_id")));
    ck_assert_str_eq(str(doc, "tool"), "wrk");
    ck_assert_str_eq(str(doc, "engine"), "epoll");
    ck_assert_str_eq(str(doc, "target"), r.target);
    ck_assert_str_eq(str(doc, "label"), "cache-on");
    ck_assert_str_eq(str(doc, "tier"), "compact");
    ck_assert_str_eq(str(doc, "cmdline"), r.cmdline);
    ck_assert_str_eq(str(doc, "start_time"), "2025-11-30T00:00:00.250Z");
    ck_assert_double_eq_tol(num(doc, "start_unix_s"), r.start_unix_s, 1e-3);
    ck_assert_double_eq(num(doc, "duration_s"), 3);
    ck_assert_double_eq(num(doc, "threads"), 2);
    ck_assert_double_eq(num(doc, "connections"), 50);
    ck_assert_double_eq(num(doc, "rate_rps"), 0);
    ck_assert_double_eq(num(doc, "requests"), 3000);
    ck_assert_double_eq_tol(num(doc, "rps"), 1000, 1e-6);
    ck_assert_double_eq(num(doc, "bytes_read"), (double)r.bytes_read);
    ck_assert_double_eq(num(doc, "bytes_written"), (double)r.bytes_written);
    ck_assert_double_eq(num(doc, "length_errors"), 7);
    ck_assert_str_eq(str(doc, "server_software"), "CivetWeb/1.15");
    ck_assert_double_eq(num(doc, "doc_bytes"), 15);
    ck_assert_double_eq(num(doc, "html_bytes"), (double)r.html_bytes);

    const cJSON *cfg = obj(doc, "config");
    ck_assert(cJSON_IsObject(cfg));
    ck_assert_double_eq(num(cfg, "connections"), 50);

    const cJSON *errs = obj(doc, "errors");
    ck_assert_double_eq(num(errs, "total"), 21);
    ck_assert_double_eq(num(errs, "connect"), 1);
    ck_assert_double_eq(num(errs, "timeout"), 4);
    ck_assert_double_eq(num(errs, "status"), 5);
    ck_assert_double_eq(num(errs, "parse"), 6);

    const cJSON *status = obj(doc, "status");
    ck_assert_double_eq(num(status, "200"), 2995);
    ck_assert_double_eq(num(status, "503"), 5);

    /* Errors by errno: every class present, only non-zero entries, names where known. */
    const cJSON *byerrno = obj(doc, "errors_by_errno");
    ck_assert_int_eq(cJSON_GetArraySize(byerrno), RUN_ERR__COUNT);
    ck_assert_double_eq(num(obj(byerrno, "connect"), ERRNO_KEY(ECONNREFUSED, "ECONNREFUSED")), 1);
    ck_assert_double_eq(num(obj(byerrno, "read"), ERRNO_KEY(ECONNRESET, "ECONNRESET")), 1);
    ck_assert_double_eq(num(obj(byerrno, "read"), "0"), 1);
    ck_assert_int_eq(cJSON_GetArraySize(obj(byerrno, "read")), 2);
    ck_assert_double_eq(num(obj(byerrno, "write"), ERRNO_KEY(EPIPE, "EPIPE")), 2);
    ck_assert_double_eq(num(obj(byerrno, "write"), "150"), 1); /* no name: the number */
    ck_assert_double_eq(num(obj(byerrno, "timeout"), "0"), 4);
    ck_assert_double_eq(num(obj(byerrno, "parse"), "0"), 6);
    ck_assert(cJSON_IsObject(obj(byerrno, "status")));
    ck_assert_int_eq(cJSON_GetArraySize(obj(byerrno, "status")), 0);

    ck_assert_double_eq(num(doc, "requests_sent"), (double)r.requests_sent);
    ck_assert_double_eq(num(doc, "body_bytes_sent"), (double)r.body_bytes_sent);
    ck_assert_double_eq(num(doc, "connections_opened"), 53);
    ck_assert_double_eq(num(doc, "keepalive_responses"), (double)r.keepalive_responses);

    /* One latency vocabulary (common/sample.h); the old keys are gone. */
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(doc, "latency"));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(doc, "connect"));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(doc, "ttfb"));
    const cJSON *lat = obj(doc, "latency_us");
    ck_assert_double_eq(num(lat, "count"), 3000);
    ck_assert_double_eq(num(lat, "p50"), (double)hist_percentile(r.latency, 50));
    ck_assert_double_eq(num(lat, "p75"), (double)hist_percentile(r.latency, 75));
    ck_assert_double_eq(num(lat, "p90"), (double)hist_percentile(r.latency, 90));
    ck_assert_double_eq(num(lat, "p99"), (double)hist_percentile(r.latency, 99));
    ck_assert_double_eq(num(lat, "p99_9"), (double)hist_percentile(r.latency, 99.9));
    ck_assert_double_eq(num(lat, "min"), (double)hist_min(r.latency));
    ck_assert_double_eq(num(lat, "max"), (double)hist_max(r.latency));
    ck_assert_double_eq_tol(num(lat, "mean"), hist_mean(r.latency), 0.051);
    ck_assert_double_eq_tol(num(lat, "stdev"), hist_stdev(r.latency), 0.051);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(lat, "p50_us"));
    ck_assert(cJSON_IsNull(obj(doc, "latency_uncorrected_us")));
    ck_assert_double_eq(num(obj(doc, "connect_us"), "count"), 50);
    ck_assert_double_eq(num(obj(doc, "connect_us"), "max"), 129);
    ck_assert_double_eq(num(obj(doc, "ttfb_us"), "count"), 3000);
    ck_assert_double_eq(num(obj(doc, "connect_req_us"), "count"), 3000);
    ck_assert_double_eq(num(obj(doc, "connect_req_us"), "max"), (double)hist_max(r.connect_req_us));
    ck_assert_double_eq(num(obj(doc, "processing_us"), "count"), 3000);
    ck_assert_double_eq(num(obj(doc, "processing_us"), "p99"),
                        (double)hist_percentile(r.processing_us, 99));

    /* Per-thread Req/Sec samples: 2 threads x 10 a second x 3 s. */
    const cJSON *trps = obj(doc, "thread_rps");
    ck_assert_double_eq(num(trps, "count"), 60);
    ck_assert_double_eq(num(trps, "max"), (double)hist_max(r.thread_rps));
    ck_assert_double_eq(num(trps, "p50"), (double)hist_percentile(r.thread_rps, 50));
    ck_assert_double_eq_tol(num(trps, "mean"), hist_mean(r.thread_rps), 0.051);
    ck_assert_double_eq_tol(num(trps, "stdev"), hist_stdev(r.thread_rps), 0.051);

    const cJSON *tl = obj(doc, "timeline");
    ck_assert_int_eq(cJSON_GetArraySize(tl), 3);
    const cJSON *s1 = cJSON_GetArrayItem(tl, 1);
    ck_assert_double_eq(num(s1, "second"), 1);
    ck_assert_double_eq(num(s1, "unix_s"), 1764460801);
    ck_assert_double_eq(num(s1, "duration_s"), 1);
    ck_assert_double_eq(num(s1, "requests"), 1000);
    ck_assert_double_eq(num(s1, "errors"), 21);
    ck_assert_double_eq(num(s1, "bytes"), 120000);
    /* The second's figures are its own histogram's (coarse precision: 1001 reads as 1002). */
    struct hist *h1 = run_second_latency(&r.timeline[1]);
    ck_assert_ptr_nonnull(h1);
    const cJSON *l1 = obj(s1, "latency_us");
    ck_assert_double_eq(num(l1, "p50"), (double)hist_percentile(h1, 50));
    ck_assert_double_eq(num(l1, "p90"), (double)hist_percentile(h1, 90));
    ck_assert_double_eq(num(l1, "p99"), (double)hist_percentile(h1, 99));
    ck_assert_double_eq(num(l1, "max"), 2001);
    ck_assert_double_eq_tol(num(l1, "p50"), 1001, 1001 * 0.004);
    /* 99% of the second's 1000 requests took 1001 us; the slowest 1% took 2001 us. */
    ck_assert_double_eq_tol(num(l1, "p99"), 1001, 1001 * 0.004);
    hist_free(h1);
    cJSON_Delete(doc);
    run_result_free(&r);
}
END_TEST

START_TEST(test_run_json_timeline_keeps_partial_seconds_gaps_and_old_seconds)
{
    struct run_result r;
    fixture_run(&r, 4, 100, 100);
    r.timeline[0].duration_us = 750000; /* the run started 0.25 s into its first second */
    r.timeline[3].duration_us = 250001;
    r.timeline[3].unix_s += 2;   /* no response ended in two seconds: no entries for them */
    free(r.timeline[2].latency); /* a second loaded from a store older than schema 3 */
    r.timeline[2].latency = NULL;
    r.timeline[2].latency_len = 0;
    cJSON *doc = render(&r);
    const cJSON *tl = obj(doc, "timeline");
    ck_assert_int_eq(cJSON_GetArraySize(tl), 4);
    const cJSON *first = cJSON_GetArrayItem(tl, 0);
    ck_assert_double_eq(num(first, "second"), 0);
    ck_assert_double_eq(num(first, "unix_s"), 1764460800);
    ck_assert_double_eq_tol(num(first, "duration_s"), 0.75, 1e-9);
    const cJSON *last = cJSON_GetArrayItem(tl, 3);
    ck_assert_double_eq(num(last, "second"), 5);
    ck_assert_double_eq(num(last, "unix_s"), 1764460805);
    ck_assert_double_eq_tol(num(last, "duration_s"), 0.250001, 1e-9);
    const cJSON *old = obj(cJSON_GetArrayItem(tl, 2), "latency_us");
    ck_assert_double_eq(num(old, "p50"), (double)r.timeline[2].p50_us);
    ck_assert_double_eq(num(old, "p99"), (double)r.timeline[2].p99_us);
    ck_assert(cJSON_IsNull(obj(old, "p90")));
    ck_assert(cJSON_IsNull(obj(old, "max")));
    cJSON_Delete(doc);
    run_result_free(&r);
}
END_TEST

START_TEST(test_run_json_rate_mode_has_uncorrected_latency)
{
    struct run_result r;
    fixture_run(&r, 1, 100, 100);
    r.rate_rps = 500;
    r.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record_n(r.latency_uncorrected, 90, 100);
    cJSON *doc = render(&r);
    ck_assert_double_eq(num(doc, "rate_rps"), 500);
    const cJSON *u = obj(doc, "latency_uncorrected_us");
    ck_assert(cJSON_IsObject(u));
    ck_assert_double_eq(num(u, "p99"), 90);
    ck_assert_double_eq(num(u, "count"), 100);
    ck_assert(cJSON_IsNull(obj(doc, "id")));
    cJSON_Delete(doc);
    run_result_free(&r);
}
END_TEST

START_TEST(test_run_json_keeps_invalid_config_as_a_string)
{
    struct run_result r;
    fixture_run(&r, 1, 10, 100);
    free(r.config_json);
    r.config_json = strdup("{not json");
    free(r.cmdline);
    r.cmdline = strdup("say \"hi\"\n\tnow");
    cJSON *doc = render(&r);
    ck_assert_str_eq(str(doc, "config"), "{not json");
    ck_assert_str_eq(str(doc, "cmdline"), "say \"hi\"\n\tnow");
    cJSON_Delete(doc);
    run_result_free(&r);
}
END_TEST

START_TEST(test_run_json_of_an_empty_run_is_valid)
{
    struct run_result r;
    memset(&r, 0, sizeof(r));
    cJSON *doc = render(&r);
    static const char *const hists[] = {"latency_us", "latency_uncorrected_us", "connect_us",
                                        "ttfb_us",    "connect_req_us",         "processing_us",
                                        "thread_rps"};
    for (size_t i = 0; i < sizeof(hists) / sizeof(hists[0]); i++)
        ck_assert_msg(cJSON_IsNull(obj(doc, hists[i])), "%s is not null", hists[i]);
    ck_assert(cJSON_IsNull(obj(doc, "cmdline")));
    ck_assert_double_eq(num(doc, "requests_sent"), 0);
    const cJSON *byerrno = obj(doc, "errors_by_errno");
    for (int i = 0; i < RUN_ERR__COUNT; i++)
        ck_assert_int_eq(cJSON_GetArraySize(obj(byerrno, run_err_names[i])), 0);
    ck_assert(cJSON_IsNull(obj(doc, "config")));
    ck_assert_double_eq(num(doc, "rps"), 0);
    ck_assert_double_eq(num(doc, "error_rate"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(obj(doc, "timeline")), 0);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(test_run_json_reports_needed_size_when_truncated)
{
    struct run_result r;
    fixture_run(&r, 2, 10, 100);
    char small[64];
    size_t need = rpt_run_json(&r, small, sizeof(small));
    ck_assert_uint_gt(need, sizeof(small));
    ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
    run_result_free(&r);
}
END_TEST

START_TEST(test_run_json_write_appends_newline)
{
    struct run_result r;
    fixture_run(&r, 400, 10, 100); /* a long timeline exceeds the first buffer guess */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rpt_run_json_write(&r, f), 0);
    fclose(f);
    ck_assert_uint_gt(len, 16384);
    ck_assert_int_eq(text[len - 1], '\n');
    cJSON *doc = cJSON_Parse(text);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(cJSON_GetArraySize(obj(doc, "timeline")), 400);
    cJSON_Delete(doc);
    free(text);
    run_result_free(&r);
}
END_TEST

START_TEST(test_error_rate_counts_status_errors_once)
{
    struct run_result r;
    memset(&r, 0, sizeof(r));
    r.requests = 95; /* 90 good, 5 with status 500 */
    r.errors[RUN_ERR_STATUS] = 5;
    r.errors[RUN_ERR_CONNECT] = 5; /* 5 attempts with no response */
    ck_assert_double_eq_tol(run_error_rate(&r), 10.0 / 100.0, 1e-12);
    r.duration_s = 2;
    ck_assert_double_eq_tol(run_rps(&r), 47.5, 1e-12);
}
END_TEST

/* An export holds everything: imported back, the run is the same run (histograms exactly). */
START_TEST(test_export_import_round_trip_keeps_every_field)
{
    struct run_result r[2];
    fixture_run(&r[0], 3, 1000, 200);
    fixture_run(&r[1], 2, 50, 4000);
    r[1].rate_rps = 100;
    r[1].latency_uncorrected = hist_new_default();
    hist_record_n(r[1].latency_uncorrected, 77, 100);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rpt_runs_export(r, 2, f), 0);
    fclose(f);
    struct run_result *back;
    size_t n;
    char err[256] = "";
    ck_assert_msg(rpt_runs_import(text, &back, &n, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct run_result *a = &r[i], *b = &back[i];
        ck_assert_str_eq(b->tool, a->tool);
        ck_assert_str_eq(b->label, a->label);
        ck_assert_str_eq(b->cmdline, a->cmdline);
        ck_assert_uint_eq(b->requests, a->requests);
        ck_assert_uint_eq(b->connections, a->connections);
        ck_assert(fabs(b->duration_s - a->duration_s) < 1e-3);
        ck_assert(b->rate_rps == a->rate_rps);
        ck_assert_uint_eq(b->keepalive_responses, a->keepalive_responses);
        ck_assert_uint_eq(b->server_requests, a->server_requests);
        for (int k = 0; k < RUN_ERR__COUNT; k++) {
            ck_assert_uint_eq(b->errors[k], a->errors[k]);
            for (int e = 0; e < RUN_ERRNO_MAX; e++)
                ck_assert_uint_eq(b->errno_counts[k][e], a->errno_counts[k][e]);
        }
        ck_assert_uint_eq(b->nstatus, a->nstatus);
        const struct hist *ha[] = {a->latency,   a->latency_uncorrected, a->connect_us,
                                   a->ttfb_us,   a->connect_req_us,      a->processing_us,
                                   a->thread_rps};
        const struct hist *hb[] = {b->latency,   b->latency_uncorrected, b->connect_us,
                                   b->ttfb_us,   b->connect_req_us,      b->processing_us,
                                   b->thread_rps};
        for (size_t k = 0; k < 7; k++) {
            ck_assert_msg((ha[k] == NULL) == (hb[k] == NULL), "histogram %zu", k);
            if (!ha[k])
                continue;
            ck_assert_uint_eq(hist_count(hb[k]), hist_count(ha[k]));
            ck_assert(hist_mean(hb[k]) == hist_mean(ha[k]));
            ck_assert_uint_eq(hist_percentile(hb[k], 99.9), hist_percentile(ha[k], 99.9));
        }
        ck_assert_uint_eq(b->ntimeline, a->ntimeline);
        for (size_t s = 0; s < a->ntimeline; s++) {
            ck_assert_int_eq(b->timeline[s].unix_s, a->timeline[s].unix_s);
            ck_assert_uint_eq(b->timeline[s].latency_len, a->timeline[s].latency_len);
            ck_assert(memcmp(b->timeline[s].latency, a->timeline[s].latency,
                             a->timeline[s].latency_len) == 0);
        }
        run_result_free(&back[i]);
        run_result_free(&r[i]);
    }
    free(back);
    /* Bad input: one line naming the path. */
    ck_assert_int_eq(rpt_runs_import("{}", &back, &n, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a tierbench export"));
    char *broken = strdup(text);
    char *h = strstr(broken, "\"latency\":\"VEJI");
    ck_assert_ptr_nonnull(h);
    memcpy(h + 11, "!!!!", 4);
    ck_assert_int_eq(rpt_runs_import(broken, &back, &n, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "runs[0].histograms.latency: not a valid histogram");
    free(broken);
    ck_assert_int_eq(rpt_runs_import("not json", &back, &n, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "not valid JSON");
    free(text);
}
END_TEST

/* The export of one fixture run with one member of its first run replaced (cJSON_ReplaceItem...
 * on "runs[0].<parent>.<key>", parent NULL for the run itself, item NULL to delete), imported. */
static int import_with(const char *parent, const char *key, cJSON *item, char *err, size_t errlen)
{
    struct run_result r;
    fixture_run(&r, 2, 100, 200);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rpt_runs_export(&r, 1, f), 0);
    fclose(f);
    run_result_free(&r);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(doc);
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0);
    cJSON *obj = parent ? cJSON_GetObjectItem(run, parent) : run;
    if (!strcmp(parent ? parent : "", "timeline"))
        obj = cJSON_GetArrayItem(obj, 0);
    ck_assert_ptr_nonnull(obj);
    ck_assert(cJSON_ReplaceItemInObject(obj, key, item));
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    struct run_result *back = NULL;
    size_t n = 0;
    int rc = rpt_runs_import(text, &back, &n, err, errlen);
    cJSON_free(text);
    for (size_t i = 0; i < n; i++)
        run_result_free(&back[i]);
    free(back);
    return rc;
}

/* Regressions (fuzz_import): an array where an object of counts belongs gave members without
 * names (a NULL dereference); counts and times beyond what the integers hold were converted
 * anyway (undefined behaviour: 2e125 into a uint64_t). Each is now one line naming the path. */
START_TEST(test_import_refuses_counts_and_times_out_of_range)
{
    char err[256];
    ck_assert_int_eq(import_with(NULL, "status", cJSON_Parse("[7]"), err, sizeof(err)), -1);
    ck_assert_str_eq(err, "runs[0].status: expected an object of counts by HTTP code");
    ck_assert_int_eq(import_with(NULL, "status", cJSON_Parse("{\"200\": 2e125}"), err, sizeof(err)),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "runs[0].status: \"200\""));
    ck_assert_int_eq(
        import_with("errors_by_errno", "connect", cJSON_Parse("[1]"), err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "expected an object of errno counts"));
    ck_assert_int_eq(import_with("errors_by_errno", "connect", cJSON_Parse("{\"4294967407\": 1}"),
                                 err, sizeof(err)),
                     -1);
    ck_assert_int_eq(
        import_with("errors_by_errno", "connect", cJSON_Parse("{\"5\": 1e300}"), err, sizeof(err)),
        -1);
    ck_assert_int_eq(import_with("timeline", "unix_s", cJSON_CreateNumber(1e300), err, sizeof(err)),
                     -1);
    ck_assert_str_eq(err, "runs[0].timeline[0]: unix_s: expected a Unix time in seconds");
    ck_assert_int_eq(
        import_with("timeline", "duration_s", cJSON_CreateNumber(1e300), err, sizeof(err)), -1);
    ck_assert_ptr_null(strchr(err, '\n'));
    /* The same document unchanged imports. */
    ck_assert_int_eq(import_with(NULL, "label", cJSON_CreateString("ok"), err, sizeof(err)), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports_json");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_run_json_has_every_documented_field);
    tcase_add_test(tc, test_run_json_timeline_keeps_partial_seconds_gaps_and_old_seconds);
    tcase_add_test(tc, test_run_json_rate_mode_has_uncorrected_latency);
    tcase_add_test(tc, test_run_json_keeps_invalid_config_as_a_string);
    tcase_add_test(tc, test_run_json_of_an_empty_run_is_valid);
    tcase_add_test(tc, test_run_json_reports_needed_size_when_truncated);
    tcase_add_test(tc, test_run_json_write_appends_newline);
    tcase_add_test(tc, test_error_rate_counts_status_errors_once);
    tcase_add_test(tc, test_export_import_round_trip_keeps_every_field);
    tcase_add_test(tc, test_import_refuses_counts_and_times_out_of_range);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
