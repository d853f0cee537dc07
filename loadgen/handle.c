/* loadgen/handle.c: a run as a handle (loadgen.h): lg_start checks the configuration, lets the
 * engine (engine_run.c for http://, curl_engine.c for https://) prepare its threads, gives each
 * thread a recorder (rec.h) and starts them with a controller thread. The controller collects
 * finished seconds into the run's timeline and latency histogram and samples each thread's rate
 * every 100 ms; snapshots read what it built under a lock the workers never take, plus the
 * workers' live counters. lg_wait joins everything and fills the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "loadgen/lg_int.h"

#define CONTROLLER_TICK_US 10000
#define RATE_SAMPLE_US     100000

static void run_free(struct lg_run *run)
{
    if (!run)
        return;
    if (run->ops)
        run->ops->release(run);
    for (unsigned i = 0; run->recs && i < run->nthreads; i++)
        rec_free(&run->recs[i]);
    free(run->recs);
    free(run->threads);
    free(run->tids);
    free(run->last_requests);
    hist_free(run->latency);
    hist_free(run->uncorrected);
    hist_free(run->thread_rps);
    run_result_free(&run->result);
    pthread_mutex_destroy(&run->lock);
    free(run);
}

static bool all_finished(const struct lg_run *run)
{
    for (unsigned i = 0; i < run->nthreads; i++)
        if (!atomic_load_explicit(&run->recs[i].finished, memory_order_acquire))
            return false;
    return true;
}

/* Takes every finished second from every thread. run->lock held. */
static void collect(struct lg_run *run, bool final)
{
    for (unsigned i = 0; i < run->nthreads; i++)
        if (rec_collect(&run->recs[i], &run->result, run->latency, run->uncorrected, final) != 0)
            run->collect_failed = true;
}

/* Each thread's responses per second over the last interval (what wrk's Req/Sec summarizes). */
static void sample_rates(struct lg_run *run, uint64_t now_us)
{
    if (now_us <= run->last_sample_us)
        return;
    for (unsigned i = 0; i < run->nthreads; i++) {
        uint64_t n = atomic_load_explicit(&run->recs[i].requests, memory_order_relaxed);
        if (!atomic_load_explicit(&run->recs[i].finished, memory_order_acquire)) {
            double rps =
                (double)(n - run->last_requests[i]) * 1e6 / (double)(now_us - run->last_sample_us);
            hist_record(run->thread_rps, (uint64_t)(rps + 0.5));
        }
        run->last_requests[i] = n;
    }
    run->last_sample_us = now_us;
}

static void *controller_main(void *arg)
{
    struct lg_run *run = arg;
    uint64_t next_sample = run->clock.t0_us + RATE_SAMPLE_US;
    while (!all_finished(run)) {
        clock_sleep_us(CONTROLLER_TICK_US);
        uint64_t now = clock_now_us();
        if (now < next_sample)
            continue;
        pthread_mutex_lock(&run->lock);
        sample_rates(run, now);
        collect(run, false);
        pthread_mutex_unlock(&run->lock);
        next_sample = now + RATE_SAMPLE_US;
    }
    for (unsigned i = 0; i < run->started; i++)
        pthread_join(run->tids[i], NULL);
    pthread_mutex_lock(&run->lock);
    collect(run, true);
    pthread_mutex_unlock(&run->lock);
    atomic_store_explicit(&run->finished, true, memory_order_release);
    return NULL;
}

static int check_config(const struct lg_config *cfg, struct lg_url *url, char *err, size_t errlen)
{
    if (!cfg->url) {
        snprintf(err, errlen, "no URL");
        return -1;
    }
    if (lg_url_parse(cfg->url, url, err, errlen) < 0)
        return -1;
    if (cfg->connections == 0 || cfg->threads == 0) {
        snprintf(err, errlen, "connections and threads must be at least 1");
        return -1;
    }
    if (cfg->duration_us == 0 && cfg->max_requests == 0) {
        snprintf(err, errlen, "a run needs a duration or a request count");
        return -1;
    }
    return 0;
}

int lg_start(const struct lg_config *cfg, struct lg_run **out, char *err, size_t errlen)
{
    *out = NULL;
    struct lg_run *run = calloc(1, sizeof(*run));
    if (!run) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&run->lock, NULL);
    run->cfg = *cfg;
    if (check_config(cfg, &run->url, err, errlen) < 0)
        goto fail;
    run->ops = run->url.https ? &lg_curl_ops : &lg_epoll_ops;
    if (run->ops->prepare(run, err, errlen) < 0)
        goto fail;
    bool rate = cfg->rate_rps > 0;
    run->recs = calloc(run->nthreads, sizeof(*run->recs));
    run->threads = calloc(run->nthreads, sizeof(*run->threads));
    run->tids = calloc(run->nthreads, sizeof(*run->tids));
    run->last_requests = calloc(run->nthreads, sizeof(*run->last_requests));
    run->latency = hist_new_default();
    run->uncorrected = rate ? hist_new_default() : NULL;
    run->thread_rps = hist_new_default();
    if (!run->recs || !run->threads || !run->tids || !run->last_requests || !run->latency ||
        (rate && !run->uncorrected) || !run->thread_rps)
        goto nomem;
    /* The clock starts last, so setup time is not part of the run. */
    run->clock.t0_us = clock_now_us();
    run->clock.t0_unix_us = (int64_t)(clock_wall_unix_s() * 1e6);
    run->clock.deadline_us = cfg->duration_us ? run->clock.t0_us + cfg->duration_us : 0;
    run->last_sample_us = run->clock.t0_us;
    for (unsigned i = 0; i < run->nthreads; i++) {
        if (rec_init(&run->recs[i], &run->clock, rate, cfg->ab_times) != 0)
            goto nomem;
        run->threads[i] = (struct lg_thread){.run = run, .index = i};
    }
    for (unsigned i = 0; i < run->nthreads; i++) {
        if (pthread_create(&run->tids[i], NULL, run->ops->thread_main, &run->threads[i]) != 0)
            break;
        run->started++;
    }
    if (run->started < run->nthreads ||
        pthread_create(&run->controller, NULL, controller_main, run) != 0) {
        atomic_store(&run->stop, true);
        for (unsigned i = 0; i < run->started; i++)
            pthread_join(run->tids[i], NULL);
        snprintf(err, errlen, "cannot start threads");
        goto fail;
    }
    run->controller_started = true;
    *out = run;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
fail:
    run_free(run);
    return -1;
}

void lg_stop(struct lg_run *run)
{
    atomic_store_explicit(&run->stop, true, memory_order_relaxed);
}

bool lg_done(const struct lg_run *run)
{
    return atomic_load_explicit(&run->finished, memory_order_acquire);
}

void lg_progress(const struct lg_run *run, uint64_t *done, uint64_t *elapsed_us)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < run->nthreads; i++)
        n += atomic_load_explicit(&run->recs[i].requests, memory_order_relaxed) +
             atomic_load_explicit(&run->recs[i].failed, memory_order_relaxed);
    *done = n;
    *elapsed_us = clock_now_us() - run->clock.t0_us;
}

/* The last completed seconds: those every thread has handed over. run->lock held. */
static void snapshot_seconds(const struct lg_run *run, struct lg_snapshot *out)
{
    int64_t open = INT64_MAX;
    for (unsigned i = 0; i < run->nthreads; i++) {
        const struct rec *r = &run->recs[i];
        if (atomic_load_explicit(&r->finished, memory_order_acquire))
            continue;
        int64_t s = atomic_load_explicit(&r->open_second, memory_order_acquire);
        if (s < open)
            open = s;
    }
    const struct run_result *res = &run->result;
    size_t end = res->ntimeline;
    while (end > 0 && res->timeline[end - 1].unix_s >= open)
        end--;
    size_t begin = end > LG_SNAPSHOT_SECONDS ? end - LG_SNAPSHOT_SECONDS : 0;
    for (size_t i = begin; i < end; i++) {
        const struct run_second *t = &res->timeline[i];
        struct lg_second *o = &out->seconds[out->nseconds++];
        o->unix_s = t->unix_s;
        o->duration_s = (double)t->duration_us / 1e6;
        o->requests = t->requests;
        o->errors = t->errors;
        o->rate_rps = t->duration_us ? (double)t->requests * 1e6 / (double)t->duration_us : 0;
        o->p50_us = t->p50_us;
        o->p90_us = t->p90_us;
        o->p99_us = t->p99_us;
        o->max_us = t->max_us;
    }
}

/* The most frequent status codes, sorted by code. */
static void snapshot_status(const uint64_t *counts, struct lg_snapshot *out)
{
    const size_t cap = sizeof(out->status) / sizeof(out->status[0]);
    for (int code = 0; code < REC_STATUS_MAX; code++) {
        if (!counts[code])
            continue;
        out->status_class[code >= 100 ? code / 100 : 0] += counts[code];
        size_t at = out->nstatus;
        if (at == cap) { /* full: replace the smallest when this one is larger */
            size_t min = 0;
            for (size_t i = 1; i < cap; i++)
                if (out->status[i].count < out->status[min].count)
                    min = i;
            if (out->status[min].count >= counts[code])
                continue;
            memmove(&out->status[min], &out->status[min + 1],
                    (cap - min - 1) * sizeof(out->status[0]));
            at = cap - 1;
        } else {
            out->nstatus++;
        }
        out->status[at] = (struct run_status_count){.code = code, .count = counts[code]};
    }
}

int lg_snapshot(struct lg_run *run, struct lg_snapshot *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t *status = calloc(REC_STATUS_MAX, sizeof(*status));
    if (!status)
        return -1;
    lg_progress(run, &out->done, &out->elapsed_us);
    out->duration_us = run->cfg.duration_us;
    out->max_requests = run->cfg.max_requests;
    for (unsigned i = 0; i < run->nthreads; i++) {
        const struct rec *r = &run->recs[i];
        out->requests += atomic_load_explicit(&r->requests, memory_order_relaxed);
        out->bytes_read += atomic_load_explicit(&r->bytes_read, memory_order_relaxed);
        out->bytes_written += atomic_load_explicit(&r->bytes_written, memory_order_relaxed);
        out->connections_open += atomic_load_explicit(&r->conns_open, memory_order_relaxed);
        for (int k = 0; k < RUN_ERR__COUNT; k++)
            out->errors[k] += atomic_load_explicit(&r->errors[k], memory_order_relaxed);
        for (int s = 0; s < REC_STATUS_MAX; s++)
            status[s] += atomic_load_explicit(&r->status[s], memory_order_relaxed);
    }
    snapshot_status(status, out);
    free(status);
    pthread_mutex_lock(&run->lock);
    collect(run, false);
    snapshot_seconds(run, out);
    out->latency_us = hist_clone(run->latency);
    out->finished = lg_done(run);
    pthread_mutex_unlock(&run->lock);
    return out->latency_us ? 0 : -1;
}

void lg_snapshot_free(struct lg_snapshot *s)
{
    if (!s)
        return;
    hist_free(s->latency_us);
    s->latency_us = NULL;
}

/* Seconds in which no thread recorded anything (all of them slept through it) still belong to
 * the timeline, with nothing in them. */
static int fill_gaps(struct run_result *r)
{
    for (size_t i = 1; i < r->ntimeline; i++) {
        if (r->timeline[i].unix_s == r->timeline[i - 1].unix_s + 1)
            continue;
        struct sample s = {.second = r->timeline[i - 1].unix_s + 1, .duration_us = 1000000};
        if (run_timeline_add(r, &s, SAMPLE_PARALLEL) != 0)
            return -1;
    }
    return 0;
}

/* The first response over all threads: ab's Server Software and Document Length. */
static void first_response(const struct lg_run *run, struct run_result *out)
{
    const struct rec *first = NULL;
    for (unsigned i = 0; i < run->nthreads; i++) {
        const struct rec *r = &run->recs[i];
        if (r->have_first && (!first || r->first_t_us < first->first_t_us))
            first = r;
    }
    if (first) {
        out->doc_bytes = first->first_body_bytes;
        snprintf(out->server_software, sizeof(out->server_software), "%s", first->server);
    }
}

int lg_wait(struct lg_run *run, struct run_result *out)
{
    memset(out, 0, sizeof(*out));
    pthread_join(run->controller, NULL);
    struct run_result *r = &run->result;
    int rc = run->collect_failed ? -1 : 0;
    uint64_t t_end = run->clock.t0_us;
    for (unsigned i = 0; i < run->nthreads && rc == 0; i++) {
        rc = rec_totals(&run->recs[i], r);
        if (run->recs[i].t_end_us > t_end)
            t_end = run->recs[i].t_end_us;
    }
    if (rc == 0)
        rc = fill_gaps(r);
    if (rc != 0) {
        run_free(run);
        return -1;
    }
    first_response(run, r);
    snprintf(r->engine, sizeof(r->engine), "%s", run->ops->name);
    snprintf(r->target, sizeof(r->target), "%s", run->cfg.url);
    r->start_unix_s = (double)run->clock.t0_unix_us / 1e6;
    r->duration_s = (double)(t_end - run->clock.t0_us) / 1e6;
    r->threads = run->nthreads;
    r->connections = run->connections_used;
    r->rate_rps = run->cfg.rate_rps;
    r->latency = run->latency;
    r->latency_uncorrected = run->uncorrected;
    r->thread_rps = run->thread_rps;
    run->latency = run->uncorrected = run->thread_rps = NULL;
    *out = *r;
    memset(r, 0, sizeof(*r));
    run_free(run);
    return 0;
}

int lg_run(const struct lg_config *cfg, struct run_result *out, char *err, size_t errlen)
{
    struct lg_run *run;
    memset(out, 0, sizeof(*out));
    if (lg_start(cfg, &run, err, errlen) != 0)
        return -1;
    if (lg_wait(run, out) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
