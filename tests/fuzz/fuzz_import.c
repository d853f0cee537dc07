/* tests/fuzz/fuzz_import.c: libFuzzer target for `runs import` (rpt_runs_import), which reads an
 * export document someone hands over, histograms (base64) and all. An accepted document gives
 * runs that write as run JSON, export and import again to the same counts, and merge (one after
 * another and side by side, as reports do) without a crash, undefined behaviour or a histogram
 * allocation beyond HIST_DESERIALIZE_MAX_BUCKETS; a refused one gets a one-line reason. Seeds
 * come from gen_import_seeds.c. Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/run.h"
#include "reports/reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_import: %s\n", what);
    abort();
}

static void free_runs(struct run_result *rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        run_result_free(&rs[i]);
    free(rs);
}

static void check_same(const struct run_result *a, const struct run_result *b)
{
    bool same = a->requests == b->requests && a->requests_sent == b->requests_sent &&
                a->bytes_read == b->bytes_read && a->nstatus == b->nstatus &&
                a->ntimeline == b->ntimeline && run_errors_total(a) == run_errors_total(b) &&
                !a->latency == !b->latency &&
                (!a->latency || hist_count(a->latency) == hist_count(b->latency)) &&
                !strcmp(a->tool, b->tool) && !strcmp(a->target, b->target) &&
                !strcmp(a->label, b->label);
    for (size_t i = 0; same && i < a->ntimeline; i++)
        same = a->timeline[i].unix_s == b->timeline[i].unix_s &&
               a->timeline[i].requests == b->timeline[i].requests;
    if (!same)
        fail("export then import gives a different run");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, data, len);
    text[len] = '\0';
    struct run_result *rs = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    char err[1024];
    int rc = rpt_runs_import(text, &rs, &n, err, sizeof(err));
    free(text);
    if (rc != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("refused without a one-line reason");
        if (rs || n)
            fail("runs left after a refusal");
        return 0;
    }
    struct run_result seq = {0}, par = {0};
    for (size_t i = 0; i < n; i++) {
        char small[64];
        size_t need = rpt_run_json(&rs[i], small, sizeof(small));
        char *buf = malloc(need + 1);
        if (!buf)
            break;
        if (rpt_run_json(&rs[i], buf, need + 1) != need || strlen(buf) != need)
            fail("rpt_run_json needs a different size the second time");
        free(buf);
        run_merge(&seq, &rs[i], RUN_MERGE_SEQUENTIAL);
        run_merge(&par, &rs[i], RUN_MERGE_PARALLEL);
    }
    run_result_free(&seq);
    run_result_free(&par);

    char *doc = NULL;
    size_t doclen = 0;
    FILE *f = open_memstream(&doc, &doclen);
    if (!f)
        fail("open_memstream");
    if (rpt_runs_export(rs, n, f) != 0)
        fail("an imported run does not export");
    fclose(f);
    if (rpt_runs_import(doc, &again, &n2, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_import: the export of imported runs is refused: %s\n", err);
        abort();
    }
    if (n2 != n)
        fail("export then import gives another number of runs");
    for (size_t i = 0; i < n; i++)
        check_same(&rs[i], &again[i]);
    free(doc);
    free_runs(again, n2);
    free_runs(rs, n);
    return 0;
}
