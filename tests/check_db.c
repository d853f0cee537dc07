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

START_TEST(test_db_round_trip_keeps_every_field)
{
    struct db *db = open_ok(dbpath);
    struct run_result r, back;
    fixture_run(&r, 3, 1000, 200);
    r.rate_rps = 2500;
    r.latency_uncorrected = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    hist_record_n(r.latency_uncorrected, 150, 10);
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
    ck_assert_uint_eq(back.length_errors, r.length_errors);
    ck_assert_str_eq(back.server_software, r.server_software);
    ck_assert_uint_eq(back.doc_bytes, r.doc_bytes);
    ck_assert_uint_eq(back.html_bytes, r.html_bytes);
    ck_assert_uint_eq(back.nstatus, 2);
    ck_assert_int_eq(back.status[0].code, 200);
    ck_assert_uint_eq(back.status[0].count, r.status[0].count);
    ck_assert_int_eq(back.status[1].code, 503);
    ck_assert_uint_eq(back.status[1].count, 5);
    ck_assert_uint_eq(back.ntimeline, r.ntimeline);
    ck_assert_int_eq(memcmp(back.timeline, r.timeline, r.ntimeline * sizeof(*r.timeline)), 0);
    ck_assert_ptr_nonnull(back.latency_uncorrected);
    ck_assert_uint_eq(hist_count(back.latency_uncorrected), 10);
    ck_assert_uint_eq(hist_count(back.connect_us), hist_count(r.connect_us));
    ck_assert_uint_eq(hist_max(back.connect_us), hist_max(r.connect_us));
    ck_assert_uint_eq(hist_count(back.ttfb_us), hist_count(r.ttfb_us));
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
    struct run_result r, back;
    fixture_run(&r, 2, 100, 500);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    db_close(db);

    db = open_ok(dbpath);
    ck_assert_int_eq(db_schema_version(db), DB_SCHEMA_VERSION);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    ck_assert_uint_eq(back.requests, r.requests);
    ck_assert_uint_eq(hist_percentile(back.latency, 99), hist_percentile(r.latency, 99));
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
        struct run_result r;
        fixture_run(&r, 60, 1000, 100);
        for (int i = 0; db; i++) {
            r.id = 0;
            if (db_run_insert(db, &r) != 0)
                _exit(1);
            if (i == 2 && write(fds[1], "x", 1) != 1)
                _exit(1);
        }
        _exit(1);
    }
    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFSIGNALED(st));
    close(fds[0]);
    close(fds[1]);

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
    tcase_add_test(tc, test_db_histogram_percentiles_equal_after_load);
    tcase_add_test(tc, test_db_summary_columns_match_histogram);
    tcase_add_test(tc, test_db_fresh_file_gets_latest_schema_and_wal);
    tcase_add_test(tc, test_db_migrates_old_file_and_keeps_its_runs);
    tcase_add_test(tc, test_db_refuses_a_file_that_is_not_sqlite);
    tcase_add_test(tc, test_db_refuses_another_applications_sqlite_file);
    tcase_add_test(tc, test_db_refuses_a_newer_schema);
    tcase_add_test(tc, test_db_open_creates_parent_directories);
    tcase_add_test(tc, test_db_list_filters_and_orders_newest_first);
    tcase_add_test(tc, test_db_groups_hold_runs);
    tcase_add_test(tc, test_db_failed_insert_saves_nothing);
    tcase_add_test(tc, test_db_load_and_delete_missing_run_return_1);
    tcase_add_test(tc, test_db_two_handles_write_the_same_file);
    tcase_add_test(tc, test_db_killed_writer_leaves_only_whole_runs);
    tcase_add_test(tc, test_db_corrupt_file_gives_one_line_errors);
    tcase_add_test(tc, test_db_default_path_follows_env_order);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
