/* common/window.h: a ring of per-second slots (requests, errors, bytes, a latency histogram) for
 * "the last N seconds" figures: the server's live req/s and windowed percentiles, the load
 * generator's per-second timeline. Seconds are caller-supplied integers (monotonic seconds), so
 * tests inject time. Not thread-safe: one writer, or external locking. */
#ifndef TB_COMMON_WINDOW_H
#define TB_COMMON_WINDOW_H

#include <stdint.h>

#include "common/hist.h"

struct win;

struct win_slot {
    uint64_t second; /* which second this slot holds */
    uint64_t requests;
    uint64_t errors;
    uint64_t bytes;
    struct hist *latency; /* latency_us of the requests that ended in this second */
};

/* A ring of nslots seconds whose histograms have the given shape. NULL when out of memory. */
struct win *win_new(unsigned nslots, unsigned sig_bits, uint64_t max_latency_us);
void win_free(struct win *w);
unsigned win_slots(const struct win *w);

/* The slot for `second`, cleared if it held an older second. NULL when `second` is older than
 * the ring holds (it was overwritten), so late data is dropped rather than misfiled. */
struct win_slot *win_slot_at(struct win *w, uint64_t second);

void win_record(struct win *w, uint64_t second, uint64_t latency_us, int is_error, uint64_t bytes);

/* Adds seconds [from_s, to_s] (inclusive) of w into out: counters summed, latencies merged into
 * out->latency (which must have w's shape). Seconds never recorded count as zero. */
void win_sum(const struct win *w, uint64_t from_s, uint64_t to_s, struct win_slot *out);

/* Adds all of src into dst (same slot count and shape), matching slots by second. */
void win_merge(struct win *dst, const struct win *src);

#endif
