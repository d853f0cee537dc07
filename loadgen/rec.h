/* loadgen/rec.h: what one load-generator thread records, and how a run's controller reads it
 * while the thread keeps going. Both engines (engine.c, curl_engine.c) record through these
 * functions; handle.c collects. Internal to loadgen/ and its tests.
 *
 * No lock is taken on the request path. Counters a snapshot shows live are atomics that only the
 * owning thread writes (a relaxed load and store: a plain add on x86, not a locked one). Latency
 * goes into the current second's sample in a ring of REC_RING slots; each slot is owned either
 * by the thread (FILLING) or, once its second is over, by the collector (DONE), which merges it
 * into the run and hands it back (FREE). Ownership passes with release/acquire stores of the
 * slot's state, so the data itself needs no atomics. Memory is flat in the run's length: the
 * ring never grows, and finished seconds leave it as soon as the collector takes them. If the
 * collector falls REC_RING - 1 seconds behind, the thread keeps filling its current slot, which
 * then covers several seconds (its duration says how many); nothing is lost. */
#ifndef TB_LOADGEN_REC_H
#define TB_LOADGEN_REC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/run.h"
#include "common/sample.h"

#define REC_RING       4
#define REC_STATUS_MAX 600

enum rec_slot_state { REC_FREE, REC_FILLING, REC_DONE };

struct rec_slot {
    _Atomic int state;    /* enum rec_slot_state */
    struct sample s;      /* s.second is a Unix second; latency at full precision */
    struct hist *lat_unc; /* constant rate: latency from the actual send (uncorrected) */
    uint64_t start_us;    /* monotonic time the slot's window starts */
    uint64_t end_us;      /* monotonic time its window ends (its second's end, or later) */
};

/* The clock the recorders of one run share: monotonic time and the Unix second it falls in.
 * Every thread of a run maps time with the same offsets, so their seconds line up. */
struct rec_clock {
    uint64_t t0_us;       /* monotonic start of the run */
    int64_t t0_unix_us;   /* wall-clock time at t0_us, microseconds */
    uint64_t deadline_us; /* monotonic end of a timed run; 0: none */
};

struct rec {
    const struct rec_clock *clock;
    /* Live counters: written by the owning thread only, read by snapshots at any time. */
    _Atomic uint64_t requests; /* complete responses */
    _Atomic uint64_t failed;   /* requests that ended without a response */
    _Atomic uint64_t bytes_read, bytes_written;
    _Atomic uint64_t errors[RUN_ERR__COUNT];
    _Atomic uint64_t status[REC_STATUS_MAX]; /* [0]: status outside 1..599 */
    _Atomic unsigned conns_open;
    _Atomic int64_t open_second; /* every second before it has been handed to the collector */
    atomic_bool finished;        /* the thread has stopped recording */

    /* Owned by the thread; read after it has been joined. */
    uint64_t errno_counts[RUN_ERR__COUNT][RUN_ERRNO_MAX];
    uint64_t length_errors, html_bytes, keepalive_responses;
    uint64_t connections_opened, requests_sent, body_bytes_sent;
    struct hist *connect_us, *ttfb_us;           /* every new connection; every response */
    struct hist *connect_req_us, *processing_us; /* ab's per-request tables, or NULL */
    bool have_first;
    uint64_t first_t_us, first_body_bytes; /* the first response: ab's document length */
    char server[128];                      /* its Server header */
    uint64_t t_end_us;                     /* when the thread stopped */

    /* The ring. cur and next_boundary_us belong to the thread, next_read to the collector. */
    struct rec_slot ring[REC_RING];
    unsigned cur;
    uint64_t next_boundary_us; /* when the current second ends */
    unsigned next_read;
};

/* Sets r up for a run on clock c (which must outlive r): histograms for every slot (plus the
 * uncorrected ones when rate is set, and ab's tables when ab_times), the first slot open at
 * clock->t0_us. Returns 0 or -1 (out of memory; rec_free cleans up). */
int rec_init(struct rec *r, const struct rec_clock *c, bool rate, bool ab_times);
void rec_free(struct rec *r);

/* The Unix second that monotonic time now_us falls in, on clock c. */
int64_t rec_second_of(const struct rec_clock *c, uint64_t now_us);

/* Moves to the slot of now_us's second when the current one is over. Called by the thread at
 * least every 100 ms and before each record. */
void rec_rollover(struct rec *r, uint64_t now_us);
static inline void rec_tick(struct rec *r, uint64_t now_us)
{
    if (now_us >= r->next_boundary_us)
        rec_rollover(r, now_us);
}

/* Only the owning thread writes, so a relaxed load and store is enough. */
static inline void rec_bump(_Atomic uint64_t *a, uint64_t n)
{
    atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* A complete response at now_us: latency_us (corrected at a constant rate) and, at a constant
 * rate, uncorrected_us; status >= 400 is also a status error. */
static inline void rec_response(struct rec *r, uint64_t now_us, uint64_t latency_us,
                                uint64_t uncorrected_us, int status)
{
    rec_tick(r, now_us);
    struct rec_slot *sl = &r->ring[r->cur];
    bool error = status >= 400;
    sample_record(&sl->s, latency_us, status, error, 0);
    if (sl->lat_unc)
        hist_record(sl->lat_unc, uncorrected_us);
    rec_bump(&r->requests, 1);
    rec_bump(&r->status[status > 0 && status < REC_STATUS_MAX ? status : 0], 1);
    if (error) {
        rec_bump(&r->errors[RUN_ERR_STATUS], 1);
        r->errno_counts[RUN_ERR_STATUS][0]++;
    }
}

/* A request that ended without a response (class, errno or 0). */
static inline void rec_failure(struct rec *r, uint64_t now_us, int cls, int err)
{
    rec_tick(r, now_us);
    r->ring[r->cur].s.errors++;
    rec_bump(&r->failed, 1);
    rec_bump(&r->errors[cls], 1);
    r->errno_counts[cls][err > 0 && err < RUN_ERRNO_MAX ? err : 0]++;
}

/* A constant-rate request that timed out: it enters the corrected latency at its age, so a
 * stall longer than the timeout still shows in the percentiles. Call rec_failure too. */
static inline void rec_timeout_age(struct rec *r, uint64_t now_us, uint64_t age_us)
{
    rec_tick(r, now_us);
    hist_record(r->ring[r->cur].s.latency_us, age_us);
}

static inline void rec_bytes_read(struct rec *r, uint64_t now_us, uint64_t n)
{
    rec_tick(r, now_us);
    r->ring[r->cur].s.bytes += n;
    rec_bump(&r->bytes_read, n);
}

/* The thread is done: it records nothing more. */
void rec_finish(struct rec *r, uint64_t t_end_us);

/* Collector side (one collector at a time, under the run's lock). Takes every slot the thread
 * has handed over, oldest first, and adds it to out: the timeline (run_timeline_add), and the
 * latency histograms latency (and uncorrected, when not NULL). With final (only after the
 * thread has been joined) the open slot is taken too. Returns 0 or -1 (out of memory). */
int rec_collect(struct rec *r, struct run_result *out, struct hist *latency,
                struct hist *uncorrected, bool final);

/* After the thread has been joined: adds its counters, errors, status codes and whole-run
 * histograms into out (the first response's document length and Server header included). */
int rec_totals(const struct rec *r, struct run_result *out);

#endif
