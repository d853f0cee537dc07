/* common/hist.h: a log-linear (HDR-style) histogram of non-negative integer values, usually
 * latencies in microseconds. Values below 2^(sig_bits+1) get a bucket each; above that every
 * power-of-two range is cut into 2^sig_bits equal buckets, so a reported value is within
 * 2^-(sig_bits+1) of the truth (sig_bits 10: 0.05%). Recording is O(1) with no allocation;
 * histograms of the same shape merge exactly, so per-thread histograms are merged after a run
 * and percentiles are never averaged. Not thread-safe: one writer, or external locking.
 * Used by the server's live stats, the load generator and the result store. */
#ifndef TB_COMMON_HIST_H
#define TB_COMMON_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist;

/* Precision used for latency histograms everywhere unless a caller has a reason not to. */
#define HIST_SIG_BITS_DEFAULT 10
/* One hour in microseconds: the largest latency kept exactly; larger values are clamped. */
#define HIST_MAX_US_DEFAULT 3600000000ull

/* Returns a zeroed histogram for values 0..max_value with 1 <= sig_bits <= 16, or NULL when
 * out of memory or the arguments are out of range. Values above max_value are counted in the
 * last bucket; min/max/mean stay exact. */
struct hist *hist_new(unsigned sig_bits, uint64_t max_value);
void hist_free(struct hist *h);
/* Bytes of bucket storage, for sizing decisions. */
size_t hist_bytes(const struct hist *h);

void hist_record(struct hist *h, uint64_t value);
void hist_record_n(struct hist *h, uint64_t value, uint64_t count);
void hist_reset(struct hist *h);
/* Adds src into dst. Returns 0, or -1 when the shapes (sig_bits, max_value) differ. */
int hist_merge(struct hist *dst, const struct hist *src);
/* True when a and b have the same shape and so can be merged. */
bool hist_same_shape(const struct hist *a, const struct hist *b);

uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h); /* 0 when empty */
double hist_mean(const struct hist *h);  /* exact; 0 when empty */
double hist_stdev(const struct hist *h); /* population standard deviation, exact */
/* The value at percentile p (0..100): the smallest recorded value v such that at least p% of
 * values are <= v, reported as its bucket's midpoint and clamped to [min, max]. */
uint64_t hist_percentile(const struct hist *h, double p);
/* Number of recorded values whose bucket lies within [lo, hi] (bucket-precise). */
uint64_t hist_count_between(const struct hist *h, uint64_t lo, uint64_t hi);

/* Iterates non-empty buckets in increasing order: *pos starts at 0; returns false at the end.
 * *value is the bucket's highest value (what "<= le" means for Prometheus-style buckets). */
bool hist_next(const struct hist *h, size_t *pos, uint64_t *value, uint64_t *count);

/* Serializes into buf (sparse, varint-coded). Returns the bytes needed; when that is larger
 * than len nothing useful was written and the caller retries with a bigger buffer. */
size_t hist_serialize(const struct hist *h, uint8_t *buf, size_t len);
/* Rebuilds a histogram from hist_serialize output. NULL on malformed input. */
struct hist *hist_deserialize(const uint8_t *buf, size_t len);

#endif
