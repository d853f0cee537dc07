/* common/sample.h: the live sample: counters and a latency histogram over a window of time. The
 * server's per-thread statistics, a load test's per-second data and a snapshot of either are
 * made of samples, so the samples of N server workers or N load generators merge exactly
 * (counters add, histograms merge; percentiles are never averaged). Also the one latency
 * summary and its JSON form ("latency_us": {"p50": ..., "p99_9": ...}) every part writes.
 * Read next: window.h (a ring of samples), run.h (a finished run). */
#ifndef TB_COMMON_SAMPLE_H
#define TB_COMMON_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/jsonw.h"

struct sample {
    int64_t second;       /* the second the window starts in: wall-clock (Unix) seconds for
                             timelines, the producer's monotonic seconds for live rings */
    uint64_t duration_us; /* how much time the window really covers (a partial second is less) */
    uint64_t requests;    /* complete responses, any status */
    uint64_t errors;      /* requests that failed, by the producer's definition (see its header) */
    uint64_t bytes;       /* response bytes on the wire (read by a client, written by a server) */
    uint64_t status_class[6]; /* [1]..[5] = 1xx..5xx responses; [0] anything else */
    struct hist *latency_us;  /* latency of the requests that ended in the window */
};

/* How sample_merge combines durations: the same window seen by several producers (threads,
 * processes, machines) overlaps, so its duration is the longest; consecutive windows add. */
enum sample_span { SAMPLE_PARALLEL, SAMPLE_SEQUENTIAL };

/* Allocates the latency histogram (sig_bits, HIST_MAX_US_DEFAULT) of an empty sample for
 * `second`. Returns 0, or -1 when out of memory (s is then empty and safe to free). */
int sample_init(struct sample *s, unsigned sig_bits, int64_t second);
/* Frees the histogram and zeroes s; accepts NULL. */
void sample_free(struct sample *s);
/* Empties s (keeping its histogram's memory) and keys it to `second`. */
void sample_reset(struct sample *s, int64_t second);
/* One finished request: status 0 for a request that got no response (only errors counts it). */
void sample_record(struct sample *s, uint64_t latency_us, int status, bool error, uint64_t bytes);
/* Adds src into dst (see enum sample_span). The histograms must merge (hist_merge). Returns 0
 * or -1. dst keeps its own second. */
int sample_merge(struct sample *dst, const struct sample *src, enum sample_span span);
/* requests per second of duration; 0 when the duration is 0. */
double sample_rate_rps(const struct sample *s);

/* The latency figures every report and API shows, computed in one pass over a histogram. */
struct sample_latency {
    uint64_t count;
    uint64_t min_us;
    double mean_us;
    double stdev_us;
    uint64_t p50_us, p75_us, p90_us, p99_us, p999_us;
    uint64_t max_us;
};
/* Zeroes when h is NULL or empty. */
void sample_latency_of(const struct hist *h, struct sample_latency *out);
/* Writes key: {"count","min","mean","stdev","p50","p75","p90","p99","p99_9","max"} in
 * microseconds, or key: null when h is NULL. The one latency vocabulary of every JSON document
 * tierbench writes (the server's /api/stats and the run JSON). */
void sample_latency_json(struct jsonw *w, const char *key, const struct hist *h);

#endif
