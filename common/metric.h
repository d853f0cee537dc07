/* common/metric.h: the metric vocabulary that thresholds and SLOs speak: "p99_ms < 200",
 * "error_rate < 0.01", "rps > 1000". A metric is a figure of a run (common/run.h); a threshold
 * compares it with a limit. Used by scenario files (loadgen), and by reports and sweeps. */
#ifndef TB_COMMON_METRIC_H
#define TB_COMMON_METRIC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/run.h"

enum metric {
    METRIC_P50_MS,
    METRIC_P75_MS,
    METRIC_P90_MS,
    METRIC_P99_MS,
    METRIC_P999_MS,
    METRIC_MIN_MS,
    METRIC_MAX_MS,
    METRIC_MEAN_MS,
    METRIC_RPS,
    METRIC_ERROR_RATE, /* see run_error_rate */
    METRIC_ERRORS,
    METRIC_REQUESTS,
    METRIC__COUNT
};

enum metric_cmp { METRIC_LT, METRIC_LE, METRIC_GT, METRIC_GE, METRIC_EQ };

/* "p99_ms < 200": metric, comparison, limit (in the metric's unit). */
struct metric_threshold {
    char text[128]; /* as written */
    enum metric metric;
    enum metric_cmp cmp;
    double limit;
};

/* Parses "METRIC OP NUMBER" (spaces optional), e.g. "p99_ms < 200", "error_rate<0.01", and the
 * SLO form of a latency percentile with a unit: "p99<100ms", "p50 <= 2.5s", "p999<800us" (the
 * same as "p99_ms < 100", ...). Returns 0, or -1 with a reason in err (an unknown metric lists
 * the known ones). */
int metric_threshold_parse(const char *text, struct metric_threshold *out, char *err,
                           size_t errlen);
/* The percentile a latency metric reads (99 for p99_ms, 99.9 for p999_ms), or -1. */
double metric_percentile(enum metric m);
/* "p99_ms", "<". */
const char *metric_name(enum metric m);
const char *metric_cmp_name(enum metric_cmp c);
/* The metric's value for a run: latencies in ms from r->latency (the corrected one at a
 * constant rate), rps = run_rps, error_rate = run_error_rate. NAN for an unknown metric. */
double metric_value(enum metric m, const struct run_result *r);
/* True when r passes t; *value (optional) gets the measured value. */
bool metric_threshold_check(const struct metric_threshold *t, const struct run_result *r,
                            double *value);

#endif
