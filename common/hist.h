/* common/hist.h: a log-linear (HDR-style) histogram of non-negative integer values, usually
 * latencies in microseconds. Values below 2^(sig_bits+1) get a bucket each; above that every
 * power-of-two range is cut into 2^sig_bits equal buckets, so a reported value is within
 * 2^-(sig_bits+1) of the truth (sig_bits 10: 0.05%). Recording is O(1) with no allocation;
 * histograms merge exactly, so per-thread and per-second histograms are merged and percentiles
 * are never averaged. Every walk (merge, reset, percentiles, serialize) covers only the occupied
 * bucket range, so an idle or narrow histogram costs little however large its shape.
 * Not thread-safe: one writer, or external locking. Used by every part; read sample.h next. */
#ifndef TB_COMMON_HIST_H
#define TB_COMMON_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist;

/* Precision used for latency histograms everywhere unless a caller has a reason not to. */
#define HIST_SIG_BITS_DEFAULT 10
/* Coarser precision (0.4%) for the many small histograms of per-second timelines. */
#define HIST_SIG_BITS_COARSE 7
/* One hour in microseconds: the largest latency kept exactly; larger values are clamped. */
#define HIST_MAX_US_DEFAULT 3600000000ull
/* hist_deserialize refuses shapes with more buckets than this (256 KiB of counts), so a short
 * hostile input cannot make it allocate megabytes. The default shape has 23,220. */
#define HIST_DESERIALIZE_MAX_BUCKETS 32768u

/* Returns a zeroed histogram for values 0..max_value with 1 <= sig_bits <= 16, or NULL when
 * out of memory or the arguments are out of range. Values above max_value are counted in the
 * last bucket; min/max/mean stay exact. */
struct hist *hist_new(unsigned sig_bits, uint64_t max_value);
/* hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT). */
struct hist *hist_new_default(void);
/* A new histogram equal to h (same shape and contents), or NULL when out of memory. */
struct hist *hist_clone(const struct hist *h);
void hist_free(struct hist *h);
/* Bytes of bucket storage, for sizing decisions. */
size_t hist_bytes(const struct hist *h);
unsigned hist_sig_bits(const struct hist *h);

void hist_record(struct hist *h, uint64_t value);
void hist_record_n(struct hist *h, uint64_t value, uint64_t count);
void hist_reset(struct hist *h);
/* Adds src into dst. Exact when both have the same shape; when dst is coarser (fewer sig_bits,
 * max_value at least src's) each src bucket falls wholly inside one dst bucket, so the result
 * is exactly what recording the same values into dst would give. Returns 0, or -1 (dst
 * untouched) when dst is finer than src or its max_value is smaller. */
int hist_merge(struct hist *dst, const struct hist *src);
/* True when a and b have the same shape (sig_bits, max_value). */
bool hist_same_shape(const struct hist *a, const struct hist *b);

uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h); /* 0 when empty */
double hist_mean(const struct hist *h);  /* from exact integer sums; 0 when empty */
double hist_stdev(const struct hist *h); /* population standard deviation, from exact sums */
/* The value at percentile p (0..100): the smallest recorded value v such that at least p% of
 * values are <= v, reported as its bucket's midpoint and clamped to [min, max]. */
uint64_t hist_percentile(const struct hist *h, double p);
/* n percentiles in one pass: p[] must be ascending; out[i] is hist_percentile(h, p[i]). */
void hist_percentiles(const struct hist *h, const double *p, size_t n, uint64_t *out);
/* Number of recorded values whose bucket lies within [lo, hi] (bucket-precise). */
uint64_t hist_count_between(const struct hist *h, uint64_t lo, uint64_t hi);

/* Iterates non-empty buckets in increasing order: *pos starts at 0; returns false at the end.
 * *value is the bucket's highest value (what "<= le" means for Prometheus-style buckets). */
bool hist_next(const struct hist *h, size_t *pos, uint64_t *value, uint64_t *count);

/* Serializes into buf (sparse, varint-coded). Returns the bytes needed; when that is larger
 * than len nothing useful was written and the caller retries with a bigger buffer. */
size_t hist_serialize(const struct hist *h, uint8_t *buf, size_t len);
/* hist_serialize into a new buffer (*out, *len; the caller frees *out). Returns 0 or -1. */
int hist_serialize_alloc(const struct hist *h, uint8_t **out, size_t *len);
/* Rebuilds a histogram from hist_serialize output (and the older "TBH1" form of schema-2
 * stores). NULL on malformed input: a bad magic, a shape out of range or with more than
 * HIST_DESERIALIZE_MAX_BUCKETS buckets, counts that do not add up to the stated total, buckets
 * out of order, or min/max that do not match the occupied buckets. */
struct hist *hist_deserialize(const uint8_t *buf, size_t len);

#endif
