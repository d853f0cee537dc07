/* common/window.h: a ring of per-second samples (common/sample.h) for "the last N seconds"
 * figures: the server's live req/s, windowed percentiles and per-second history. Seconds are
 * caller-supplied integers (the producer's monotonic seconds), so tests inject time. Not
 * thread-safe: one writer, or external locking. */
#ifndef TB_COMMON_WINDOW_H
#define TB_COMMON_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sample.h"

struct win;

/* A ring of nslots seconds whose histograms have sig_bits (and HIST_MAX_US_DEFAULT). NULL when
 * out of memory. */
struct win *win_new(unsigned nslots, unsigned sig_bits);
void win_free(struct win *w);
unsigned win_slots(const struct win *w);

/* The sample for `second` (duration one second), cleared if it held an older second. NULL when
 * `second` is older than the ring holds (it was overwritten), so late data is dropped rather
 * than misfiled. */
struct sample *win_slot_at(struct win *w, int64_t second);

/* sample_record into the slot of `second` (nothing when that second is gone). */
void win_record(struct win *w, int64_t second, uint64_t latency_us, int status, bool is_error,
                uint64_t bytes);

/* Adds seconds [from_s, to_s] (inclusive) of w into out (SAMPLE_SEQUENTIAL: durations add;
 * out->latency_us must merge with w's). Seconds never recorded count as zero. */
void win_sum(const struct win *w, int64_t from_s, int64_t to_s, struct sample *out);

/* Adds all of src into dst (same slot count), matching slots by second (SAMPLE_PARALLEL). */
void win_merge(struct win *dst, const struct win *src);

#endif
