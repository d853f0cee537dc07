/* tests/check_loadgen_scenario.c: unit tests of loadgen/scenario.c: scenario parsing (every error
 * message asserted), body files read from a temp dir. No network. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "loadgen/loadgen.h"
#include "run_fixture.h"
#include "tests/support/ck_run.h"
#include "tests/support/tmpdir.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tb-check-scn-XXXXXX");
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

/* Parses text and asserts the exact error message. */
static void expect_error(const char *text, const char *want)
{
    struct lg_scenario sc;
    char err[512] = "";
    ck_assert_int_eq(lg_scenario_parse(text, NULL, &sc, err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(sc.stages);
    ck_assert_ptr_null(sc.requests);
}

START_TEST(test_scenario_parses_full_example)
{
    const char *text =
        "{\"target\": \"http://127.0.0.1:9000\", \"threads\": 2, \"timeout\": \"2s\","
        " \"stages\": [{\"duration\": \"10s\", \"connections\": 50},"
        "              {\"duration\": \"1m30s\", \"rate\": 1000, \"connections\": 20}],"
        " \"requests\": [{\"method\": \"GET\", \"path\": \"/api/health\", \"weight\": 3,"
        "                 \"headers\": {\"X-A\": \"b\"}},"
        "                {\"method\": \"POST\", \"path\": \"/api/echo\", \"body\": \"hello\"}],"
        " \"thresholds\": [\"p99_ms < 200\", \"error_rate < 0.01\", \"rps > 1000\"]}";
    struct lg_scenario sc;
    char err[512] = "";
    ck_assert_msg(lg_scenario_parse(text, NULL, &sc, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(sc.target, "http://127.0.0.1:9000");
    ck_assert_uint_eq(sc.threads, 2);
    ck_assert_uint_eq(sc.timeout_us, 2000000);
    ck_assert(sc.keep_alive);
    ck_assert_uint_eq(sc.nstages, 2);
    ck_assert_uint_eq(sc.stages[0].duration_us, 10000000);
    ck_assert_uint_eq(sc.stages[0].connections, 50);
    ck_assert_double_eq(sc.stages[0].rate_rps, 0);
    ck_assert_uint_eq(sc.stages[1].duration_us, 90000000);
    ck_assert_double_eq(sc.stages[1].rate_rps, 1000);
    ck_assert_uint_eq(sc.nrequests, 2);
    ck_assert_str_eq(sc.requests[0].method, "GET");
    ck_assert_str_eq(sc.requests[0].path, "/api/health");
    ck_assert_uint_eq(sc.requests[0].weight, 3);
    ck_assert_uint_eq(sc.requests[0].nheaders, 1);
    ck_assert_str_eq(sc.requests[0].headers[0], "X-A: b");
    ck_assert_ptr_null(sc.requests[0].body);
    ck_assert_str_eq(sc.requests[1].method, "POST");
    ck_assert_str_eq(sc.requests[1].body, "hello");
    ck_assert_uint_eq(sc.requests[1].body_bytes, 5);
    ck_assert_uint_eq(sc.requests[1].weight, 1);
    ck_assert_uint_eq(sc.nthresholds, 3);
    ck_assert_int_eq(sc.thresholds[0].metric, METRIC_P99_MS);
    ck_assert_int_eq(sc.thresholds[0].cmp, METRIC_LT);
    ck_assert_double_eq(sc.thresholds[0].limit, 200);
    ck_assert_int_eq(sc.thresholds[1].metric, METRIC_ERROR_RATE);
    ck_assert_int_eq(sc.thresholds[2].cmp, METRIC_GT);
    /* config_json is the scenario itself, compact. */
    cJSON *cfg = cJSON_Parse(sc.config_json);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cfg, "stages")), 2);
    cJSON_Delete(cfg);

    struct lg_config c;
    lg_scenario_stage_config(&sc, 1, &c);
    ck_assert_str_eq(c.url, "http://127.0.0.1:9000");
    ck_assert_uint_eq(c.threads, 2);
    ck_assert_uint_eq(c.connections, 20);
    ck_assert_uint_eq(c.duration_us, 90000000);
    ck_assert_double_eq(c.rate_rps, 1000);
    ck_assert_uint_eq(c.timeout_us, 2000000);
    ck_assert_uint_eq(c.nrequests, 2);
    ck_assert(c.keep_alive);
    lg_scenario_free(&sc);
    ck_assert_ptr_null(sc.stages);
}
END_TEST

START_TEST(test_scenario_defaults_and_top_level_connections)
{
    struct lg_scenario sc;
    char err[512] = "";
    ck_assert_int_eq(lg_scenario_parse("{\"target\": \"http://h:1/x\", \"connections\": 4,"
                                       " \"stages\": [{\"duration\": \"1s\"}]}",
                                       NULL, &sc, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(sc.stages[0].connections, 4);
    ck_assert_uint_eq(sc.nrequests, 0);
    ck_assert_uint_eq(sc.nthresholds, 0);
    struct lg_config c;
    lg_scenario_stage_config(&sc, 0, &c);
    ck_assert_uint_eq(c.threads, 2);
    ck_assert_ptr_null(c.requests);
    lg_scenario_free(&sc);

    ck_assert_int_eq(lg_scenario_parse("{\"target\": \"http://h\", \"threads\": 8,"
                                       " \"stages\": [{\"duration\": \"1s\", \"connections\": 3}]}",
                                       NULL, &sc, err, sizeof(err)),
                     0);
    lg_scenario_stage_config(&sc, 0, &c);
    ck_assert_uint_eq(c.threads, 3); /* never more threads than connections */
    lg_scenario_free(&sc);
}
END_TEST

START_TEST(test_scenario_errors_name_the_json_path)
{
    expect_error(
        "{\"target\": \"http://h\", \"stages\": [{\"duration\": \"1s\", \"connections\": 1},"
        " {\"duration\": \"2s\", \"connections\": 1},"
        " {\"duration\": 10, \"connections\": 1}]}",
        "stages[2].duration: expected a duration like \"10s\"");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"duration\": \"10 parsecs\","
                 " \"connections\": 1}]}",
                 "stages[0].duration: expected a duration like \"10s\"");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"connections\": 1}]}",
                 "stages[0].duration: missing; expected a duration like \"10s\"");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"duration\": \"1s\"}]}",
                 "stages[0].connections: missing; expected an integer from 1 to 100000 (or set a "
                 "top-level \"connections\")");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"duration\": \"1s\","
                 " \"connections\": 2.5}]}",
                 "stages[0].connections: expected an integer from 1 to 100000");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"duration\": \"1s\","
                 " \"connections\": 1, \"rate\": -5}]}",
                 "stages[0].rate: expected requests per second, a number > 0");
    expect_error("{\"target\": \"http://h\", \"stages\": [{\"durtion\": \"1s\"}]}",
                 "stages[0].durtion: unknown key (expected one of: duration, connections, rate)");
    expect_error("{\"target\": \"http://h\", \"stages\": []}",
                 "stages: expected a non-empty array of stages");
    expect_error("{\"target\": \"http://h\"}",
                 "stages: missing; expected an array like [{\"duration\": \"10s\", "
                 "\"connections\": 50}]");
    expect_error("{\"stages\": []}",
                 "target: missing; expected a URL like \"http://127.0.0.1:9000\"");
    expect_error("{\"target\": \"ftp://h\", \"stages\": []}",
                 "target: expected a URL like \"http://127.0.0.1:9000\"");
    expect_error("{\"target\": \"http://h:99999\", \"stages\": []}",
                 "target: invalid URL 'http://h:99999': bad port");
    expect_error("{\"target\": \"http://h\", \"threads\": 0, \"stages\": []}",
                 "threads: expected an integer from 1 to 1024");
    expect_error("{\"target\": \"http://h\", \"timeout\": \"soon\", \"stages\": []}",
                 "timeout: expected a duration like \"10s\"");
    expect_error("[1, 2]", "expected a JSON object with \"target\" and \"stages\"");
    expect_error("{\"target\": \"http://h\",\n \"stages\": [,]}",
                 "invalid JSON at line 2, column 13");
}
END_TEST

START_TEST(test_scenario_request_and_threshold_errors)
{
    const char *head = "{\"target\": \"http://h\", \"stages\": [{\"duration\": \"1s\","
                       " \"connections\": 1}], ";
    char text[1024];
    snprintf(text, sizeof(text), "%s\"requests\": [{\"path\": \"/a\"}, {\"path\": \"nope\"}]}",
             head);
    expect_error(text, "requests[1].path: expected a path like \"/api/health\"");
    snprintf(text, sizeof(text), "%s\"requests\": [{\"method\": \"GE T\"}]}", head);
    expect_error(text, "requests[0].method: expected an HTTP method like \"GET\"");
    snprintf(text, sizeof(text), "%s\"requests\": [{\"weight\": 0}]}", head);
    expect_error(text, "requests[0].weight: expected an integer from 1 to 1000000");
    snprintf(text, sizeof(text), "%s\"requests\": [{\"headers\": {\"X-A\": 5}}]}", head);
    expect_error(text, "requests[0].headers.X-A: expected a string value");
    snprintf(text, sizeof(text), "%s\"requests\": [{\"body\": \"a\", \"body_file\": \"b\"}]}",
             head);
    expect_error(text, "requests[0]: use either body or body_file, not both");
    snprintf(text, sizeof(text), "%s\"requests\": [{\"body_file\": \"/nonexistent/tb.json\"}]}",
             head);
    expect_error(text, "requests[0].body_file: cannot read /nonexistent/tb.json: No such file or "
                       "directory");
    snprintf(text, sizeof(text), "%s\"thresholds\": [\"p99_ms < 200\", \"p98_ms < 3\"]}", head);
    expect_error(text, "thresholds[1]: unknown metric \"p98_ms\" (known: p50_ms, p75_ms, p90_ms, "
                       "p99_ms, p999_ms, min_ms, max_ms, mean_ms, rps, error_rate, errors, "
                       "requests)");
    snprintf(text, sizeof(text), "%s\"thresholds\": [\"rps >> 5\"]}", head);
    expect_error(text, "thresholds[0]: expected \"METRIC OP NUMBER\" like \"p99_ms < 200\"");
    snprintf(text, sizeof(text), "%s\"thresholds\": [\"rps > 5 per second\"]}", head);
    expect_error(text, "thresholds[0]: expected \"METRIC OP NUMBER\" like \"p99_ms < 200\" "
                       "(unexpected \"per second\")");
    snprintf(text, sizeof(text), "%s\"thresholds\": [42]}", head);
    expect_error(text, "thresholds[0]: expected a string like \"p99_ms < 200\"");
}
END_TEST

START_TEST(test_scenario_load_reads_body_file_next_to_it)
{
    char path[512], body[512];
    snprintf(body, sizeof(body), "%s/payload.json", tmpdir);
    write_file(body, "{\"amount\": 10}\n");
    snprintf(path, sizeof(path), "%s/scn.json", tmpdir);
    write_file(path, "{\"target\": \"http://127.0.0.1:9000\", \"stages\": [{\"duration\": \"2s\","
                     " \"connections\": 2}], \"requests\": [{\"method\": \"POST\", \"path\":"
                     " \"/api/echo\", \"body_file\": \"payload.json\"}]}");
    struct lg_scenario sc;
    char err[512] = "";
    ck_assert_msg(lg_scenario_load(path, &sc, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(sc.requests[0].body_bytes, 15);
    ck_assert_int_eq(memcmp(sc.requests[0].body, "{\"amount\": 10}\n", 15), 0);
    cJSON *cfg = cJSON_Parse(sc.config_json);
    ck_assert_str_eq(cJSON_GetObjectItem(cfg, "scenario_file")->valuestring, path);
    cJSON_Delete(cfg);
    lg_scenario_free(&sc);

    /* Errors from a file start with its path. */
    write_file(path, "{\"target\": \"http://h\", \"stages\": [{\"duration\": \"x\"}]}");
    ck_assert_int_eq(lg_scenario_load(path, &sc, err, sizeof(err)), -1);
    char want[700];
    snprintf(want, sizeof(want), "%s: stages[0].duration: expected a duration like \"10s\"", path);
    ck_assert_str_eq(err, want);
    snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
    ck_assert_int_eq(lg_scenario_load(path, &sc, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
}
END_TEST

START_TEST(test_scenario_set_target_overrides_url_and_config)
{
    struct lg_scenario sc;
    char err[512] = "";
    ck_assert_int_eq(lg_scenario_parse("{\"target\": \"http://127.0.0.1:9000\","
                                       " \"stages\": [{\"duration\": \"1s\", \"connections\": 1}]}",
                                       NULL, &sc, err, sizeof(err)),
                     0);
    ck_assert_int_eq(lg_scenario_set_target(&sc, "http://127.0.0.1:8080/x", err, sizeof(err)), 0);
    ck_assert_str_eq(sc.target, "http://127.0.0.1:8080/x");
    cJSON *cfg = cJSON_Parse(sc.config_json);
    ck_assert_str_eq(cJSON_GetObjectItem(cfg, "target")->valuestring, "http://127.0.0.1:8080/x");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(cfg, "stages"));
    cJSON_Delete(cfg);
    ck_assert_int_eq(lg_scenario_set_target(&sc, "http://h:0", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "--target: invalid URL 'http://h:0': bad port");
    ck_assert_str_eq(sc.target, "http://127.0.0.1:8080/x");
    lg_scenario_free(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loadgen_scenario");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_scenario_parses_full_example);
    tcase_add_test(tc, test_scenario_defaults_and_top_level_connections);
    tcase_add_test(tc, test_scenario_errors_name_the_json_path);
    tcase_add_test(tc, test_scenario_request_and_threshold_errors);
    tcase_add_test(tc, test_scenario_load_reads_body_file_next_to_it);
    tcase_add_test(tc, test_scenario_set_target_overrides_url_and_config);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
