/* tests/report_fixture.h: fixed tables and a golden-file comparison for the report renderer
 * tests (check_reports_table.c, check_reports_html.c). Header-only, like run_fixture.h, so each
 * test binary keeps its own part's link set. TB_UPDATE_GOLDEN=1 rewrites the golden files in
 * tests/data/ instead of comparing (review the diff before committing it). */
#ifndef TB_TESTS_REPORT_FIXTURE_H
#define TB_TESTS_REPORT_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "reports/reports.h"

#define FIXTURE_NTABLES 5

static inline void fixture_table(struct rpt_table *t, const char *key, const char *title,
                                 const char *const *cols, size_t ncols)
{
    ck_assert_int_eq(rpt_table_init(t, key, title, cols, ncols), 0);
}

/* Five tables that cover the formats' cases: a table that fits (wide characters, NAN cells, an
 * empty cell, a note that wraps), one that fits only with wrapped headings, one too wide for 80
 * columns, one of text that needs quoting and escaping, and an empty one. */
static inline void fixture_tables(struct rpt_table *t)
{
    static const char *const runs_cols[] = {
        "Label|label",  "Tier|tier",    "Conns|connections|r", "Req/s|rps|r",
        "p50|p50_us|r", "p99|p99_us|r", "Errors|errors|r",
    };
    fixture_table(&t[0], "runs", "Runs of the cache comparison", runs_cols, 7);
    struct rpt_cell *r = rpt_table_row(&t[0]);
    rpt_cell_set(&r[0], NAN, "cache-on");
    rpt_cell_set(&r[1], NAN, "스탠다드"); /* Korean "standard": two columns a character */
    rpt_cell_set(&r[2], 50, "50");
    rpt_cell_set(&r[3], 12345, "12,345");
    rpt_cell_set(&r[4], 1200, "1.20 ms");
    rpt_cell_set(&r[5], 3400, "3.40 ms");
    rpt_cell_set(&r[6], 0, "0");
    r = rpt_table_row(&t[0]);
    rpt_cell_set(&r[0], NAN, "cache-off");
    rpt_cell_set(&r[1], NAN, "compact");
    rpt_cell_set(&r[2], 50, "50");
    rpt_cell_set(&r[3], 4321.5, "4,321.5");
    rpt_cell_set(&r[4], 9800, "9.80 ms");
    rpt_cell_set(&r[5], 22100, "22.10 ms");
    rpt_cell_set(&r[6], 3, "3");
    r = rpt_table_row(&t[0]);
    rpt_cell_set(&r[0], NAN, "baseline ±5%%");
    rpt_cell_set(&r[2], 100, "100");
    rpt_cell_set(&r[3], NAN, "—");
    rpt_cell_set(&r[4], NAN, "—");
    rpt_cell_set(&r[5], NAN, "n/a");
    /* r[1] and r[6] stay empty: text "" and no number. */
    rpt_table_note(&t[0], "~: not significant (Mann-Whitney U)");
    rpt_table_note(&t[0], "Latencies are of complete responses, merged from every thread's "
                          "histogram; percentiles are never averaged across runs or threads.");

    static const char *const tier_cols[] = {
        "Tier|tier",
        "Instances needed|instances|r",
        "Capacity per instance (req/s)|capacity_rps|r",
        "Users supported at the SLO|users|r",
        "Monthly cost (KRW)|monthly_krw|r",
        "Setup difficulty|difficulty",
    };
    fixture_table(&t[1], "tiers", "Tier picker: the cheapest tier for 5,000 users", tier_cols, 6);
    static const struct {
        const char *tier;
        double n, cap, users, krw;
        const char *cap_s, *users_s, *krw_s, *difficulty;
    } tiers[] = {
        {"micro", 6, 850, 5100, 216000, "850", "5,100", "₩216,000", "easy"},
        {"compact", 2, 4200, 8400, 180000, "4,200", "8,400", "₩180,000", "easy"},
        {"standard", 1, 12000, 12000, 1234000, "12,000", "12,000", "₩1,234,000", "moderate"},
    };
    for (size_t i = 0; i < 3; i++) {
        r = rpt_table_row(&t[1]);
        rpt_cell_set(&r[0], NAN, "%s", tiers[i].tier);
        rpt_cell_set(&r[1], tiers[i].n, "%.0f", tiers[i].n);
        rpt_cell_set(&r[2], tiers[i].cap, "%s", tiers[i].cap_s);
        rpt_cell_set(&r[3], tiers[i].users, "%s", tiers[i].users_s);
        rpt_cell_set(&r[4], tiers[i].krw, "%s", tiers[i].krw_s);
        rpt_cell_set(&r[5], NAN, "%s", tiers[i].difficulty);
    }
    rpt_table_note(&t[1], "Instances are planned at 70%% of measured capacity.");

    static const char *const wide_cols[] = {
        "Run|id|r",
        "Target|target",
        "Tool|tool",
        "Threads|threads|r",
        "Connections|connections|r",
        "Duration|duration_s|r",
        "Requests|requests|r",
        "Req/s|rps|r",
        "Command line|cmdline",
    };
    fixture_table(&t[2], "stored_runs", "Stored runs", wide_cols, 9);
    r = rpt_table_row(&t[2]);
    rpt_cell_set(&r[0], 41, "41");
    rpt_cell_set(&r[1], NAN, "http://127.0.0.1:9000/api/exchange-rate?base=USD&quote=KRW");
    rpt_cell_set(&r[2], NAN, "wrk");
    rpt_cell_set(&r[3], 2, "2");
    rpt_cell_set(&r[4], 100, "100");
    rpt_cell_set(&r[5], 10, "10s");
    rpt_cell_set(&r[6], 123456, "123,456");
    rpt_cell_set(&r[7], 12345.6, "12,345.6");
    rpt_cell_set(&r[8], NAN,
                 "tierbench wrk -t2 -c100 -d10s --latency --label \"cache on\" "
                 "http://127.0.0.1:9000/api/health");
    r = rpt_table_row(&t[2]);
    rpt_cell_set(&r[0], 42, "42");
    rpt_cell_set(&r[1], NAN, "http://127.0.0.1:9000/api/health");
    rpt_cell_set(&r[2], NAN, "ab");
    rpt_cell_set(&r[3], 1, "1");
    rpt_cell_set(&r[4], 10, "10");
    rpt_cell_set(&r[5], 2.5, "2.5s");
    rpt_cell_set(&r[6], 1000, "1,000");
    rpt_cell_set(&r[7], 400, "400.0");
    rpt_cell_set(&r[8], NAN, "tierbench ab -n 1000 -c 10 http://127.0.0.1:9000/api/health");

    static const char *const esc_cols[] = {"Text|text", "Number|value|r"};
    fixture_table(&t[3], "escapes", "Quoting, \"escapes\" & <markup>", esc_cols, 2);
    static const struct {
        const char *text;
        double value;
    } esc[] = {
        {"a,b", NAN},
        {"say \"hi\"", NAN},
        {"two\nlines", NAN},
        {"pipe | bar", NAN},
        {"back\\slash\ttab", NAN},
        {"\x01"
         "control",
         NAN},
        {"<b>&amp;</b>", NAN},
        {"broken \xff utf-8", NAN},
        {"0.1", 0.1},
        {"-2.5", -2.5},
        {"1e21", 1e21},
        {"2^53 + 2", 9007199254740994.0},
        {"infinite", INFINITY},
    };
    for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
        r = rpt_table_row(&t[3]);
        rpt_cell_set(&r[0], NAN, "%s", esc[i].text);
        rpt_cell_set(&r[1], esc[i].value, "%s", isnan(esc[i].value) ? "" : esc[i].text);
    }
    rpt_table_note(&t[3], "A note with \"quotes\", a <tag> and a\ttab.");

    static const char *const empty_cols[] = {"Label|label", "Req/s|rps|r"};
    fixture_table(&t[4], "empty", "No runs yet", empty_cols, 2);
}

static inline void fixture_tables_free(struct rpt_table *t)
{
    for (size_t i = 0; i < FIXTURE_NTABLES; i++)
        rpt_table_free(&t[i]);
}

/* Compares got with tests/data/name (tests run from the tree's root, as make runs them), and
 * names the first line that differs. */
static inline void golden_check(const char *name, const char *got)
{
    char path[256], err[256];
    snprintf(path, sizeof(path), "tests/data/%s", name);
    const char *update = getenv("TB_UPDATE_GOLDEN");
    if (update != NULL && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "w");
        ck_assert_msg(f != NULL, "cannot write %s", path);
        fputs(got, f);
        ck_assert_int_eq(fclose(f), 0);
        return;
    }
    size_t len;
    char *want = file_read(path, 0, &len, err, sizeof(err));
    ck_assert_msg(want != NULL, "%s (TB_UPDATE_GOLDEN=1 writes it)", err);
    if (strcmp(want, got) != 0) {
        size_t line = 1, i = 0;
        while (want[i] != '\0' && want[i] == got[i]) {
            line += want[i] == '\n';
            i++;
        }
        size_t start = i;
        while (start > 0 && want[start - 1] != '\n')
            start--;
        ck_abort_msg("%s differs at line %zu:\n want: %.120s\n  got: %.120s", path, line,
                     want + start, got + start);
    }
    free(want);
}

/* What a writer produced, as a string (the caller frees). */
#define CAPTURE(out, stmt)                                                                         \
    do {                                                                                           \
        size_t cap_len_;                                                                           \
        FILE *f = open_memstream(&(out), &cap_len_);                                               \
        ck_assert_ptr_nonnull(f);                                                                  \
        stmt;                                                                                      \
        ck_assert_int_eq(fclose(f), 0);                                                            \
    } while (0)

#endif
