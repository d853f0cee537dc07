/* tests/check_db.c: unit tests of the result store (db/): round trips of every field, schema
 * migrations, WAL, refusing foreign files, listing, groups. Each test works in its own mkdtemp
 * directory. */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_int.h"
#include "run_fixture.h"
#include "tests/support/ck_run.h"
#include "tests/support/tmpdir.h"

static char tmpdir[256];
static char dbpath[512];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tb-check-db-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(dbpath, sizeof(dbpath), "%s/results.db", tmpdir);
}

static void teardown(void)
{
    tmpdir_remove(tmpdir);
}

static struct db *open_ok(const char *path)
{
    char err[512] = "";
    struct db *db = db_open(path, err, sizeof(err));
    ck_assert_msg(db != NULL, "db_open: %s", err);
    return db;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Two histograms are equal: both absent, or the same count, extremes, mean and percentiles. */
static void assert_hist_eq(const struct hist *got, const struct hist *want, const char *what)
{
    ck_assert_msg((got == NULL) == (want == NULL), "%s: %s", what,
                  got ? "unexpected histogram" : "histogram missing");
    if (!want)
        return;
    ck_assert_msg(hist_count(got) == hist_count(want), "%s: count", what);
    ck_assert_msg(hist_min(got) == hist_min(want), "%s: min", what);
    ck_assert_msg(hist_max(got) == hist_max(want), "%s: max", what);
    ck_assert_msg(hist_sig_bits(got) == hist_sig_bits(want), "%s: shape", what);
    ck_assert_double_eq_tol(hist_mean(got), hist_mean(want), 1e-9);
    ck_assert_double_eq_tol(hist_stdev(got), hist_stdev(want), 1e-6);
    const double ps[] = {0, 1, 50, 75, 90, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        ck_assert_msg(hist_percentile(got, ps[i]) == hist_percentile(want, ps[i]),
                      "%s: p%g %llu != %llu", what, ps[i],
                      (unsigned long long)hist_percentile(got, ps[i]),
                      (unsigned long long)hist_percentile(want, ps[i]));
}

/* One integer from a query on a plain sqlite3 handle. */
static int64_t sql_int(sqlite3 *s, const char *sql)
{
    sqlite3_stmt *st;
    ck_assert_msg(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(s));
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void sql_exec(sqlite3 *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
}

static size_t put_varint(uint8_t *buf, size_t at, uint64_t v)
{
    do {
        buf[at++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return at;
}

static size_t get_varint(const uint8_t *buf, size_t at, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0;; shift += 7) {
        *v |= (uint64_t)(buf[at] & 0x7f) << shift;
        if (!(buf[at++] & 0x80))
            return at;
    }
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

/* h serialized the way schema-2 stores hold it ("TBH1": no total, sums as doubles), built from
 * today's "TBH2" form, whose bucket pairs are the same. The caller frees *out. */
static void serialize_tbh1(const struct hist *h, uint8_t **out, size_t *len)
{
    uint8_t *v2;
    size_t n2;
    ck_assert_int_eq(hist_serialize_alloc(h, &v2, &n2), 0);
    ck_assert_int_eq(memcmp(v2, "TBH2", 4), 0);
    uint64_t f[9];
    size_t at = 4;
    for (int i = 0; i < 9; i++)
        at = get_varint(v2, at, &f[i]);
    uint8_t *v1 = malloc(4 + 6 * 10 + (n2 - at));
    ck_assert_ptr_nonnull(v1);
    memcpy(v1, "TBH1", 4);
    size_t o = 4;
    o = put_varint(v1, o, f[0]);
    o = put_varint(v1, o, f[1]);
    o = put_varint(v1, o, f[3]);
    o = put_varint(v1, o, f[4]);
    o = put_varint(v1, o, double_bits((double)f[6] * 18446744073709551616.0 + (double)f[5]));
    o = put_varint(v1, o, double_bits((double)f[8] * 18446744073709551616.0 + (double)f[7]));
    memcpy(v1 + o, v2 + at, n2 - at);
    *len = o + (n2 - at);
    *out = v1;
    free(v2);
}

static void bind_old_hist(sqlite3_stmt *st, int col, const struct hist *h)
{
    if (!h) {
        ck_assert_int_eq(sqlite3_bind_null(st, col), SQLITE_OK);
        return;
    }
    uint8_t *buf;
    size_t len;
    serialize_tbh1(h, &buf, &len);
    ck_assert_int_eq(sqlite3_bind_blob(st, col, buf, (int)len, free), SQLITE_OK);
}

/* Saves r into a schema-1 or -2 file (the same tables) the way the tierbench of that schema
 * did: histograms as TBH1, the timeline keyed by the offset from the start (or, with
 * unix_seconds, by unix_s, as the build between schemas 2 and 3 did) with p50 and p99 only.
 * Returns the run id. */
static int64_t insert_old_run(const char *path, const struct run_result *r, bool unix_seconds)
{
    sqlite3 *s;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
    sql_exec(s, "BEGIN");
    ck_assert_int_eq(
        sqlite3_prepare_v2(
            s,
            "INSERT INTO runs (group_id, tool, engine, cmdline, config_json, target, label, tier,"
            " start_unix_s, duration_s, threads, connections, rate_rps, requests, bytes_read,"
            " bytes_written, errors_total, length_errors, server_software, doc_bytes, html_bytes,"
            " rps, min_us, mean_us, stdev_us, p50_us, p75_us, p90_us, p99_us, p999_us, max_us,"
            " hist_latency, hist_latency_uncorrected, hist_connect, hist_ttfb) VALUES (NULL, ?1,"
            " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
            " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34)",
            -1, &st, NULL),
        SQLITE_OK);
    struct sample_latency l;
    sample_latency_of(r->latency, &l);
    sqlite3_bind_text(st, 1, r->tool, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->engine, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->cmdline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->config_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->tier, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 8, r->start_unix_s);
    sqlite3_bind_double(st, 9, r->duration_s);
    sqlite3_bind_int64(st, 10, r->threads);
    sqlite3_bind_int64(st, 11, r->connections);
    sqlite3_bind_double(st, 12, r->rate_rps);
    sqlite3_bind_int64(st, 13, (int64_t)r->requests);
    sqlite3_bind_int64(st, 14, (int64_t)r->bytes_read);
    sqlite3_bind_int64(st, 15, (int64_t)r->bytes_written);
    sqlite3_bind_int64(st, 16, (int64_t)run_errors_total(r));
    sqlite3_bind_int64(st, 17, (int64_t)r->length_errors);
    sqlite3_bind_text(st, 18, r->server_software, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 19, (int64_t)r->doc_bytes);
    sqlite3_bind_int64(st, 20, (int64_t)r->html_bytes);
    sqlite3_bind_double(st, 21, run_rps(r));
    sqlite3_bind_int64(st, 22, (int64_t)l.min_us);
    sqlite3_bind_double(st, 23, l.mean_us);
    sqlite3_bind_double(st, 24, l.stdev_us);
    sqlite3_bind_int64(st, 25, (int64_t)l.p50_us);
    sqlite3_bind_int64(st, 26, (int64_t)l.p75_us);
    sqlite3_bind_int64(st, 27, (int64_t)l.p90_us);
    sqlite3_bind_int64(st, 28, (int64_t)l.p99_us);
    sqlite3_bind_int64(st, 29, (int64_t)l.p999_us);
    sqlite3_bind_int64(st, 30, (int64_t)l.max_us);
    bind_old_hist(st, 31, r->latency);
    bind_old_hist(st, 32, r->latency_uncorrected);
    bind_old_hist(st, 33, r->connect_us);
    bind_old_hist(st, 34, r->ttfb_us);
    ck_assert_msg(sqlite3_step(st) == SQLITE_DONE, "%s", sqlite3_errmsg(s));
    sqlite3_finalize(st);
    int64_t id = sqlite3_last_insert_rowid(s);

    ck_assert_int_eq(
        sqlite3_prepare_v2(s, "INSERT INTO run_errors VALUES (?1, ?2, ?3)", -1, &st, NULL),
        SQLITE_OK);
    for (int i = 0; i < RUN_ERR__COUNT; i++) {
        if (!r->errors[i])
            continue;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, run_err_names[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)r->errors[i]);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    ck_assert_int_eq(
        sqlite3_prepare_v2(s, "INSERT INTO run_status VALUES (?1, ?2, ?3)", -1, &st, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < r->nstatus; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, r->status[i].code);
        sqlite3_bind_int64(st, 3, (int64_t)r->status[i].count);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(s,
                                        "INSERT INTO run_seconds (run_id, second, requests,"
                                        " errors, bytes, p50_us, p99_us) VALUES (?1, ?2, ?3, ?4,"
                                        " ?5, ?6, ?7)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct run_second *sec = &r->timeline[i];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, unix_seconds ? sec->unix_s : (int64_t)i);
        sqlite3_bind_int64(st, 3, (int64_t)sec->requests);
        sqlite3_bind_int64(st, 4, (int64_t)sec->errors);
        sqlite3_bind_int64(st, 5, (int64_t)sec->bytes);
        sqlite3_bind_int64(st, 6, (int64_t)sec->p50_us);
        sqlite3_bind_int64(st, 7, (int64_t)sec->p99_us);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sql_exec(s, "COMMIT");
    sqlite3_close(s);
    return id;
}

/* What a run saved by schema 1 or 2 must look like after the upgrade: every field it had, the
 * fields it lacked at 0/NULL, its timeline on whole Unix seconds with no histogram. */
static void assert_old_run_migrated(const struct run_result *back, const struct run_result *r)
{
    ck_assert_str_eq(back->tool, r->tool);
    ck_assert_str_eq(back->cmdline, r->cmdline);
    ck_assert_str_eq(back->config_json, r->config_json);
    ck_assert_str_eq(back->target, r->target);
    ck_assert_str_eq(back->label, r->label);
    ck_assert_double_eq(back->start_unix_s, r->start_unix_s);
    ck_assert_double_eq(back->duration_s, r->duration_s);
    ck_assert_uint_eq(back->requests, r->requests);
    ck_assert_uint_eq(back->bytes_read, r->bytes_read);
    ck_assert_uint_eq(back->length_errors, r->length_errors);
    for (int i = 0; i < RUN_ERR__COUNT; i++) {
        ck_assert_uint_eq(back->errors[i], r->errors[i]);
        for (int e = 0; e < RUN_ERRNO_MAX; e++)
            ck_assert_uint_eq(back->errno_counts[i][e], 0);
    }
    ck_assert_uint_eq(back->requests_sent, 0);
    ck_assert_uint_eq(back->body_bytes_sent, 0);
    ck_assert_uint_eq(back->connections_opened, 0);
    ck_assert_uint_eq(back->keepalive_responses, 0);
    ck_assert_uint_eq(back->server_requests, 0);
    ck_assert_uint_eq(back->nstatus, r->nstatus);
    ck_assert_uint_eq(back->status[0].count, r->status[0].count);
    /* TBH1 kept the sums as doubles: the mean may differ in the last digits, nothing else. */
    ck_assert_uint_eq(hist_count(back->latency), hist_count(r->latency));
    ck_assert_uint_eq(hist_percentile(back->latency, 99), hist_percentile(r->latency, 99));
    ck_assert_uint_eq(hist_percentile(back->latency, 50), hist_percentile(r->latency, 50));
    ck_assert_uint_eq(hist_max(back->latency), hist_max(r->latency));
    ck_assert_double_eq_tol(hist_mean(back->latency), hist_mean(r->latency), 1e-6);
    ck_assert_uint_eq(hist_count(back->connect_us), hist_count(r->connect_us));
    ck_assert_ptr_null(back->connect_req_us);
    ck_assert_ptr_null(back->processing_us);
    ck_assert_ptr_null(back->thread_rps);
    ck_assert_uint_eq(back->ntimeline, r->ntimeline);
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct run_second *b = &back->timeline[i], *w = &r->timeline[i];
        ck_assert_int_eq(b->unix_s, (int64_t)r->start_unix_s + (int64_t)i);
        ck_assert_uint_eq(b->duration_us, 1000000);
        ck_assert_uint_eq(b->requests, w->requests);
        ck_assert_uint_eq(b->errors, w->errors);
        ck_assert_uint_eq(b->bytes, w->bytes);
        ck_assert_uint_eq(b->p50_us, w->p50_us);
        ck_assert_uint_eq(b->p99_us, w->p99_us);
        ck_assert_uint_eq(b->p90_us, 0);
        ck_assert_uint_eq(b->max_us, 0);
        ck_assert_ptr_null(b->latency);
        ck_assert_uint_eq(b->latency_len, 0);
    }
}

START_TEST(test_db_round_trip_keeps_every_field)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    fixture_run(&r, 3, 1000, 200);
    r.rate_rps = 2500;
    r.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record_n(r.latency_uncorrected, 150, 10);
    /* A counter above INT64_MAX (SQLite's largest integer) comes back as it went in. */
    r.body_bytes_sent = (uint64_t)INT64_MAX + 12345;
    /* Partial first and last seconds, and a second with no histogram (from an old store). */
    r.timeline[0].duration_us = 750000;
    r.timeline[2].duration_us = 250000;
    free(r.timeline[1].latency);
    r.timeline[1].latency = NULL;
    r.timeline[1].latency_len = 0;
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    ck_assert_int_gt(r.id, 0);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);

    ck_assert_int_eq(back.id, r.id);
    ck_assert_int_eq(back.group_id, 0);
    ck_assert_str_eq(back.tool, r.tool);
    ck_assert_str_eq(back.engine, r.engine);
    ck_assert_str_eq(back.cmdline, r.cmdline);
    ck_assert_str_eq(back.config_json, r.config_json);
    ck_assert_str_eq(back.target, r.target);
    ck_assert_str_eq(back.label, r.label);
    ck_assert_str_eq(back.tier, r.tier);
    ck_assert_double_eq(back.start_unix_s, r.start_unix_s);
    ck_assert_double_eq(back.duration_s, r.duration_s);
    ck_assert_uint_eq(back.threads, r.threads);
    ck_assert_uint_eq(back.connections, r.connections);
    ck_assert_double_eq(back.rate_rps, r.rate_rps);
    ck_assert_uint_eq(back.requests, r.requests);
    ck_assert_uint_eq(back.bytes_read, r.bytes_read);
    ck_assert_uint_eq(back.bytes_written, r.bytes_written);
    for (int i = 0; i < RUN_ERR__COUNT; i++)
        ck_assert_uint_eq(back.errors[i], r.errors[i]);
    ck_assert_int_eq(memcmp(back.errno_counts, r.errno_counts, sizeof(r.errno_counts)), 0);
    ck_assert_uint_eq(back.errno_counts[RUN_ERR_WRITE][150], 1);
    ck_assert_uint_eq(back.length_errors, r.length_errors);
    ck_assert_uint_eq(back.requests_sent, r.requests_sent);
    ck_assert_uint_eq(back.body_bytes_sent, r.body_bytes_sent);
    ck_assert_uint_eq(back.connections_opened, r.connections_opened);
    ck_assert_uint_eq(back.keepalive_responses, r.keepalive_responses);
    ck_assert_uint_eq(back.server_requests, r.server_requests);
    ck_assert(back.server_cpu_s == r.server_cpu_s);
    ck_assert_str_eq(back.server_software, r.server_software);
    ck_assert_uint_eq(back.doc_bytes, r.doc_bytes);
    ck_assert_uint_eq(back.html_bytes, r.html_bytes);
    ck_assert_uint_eq(back.nstatus, 2);
    ck_assert_int_eq(back.status[0].code, 200);
    ck_assert_uint_eq(back.status[0].count, r.status[0].count);
    ck_assert_int_eq(back.status[1].code, 503);
    ck_assert_uint_eq(back.status[1].count, 5);

    ck_assert_uint_eq(back.ntimeline, r.ntimeline);
    for (size_t i = 0; i < r.ntimeline; i++) {
        const struct run_second *b = &back.timeline[i], *w = &r.timeline[i];
        ck_assert_int_eq(b->unix_s, w->unix_s);
        ck_assert_uint_eq(b->duration_us, w->duration_us);
        ck_assert_uint_eq(b->requests, w->requests);
        ck_assert_uint_eq(b->errors, w->errors);
        ck_assert_uint_eq(b->bytes, w->bytes);
        ck_assert_uint_eq(b->p50_us, w->p50_us);
        ck_assert_uint_eq(b->p90_us, w->p90_us);
        ck_assert_uint_eq(b->p99_us, w->p99_us);
        ck_assert_uint_eq(b->max_us, w->max_us);
        ck_assert_uint_eq(b->latency_len, w->latency_len);
        ck_assert((b->latency == NULL) == (w->latency == NULL));
        if (w->latency)
            ck_assert_int_eq(memcmp(b->latency, w->latency, w->latency_len), 0);
    }
    ck_assert_int_eq(back.timeline[0].unix_s, 1764460800);
    ck_assert_ptr_null(back.timeline[1].latency);

    ck_assert_ptr_nonnull(back.latency_uncorrected);
    ck_assert_uint_eq(hist_count(back.latency_uncorrected), 10);
    assert_hist_eq(back.latency, r.latency, "latency");
    assert_hist_eq(back.latency_uncorrected, r.latency_uncorrected, "latency_uncorrected");
    assert_hist_eq(back.connect_us, r.connect_us, "connect_us");
    assert_hist_eq(back.ttfb_us, r.ttfb_us, "ttfb_us");
    assert_hist_eq(back.connect_req_us, r.connect_req_us, "connect_req_us");
    assert_hist_eq(back.processing_us, r.processing_us, "processing_us");
    assert_hist_eq(back.thread_rps, r.thread_rps, "thread_rps");
    run_result_free(&back);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_round_trip_keeps_absent_histograms_absent)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    fixture_run(&r, 1, 10, 100);
    hist_free(r.connect_req_us);
    hist_free(r.processing_us);
    hist_free(r.thread_rps);
    r.connect_req_us = r.processing_us = r.thread_rps = NULL;
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    ck_assert_ptr_null(back.latency_uncorrected);
    ck_assert_ptr_null(back.connect_req_us);
    ck_assert_ptr_null(back.processing_us);
    ck_assert_ptr_null(back.thread_rps);
    ck_assert_ptr_nonnull(back.ttfb_us);
    run_result_free(&back);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_histogram_percentiles_equal_after_load)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    fixture_run(&r, 5, 3000, 350);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    const double ps[] = {0, 1, 50, 75, 90, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        ck_assert_uint_eq(hist_percentile(back.latency, ps[i]), hist_percentile(r.latency, ps[i]));
    ck_assert_uint_eq(hist_count(back.latency), hist_count(r.latency));
    ck_assert_double_eq_tol(hist_mean(back.latency), hist_mean(r.latency), 1e-9);
    ck_assert_double_eq_tol(hist_stdev(back.latency), hist_stdev(r.latency), 1e-6);
    /* A loaded histogram still merges with a fresh one (same shape). */
    ck_assert_int_eq(hist_merge(back.latency, r.latency), 0);
    ck_assert_uint_eq(hist_count(back.latency), 2 * hist_count(r.latency));
    ck_assert_ptr_null(back.latency_uncorrected);
    run_result_free(&back);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_summary_columns_match_histogram)
{
    struct db *db = open_ok(dbpath);
    struct run_result r;
    fixture_run(&r, 2, 500, 1000);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(rows[0].p50_us, hist_percentile(r.latency, 50));
    ck_assert_uint_eq(rows[0].p75_us, hist_percentile(r.latency, 75));
    ck_assert_uint_eq(rows[0].p90_us, hist_percentile(r.latency, 90));
    ck_assert_uint_eq(rows[0].p99_us, hist_percentile(r.latency, 99));
    ck_assert_uint_eq(rows[0].p999_us, hist_percentile(r.latency, 99.9));
    ck_assert_uint_eq(rows[0].min_us, hist_min(r.latency));
    ck_assert_uint_eq(rows[0].max_us, hist_max(r.latency));
    ck_assert_double_eq_tol(rows[0].mean_us, hist_mean(r.latency), 1e-6);
    ck_assert_double_eq_tol(rows[0].rps, 500.0, 1e-9);
    ck_assert_uint_eq(rows[0].errors, 21);
    ck_assert_uint_eq(rows[0].requests, 1000);
    ck_assert_str_eq(rows[0].label, "cache-on");
    free(rows);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_fresh_file_gets_latest_schema_and_wal)
{
    struct db *db = open_ok(dbpath);
    ck_assert_int_eq(db_schema_version(db), DB_SCHEMA_VERSION);
    db_close(db);
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(s, "PRAGMA application_id", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), DB_APPLICATION_ID);
    sqlite3_finalize(st);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_db_migrates_old_file_and_keeps_its_runs)
{
    char err[512];
    struct db *db = db_open_version(dbpath, 1, err, sizeof(err));
    ck_assert_msg(db != NULL, "%s", err);
    ck_assert_int_eq(db_schema_version(db), 1);
    db_close(db);
    struct run_result r, back;
    fixture_run(&r, 2, 100, 500);
    r.id = insert_old_run(dbpath, &r, false);

    db = open_ok(dbpath);
    ck_assert_int_eq(db_schema_version(db), DB_SCHEMA_VERSION);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    ck_assert_uint_eq(back.requests, r.requests);
    ck_assert_uint_eq(hist_percentile(back.latency, 99), hist_percentile(r.latency, 99));
    assert_old_run_migrated(&back, &r);
    run_result_free(&back);
    db_close(db);

    /* The version-2 indexes exist after the upgrade. */
    sqlite3 *s;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(s,
                                        "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                        " AND name IN ('runs_label', 'runs_tier', 'runs_tool')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    sqlite3_close(s);
    run_result_free(&r);
}
END_TEST

START_TEST(test_db_migrates_v2_file_to_v3_and_keeps_its_runs)
{
    char err[512];
    struct db *db = db_open_version(dbpath, 2, err, sizeof(err));
    ck_assert_msg(db != NULL, "%s", err);
    ck_assert_int_eq(db_schema_version(db), 2);
    db_close(db);
    struct run_result a, b, back;
    fixture_run(&a, 3, 1000, 200);
    a.rate_rps = 2500;
    a.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record_n(a.latency_uncorrected, 150, 10);
    a.id = insert_old_run(dbpath, &a, false);
    /* The same run from the build between schemas 2 and 3, whose timeline held Unix seconds in
     * the `second` column: they must not be offset a second time. */
    fixture_run(&b, 2, 100, 300);
    b.id = insert_old_run(dbpath, &b, true);

    db = open_ok(dbpath);
    ck_assert_int_eq(db_schema_version(db), DB_SCHEMA_VERSION);
    ck_assert_int_eq(db_run_load(db, a.id, &back), 0);
    assert_old_run_migrated(&back, &a);
    ck_assert_double_eq(back.rate_rps, 2500);
    ck_assert_uint_eq(hist_count(back.latency_uncorrected), 10);
    ck_assert_uint_eq(hist_percentile(back.ttfb_us, 90), hist_percentile(a.ttfb_us, 90));
    run_result_free(&back);
    ck_assert_int_eq(db_run_load(db, b.id, &back), 0);
    assert_old_run_migrated(&back, &b);
    run_result_free(&back);

    /* A run saved after the upgrade keeps everything, next to the migrated ones. */
    struct run_result c;
    fixture_run(&c, 2, 100, 100);
    ck_assert_int_eq(db_run_insert(db, &c), 0);
    ck_assert_int_eq(db_run_load(db, c.id, &back), 0);
    ck_assert_uint_eq(back.requests_sent, c.requests_sent);
    ck_assert_uint_eq(back.timeline[1].latency_len, c.timeline[1].latency_len);
    assert_hist_eq(back.thread_rps, c.thread_rps, "thread_rps");
    run_result_free(&back);
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), 0);
    ck_assert_uint_eq(n, 3);
    free(rows);
    db_close(db);

    /* The old timeline table is gone, the file is sound, and the migrated counters are NULL
     * (never measured) rather than 0. */
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM sqlite_master WHERE name ="
                                " 'run_seconds_v2'"),
                     0);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM runs WHERE requests_sent IS NULL"), 2);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM run_seconds WHERE p90_us IS NULL"), 5);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    ck_assert_int_eq(sql_int(s, "SELECT integrity_check = 'ok' FROM pragma_integrity_check"), 1);
    sqlite3_close(s);
    run_result_free(&a);
    run_result_free(&b);
    run_result_free(&c);
}
END_TEST

START_TEST(test_db_failed_migration_leaves_the_file_at_v2)
{
    char err[512] = "";
    struct db *db = db_open_version(dbpath, 2, err, sizeof(err));
    ck_assert_msg(db != NULL, "%s", err);
    db_close(db);
    struct run_result r;
    fixture_run(&r, 2, 100, 100);
    int64_t id = insert_old_run(dbpath, &r, false);
    /* A table in the way makes the 2 -> 3 migration fail halfway through. */
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    sql_exec(s, "CREATE TABLE run_errnos (x)");
    sqlite3_close(s);

    ck_assert_ptr_null(db_open(dbpath, err, sizeof(err)));
    ck_assert_msg(strstr(err, "schema migration failed") != NULL, "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));

    /* Nothing of version 3 was kept: the whole migration was one transaction. */
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sql_int(s, "PRAGMA user_version"), 2);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM pragma_table_info('runs')"
                                " WHERE name = 'requests_sent'"),
                     0);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM pragma_table_info('run_seconds')"
                                " WHERE name = 'second'"),
                     1);
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM run_seconds"), 2);
    ck_assert(id > 0);
    sqlite3_close(s);
    run_result_free(&r);
}
END_TEST

START_TEST(test_db_refuses_a_file_that_is_not_sqlite)
{
    write_file(dbpath, "this is a text file, not a database, and it is long enough to have a "
                       "header of one hundred bytes: 0123456789012345678901234567890123456789\n");
    char err[512] = "";
    struct db *db = db_open(dbpath, err, sizeof(err));
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(err, "not a tierbench result store") != NULL, "%s", err);
    ck_assert_msg(strstr(err, dbpath) != NULL, "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_db_refuses_another_applications_sqlite_file)
{
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(s, "CREATE TABLE notes (t TEXT)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    char err[512] = "";
    ck_assert_ptr_null(db_open(dbpath, err, sizeof(err)));
    ck_assert_msg(strstr(err, "another application") != NULL, "%s", err);
}
END_TEST

START_TEST(test_db_refuses_a_newer_schema)
{
    db_close(open_ok(dbpath));
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    char err[512] = "";
    ck_assert_ptr_null(db_open(dbpath, err, sizeof(err)));
    ck_assert_msg(strstr(err, "schema version 99 is newer") != NULL, "%s", err);
}
END_TEST

START_TEST(test_db_open_creates_parent_directories)
{
    char deep[600];
    snprintf(deep, sizeof(deep), "%s/a/b/c/results.db", tmpdir);
    struct db *db = open_ok(deep);
    ck_assert_str_eq(db_path(db), deep);
    db_close(db);
    ck_assert_int_eq(access(deep, F_OK), 0);
}
END_TEST

START_TEST(test_db_list_filters_and_orders_newest_first)
{
    struct db *db = open_ok(dbpath);
    const char *labels[] = {"a", "b", "a", "a"};
    const char *tools[] = {"wrk", "ab", "ab", "run"};
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        struct run_result r;
        fixture_run(&r, 1, 10, 100);
        snprintf(r.label, sizeof(r.label), "%s", labels[i]);
        snprintf(r.tool, sizeof(r.tool), "%s", tools[i]);
        snprintf(r.tier, sizeof(r.tier), "%s", i == 3 ? "large" : "small");
        r.start_unix_s = 1000.0 + i;
        ck_assert_int_eq(db_run_insert(db, &r), 0);
        ids[i] = r.id;
        run_result_free(&r);
    }
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(rows[0].id, ids[3]);
    ck_assert_int_eq(rows[3].id, ids[0]);
    free(rows);

    struct db_run_filter f = {.label = "a"};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 3);
    free(rows);

    f = (struct db_run_filter){.label = "a", .tool = "ab"};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rows[0].id, ids[2]);
    free(rows);

    f = (struct db_run_filter){.tier = "large"};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].tool, "run");
    free(rows);

    f = (struct db_run_filter){.limit = 2};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[1].id, ids[2]);
    free(rows);

    f = (struct db_run_filter){.label = "nobody"};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(rows);
    db_close(db);
}
END_TEST

START_TEST(test_db_groups_hold_runs)
{
    struct db *db = open_ok(dbpath);
    int64_t g1, g2;
    ck_assert_int_eq(db_group_create(db, "sweep", "c=10..200", &g1), 0);
    ck_assert_int_eq(db_group_create(db, "compare", "cache on/off", &g2), 0);
    ck_assert_int_ne(g1, g2);
    struct db_group g;
    ck_assert_int_eq(db_group_get(db, g1, &g), 0);
    ck_assert_str_eq(g.kind, "sweep");
    ck_assert_str_eq(g.name, "c=10..200");
    ck_assert_double_gt(g.created_unix_s, 1.0e9);
    ck_assert_int_eq(db_group_get(db, 9999, &g), 1);
    for (int i = 0; i < 3; i++) {
        struct run_result r;
        fixture_run(&r, 1, 10, 100);
        r.group_id = i < 2 ? g1 : g2;
        ck_assert_int_eq(db_run_insert(db, &r), 0);
        run_result_free(&r);
    }
    struct db_run_summary *rows;
    size_t n;
    struct db_run_filter f = {.group_id = g1};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].group_id, g1);
    ck_assert_uint_eq(rows[0].server_requests, 13);
    ck_assert_uint_eq(rows[0].status_errors, 5); /* the fixture's RUN_ERR_STATUS */
    ck_assert(rows[0].server_cpu_s == 0.25);
    free(rows);
    /* The listing of groups: newest first, with their run counts; by kind. */
    struct db_group_summary *gs;
    ck_assert_int_eq(db_group_list(db, NULL, 0, &gs, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(gs[0].group.id, g2);
    ck_assert_uint_eq(gs[0].runs, 1);
    ck_assert_uint_eq(gs[1].runs, 2);
    ck_assert_str_eq(gs[1].group.kind, "sweep");
    ck_assert_double_gt(gs[1].first_unix_s, 1.0e9);
    free(gs);
    ck_assert_int_eq(db_group_list(db, "sweep", 0, &gs, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(gs[0].group.id, g1);
    free(gs);
    db_close(db);
}
END_TEST

START_TEST(test_db_label_and_since_filter)
{
    struct db *db = open_ok(dbpath);
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        struct run_result r;
        fixture_run(&r, 1, 10, 100);
        r.start_unix_s = 1.8e9 + 100 * i;
        ck_assert_int_eq(db_run_insert(db, &r), 0);
        ids[i] = r.id;
        run_result_free(&r);
    }
    ck_assert_int_eq(db_run_set_label(db, ids[1], "cache-off"), 0);
    ck_assert_int_eq(db_run_set_label(db, 9999, "x"), 1);
    struct db_run_summary *rows;
    size_t n;
    struct db_run_filter f = {.label = "cache-off"};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rows[0].id, ids[1]);
    free(rows);
    f = (struct db_run_filter){.since_unix_s = 1.8e9 + 100};
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].id, ids[2]);
    free(rows);
    f.oldest_first = true;
    ck_assert_int_eq(db_run_list(db, &f, &rows, &n), 0);
    ck_assert_int_eq(rows[0].id, ids[1]);
    free(rows);
    db_close(db);
}
END_TEST

START_TEST(test_db_failed_insert_saves_nothing)
{
    struct db *db = open_ok(dbpath);
    struct run_result r;
    fixture_run(&r, 2, 10, 100);
    r.group_id = 424242; /* no such group: the foreign key fails the whole transaction */
    ck_assert_int_eq(db_run_insert(db, &r), -1);
    ck_assert_int_eq(r.id, 0);
    ck_assert_msg(strstr(db_errmsg(db), "FOREIGN KEY") != NULL, "%s", db_errmsg(db));
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), 0);
    ck_assert_uint_eq(n, 0);
    /* The handle is usable after the rollback. */
    r.group_id = 0;
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_load_and_delete_missing_run_return_1)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    ck_assert_int_eq(db_run_load(db, 77, &back), 1);
    fixture_run(&r, 2, 10, 100);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    ck_assert_int_eq(db_run_delete(db, r.id), 0);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 1);
    ck_assert_int_eq(db_run_delete(db, r.id), 1);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_delete_removes_every_child_row)
{
    struct db *db = open_ok(dbpath);
    struct run_result gone, kept;
    fixture_run(&gone, 3, 100, 100);
    fixture_run(&kept, 2, 100, 100);
    ck_assert_int_eq(db_run_insert(db, &gone), 0);
    ck_assert_int_eq(db_run_insert(db, &kept), 0);
    ck_assert_int_eq(db_run_delete(db, gone.id), 0);
    db_close(db);

    sqlite3 *s;
    char sql[256];
    static const char *const children[] = {"run_errors", "run_errnos", "run_status", "run_seconds"};
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld", children[i],
                 (long long)gone.id);
        ck_assert_msg(sql_int(s, sql) == 0, "%s keeps rows of a deleted run", children[i]);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld", children[i],
                 (long long)kept.id);
        ck_assert_msg(sql_int(s, sql) > 0, "%s lost rows of another run", children[i]);
    }
    ck_assert_int_eq(sql_int(s, "SELECT count(*) FROM runs"), 1);
    sqlite3_close(s);
    run_result_free(&gone);
    run_result_free(&kept);
}
END_TEST

/* Damages a blob of run 1 with `update`, then loads run 1 and expects a one-line error naming
 * the file and the malformed histogram; run 2 still loads. */
static void expect_malformed(const char *update)
{
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    sql_exec(s, update);
    ck_assert_int_eq(sqlite3_changes(s), 1);
    sqlite3_close(s);
    struct db *db = open_ok(dbpath);
    struct run_result back;
    ck_assert_int_eq(db_run_load(db, 1, &back), -1);
    const char *msg = db_errmsg(db);
    ck_assert_msg(strstr(msg, dbpath) == msg, "%s", msg);
    ck_assert_msg(strstr(msg, "run 1 has a malformed histogram") != NULL, "%s", msg);
    ck_assert_ptr_null(strchr(msg, '\n'));
    /* The failed load left nothing behind to free, and the handle still works. */
    ck_assert_ptr_null(back.latency);
    ck_assert_ptr_null(back.timeline);
    ck_assert_int_eq(db_run_load(db, 2, &back), 0);
    run_result_free(&back);
    db_close(db);
}

START_TEST(test_db_corrupt_histogram_blob_is_an_error)
{
    struct db *db = open_ok(dbpath);
    for (int i = 0; i < 2; i++) {
        struct run_result r;
        fixture_run(&r, 3, 100, 100);
        ck_assert_int_eq(db_run_insert(db, &r), 0);
        ck_assert_int_eq(r.id, i + 1);
        run_result_free(&r);
    }
    db_close(db);
    /* Truncated, wrong magic, empty, a total that does not add up: each is refused. */
    expect_malformed("UPDATE runs SET hist_latency = substr(hist_latency, 1, 20) WHERE id = 1");
    expect_malformed("UPDATE runs SET hist_latency = X'00' WHERE id = 1");
    expect_malformed("UPDATE runs SET hist_latency = NULL, hist_thread_rps = X'' WHERE id = 1");
    expect_malformed("UPDATE runs SET hist_thread_rps = X'5442483207' WHERE id = 1");
    expect_malformed("UPDATE runs SET hist_thread_rps = NULL,"
                     " hist_processing = X'54424832010A050000000000000003' || X'0000'"
                     " WHERE id = 1");
    sqlite3 *s;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    sql_exec(s, "UPDATE runs SET hist_processing = NULL WHERE id = 1");
    sqlite3_close(s);
    /* A timeline histogram is checked at load too, so no caller takes it for a second from an
     * old store (which has none). */
    expect_malformed("UPDATE run_seconds SET latency = substr(latency, 1, length(latency) - 3)"
                     " WHERE run_id = 1 AND unix_s = 1764460801");
}
END_TEST

START_TEST(test_db_unknown_errno_counts_under_0_and_unknown_class_is_dropped)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    fixture_run(&r, 1, 10, 100);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    db_close(db);
    /* Rows a newer tierbench could write: an errno beyond RUN_ERRNO_MAX, a class not known. */
    sqlite3 *s;
    char sql[256];
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    snprintf(sql, sizeof(sql),
             "INSERT INTO run_errnos VALUES (%lld, 'read', 999, 5), (%lld, 'quantum', 3, 9)",
             (long long)r.id, (long long)r.id);
    sql_exec(s, sql);
    sqlite3_close(s);
    db = open_ok(dbpath);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    ck_assert_uint_eq(back.errno_counts[RUN_ERR_READ][0], r.errno_counts[RUN_ERR_READ][0] + 5);
    ck_assert_uint_eq(back.errno_counts[RUN_ERR_READ][ECONNRESET], 1);
    ck_assert_uint_eq(back.errno_counts[RUN_ERR_CONNECT][3], 0);
    run_result_free(&back);
    run_result_free(&r);
    db_close(db);
}
END_TEST

START_TEST(test_db_two_handles_write_the_same_file)
{
    struct db *a = open_ok(dbpath);
    struct db *b = open_ok(dbpath);
    for (int i = 0; i < 5; i++) {
        struct run_result r;
        fixture_run(&r, 1, 10, 100);
        ck_assert_int_eq(db_run_insert(i % 2 ? a : b, &r), 0);
        run_result_free(&r);
    }
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(a, NULL, &rows, &n), 0);
    ck_assert_uint_eq(n, 5);
    free(rows);
    db_close(a);
    db_close(b);
}
END_TEST

START_TEST(test_db_default_path_follows_env_order)
{
    char buf[512];
    setenv("TIERBENCH_DB", "/x/custom.db", 1);
    setenv("XDG_DATA_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    ck_assert_int_eq(db_default_path(buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "/x/custom.db");
    unsetenv("TIERBENCH_DB");
    ck_assert_int_eq(db_default_path(buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "/xdg/tierbench/results.db");
    setenv("XDG_DATA_HOME", "relative", 1); /* invalid per the XDG spec: ignored */
    ck_assert_int_eq(db_default_path(buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "/home/u/.local/share/tierbench/results.db");
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    ck_assert_int_eq(db_default_path(buf, sizeof(buf)), -1);
    setenv("TIERBENCH_DB", "/a/very/long/path.db", 1);
    ck_assert_int_eq(db_default_path(buf, 8), -1);
}
END_TEST

START_TEST(test_db_killed_writer_leaves_only_whole_runs)
{
    db_close(open_ok(dbpath));
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The child saves runs as fast as it can until it is killed, most likely in the
         * middle of a transaction. */
        char err[512];
        struct db *db = db_open(dbpath, err, sizeof(err));
        if (!db)
            _exit(1);
        struct run_result r;
        fixture_run(&r, 60, 1000, 100);
        for (int i = 0;; i++) {
            r.id = 0;
            if (db_run_insert(db, &r) != 0)
                _exit(1);
            if (i == 2 && write(fds[1], "x", 1) != 1)
                _exit(1);
        }
    }
    /* Without the parent's copy of the write end, a child that fails ends the read (0 bytes)
     * instead of leaving it waiting for the test timeout. */
    close(fds[1]);
    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFSIGNALED(st));
    close(fds[0]);

    sqlite3 *s;
    sqlite3_stmt *q;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(s);

    struct db *db = open_ok(dbpath);
    struct db_run_summary *rows;
    size_t n;
    ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), 0);
    ck_assert_uint_ge(n, 3);
    for (size_t i = 0; i < n; i++) {
        struct run_result back;
        ck_assert_int_eq(db_run_load(db, rows[i].id, &back), 0);
        ck_assert_uint_eq(back.ntimeline, 60);
        ck_assert_uint_eq(back.nstatus, 2);
        ck_assert_uint_eq(hist_count(back.latency), 60000);
        run_result_free(&back);
    }
    free(rows);
    db_close(db);
}
END_TEST

START_TEST(test_db_corrupt_file_gives_one_line_errors)
{
    struct db *db = open_ok(dbpath);
    for (int i = 0; i < 10; i++) {
        struct run_result r;
        fixture_run(&r, 60, 100, 100);
        ck_assert_int_eq(db_run_insert(db, &r), 0);
        run_result_free(&r);
    }
    db_close(db);
    /* Overwrite every third page after the header page with garbage. */
    FILE *f = fopen(dbpath, "r+");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    for (long off = 4096; off < size; off += 3 * 4096) {
        fseek(f, off, SEEK_SET);
        for (int i = 0; i < 4096; i++)
            fputc((i * 7) & 0xff, f);
    }
    fclose(f);

    char err[512] = "";
    db = db_open(dbpath, err, sizeof(err));
    const char *msg = err;
    if (db) {
        struct db_run_summary *rows;
        size_t n;
        ck_assert_int_eq(db_run_list(db, NULL, &rows, &n), -1);
        msg = db_errmsg(db);
    }
    ck_assert_msg(strstr(msg, dbpath) == msg, "%s", msg);
    ck_assert_msg(strstr(msg, "malformed") != NULL, "%s", msg);
    ck_assert_ptr_null(strchr(msg, '\n'));
    db_close(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_db_round_trip_keeps_every_field);
    tcase_add_test(tc, test_db_round_trip_keeps_absent_histograms_absent);
    tcase_add_test(tc, test_db_histogram_percentiles_equal_after_load);
    tcase_add_test(tc, test_db_summary_columns_match_histogram);
    tcase_add_test(tc, test_db_fresh_file_gets_latest_schema_and_wal);
    tcase_add_test(tc, test_db_migrates_old_file_and_keeps_its_runs);
    tcase_add_test(tc, test_db_migrates_v2_file_to_v3_and_keeps_its_runs);
    tcase_add_test(tc, test_db_failed_migration_leaves_the_file_at_v2);
    tcase_add_test(tc, test_db_refuses_a_file_that_is_not_sqlite);
    tcase_add_test(tc, test_db_refuses_another_applications_sqlite_file);
    tcase_add_test(tc, test_db_refuses_a_newer_schema);
    tcase_add_test(tc, test_db_open_creates_parent_directories);
    tcase_add_test(tc, test_db_list_filters_and_orders_newest_first);
    tcase_add_test(tc, test_db_groups_hold_runs);
    tcase_add_test(tc, test_db_label_and_since_filter);
    tcase_add_test(tc, test_db_failed_insert_saves_nothing);
    tcase_add_test(tc, test_db_load_and_delete_missing_run_return_1);
    tcase_add_test(tc, test_db_delete_removes_every_child_row);
    tcase_add_test(tc, test_db_corrupt_histogram_blob_is_an_error);
    tcase_add_test(tc, test_db_unknown_errno_counts_under_0_and_unknown_class_is_dropped);
    tcase_add_test(tc, test_db_two_handles_write_the_same_file);
    tcase_add_test(tc, test_db_killed_writer_leaves_only_whole_runs);
    tcase_add_test(tc, test_db_corrupt_file_gives_one_line_errors);
    tcase_add_test(tc, test_db_default_path_follows_env_order);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
