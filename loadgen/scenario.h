/* loadgen/scenario.h: `tierbench run` scenario files (JSON, parsed with cJSON) and their
 * thresholds (common/metric.h). Used by cmd_run.c and its tests; the file format is documented
 * in README.md. Errors name the JSON path of the bad value:
 * `stages[2].duration: expected a duration like "10s"`. */
#ifndef TB_LOADGEN_SCENARIO_H
#define TB_LOADGEN_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metric.h"
#include "common/run.h"
#include "loadgen/loadgen.h"

/* One stage: lg_run is called once per stage with these settings. */
struct lg_stage {
    uint64_t duration_us;
    unsigned connections;
    double rate_rps; /* > 0: constant rate (latency corrected); 0: closed loop */
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
    struct metric_threshold *thresholds;
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

#endif
