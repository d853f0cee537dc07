/* server/stats.c: live request statistics, built on the common sample (common/sample.h).
 * Workers record into their own block; readers (the admin API, the console) merge the blocks
 * on demand. See server_int.h for the API, server.h for the snapshot, format.c for the JSON
 * and Prometheus text built from a snapshot.
 *
 * Data: each worker block holds one sample per route (what it recorded since the last
 * snapshot, default precision) and a ring of per-second samples (common/window.h, coarse
 * precision). A snapshot folds the workers' route samples into the route totals and empties
 * them; a collector moves finished seconds from every ring into the history, a window of
 * per-second samples of all threads. The 1/10/60 s windows are merged history samples, the
 * totals are merged route samples. Samples merge exactly (counters add, histograms merge), so
 * N workers give the same figures as one.
 *
 * Concurrency: every CivetWeb worker thread gets its own struct srv_stats_thread (from the
 * init_thread callback) and is the only writer of it. Each block has its own mutex: the worker
 * takes it for the few updates of one request, and a reader takes it while it merges that
 * block. On the request path the lock is therefore uncontended except during the microseconds a
 * snapshot spends on that very thread (about once a second when someone watches), so it costs
 * one uncontended lock/unlock pair (~20 ns) and no cache line is shared between workers. Plain
 * atomics were the alternative, but histograms and the per-second ring are multi-word updates
 * that a reader must not see half done. The registry lock (r->lock) is taken only when a thread
 * starts and by readers, never per request.
 *
 * Cost of a snapshot: every walk is over occupied histogram ranges only (hist.h), and nothing
 * here clears or walks a whole histogram. Folding makes a worker cost a few loads unless it
 * recorded since the last snapshot, and each collected second's percentiles are computed once.
 * Measured with 256 threads (bench/stats.sh): 0.2-0.35 ms against ~10 ms for the full-walk
 * version this replaced. */
#include "server/server_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "common/sample.h"
#include "common/window.h"

/* Per-second histograms are coarser (0.4% relative error, 26 KiB each) so that 300 seconds of
 * history and a ring per thread stay small; totals use the default 0.05% precision. */
#define WIN_SIG_BITS HIST_SIG_BITS_COARSE
/* Seconds a thread ring keeps. A second is collected once it is a full second old, so a ring
 * must hold the current second, the one still settling, and the collector's slack: srv.c
 * collects twice a second, so 8 leaves seconds of margin before anything is overwritten. */
#define RING_SLOTS 8
/* Two more seconds than the timeline shows: the windows and timeline end two seconds back. */
#define HISTORY_SLOTS (SRV_TIMELINE_S + 2)
#define US_PER_S      1000000

/* What one worker recorded for one route since the last snapshot folded it into the totals. */
struct route_rec {
    struct sample pending; /* default precision */
    uint64_t codes[SRV_CODE_SLOTS];
};

struct srv_stats_thread {
    pthread_mutex_t lock;
    struct srv_stats_thread *next;
    atomic_int busy;
    uint64_t bytes_in;
    struct route_rec routes[SRV_ROUTE__COUNT];
    struct win *ring; /* the last RING_SLOTS seconds of this thread */
};

/* The timeline's figures of one collected second, computed once when it is collected (a
 * collected second never changes), so a snapshot copies them instead of walking 300
 * histograms. */
struct second_summary {
    int64_t second; /* INT64_MIN: none */
    uint64_t p50_us, p90_us, p99_us, max_us;
};

struct srv_stats_rec {
    pthread_mutex_t lock; /* everything below */
    struct srv_stats_thread *threads;
    unsigned nthreads;
    uint64_t started_us;
    int64_t started_s;
    int64_t next_s;      /* the oldest second not yet collected into the history */
    struct win *history; /* HISTORY_SLOTS seconds, all threads */
    struct second_summary summary[HISTORY_SLOTS]; /* indexed like the history's slots */
    /* Per route, every request folded in from the workers so far (default precision). */
    struct sample route_total[SRV_ROUTE__COUNT];
    uint64_t route_codes[SRV_ROUTE__COUNT][SRV_CODE_SLOTS];
};

static void thread_free(struct srv_stats_thread *t)
{
    if (!t)
        return;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        sample_free(&t->routes[i].pending);
    win_free(t->ring);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

struct srv_stats_rec *srv_stats_rec_new(uint64_t started_us)
{
    struct srv_stats_rec *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->started_us = started_us;
    r->started_s = (int64_t)(started_us / US_PER_S);
    r->next_s = r->started_s;
    for (unsigned i = 0; i < HISTORY_SLOTS; i++)
        r->summary[i].second = INT64_MIN;
    r->history = win_new(HISTORY_SLOTS, WIN_SIG_BITS);
    bool ok = r->history != NULL;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        ok &= sample_init(&r->route_total[i], HIST_SIG_BITS_DEFAULT, r->started_s) == 0;
    if (!ok) {
        srv_stats_rec_free(r);
        return NULL;
    }
    return r;
}

void srv_stats_rec_free(struct srv_stats_rec *r)
{
    if (!r)
        return;
    while (r->threads) {
        struct srv_stats_thread *t = r->threads;
        r->threads = t->next;
        thread_free(t);
    }
    win_free(r->history);
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        sample_free(&r->route_total[i]);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

struct srv_stats_thread *srv_stats_thread_add(struct srv_stats_rec *r)
{
    struct srv_stats_thread *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    atomic_init(&t->busy, 0);
    t->ring = win_new(RING_SLOTS, WIN_SIG_BITS);
    if (!t->ring)
        goto fail;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        if (sample_init(&t->routes[i].pending, HIST_SIG_BITS_DEFAULT, 0) != 0)
            goto fail;
    pthread_mutex_lock(&r->lock);
    t->next = r->threads;
    r->threads = t;
    r->nthreads++;
    pthread_mutex_unlock(&r->lock);
    return t;
fail:
    thread_free(t);
    return NULL;
}

void srv_stats_record(struct srv_stats_thread *t, enum srv_route route, int status,
                      uint64_t latency_us, uint64_t bytes_out, uint64_t bytes_in, uint64_t now_us)
{
    bool error = status >= 500;
    pthread_mutex_lock(&t->lock);
    struct route_rec *rr = &t->routes[route];
    sample_record(&rr->pending, latency_us, status, error, bytes_out);
    rr->codes[srv_code_slot(status)]++;
    t->bytes_in += bytes_in;
    win_record(t->ring, (int64_t)(now_us / US_PER_S), latency_us, status, error, bytes_out);
    pthread_mutex_unlock(&t->lock);
}

void srv_stats_busy(struct srv_stats_thread *t, bool busy)
{
    atomic_store_explicit(&t->busy, busy ? 1 : 0, memory_order_relaxed);
}

/* The newest second that may be reported at now_us: the last one that is a full second old. */
static int64_t last_reported_s(uint64_t now_us)
{
    return (int64_t)(now_us / US_PER_S) - 2;
}

/* How much of `second` the server was up: the second it started in is partial. */
static uint64_t second_duration_us(const struct srv_stats_rec *r, int64_t second)
{
    return second == r->started_s ? US_PER_S - r->started_us % US_PER_S : US_PER_S;
}

/* Moves seconds [r->next_s, last_s] from every thread ring into the history. r->lock held. */
static void collect(struct srv_stats_rec *r, int64_t last_s)
{
    if (last_s < r->next_s)
        return;
    int64_t from_s = r->next_s;
    if (last_s - from_s >= RING_SLOTS)
        from_s = last_s - RING_SLOTS + 1; /* the rings no longer hold anything older */
    for (int64_t sec = from_s; sec <= last_s; sec++) {
        struct sample *dst = win_slot_at(r->history, sec);
        if (!dst)
            continue;
        for (struct srv_stats_thread *t = r->threads; t; t = t->next) {
            pthread_mutex_lock(&t->lock);
            win_sum(t->ring, sec, sec, dst);
            pthread_mutex_unlock(&t->lock);
        }
        /* win_sum adds the threads' durations as if their seconds followed each other; they
         * are the same second. */
        dst->duration_us = second_duration_us(r, sec);
        static const double ps[] = {50, 90, 99};
        uint64_t p[3];
        hist_percentiles(dst->latency_us, ps, 3, p);
        r->summary[(uint64_t)sec % HISTORY_SLOTS] =
            (struct second_summary){.second = sec,
                                    .p50_us = p[0],
                                    .p90_us = p[1],
                                    .p99_us = p[2],
                                    .max_us = hist_max(dst->latency_us)};
    }
    r->next_s = last_s + 1;
}

/* Prometheus buckets of h: requests with latency <= le, bucket-precise (a histogram bucket that
 * holds le counts in full, as hist_count_between(h, 0, le) would). One pass over the occupied
 * range: each step walks the buckets from the previous le's to this one's, and the bucket they
 * share is subtracted once. */
static void prom_buckets(const struct hist *h, uint64_t le_count[SRV_PROM_BUCKETS])
{
    uint64_t prev_le_us = 0, n = 0;
    for (int b = 0; b < SRV_PROM_BUCKETS; b++) {
        uint64_t le_us = (uint64_t)(srv_prom_bucket_le_s[b] * 1e6 + 0.5);
        if (b == 0)
            n = hist_count_between(h, 0, le_us);
        else
            n += hist_count_between(h, prev_le_us, le_us) -
                 hist_count_between(h, prev_le_us, prev_le_us);
        le_count[b] = n;
        prev_le_us = le_us;
    }
}

/* Folds what every worker recorded since the last snapshot into the route totals, then copies
 * the totals into out. A worker that recorded nothing since costs a few loads, so the work
 * follows the requests recorded since the last snapshot, not how many threads ever worked.
 * r->lock held. */
static void fill_routes(struct srv_stats_rec *r, uint64_t now_us, struct srv_stats *out)
{
    uint64_t uptime_us = now_us > r->started_us ? now_us - r->started_us : 0;
    out->bytes_in = 0;
    out->threads_busy = 0;
    for (struct srv_stats_thread *t = r->threads; t; t = t->next) {
        pthread_mutex_lock(&t->lock);
        for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
            struct route_rec *rr = &t->routes[i];
            /* Every record has a status (srv.c starts from 500), so a route without requests
             * has nothing at all: the common case for most routes of most threads. */
            if (rr->pending.requests == 0)
                continue;
            sample_merge(&r->route_total[i], &rr->pending, SAMPLE_PARALLEL);
            for (int c = 0; c < SRV_CODE_SLOTS; c++)
                r->route_codes[i][c] += rr->codes[c];
            memset(rr->codes, 0, sizeof(rr->codes));
            sample_reset(&rr->pending, 0);
        }
        out->bytes_in += t->bytes_in;
        out->threads_busy += (unsigned)atomic_load_explicit(&t->busy, memory_order_relaxed);
        pthread_mutex_unlock(&t->lock);
    }
    sample_reset(&out->total, r->started_s);
    memset(out->codes, 0, sizeof(out->codes));
    for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
        struct srv_route_stats *o = &out->routes[i];
        sample_reset(&o->sample, r->started_s);
        sample_merge(&o->sample, &r->route_total[i], SAMPLE_PARALLEL);
        o->sample.duration_us = uptime_us;
        memcpy(o->codes, r->route_codes[i], sizeof(o->codes));
        const struct hist *h = o->sample.latency_us;
        prom_buckets(h, o->duration_le);
        o->duration_sum_s = hist_mean(h) * (double)hist_count(h) / 1e6;
        for (int c = 0; c < SRV_CODE_SLOTS; c++)
            out->codes[c] += o->codes[c];
        sample_merge(&out->total, &o->sample, SAMPLE_PARALLEL);
    }
}

static void fill_windows(struct srv_stats_rec *r, int64_t last_s, struct srv_stats *out)
{
    /* The windows nest (1 s inside 10 s inside 60 s), so each adds only the seconds the
     * shorter one did not have. */
    int64_t done_from_s = last_s + 1; /* seconds [done_from_s, last_s] are in `prev` */
    const struct sample *prev = NULL;
    for (int w = 0; w < SRV_WINDOWS; w++) {
        struct srv_window_stats *o = &out->windows[w];
        o->seconds = srv_window_seconds[w];
        sample_reset(&o->sample, last_s - (int64_t)o->seconds + 1);
        if (prev)
            sample_merge(&o->sample, prev, SAMPLE_SEQUENTIAL);
        int64_t from_s = last_s - (int64_t)o->seconds + 1;
        if (from_s < r->started_s)
            from_s = r->started_s;
        if (from_s < done_from_s)
            win_sum(r->history, from_s, done_from_s - 1, &o->sample);
        done_from_s = from_s < done_from_s ? from_s : done_from_s;
        o->rate_rps = sample_rate_rps(&o->sample);
        prev = &o->sample;
    }
}

static void fill_timeline(struct srv_stats_rec *r, int64_t last_s, int64_t now_s,
                          struct srv_stats *out)
{
    unsigned n = 0;
    for (int64_t sec = last_s; sec >= r->started_s && n < SRV_TIMELINE_S; sec--) {
        const struct sample *s = win_slot_at(r->history, sec);
        if (!s)
            break;
        const struct second_summary *sum = &r->summary[(uint64_t)sec % HISTORY_SLOTS];
        bool summed = sum->second == sec; /* false: never collected (nothing recorded) */
        out->timeline[n++] = (struct srv_second){
            .age_s = (uint64_t)(now_s - sec),
            .duration_us = s->duration_us,
            .requests = s->requests,
            .errors = s->errors,
            .bytes_out = s->bytes,
            .p50_us = summed ? sum->p50_us : 0,
            .p90_us = summed ? sum->p90_us : 0,
            .p99_us = summed ? sum->p99_us : 0,
            .max_us = summed ? sum->max_us : 0,
        };
    }
    out->timeline_len = n;
}

void srv_stats_fill(struct srv_stats_rec *r, uint64_t now_us, struct srv_stats *out)
{
    if (now_us < r->started_us)
        now_us = r->started_us;
    int64_t now_s = (int64_t)(now_us / US_PER_S);
    int64_t last_s = last_reported_s(now_us);
    pthread_mutex_lock(&r->lock);
    collect(r, last_s);
    fill_routes(r, now_us, out);
    fill_windows(r, last_s, out);
    fill_timeline(r, last_s, now_s, out);
    pthread_mutex_unlock(&r->lock);
}

void srv_stats_collect(struct srv_stats_rec *r, uint64_t now_us)
{
    pthread_mutex_lock(&r->lock);
    collect(r, last_reported_s(now_us));
    pthread_mutex_unlock(&r->lock);
}

unsigned srv_stats_busy_count(struct srv_stats_rec *r)
{
    unsigned n = 0;
    pthread_mutex_lock(&r->lock);
    for (struct srv_stats_thread *t = r->threads; t; t = t->next)
        n += (unsigned)atomic_load_explicit(&t->busy, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
    return n;
}

struct srv_stats *srv_stats_new(void)
{
    struct srv_stats *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    bool ok = sample_init(&st->total, HIST_SIG_BITS_DEFAULT, 0) == 0;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        ok &= sample_init(&st->routes[i].sample, HIST_SIG_BITS_DEFAULT, 0) == 0;
    for (int w = 0; w < SRV_WINDOWS; w++) {
        st->windows[w].seconds = srv_window_seconds[w];
        ok &= sample_init(&st->windows[w].sample, WIN_SIG_BITS, 0) == 0;
    }
    if (!ok) {
        srv_stats_free(st);
        return NULL;
    }
    return st;
}

void srv_stats_free(struct srv_stats *st)
{
    if (!st)
        return;
    sample_free(&st->total);
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        sample_free(&st->routes[i].sample);
    for (int w = 0; w < SRV_WINDOWS; w++)
        sample_free(&st->windows[w].sample);
    free(st);
}
