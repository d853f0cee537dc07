/* console/load.c: a load test started from the console, on its own thread, through the load
 * generator's run handle (loadgen/loadgen.h): each stage is lg_start, then lg_snapshot every
 * refresh interval (published as a client sample with the earlier stages added in), then
 * lg_wait and run_merge. The stages of a scenario add up as `tierbench run` adds them. The
 * finished run is handed to the console, which saves it through its store thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "console/console_int.h"

struct cons_load {
    struct cons_load_plan plan;
    struct lg_scenario sc;
    bool has_sc;
    size_t nstages;
    uint64_t planned_us; /* all stages; 0 for a run ended by request count */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* Under lock: */
    bool stop;
    unsigned interval_ms;
    struct cons_client_sample latest;
    uint64_t seq;
    bool ended, taken;
    int status; /* 0: result holds a run; -1: nothing ran */
    struct run_result result;
    /* The thread's own: what the finished stages add to the live figures. */
    struct cons_client_sample prior;
    struct hist *prior_latency;
};

static void stage_config(const struct cons_load *l, size_t i, struct lg_config *cfg)
{
    const struct cons_load_plan *p = &l->plan;
    if (l->has_sc) {
        lg_scenario_stage_config(&l->sc, i, cfg);
        return;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = p->url;
    cfg->threads = cons_plan_threads(p);
    cfg->connections = p->connections;
    cfg->keep_alive = p->keep_alive;
    if (p->preset == CONS_PRESET_AB) {
        /* ab's rules: latency from connect(), its connect/processing tables, 30 s timeout. */
        cfg->max_requests = p->max_requests;
        cfg->timeout_us = 30000000;
        cfg->connect_in_latency = true;
        cfg->ab_times = true;
    } else {
        cfg->duration_us = p->duration_us;
        cfg->rate_rps = p->preset == CONS_PRESET_RATE ? p->rate_rps : 0;
        cfg->timeout_us = 2000000;
    }
}

/* Adds the counts of b into a (codes merged by code). */
static void add_counts(struct cons_client_sample *a, const struct cons_client_sample *b)
{
    a->elapsed_us += b->elapsed_us;
    a->done += b->done;
    a->requests += b->requests;
    for (int k = 0; k < RUN_ERR__COUNT; k++)
        a->errors[k] += b->errors[k];
    for (int k = 0; k < 6; k++)
        a->status_class[k] += b->status_class[k];
    const size_t cap = sizeof(a->codes) / sizeof(a->codes[0]);
    for (size_t i = 0; i < b->ncodes; i++) {
        size_t j = 0;
        while (j < a->ncodes && a->codes[j].code != b->codes[i].code)
            j++;
        if (j == a->ncodes) {
            if (a->ncodes == cap)
                continue;
            a->codes[a->ncodes++] = (struct cons_code_count){b->codes[i].code, 0};
        }
        a->codes[j].count += b->codes[i].count;
    }
}

static void publish(struct cons_load *l, struct cons_client_sample *c)
{
    pthread_mutex_lock(&l->lock);
    c->stopping = l->stop;
    l->latest = *c;
    l->seq++;
    pthread_mutex_unlock(&l->lock);
}

/* A client sample of stage i from a snapshot, the earlier stages added in. */
static void sample_stage(struct cons_load *l, size_t i, struct lg_run *run)
{
    struct cons_client_sample c;
    memset(&c, 0, sizeof(c));
    struct lg_snapshot snap;
    if (lg_snapshot(run, &snap) == 0) {
        if (l->prior_latency)
            hist_merge(snap.latency_us, l->prior_latency);
        cons_client_from_snapshot(&snap, &c);
    }
    lg_snapshot_free(&snap);
    struct cons_lat lat = c.latency;
    struct cons_point points[LG_SNAPSHOT_SECONDS];
    size_t npoints = c.npoints;
    memcpy(points, c.points, sizeof(points));
    struct cons_client_sample mine = c;
    c = l->prior;
    add_counts(&c, &mine);
    c.connections_open = mine.connections_open;
    c.latency = lat;
    c.npoints = npoints;
    memcpy(c.points, points, sizeof(points));
    c.active = true;
    c.running = true;
    snprintf(c.title, sizeof(c.title), "%s", l->plan.title);
    snprintf(c.label, sizeof(c.label), "%s", l->plan.label);
    c.sampled_unix_s = clock_wall_unix_s();
    c.stage = (unsigned)i + 1;
    c.nstages = (unsigned)l->nstages;
    c.duration_us = l->planned_us;
    c.max_requests = l->plan.preset == CONS_PRESET_AB ? l->plan.max_requests : 0;
    publish(l, &c);
}

/* Ends a stage: the stage's counts join the prior figures. */
static void stage_done(struct cons_load *l, const struct run_result *r)
{
    struct cons_client_sample add;
    memset(&add, 0, sizeof(add));
    add.elapsed_us = (uint64_t)(r->duration_s * 1e6);
    add.done = run_ab_complete(r);
    add.requests = r->requests;
    memcpy(add.errors, r->errors, sizeof(add.errors));
    for (size_t i = 0; i < r->nstatus; i++) {
        int code = r->status[i].code;
        add.status_class[code >= 100 && code < 600 ? code / 100 : 0] += r->status[i].count;
        if (add.ncodes < sizeof(add.codes) / sizeof(add.codes[0]))
            add.codes[add.ncodes++] = (struct cons_code_count){code, r->status[i].count};
    }
    add_counts(&l->prior, &add);
    if (r->latency) {
        if (!l->prior_latency)
            l->prior_latency = hist_clone(r->latency);
        else
            hist_merge(l->prior_latency, r->latency);
    }
}

static void finish_result(struct cons_load *l, struct run_result *r, const struct lg_config *cfg0)
{
    const struct cons_load_plan *p = &l->plan;
    snprintf(r->tool, sizeof(r->tool), "%s", cons_plan_tool(p));
    snprintf(r->label, sizeof(r->label), "%s", p->label);
    free(r->cmdline);
    free(r->config_json);
    r->cmdline = cons_plan_cmdline(p);
    if (l->has_sc) {
        /* As `tierbench run` does: a mix of endpoints has bodies of several lengths, which is
         * not ab's "Length" failure. */
        r->length_errors = 0;
        snprintf(r->target, sizeof(r->target), "%s", l->sc.target);
        if (!r->engine[0])
            snprintf(r->engine, sizeof(r->engine), "%s",
                     strncmp(l->sc.target, "https://", 8) ? "epoll" : "curl");
        r->config_json = l->sc.config_json ? strdup(l->sc.config_json) : NULL;
    } else {
        r->config_json = cons_plan_config_json(p, cfg0);
    }
}

static void *load_main(void *arg)
{
    struct cons_load *l = arg;
    struct run_result total;
    memset(&total, 0, sizeof(total));
    size_t ran = 0;
    char err[256] = "";
    struct lg_config cfg0;
    stage_config(l, 0, &cfg0);
    for (size_t i = 0; i < l->nstages; i++) {
        pthread_mutex_lock(&l->lock);
        bool stop = l->stop;
        pthread_mutex_unlock(&l->lock);
        if (stop)
            break;
        struct lg_config cfg;
        stage_config(l, i, &cfg);
        struct lg_run *run;
        if (lg_start(&cfg, &run, err, sizeof(err)) != 0)
            break;
        bool stopped = false;
        uint64_t next_us = 0;
        while (!lg_done(run)) {
            uint64_t now = clock_now_us();
            pthread_mutex_lock(&l->lock);
            stop = l->stop;
            unsigned interval_ms = l->interval_ms;
            pthread_mutex_unlock(&l->lock);
            if (stop && !stopped) {
                lg_stop(run);
                stopped = true;
            }
            if (now >= next_us) {
                sample_stage(l, i, run);
                next_us = now + (uint64_t)interval_ms * 1000;
            }
            /* lg_done is polled: the handle has no way to wake us when it ends, and 50 ms is
             * short next to any refresh interval. */
            pthread_mutex_lock(&l->lock);
            if (!l->stop)
                cons_cond_wait_us(&l->cond, &l->lock, 50000);
            pthread_mutex_unlock(&l->lock);
        }
        sample_stage(l, i, run); /* the stage's last seconds */
        struct run_result r;
        if (lg_wait(run, &r) != 0) {
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
        stage_done(l, &r);
        int mrc = run_merge(&total, &r, RUN_MERGE_SEQUENTIAL);
        run_result_free(&r);
        if (mrc != 0) {
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
        ran++;
    }
    if (ran)
        finish_result(l, &total, &cfg0);
    pthread_mutex_lock(&l->lock);
    l->ended = true;
    l->status = ran ? 0 : -1;
    l->result = total;
    l->latest.running = false;
    l->latest.active = true;
    if (!ran) {
        snprintf(l->latest.title, sizeof(l->latest.title), "%s", l->plan.title);
        snprintf(l->latest.result, sizeof(l->latest.result), "not started: %.140s",
                 err[0] ? err : "stopped");
    } else if (err[0]) {
        snprintf(l->latest.result, sizeof(l->latest.result), "ended early: %.140s", err);
    }
    l->seq++;
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

void cons_load_free(struct cons_load *l)
{
    if (!l)
        return;
    if (l->started) {
        cons_load_stop(l);
        pthread_join(l->thread, NULL);
    }
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    if (!l->taken)
        run_result_free(&l->result);
    if (l->has_sc)
        lg_scenario_free(&l->sc);
    hist_free(l->prior_latency);
    free(l);
}

int cons_load_start(const struct cons_load_plan *plan, unsigned interval_ms, struct cons_load **out,
                    char *err, size_t errlen)
{
    struct cons_load *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&l->lock, NULL);
    cons_cond_init(&l->cond);
    l->plan = *plan;
    l->interval_ms = interval_ms ? interval_ms : CONS_REFRESH_DEFAULT_MS;
    l->nstages = 1;
    if (plan->preset == CONS_PRESET_SCENARIO) {
        char serr[400];
        if (lg_scenario_load(plan->scenario, &l->sc, serr, sizeof(serr)) != 0) {
            snprintf(err, errlen, "%s", serr);
            cons_load_free(l);
            return -1;
        }
        l->has_sc = true;
        if (plan->url[0] && lg_scenario_set_target(&l->sc, plan->url, serr, sizeof(serr)) != 0) {
            snprintf(err, errlen, "target: %s", serr);
            cons_load_free(l);
            return -1;
        }
        l->nstages = l->sc.nstages;
        for (size_t i = 0; i < l->sc.nstages; i++)
            l->planned_us += l->sc.stages[i].duration_us;
    } else if (plan->preset != CONS_PRESET_AB) {
        l->planned_us = plan->duration_us;
    }
    l->latest.active = true;
    l->latest.running = true;
    l->latest.nstages = (unsigned)l->nstages;
    l->latest.stage = 1;
    l->latest.duration_us = l->planned_us;
    l->latest.max_requests = plan->preset == CONS_PRESET_AB ? plan->max_requests : 0;
    snprintf(l->latest.title, sizeof(l->latest.title), "%s", plan->title);
    snprintf(l->latest.label, sizeof(l->latest.label), "%s", plan->label);
    l->seq = 1;
    if (cons_thread_start(&l->thread, "tb-cons-load", load_main, l) != 0) {
        snprintf(err, errlen, "cannot start the load test's thread");
        cons_load_free(l);
        return -1;
    }
    l->started = true;
    *out = l;
    return 0;
}

void cons_load_interval(struct cons_load *l, unsigned interval_ms)
{
    pthread_mutex_lock(&l->lock);
    l->interval_ms = interval_ms;
    pthread_mutex_unlock(&l->lock);
}

void cons_load_stop(struct cons_load *l)
{
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    l->latest.stopping = true;
    l->seq++;
    pthread_cond_signal(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

bool cons_load_take(struct cons_load *l, uint64_t *seq, struct cons_client_sample *out)
{
    bool fresh = false;
    pthread_mutex_lock(&l->lock);
    if (l->seq != *seq) {
        *out = l->latest;
        *seq = l->seq;
        fresh = true;
    }
    pthread_mutex_unlock(&l->lock);
    return fresh;
}

bool cons_load_result(struct cons_load *l, struct run_result *out, int *status)
{
    bool ready = false;
    pthread_mutex_lock(&l->lock);
    if (l->ended && !l->taken) {
        *out = l->result;
        memset(&l->result, 0, sizeof(l->result));
        *status = l->status;
        l->taken = true;
        ready = true;
    }
    pthread_mutex_unlock(&l->lock);
    return ready;
}
