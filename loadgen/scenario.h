/* loadgen/scenario.h: `tierbench run` scenario files (JSON, parsed with cJSON), their thresholds,
 * and merging the results of a scenario's stages into one run. Used by cmd_run.c and its tests;
 * the file format is documented in README.md. Errors name the JSON path of the bad value:
 * `stages[2].duration: expected a duration like "10s"`. */
#ifndef TB_LOADGEN_SCENARIO_H
#define TB_LOADGEN_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/run.h"
#include "loadgen/loadgen.h"

/* One stage: lg_run is called once per stage with these settings. */
struct lg_stage {
    uint64_t duration_us;
    unsigned connections;
    double rate_rps; /* > 0: constant rate (latency corrected); 0: closed loop */
};

enum lg_metric {
    LG_METRIC_P50_MS,
    LG_METRIC_P75_MS,
    LG_METRIC_P90_MS,
    LG_METRIC_P99_MS,
    LG_METRIC_P999_MS,
    LG_METRIC_MIN_MS,
    LG_METRIC_MAX_MS,
    LG_METRIC_MEAN_MS,
    LG_METRIC_RPS,
    LG_METRIC_ERROR_RATE, /* see rpt_run_error_rate */
    LG_METRIC_ERRORS,
    LG_METRIC_REQUESTS,
    LG_METRIC__COUNT
};

enum lg_cmp { LG_CMP_LT, LG_CMP_LE, LG_CMP_GT, LG_CMP_GE, LG_CMP_EQ };

/* "p99_ms < 200": metric, comparison, limit (in the metric's unit). */
struct lg_threshold {
    char text[128]; /* as written in the file */
    enum lg_metric metric;
    enum lg_cmp cmp;
    double limit;
};

struct lg_scenario {
    char target[1024];   /* http://host[:port][/path] */
    unsigned threads;    /* 0: not set, each stage uses min(2, connections) */
    uint64_t timeout_us; /* 0: the engine's default */
    bool keep_alive;     /* default true */
    struct lg_stage *stages;
    size_t nstages;
    /* Weighted request mix; every string member is owned by the scenario. Empty: one GET of
     * the target's path. */
    struct lg_request *requests;
    size_t nrequests;
    struct lg_threshold *thresholds;
    size_t nthresholds;
    char *config_json; /* the scenario, compact, with "scenario_file" added when loaded */
};

/* Parses scenario JSON text. base_dir resolves relative body_file paths (NULL: the current
 * directory). Returns 0, or -1 with one line in err naming the JSON path of the problem. On
 * failure *out holds nothing (it is freed). */
int lg_scenario_parse(const char *text, const char *base_dir, struct lg_scenario *out, char *err,
                      size_t errlen);
/* Reads and parses the file at path (body_file relative to the file's directory). Errors start
 * with the path. */
int lg_scenario_load(const char *path, struct lg_scenario *out, char *err, size_t errlen);
/* Frees everything the scenario owns and zeroes it; accepts NULL. */
void lg_scenario_free(struct lg_scenario *sc);

/* Replaces the scenario's target (tierbench run --target), in config_json too. Returns 0, or -1
 * with a reason in err when url is not a valid target. */
int lg_scenario_set_target(struct lg_scenario *sc, const char *url, char *err, size_t errlen);

/* The lg_run configuration of stage i (0-based); cfg points into sc, which must outlive it. */
void lg_scenario_stage_config(const struct lg_scenario *sc, size_t i, struct lg_config *cfg);

/* "10s", "500ms", "1m30s", "1.5h", "250us": a sequence of number+unit. Returns 0, or -1 when
 * it is not a duration. */
int lg_duration_parse(const char *s, uint64_t *out_us);

/* Parses "METRIC OP NUMBER" (spaces optional), e.g. "p99_ms < 200", "error_rate<0.01".
 * Returns 0, or -1 with a reason in err (without a path prefix). */
int lg_threshold_parse(const char *text, struct lg_threshold *out, char *err, size_t errlen);
/* Name of a metric ("p99_ms") and of a comparison ("<"). */
const char *lg_metric_name(enum lg_metric m);
const char *lg_cmp_name(enum lg_cmp c);
/* The metric's value for a run: latencies in ms from r->latency (the corrected one in rate
 * mode), rps = requests / duration_s, error_rate as rpt_run_error_rate. */
double lg_metric_value(enum lg_metric m, const struct run_result *r);
/* True when r passes t; *value (optional) gets the measured value. */
bool lg_threshold_check(const struct lg_threshold *t, const struct run_result *r, double *value);

/* Adds stage result src into dst, the scenario's running total: counts and bytes summed,
 * durations summed, histograms merged (a closed-loop stage's latency stands in for its
 * uncorrected latency when another stage ran at a constant rate), status counts merged, the
 * timeline appended with its seconds shifted past dst's last second, threads/connections/rate
 * the largest seen. Identity fields (tool, cmdline, target, ...) are taken from src only when
 * dst has none. Returns 0, or -1 (out of memory or histograms of different shapes; dst may
 * then be partly merged). */
int lg_result_merge(struct run_result *dst, const struct run_result *src);

#endif
