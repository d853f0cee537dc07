/* server/stats.c: live request statistics. Workers record into their own block; readers (the
 * admin API, the console) aggregate on demand. See server_int.h for the API, server.h for the
 * snapshot fields, format.c for the JSON and Prometheus text built from a snapshot.
 *
 * Concurrency: every CivetWeb worker thread gets its own struct srv_stats_thread (from the
 * init_thread callback) and is the only writer of it. Each block has its own mutex: the worker
 * takes it for the few increments of one request, and a reader takes it while it copies that
 * block. On the request path the lock is therefore uncontended except during the microseconds a
 * snapshot spends on that very thread (about once a second when someone watches), so it costs
 * one uncontended lock/unlock pair (~20 ns) and no cache line is shared between workers. Plain
 * atomics were the alternative, but histograms and the per-second ring are multi-word updates
 * that a reader must not see half done. The registry lock (r->lock) is taken only when a thread
 * starts and by readers, never per request. */
#include "server/server_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "common/window.h"

/* Windowed histograms are coarser (2^-8 = 0.4% relative error, 27 KiB each) so that 300 seconds
 * of history and a ring per thread stay small; totals use the default 0.05% precision. */
#define WIN_SIG_BITS 7
/* Seconds a thread keeps before the reader moves them into the shared history. Readers collect
 * at least whenever a snapshot is taken; seconds older than this that nobody collected are lost
 * from the history (never from the totals). srv.c runs a collector often enough. */
#define RING_SLOTS 8

struct route_rec {
    uint64_t requests;
    uint64_t bytes_out;
    uint64_t codes[SRV_CODE_SLOTS];
    struct hist *latency; /* default shape; the per-route totals */
};

struct srv_stats_thread {
    pthread_mutex_t lock;
    struct srv_stats_thread *next;
    atomic_int busy;
    uint64_t bytes_in;
    uint64_t status_class[6];
    struct route_rec routes[SRV_ROUTE__COUNT];
    struct win *ring; /* the last RING_SLOTS seconds of this thread */
};

struct srv_stats_rec {
    pthread_mutex_t lock; /* registry, history and the scratch histograms */
    struct srv_stats_thread *threads;
    unsigned nthreads;
    uint64_t started_s;
    uint64_t collected_upto_s; /* seconds below this are in history */
    struct win *history;       /* SRV_TIMELINE_S seconds, all threads */
    struct hist *route_tmp[SRV_ROUTE__COUNT];
    struct hist *total_tmp;
    struct hist *win_tmp;
};

static void thread_free(struct srv_stats_thread *t)
{
    if (!t)
        return;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        hist_free(t->routes[i].latency);
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
    r->started_s = started_us / 1000000;
    r->collected_upto_s = r->started_s;
    r->history = win_new(SRV_TIMELINE_S + 2, WIN_SIG_BITS);
    r->total_tmp = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->win_tmp = hist_new(WIN_SIG_BITS, HIST_MAX_US_DEFAULT);
    if (!r->history || !r->total_tmp || !r->win_tmp)
        goto fail;
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        if (!(r->route_tmp[i] = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT)))
            goto fail;
    return r;
fail:
    srv_stats_rec_free(r);
    return NULL;
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
    hist_free(r->total_tmp);
    hist_free(r->win_tmp);
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        hist_free(r->route_tmp[i]);
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
        if (!(t->routes[i].latency = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT)))
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
    unsigned cls = status >= 100 && status < 600 ? (unsigned)status / 100 : 0;
    pthread_mutex_lock(&t->lock);
    struct route_rec *rr = &t->routes[route];
    rr->requests++;
    rr->bytes_out += bytes_out;
    rr->codes[srv_code_slot(status)]++;
    hist_record(rr->latency, latency_us);
    t->status_class[cls]++;
    t->bytes_in += bytes_in;
    win_record(t->ring, (int64_t)(now_us / 1000000), latency_us, status, status >= 500, bytes_out);
    pthread_mutex_unlock(&t->lock);
}

void srv_stats_busy(struct srv_stats_thread *t, bool busy)
{
    atomic_store_explicit(&t->busy, busy ? 1 : 0, memory_order_relaxed);
}

/* Moves complete seconds (< now_s) from every thread ring into the history. r->lock held. */
static void collect(struct srv_stats_rec *r, uint64_t now_s)
{
    if (now_s <= r->collected_upto_s)
        return;
    uint64_t from_s = r->collected_upto_s;
    if (now_s - from_s > RING_SLOTS)
        from_s = now_s - RING_SLOTS; /* the rings no longer hold anything older */
    for (uint64_t sec = from_s; sec < now_s; sec++) {
        struct sample *dst = win_slot_at(r->history, (int64_t)sec);
        if (!dst)
            continue;
        for (struct srv_stats_thread *t = r->threads; t; t = t->next) {
            pthread_mutex_lock(&t->lock);
            win_sum(t->ring, (int64_t)sec, (int64_t)sec, dst);
            pthread_mutex_unlock(&t->lock);
        }
    }
    r->collected_upto_s = now_s;
}

static void latency_of(const struct hist *h, struct srv_latency *out)
{
    out->count = hist_count(h);
    out->mean_us = hist_mean(h);
    out->p50_us = hist_percentile(h, 50.0);
    out->p90_us = hist_percentile(h, 90.0);
    out->p99_us = hist_percentile(h, 99.0);
    out->p999_us = hist_percentile(h, 99.9);
    out->max_us = hist_max(h);
}

static void fill_routes(struct srv_stats_rec *r, struct srv_stats *out)
{
    for (int i = 0; i < SRV_ROUTE__COUNT; i++)
        hist_reset(r->route_tmp[i]);
    hist_reset(r->total_tmp);
    for (struct srv_stats_thread *t = r->threads; t; t = t->next) {
        pthread_mutex_lock(&t->lock);
        for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
            const struct route_rec *rr = &t->routes[i];
            struct srv_route_stats *o = &out->routes[i];
            o->requests += rr->requests;
            o->bytes_out += rr->bytes_out;
            for (int c = 0; c < SRV_CODE_SLOTS; c++)
                o->codes[c] += rr->codes[c];
            hist_merge(r->route_tmp[i], rr->latency); /* cheap when the route saw nothing */
        }
        for (int c = 0; c < 6; c++)
            out->status_class[c] += t->status_class[c];
        out->bytes_in += t->bytes_in;
        out->threads_busy += (unsigned)atomic_load_explicit(&t->busy, memory_order_relaxed);
        pthread_mutex_unlock(&t->lock);
    }
    for (int i = 0; i < SRV_ROUTE__COUNT; i++) {
        struct srv_route_stats *o = &out->routes[i];
        const struct hist *h = r->route_tmp[i];
        latency_of(h, &o->latency);
        for (int b = 0; b < SRV_PROM_BUCKETS; b++) {
            uint64_t le_us = (uint64_t)(srv_prom_bucket_le_s[b] * 1e6 + 0.5);
            o->duration_le[b] = hist_count_between(h, 0, le_us);
        }
        o->duration_sum_s = hist_mean(h) * (double)hist_count(h) / 1e6;
        out->requests += o->requests;
        out->bytes_out += o->bytes_out;
        for (int c = 0; c < SRV_CODE_SLOTS; c++)
            out->codes[c] += o->codes[c];
        hist_merge(r->total_tmp, h);
    }
    latency_of(r->total_tmp, &out->latency);
}

static void fill_windows(struct srv_stats_rec *r, uint64_t now_s, struct srv_stats *out)
{
    uint64_t elapsed_s = now_s - r->started_s; /* complete seconds since start */
    for (int w = 0; w < SRV_WINDOWS; w++) {
        struct srv_window_stats *o = &out->windows[w];
        unsigned len = srv_window_seconds[w];
        struct sample sum = {.latency_us = r->win_tmp};
        hist_reset(r->win_tmp);
        if (elapsed_s > 0)
            win_sum(r->history, (int64_t)(now_s >= len ? now_s - len : 0), (int64_t)now_s - 1, &sum);
        uint64_t span_s = elapsed_s < len ? elapsed_s : len;
        o->seconds = len;
        o->requests = sum.requests;
        o->errors = sum.errors;
        o->rate_rps = span_s ? (double)sum.requests / (double)span_s : 0.0;
        latency_of(r->win_tmp, &o->latency);
    }
    unsigned n = 0;
    for (uint64_t age = 1; age <= SRV_TIMELINE_S && age <= elapsed_s; age++) {
        struct sample *s = win_slot_at(r->history, (int64_t)(now_s - age));
        if (!s)
            break;
        struct srv_second *o = &out->timeline[n++];
        o->age_s = age;
        o->requests = s->requests;
        o->errors = s->errors;
        o->bytes_out = s->bytes;
        o->p50_us = hist_percentile(s->latency_us, 50.0);
        o->p99_us = hist_percentile(s->latency_us, 99.0);
    }
    out->timeline_len = n;
}

void srv_stats_fill(struct srv_stats_rec *r, uint64_t now_us, struct srv_stats *out)
{
    uint64_t now_s = now_us / 1000000;
    if (now_s < r->started_s)
        now_s = r->started_s;
    out->requests = out->bytes_out = out->bytes_in = 0;
    memset(out->status_class, 0, sizeof(out->status_class));
    memset(out->codes, 0, sizeof(out->codes));
    memset(out->routes, 0, sizeof(out->routes));
    out->threads_busy = 0;
    pthread_mutex_lock(&r->lock);
    collect(r, now_s);
    fill_routes(r, out);
    fill_windows(r, now_s, out);
    pthread_mutex_unlock(&r->lock);
}

void srv_stats_collect(struct srv_stats_rec *r, uint64_t now_us)
{
    pthread_mutex_lock(&r->lock);
    collect(r, now_us / 1000000);
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
