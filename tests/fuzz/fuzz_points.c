/* tests/fuzz/fuzz_points.c: libFuzzer target for points files (rpt_points_parse: `tierbench
 * capacity --points FILE`), then what that command computes from them: the capacity (the SLO
 * point, the USL fit, the knee) and its two tables. Accepted points are finite and in range;
 * every refusal is one line; the fit and the tables must end (no hang) without a crash whatever
 * the points. The input needs no NUL: the parser takes a length. Build and run: make fuzz. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metric.h"
#include "reports/reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_points: %s\n", what);
    abort();
}

static void capacity(const struct rpt_points *pts, bool slo)
{
    struct rpt_capacity_opts o;
    rpt_capacity_opts_init(&o);
    char err[512];
    if (slo) {
        if (metric_threshold_parse("p99<100ms", &o.slo, err, sizeof(err)) != 0)
            fail("p99<100ms refused");
        o.has_slo = true;
        o.cores = 2;
    }
    static struct rpt_capacity c;
    if (rpt_capacity_compute(pts->v, pts->n, &o, &c, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("capacity refused without a one-line reason");
        return;
    }
    struct rpt_table t;
    if (rpt_capacity_points_table(&t, pts->v, pts->n, &c) == 0)
        rpt_table_free(&t);
    if (rpt_capacity_summary_table(&t, &c) == 0)
        rpt_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct rpt_points pts;
    char err[1024];
    if (rpt_points_parse((const char *)data, len, "fuzz.tsv", &pts, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("refused without a one-line reason");
        if (pts.v || pts.n)
            fail("points left after a refusal");
        return 0;
    }
    if (pts.n < 1)
        fail("accepted a file without points");
    for (size_t i = 0; i < pts.n; i++) {
        const struct rpt_point *p = &pts.v[i];
        if (!(p->concurrency > 0) || !isfinite(p->concurrency) || !(p->throughput_rps >= 0) ||
            !isfinite(p->throughput_rps) || !(p->error_rate >= 0 && p->error_rate <= 1) ||
            !(p->rate_rps >= 0) || !isfinite(p->rate_rps) ||
            !(isnan(p->latency_us) || (p->latency_us >= 0 && isfinite(p->latency_us))))
            fail("a point out of range");
    }
    if (memchr(pts.latency_col, '\0', sizeof(pts.latency_col)) == NULL)
        fail("latency_col not NUL-terminated");
    capacity(&pts, false);
    capacity(&pts, true);
    rpt_points_free(&pts);
    return 0;
}
