/* tests/check_cli.c: unit tests of cli/common.c: the options every load command takes, saving a
 * run (store and JSON, with the store id in the JSON; the JSON written even when the store
 * fails), the command-line joiner and the file reader. No network. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "reports/reports.h"
#include "run_fixture.h"
#include "tests/support/ck_run.h"
#include "tests/support/tmpdir.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tb-check-cli-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    tmpdir_remove(tmpdir);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_common_opts_take_store_flags_and_accept_no_batch_pause)
{
    char *argv[] = {"wrk",       "--db",   "/tmp/x.db", "--label=a b", "--no-batch-pause",
                    "--no-save", "--tier", "t1",        "-c",          "--db"};
    int argc = (int)(sizeof(argv) / sizeof(argv[0]));
    struct cli_common_opts o = {0};
    int i = 1;
    ck_assert_int_eq(cli_common_opt_take(&o, argc, argv, &i), 1);
    ck_assert_str_eq(o.save.db_path, "/tmp/x.db");
    ck_assert_int_eq(i, 2);
    for (i = 3; i <= 6; i++)
        ck_assert_int_eq(cli_common_opt_take(&o, argc, argv, &i), 1);
    ck_assert_str_eq(o.label, "a b");
    ck_assert(o.save.no_save);
    ck_assert_str_eq(o.tier, "t1");
    i = 8;
    ck_assert_int_eq(cli_common_opt_take(&o, argc, argv, &i), 0); /* not a common option */
    i = 9;
    ck_assert_int_eq(cli_common_opt_take(&o, argc, argv, &i), -1); /* --db without a value */
}
END_TEST

START_TEST(test_finish_saves_and_writes_json_with_the_id)
{
    char dbpath[512], jsonpath[512], err[512] = "";
    snprintf(dbpath, sizeof(dbpath), "%s/store/results.db", tmpdir);
    snprintf(jsonpath, sizeof(jsonpath), "%s/run.json", tmpdir);
    struct run_result r;
    fixture_run(&r, 2, 100, 100);
    struct cli_save_opts opts = {.db_path = dbpath, .json_path = jsonpath};
    ck_assert_msg(cli_finish(&opts, &r, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_gt(r.id, 0);

    FILE *f = fopen(jsonpath, "r");
    ck_assert_ptr_nonnull(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *doc = cJSON_Parse(buf);
    ck_assert_ptr_nonnull(doc);
    ck_assert_double_eq(cJSON_GetObjectItem(doc, "id")->valuedouble, (double)r.id);
    cJSON_Delete(doc);

    struct db *db = db_open(dbpath, err, sizeof(err));
    ck_assert_ptr_nonnull(db);
    struct run_result back;
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    ck_assert_uint_eq(back.requests, r.requests);
    run_result_free(&back);
    db_close(db);

    /* --no-save: nothing stored, id untouched. */
    int64_t id = r.id;
    r.id = 0;
    opts = (struct cli_save_opts){.db_path = dbpath, .no_save = true};
    ck_assert_int_eq(cli_finish(&opts, &r, err, sizeof(err)), 0);
    ck_assert_int_eq(r.id, 0);
    (void)id;

    /* A store that cannot be opened is an error, but the JSON is still written. */
    char bad[512];
    snprintf(bad, sizeof(bad), "%s/notadb", tmpdir);
    write_file(bad, "plain text, definitely not SQLite; plain text, definitely not SQLite; "
                    "plain text, definitely not SQLite\n");
    remove(jsonpath);
    opts = (struct cli_save_opts){.db_path = bad, .json_path = jsonpath};
    ck_assert_int_eq(cli_finish(&opts, &r, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not a tierbench result store") != NULL, "%s", err);
    ck_assert_int_eq(access(jsonpath, F_OK), 0);
    run_result_free(&r);
}
END_TEST

START_TEST(test_cmdline_join_quotes_for_the_shell)
{
    char *argv[] = {"wrk", "-c10", "--label", "a b", "it's", ""};
    char *s = cli_cmdline_join(6, argv);
    ck_assert_str_eq(s, "tierbench wrk -c10 --label 'a b' 'it'\\''s' ''");
    free(s);
}
END_TEST

/* Everything the wrk and ab layouts print is part of the stored run: a run loaded back from the
 * store prints exactly as it did when it was made. */
static char *layout(const struct run_result *r, bool ab)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ck_assert_ptr_nonnull(f);
    if (ab) {
        struct rpt_ab_opts o = {.host = "127.0.0.1",
                                .port = 9000,
                                .path = "/api/health",
                                .concurrency = 50,
                                .threads = 2,
                                .keepalive = true,
                                .confidence = true,
                                .percentile = true,
                                .send_body = true};
        rpt_ab_report(f, r, &o);
        rpt_ab_csv(f, r);
    } else {
        struct rpt_wrk_opts o = {.latency = true, .verbose = true};
        rpt_wrk_report(f, r, &o);
    }
    fclose(f);
    return out;
}

START_TEST(test_stored_run_prints_again_in_its_layout)
{
    char dbpath[512], err[512] = "";
    snprintf(dbpath, sizeof(dbpath), "%s/results.db", tmpdir);
    struct run_result r, back;
    fixture_run(&r, 3, 1000, 200);
    struct db *db = db_open(dbpath, err, sizeof(err));
    ck_assert_msg(db != NULL, "%s", err);
    ck_assert_int_eq(db_run_insert(db, &r), 0);
    ck_assert_int_eq(db_run_load(db, r.id, &back), 0);
    db_close(db);
    for (int ab = 0; ab < 2; ab++) {
        char *before = layout(&r, ab), *after = layout(&back, ab);
        ck_assert_str_eq(after, before);
        ck_assert_ptr_nonnull(strstr(before, ab ? "Keep-Alive requests:" : "Req/Sec"));
        free(before);
        free(after);
    }
    run_result_free(&r);
    run_result_free(&back);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_common_opts_take_store_flags_and_accept_no_batch_pause);
    tcase_add_test(tc, test_finish_saves_and_writes_json_with_the_id);
    tcase_add_test(tc, test_cmdline_join_quotes_for_the_shell);
    tcase_add_test(tc, test_stored_run_prints_again_in_its_layout);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
