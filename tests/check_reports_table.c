/* tests/check_reports_table.c: unit tests of the table view model and its renderers
 * (reports/table.c): golden files of every format (tests/data/report_tables.*) from the fixed
 * tables of report_fixture.h, and the rules behind them: 80 columns, RFC 4180 quoting, JSON that
 * parses back to the same strings and numbers, write errors. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"
#include "report_fixture.h"
#include "tests/support/ck_run.h"

static char *render(enum rpt_format fmt, const struct rpt_table *t, size_t n)
{
    char *out = NULL;
    CAPTURE(out, ck_assert_int_eq(rpt_tables_write(f, fmt, t, n), 0));
    return out;
}

static char *render_fixture(enum rpt_format fmt)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(fmt, t, FIXTURE_NTABLES);
    fixture_tables_free(t);
    return out;
}

/* Display columns of a line of UTF-8 where every character of the fixture is one column but
 * Hangul syllables, which take two. */
static size_t columns(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        uint32_t cp = len == 3 ? ((c & 0x0fu) << 12) | (((unsigned char)s[i + 1] & 0x3fu) << 6) |
                                     ((unsigned char)s[i + 2] & 0x3fu)
                               : 0;
        w += cp >= 0xac00 && cp <= 0xd7a3 ? 2 : 1;
        i += len;
    }
    return w;
}

START_TEST(test_format_parse_knows_every_name_and_refuses_others)
{
    enum rpt_format f;
    ck_assert_int_eq(rpt_format_parse("text", &f), 0);
    ck_assert_int_eq(f, RPT_TEXT);
    ck_assert_int_eq(rpt_format_parse("md", &f), 0);
    ck_assert_int_eq(f, RPT_MARKDOWN);
    ck_assert_int_eq(rpt_format_parse("markdown", &f), 0);
    ck_assert_int_eq(f, RPT_MARKDOWN);
    ck_assert_int_eq(rpt_format_parse("csv", &f), 0);
    ck_assert_int_eq(f, RPT_CSV);
    ck_assert_int_eq(rpt_format_parse("json", &f), 0);
    ck_assert_int_eq(f, RPT_JSON);
    ck_assert_int_eq(rpt_format_parse("html", &f), 0);
    ck_assert_int_eq(f, RPT_HTML);
    ck_assert_int_eq(rpt_format_parse("xml", &f), -1);
    ck_assert_int_eq(rpt_format_parse("", &f), -1);
    ck_assert_int_eq(rpt_format_parse("TEXT", &f), -1);
    ck_assert_int_eq(rpt_format_parse(NULL, &f), -1);
}
END_TEST

START_TEST(test_table_init_reads_column_specs)
{
    static const char *const cols[] = {"Label|label", "Req/s|rps|r", "Tier|tier|l"};
    struct rpt_table t;
    ck_assert_int_eq(rpt_table_init(&t, "runs", "Runs", cols, 3), 0);
    ck_assert_uint_eq(t.ncols, 3);
    ck_assert_str_eq(t.key, "runs");
    ck_assert_str_eq(t.title, "Runs");
    ck_assert_str_eq(t.cols[1], "Req/s");
    ck_assert_str_eq(t.col_keys[1], "rps");
    ck_assert(!t.right[0]);
    ck_assert(t.right[1]);
    ck_assert(!t.right[2]);
    ck_assert_uint_eq(t.nrows, 0);
    rpt_table_free(&t);
    rpt_table_free(NULL);
}
END_TEST

START_TEST(test_table_init_refuses_what_would_lose_data)
{
    struct rpt_table t;
    static const char *const no_key[] = {"Label"};
    static const char *const empty_key[] = {"Label||r"};
    static const char *const bad_align[] = {"Label|label|x"};
    static const char *const repeated[] = {"A|same", "B|same|r"};
    static const char *const ok[] = {"A|a"};
    const char *many[RPT_TABLE_COLS + 1];
    char specs[RPT_TABLE_COLS + 1][16];
    for (size_t i = 0; i <= RPT_TABLE_COLS; i++) {
        snprintf(specs[i], sizeof(specs[i]), "C%zu|c%zu", i, i);
        many[i] = specs[i];
    }
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", no_key, 1), -1);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", empty_key, 1), -1);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", bad_align, 1), -1);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", repeated, 2), -1);
    ck_assert_int_eq(rpt_table_init(&t, "", "T", ok, 1), -1);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", ok, 0), -1);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", many, RPT_TABLE_COLS + 1), -1);
    ck_assert_uint_eq(t.ncols, 0);
    rpt_table_free(&t);
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", many, RPT_TABLE_COLS), 0);
    rpt_table_free(&t);
}
END_TEST

START_TEST(test_rows_start_empty_and_survive_growth)
{
    static const char *const cols[] = {"N|n|r", "Text|text"};
    struct rpt_table t;
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", cols, 2), 0);
    for (int i = 0; i < 1000; i++) {
        struct rpt_cell *r = rpt_table_row(&t);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r[0].text, "");
        ck_assert(isnan(r[0].value));
        ck_assert(isnan(r[1].value));
        rpt_cell_set(&r[0], i, "%d", i);
    }
    ck_assert_uint_eq(t.nrows, 1000);
    ck_assert_str_eq(t.rows[0][0].text, "0");
    ck_assert_str_eq(t.rows[999][0].text, "999");
    ck_assert_double_eq(t.rows[500][0].value, 500);
    rpt_table_free(&t);
}
END_TEST

START_TEST(test_cell_text_is_cut_at_a_character_boundary)
{
    struct rpt_cell c;
    char want[RPT_CELL_BYTES];
    /* 94 ASCII bytes, then a two-byte "±" that would straddle the cell's last byte. */
    memset(want, 'x', 94);
    want[94] = '\0';
    rpt_cell_set(&c, 1, "%s±±", want);
    ck_assert_str_eq(c.text, want);
    ck_assert_double_eq(c.value, 1);
    /* 93 bytes: "±" fits exactly (93 + 2 = 95 bytes and the NUL). */
    want[93] = '\0';
    rpt_cell_set(&c, NAN, "%s±±", want);
    ck_assert_uint_eq(strlen(c.text), 95);
    ck_assert_str_eq(c.text + 93, "±");
    ck_assert(isnan(c.value));
}
END_TEST

START_TEST(test_notes_past_the_eighth_are_dropped)
{
    static const char *const cols[] = {"A|a"};
    struct rpt_table t;
    ck_assert_int_eq(rpt_table_init(&t, "k", "T", cols, 1), 0);
    for (int i = 0; i < 12; i++)
        rpt_table_note(&t, "note %d", i);
    ck_assert_uint_eq(t.nnotes, 8);
    ck_assert_str_eq(t.notes[7], "note 7");
    rpt_table_free(&t);
}
END_TEST

START_TEST(test_text_matches_golden)
{
    char *out = render_fixture(RPT_TEXT);
    golden_check("report_tables.txt", out);
    free(out);
}
END_TEST

START_TEST(test_text_lines_fit_80_columns_without_trailing_spaces)
{
    char *out = render_fixture(RPT_TEXT);
    size_t lineno = 1;
    for (char *line = out; *line != '\0'; lineno++) {
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        size_t n = (size_t)(nl - line);
        ck_assert_msg(columns(line, n) <= 80, "line %zu has %zu columns: %.*s", lineno,
                      columns(line, n), (int)n, line);
        ck_assert_msg(n == 0 || line[n - 1] != ' ', "line %zu ends in a space", lineno);
        line = nl + 1;
    }
    free(out);
}
END_TEST

START_TEST(test_text_aligns_columns_and_numbers_right)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_TEXT, t, 1);
    /* Every row of the runs table puts its p99 ending in the same column as the heading. */
    const char *head = strstr(out, "Label");
    ck_assert_ptr_nonnull(head);
    const char *h = strstr(head, "p99");
    const char *a = strstr(out, "3.40 ms");
    const char *b = strstr(out, "22.10 ms");
    ck_assert(h && a && b);
    const char *hl = head, *al = a, *bl = b;
    while (al > out && al[-1] != '\n')
        al--;
    while (bl > out && bl[-1] != '\n')
        bl--;
    /* Byte offsets: the lines of both rows are ASCII up to these cells but the first row's
     * Korean tier (4 characters of 3 bytes, 8 columns). */
    size_t col_h = (size_t)(h - hl) + 3, col_b = (size_t)(b - bl) + strlen("22.10 ms");
    size_t col_a = columns(al, (size_t)(a - al)) + strlen("3.40 ms");
    ck_assert_uint_eq(col_h, col_b);
    ck_assert_uint_eq(col_h, col_a);
    ck_assert_ptr_nonnull(strstr(out, "(Mann-Whitney U)\n"));
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_text_wraps_headings_when_that_fits)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_TEXT, &t[1], 1);
    /* Still a table (one line per tier), its long headings on several lines. */
    ck_assert_ptr_nonnull(strstr(out, "\nmicro "));
    ck_assert_ptr_nonnull(strstr(out, "\nstandard "));
    ck_assert_ptr_null(strstr(out, "Capacity per instance (req/s)"));
    ck_assert_ptr_null(strstr(out, "Tier:"));
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_text_too_wide_drops_to_blocks)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_TEXT, &t[2], 1);
    ck_assert_ptr_nonnull(strstr(out, "Stored runs\n\nRun:          41\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n\nRun:          42\n"));
    ck_assert_ptr_nonnull(strstr(out, "Req/s:        12,345.6\n"));
    /* The command line is wrapped under itself. */
    ck_assert_ptr_nonnull(strstr(out, "Command line: tierbench wrk"));
    ck_assert_ptr_nonnull(strstr(out, "\n              http://127.0.0.1:9000/api/health\n"));
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_text_empty_table_says_so)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_TEXT, &t[4], 1);
    ck_assert_str_eq(out, "No runs yet\nLabel  Req/s\n-----  -----\n(no rows)\n");
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_markdown_matches_golden)
{
    char *out = render_fixture(RPT_MARKDOWN);
    golden_check("report_tables.md", out);
    ck_assert_ptr_nonnull(strstr(out, "| Label        | Tier     | Conns |"));
    ck_assert_ptr_nonnull(strstr(out, "| ------------ | -------- | ----: |"));
    ck_assert_ptr_nonnull(strstr(out, "| pipe \\| bar "));
    ck_assert_ptr_nonnull(strstr(out, "| \\<b\\>\\&amp;\\</b\\> "));
    free(out);
}
END_TEST

/* Splits one RFC 4180 record at *p into fields (at most max), advancing *p past its line
 * break. Returns the number of fields. */
static size_t csv_record(const char **p, char fields[][128], size_t max)
{
    const char *s = *p;
    size_t n = 0;
    for (;;) {
        size_t o = 0;
        if (*s == '"') {
            for (s++; !(*s == '"' && s[1] != '"'); s++) {
                ck_assert_msg(*s != '\0', "unterminated quote");
                if (*s == '"')
                    s++;
                if (o + 1 < 128)
                    fields[n][o++] = *s;
            }
            s++;
        } else {
            while (*s != ',' && *s != '\n' && *s != '\0') {
                ck_assert_msg(*s != '"', "a quote in an unquoted field");
                if (o + 1 < 128)
                    fields[n][o++] = *s;
                s++;
            }
        }
        fields[n][o] = '\0';
        if (n + 1 < max)
            n++;
        if (*s != ',')
            break;
        s++;
    }
    if (*s == '\n')
        s++;
    *p = s;
    return n;
}

START_TEST(test_csv_matches_golden)
{
    char *out = render_fixture(RPT_CSV);
    golden_check("report_tables.csv", out);
    free(out);
}
END_TEST

START_TEST(test_csv_quotes_per_rfc4180_and_reads_back)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_CSV, &t[3], 1);
    const char *p = out;
    char fields[4][128];
    ck_assert_uint_eq(csv_record(&p, fields, 4), 2);
    ck_assert_str_eq(fields[0], "text");
    ck_assert_str_eq(fields[1], "value");
    for (size_t i = 0; i < t[3].nrows; i++) {
        ck_assert_uint_eq(csv_record(&p, fields, 4), 2);
        const struct rpt_cell *c = t[3].rows[i];
        if (strstr(c[0].text, "\xff") != NULL) /* broken UTF-8 comes back as U+FFFD */
            ck_assert_str_eq(fields[0], "broken \xef\xbf\xbd utf-8");
        else
            ck_assert_str_eq(fields[0], c[0].text);
        if (isfinite(c[1].value))
            ck_assert_double_eq(strtod(fields[1], NULL), c[1].value);
        else
            ck_assert_str_eq(fields[1], c[1].text);
    }
    ck_assert_str_eq(p, "");
    ck_assert_ptr_nonnull(strstr(out, "\n\"a,b\",\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n\"say \"\"hi\"\"\",\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n\"two\nlines\",\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n0.1,0.1\n"));
    ck_assert_ptr_nonnull(strstr(out, "\ninfinite,infinite\n"));
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_csv_nan_cells_write_their_text)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_CSV, &t[0], 1);
    ck_assert_ptr_nonnull(strstr(out, "label,tier,connections,rps,p50_us,p99_us,errors\n"));
    ck_assert_ptr_nonnull(strstr(out, "\ncache-off,compact,50,4321.5,9800,22100,3\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nbaseline ±5%,,100,—,—,n/a,\n"));
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_json_matches_golden)
{
    char *out = render_fixture(RPT_JSON);
    golden_check("report_tables.json", out);
    free(out);
}
END_TEST

START_TEST(test_json_parses_back_to_the_same_strings_and_numbers)
{
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    char *out = render(RPT_JSON, t, FIXTURE_NTABLES);
    cJSON *doc = cJSON_Parse(out);
    ck_assert_msg(doc != NULL, "not JSON: %s", out);
    for (size_t k = 0; k < FIXTURE_NTABLES; k++) {
        const cJSON *tab = cJSON_GetObjectItemCaseSensitive(doc, t[k].key);
        ck_assert_msg(cJSON_IsObject(tab), "no table %s", t[k].key);
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(tab, "title")->valuestring, t[k].title);
        const cJSON *cols = cJSON_GetObjectItemCaseSensitive(tab, "columns");
        ck_assert_int_eq(cJSON_GetArraySize(cols), (int)t[k].ncols);
        for (size_t j = 0; j < t[k].ncols; j++) {
            const cJSON *c = cJSON_GetArrayItem(cols, (int)j);
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "key")->valuestring,
                             t[k].col_keys[j]);
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "heading")->valuestring,
                             t[k].cols[j]);
            ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "numeric")),
                             t[k].right[j]);
        }
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(tab, "rows");
        ck_assert_int_eq(cJSON_GetArraySize(rows), (int)t[k].nrows);
        for (size_t i = 0; i < t[k].nrows; i++) {
            const cJSON *row = cJSON_GetArrayItem(rows, (int)i);
            for (size_t j = 0; j < t[k].ncols; j++) {
                const struct rpt_cell *c = &t[k].rows[i][j];
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, t[k].col_keys[j]);
                ck_assert_ptr_nonnull(v);
                if (isfinite(c->value)) {
                    ck_assert(cJSON_IsNumber(v));
                    ck_assert_double_eq(v->valuedouble, c->value);
                } else if (c->text[0] == '\0') {
                    ck_assert(cJSON_IsNull(v));
                } else if (strstr(c->text, "\xff") == NULL) {
                    ck_assert(cJSON_IsString(v));
                    ck_assert_str_eq(v->valuestring, c->text);
                }
            }
        }
        const cJSON *notes = cJSON_GetObjectItemCaseSensitive(tab, "notes");
        ck_assert_int_eq(cJSON_GetArraySize(notes), (int)t[k].nnotes);
        for (size_t i = 0; i < t[k].nnotes; i++)
            ck_assert_str_eq(cJSON_GetArrayItem(notes, (int)i)->valuestring, t[k].notes[i]);
    }
    ck_assert_ptr_nonnull(strstr(out, "\"text\": \"\\u0001control\""));
    ck_assert_ptr_nonnull(strstr(out, "\"text\": \"broken \\ufffd utf-8\""));
    cJSON_Delete(doc);
    free(out);
    fixture_tables_free(t);
}
END_TEST

START_TEST(test_json_repeated_table_keys_get_a_suffix)
{
    static const char *const cols[] = {"A|a|r"};
    struct rpt_table t[3];
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(rpt_table_init(&t[i], "runs", "Runs", cols, 1), 0);
        rpt_cell_set(&rpt_table_row(&t[i])[0], (double)i, "%zu", i);
    }
    char *out = render(RPT_JSON, t, 3);
    cJSON *doc = cJSON_Parse(out);
    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(doc, "runs"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(doc, "runs_2"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(doc, "runs_3"));
    cJSON_Delete(doc);
    free(out);
    out = render(RPT_JSON, t, 0);
    ck_assert_str_eq(out, "{}\n");
    free(out);
    for (size_t i = 0; i < 3; i++)
        rpt_table_free(&t[i]);
}
END_TEST

START_TEST(test_html_tables_page_matches_golden)
{
    char *out = render_fixture(RPT_HTML);
    golden_check("report_tables.html", out);
    ck_assert_ptr_nonnull(strstr(out, "<title>Runs of the cache comparison</title>"));
    ck_assert_ptr_nonnull(strstr(out, "<caption>Quoting, &quot;escapes&quot; &amp; "
                                      "&lt;markup&gt;</caption>"));
    ck_assert_ptr_nonnull(strstr(out, "<td class=\"n\" data-value=\"12345\">12,345</td>"));
    ck_assert_ptr_nonnull(strstr(out, "(no rows)"));
    ck_assert_ptr_null(strstr(out, "<script"));
    free(out);
}
END_TEST

START_TEST(test_write_errors_are_reported)
{
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        return; /* no /dev/full: nothing to prove here */
    struct rpt_table t[FIXTURE_NTABLES];
    fixture_tables(t);
    static const enum rpt_format fmts[] = {RPT_TEXT, RPT_MARKDOWN, RPT_CSV, RPT_JSON, RPT_HTML};
    for (size_t i = 0; i < 5; i++) {
        clearerr(f);
        ck_assert_int_eq(rpt_tables_write(f, fmts[i], t, FIXTURE_NTABLES), -1);
    }
    fclose(f);
    fixture_tables_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports_table");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_format_parse_knows_every_name_and_refuses_others);
    tcase_add_test(tc, test_table_init_reads_column_specs);
    tcase_add_test(tc, test_table_init_refuses_what_would_lose_data);
    tcase_add_test(tc, test_rows_start_empty_and_survive_growth);
    tcase_add_test(tc, test_cell_text_is_cut_at_a_character_boundary);
    tcase_add_test(tc, test_notes_past_the_eighth_are_dropped);
    tcase_add_test(tc, test_text_matches_golden);
    tcase_add_test(tc, test_text_lines_fit_80_columns_without_trailing_spaces);
    tcase_add_test(tc, test_text_aligns_columns_and_numbers_right);
    tcase_add_test(tc, test_text_wraps_headings_when_that_fits);
    tcase_add_test(tc, test_text_too_wide_drops_to_blocks);
    tcase_add_test(tc, test_text_empty_table_says_so);
    tcase_add_test(tc, test_markdown_matches_golden);
    tcase_add_test(tc, test_csv_matches_golden);
    tcase_add_test(tc, test_csv_quotes_per_rfc4180_and_reads_back);
    tcase_add_test(tc, test_csv_nan_cells_write_their_text);
    tcase_add_test(tc, test_json_matches_golden);
    tcase_add_test(tc, test_json_parses_back_to_the_same_strings_and_numbers);
    tcase_add_test(tc, test_json_repeated_table_keys_get_a_suffix);
    tcase_add_test(tc, test_html_tables_page_matches_golden);
    tcase_add_test(tc, test_write_errors_are_reported);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
