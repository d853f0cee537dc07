/* loadgen/rec.c: see rec.h. */
#include "loadgen/rec.h"

#include <string.h>

/* Monotonic time at which Unix second `second` starts, on clock c (may precede t0). */
static int64_t mono_of(const struct rec_clock *c, int64_t second)
{
    return (int64_t)c->t0_us + (second * 1000000 - c->t0_unix_us);
}

int64_t rec_second_of(const struct rec_clock *c, uint64_t now_us)
{
    int64_t unix_us = c->t0_unix_us + (int64_t)(now_us - c->t0_us);
    return unix_us / 1000000;
}

/* The monotonic end of `second`; a timed run's last second ends at the deadline, so responses
 * that land just after it (the deadline is checked once per loop) stay in the last second. */
static uint64_t second_end(const struct rec *r, int64_t second)
{
    uint64_t end = (uint64_t)mono_of(r->clock, second + 1);
    if (r->clock->deadline_us && end >= r->clock->deadline_us)
        return UINT64_MAX;
    return end;
}

static void slot_open(struct rec *r, struct rec_slot *sl, int64_t second, uint64_t start_us)
{
    sample_reset(&sl->s, second);
    if (sl->lat_unc)
        hist_reset(sl->lat_unc);
    sl->start_us = start_us;
    sl->end_us = second_end(r, second);
    atomic_store_explicit(&sl->state, REC_FILLING, memory_order_relaxed);
    r->next_boundary_us = sl->end_us;
    atomic_store_explicit(&r->open_second, second, memory_order_release);
}

int rec_init(struct rec *r, const struct rec_clock *c, bool rate, bool ab_times)
{
    memset(r, 0, sizeof(*r));
    r->clock = c;
    for (unsigned i = 0; i < REC_RING; i++) {
        struct rec_slot *sl = &r->ring[i];
        atomic_init(&sl->state, REC_FREE);
        if (sample_init(&sl->s, HIST_SIG_BITS_DEFAULT, 0) != 0)
            return -1;
        if (rate && !(sl->lat_unc = hist_new_default()))
            return -1;
    }
    r->connect_us = hist_new_default();
    r->ttfb_us = hist_new_default();
    if (!r->connect_us || !r->ttfb_us)
        return -1;
    if (ab_times &&
        (!(r->connect_req_us = hist_new_default()) || !(r->processing_us = hist_new_default())))
        return -1;
    slot_open(r, &r->ring[0], rec_second_of(c, c->t0_us), c->t0_us);
    return 0;
}

void rec_free(struct rec *r)
{
    for (unsigned i = 0; i < REC_RING; i++) {
        sample_free(&r->ring[i].s);
        hist_free(r->ring[i].lat_unc);
    }
    hist_free(r->connect_us);
    hist_free(r->ttfb_us);
    hist_free(r->connect_req_us);
    hist_free(r->processing_us);
    memset(r, 0, sizeof(*r));
}

void rec_rollover(struct rec *r, uint64_t now_us)
{
    struct rec_slot *cur = &r->ring[r->cur];
    int64_t second = rec_second_of(r->clock, now_us);
    unsigned next = (r->cur + 1) % REC_RING;
    struct rec_slot *nx = &r->ring[next];
    if (atomic_load_explicit(&nx->state, memory_order_acquire) != REC_FREE) {
        /* The collector is behind: keep filling this slot rather than lose anything. */
        cur->end_us = second_end(r, second);
        r->next_boundary_us = cur->end_us;
        return;
    }
    cur->s.duration_us = cur->end_us - cur->start_us;
    atomic_store_explicit(&cur->state, REC_DONE, memory_order_release);
    r->cur = next;
    /* A thread that slept through whole seconds has nothing for them; the run's timeline fills
     * such gaps (handle.c), so the new slot starts at its own second. */
    int64_t start = mono_of(r->clock, second);
    slot_open(r, nx, second, start > (int64_t)now_us ? now_us : (uint64_t)start);
}

void rec_finish(struct rec *r, uint64_t t_end_us)
{
    struct rec_slot *cur = &r->ring[r->cur];
    uint64_t end = cur->end_us < t_end_us ? cur->end_us : t_end_us;
    cur->s.duration_us = end > cur->start_us ? end - cur->start_us : 0;
    r->t_end_us = t_end_us;
    atomic_store_explicit(&r->finished, true, memory_order_release);
}

static int take(struct rec_slot *sl, struct run_result *out, struct hist *latency,
                struct hist *uncorrected)
{
    if (run_timeline_add(out, &sl->s, SAMPLE_PARALLEL) != 0 ||
        hist_merge(latency, sl->s.latency_us) != 0)
        return -1;
    if (uncorrected && sl->lat_unc && hist_merge(uncorrected, sl->lat_unc) != 0)
        return -1;
    return 0;
}

int rec_collect(struct rec *r, struct run_result *out, struct hist *latency,
                struct hist *uncorrected, bool final)
{
    for (unsigned n = 0; n < REC_RING; n++) {
        struct rec_slot *sl = &r->ring[r->next_read];
        int state = atomic_load_explicit(&sl->state, memory_order_acquire);
        if (state != REC_DONE && !(final && state == REC_FILLING))
            break;
        if (take(sl, out, latency, uncorrected) != 0)
            return -1;
        atomic_store_explicit(&sl->state, REC_FREE, memory_order_release);
        r->next_read = (r->next_read + 1) % REC_RING;
    }
    return 0;
}

static int merge_or_clone(struct hist **dst, const struct hist *src)
{
    if (!src)
        return 0;
    if (!*dst)
        return (*dst = hist_clone(src)) ? 0 : -1;
    return hist_merge(*dst, src);
}

int rec_totals(const struct rec *r, struct run_result *out)
{
    out->requests += atomic_load(&r->requests);
    out->bytes_read += atomic_load(&r->bytes_read);
    out->bytes_written += atomic_load(&r->bytes_written);
    for (int k = 0; k < RUN_ERR__COUNT; k++) {
        out->errors[k] += atomic_load(&r->errors[k]);
        for (int e = 0; e < RUN_ERRNO_MAX; e++)
            out->errno_counts[k][e] += r->errno_counts[k][e];
    }
    for (int s = 0; s < REC_STATUS_MAX; s++) {
        uint64_t n = atomic_load(&r->status[s]);
        if (n && run_status_add(out, s, n) != 0)
            return -1;
    }
    out->length_errors += r->length_errors;
    out->html_bytes += r->html_bytes;
    out->keepalive_responses += r->keepalive_responses;
    out->connections_opened += r->connections_opened;
    out->requests_sent += r->requests_sent;
    out->body_bytes_sent += r->body_bytes_sent;
    if (merge_or_clone(&out->connect_us, r->connect_us) ||
        merge_or_clone(&out->ttfb_us, r->ttfb_us) ||
        merge_or_clone(&out->connect_req_us, r->connect_req_us) ||
        merge_or_clone(&out->processing_us, r->processing_us))
        return -1;
    return 0;
}
