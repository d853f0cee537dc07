/* console/store.c: the caller's store callbacks (recent runs, saving a run, the tier pick) on one
 * thread of their own, one call at a time: a result store can be slow (a busy SQLite file waits
 * up to its busy timeout), and the drawing thread must never wait for it. Requests coalesce:
 * only the newest tier question is answered, and the runs list is read again every 5 s (runs
 * made by other commands show up) or after a save. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "console/console_int.h"

#define RUNS_EVERY_US 5000000u
#define SAVE_QUEUE    4

struct cons_store {
    cons_recent_runs_fn *recent_runs;
    cons_save_run_fn *save_run;
    cons_tier_pick_fn *tier_pick;
    void *arg;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* Under lock: requests */
    bool stop;
    bool want_runs;
    double want_tier; /* NAN: no question pending */
    struct run_result saves[SAVE_QUEUE];
    size_t nsaves;
    /* Under lock: answers */
    struct cons_store_view view;
    uint64_t seq;
};

static void *store_main(void *arg)
{
    struct cons_store *st = arg;
    uint64_t next_runs_us = 0;
    /* Large: a list of runs and a tier text are built here, then copied under the lock. */
    struct cons_run_row *rows = calloc(CONS_RUNS_MAX, sizeof(*rows));
    char *tier = malloc(sizeof(st->view.tier_text));
    if (!rows || !tier) {
        free(rows);
        free(tier);
        return NULL;
    }
    pthread_mutex_lock(&st->lock);
    for (;;) {
        while (!st->stop && !st->want_runs && isnan(st->want_tier) && !st->nsaves &&
               clock_now_us() < next_runs_us) {
            uint64_t now = clock_now_us();
            cons_cond_wait_us(&st->cond, &st->lock, next_runs_us - now);
        }
        if (st->stop && !st->nsaves)
            break;
        if (st->nsaves) {
            struct run_result r = st->saves[0];
            memmove(&st->saves[0], &st->saves[1], (st->nsaves - 1) * sizeof(st->saves[0]));
            st->nsaves--;
            pthread_mutex_unlock(&st->lock);
            char msg[200] = "";
            if (!st->save_run)
                snprintf(msg, sizeof(msg), "not saved: no result store");
            else if (st->save_run(st->arg, &r, msg, sizeof(msg)) != 0 && !msg[0])
                snprintf(msg, sizeof(msg), "not saved");
            run_result_free(&r);
            pthread_mutex_lock(&st->lock);
            snprintf(st->view.save_msg, sizeof(st->view.save_msg), "%s", msg);
            st->view.save_seq++;
            st->want_runs = true;
            st->seq++;
            continue;
        }
        if (!isnan(st->want_tier)) {
            double users = st->want_tier;
            st->want_tier = NAN;
            pthread_mutex_unlock(&st->lock);
            int rc = -1;
            tier[0] = '\0';
            if (st->tier_pick)
                rc = st->tier_pick(st->arg, users, tier, sizeof(st->view.tier_text));
            else
                snprintf(tier, sizeof(st->view.tier_text), "no result store: no sweep to read");
            (void)rc; /* a failure's reason is the text itself */
            pthread_mutex_lock(&st->lock);
            st->view.tier_users = users;
            memcpy(st->view.tier_text, tier, sizeof(st->view.tier_text));
            st->seq++;
            continue;
        }
        /* The runs list: asked for, or due. */
        st->want_runs = false;
        pthread_mutex_unlock(&st->lock);
        size_t n = 0;
        char err[160] = "";
        int rc = -1;
        if (st->recent_runs)
            rc = st->recent_runs(st->arg, rows, CONS_RUNS_MAX, &n, err, sizeof(err));
        else
            snprintf(err, sizeof(err), "no result store");
        next_runs_us = clock_now_us() + RUNS_EVERY_US;
        pthread_mutex_lock(&st->lock);
        st->view.runs_known = rc == 0;
        st->view.nruns = rc == 0 ? (n < CONS_RUNS_MAX ? n : CONS_RUNS_MAX) : 0;
        memcpy(st->view.runs, rows, st->view.nruns * sizeof(rows[0]));
        if (rc == 0 && n == 0)
            snprintf(st->view.runs_note, sizeof(st->view.runs_note),
                     "no runs in the result store yet: l starts a load test");
        else if (rc != 0)
            snprintf(st->view.runs_note, sizeof(st->view.runs_note), "runs: %s", err);
        else
            st->view.runs_note[0] = '\0';
        st->seq++;
    }
    pthread_mutex_unlock(&st->lock);
    free(rows);
    free(tier);
    return NULL;
}

int cons_store_start(const struct cons_config *cfg, struct cons_store **out)
{
    struct cons_store *st = calloc(1, sizeof(*st));
    if (!st)
        return -1;
    st->recent_runs = cfg->recent_runs;
    st->save_run = cfg->save_run;
    st->tier_pick = cfg->tier_pick;
    st->arg = cfg->store_arg;
    st->want_tier = NAN;
    st->want_runs = true;
    st->view.tier_users = NAN;
    pthread_mutex_init(&st->lock, NULL);
    cons_cond_init(&st->cond);
    if (cons_thread_start(&st->thread, "tb-cons-store", store_main, st) != 0) {
        cons_store_stop(st);
        return -1;
    }
    st->started = true;
    *out = st;
    return 0;
}

void cons_store_want_runs(struct cons_store *st)
{
    pthread_mutex_lock(&st->lock);
    st->want_runs = true;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

void cons_store_want_tier(struct cons_store *st, double users)
{
    pthread_mutex_lock(&st->lock);
    st->want_tier = users;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

void cons_store_save(struct cons_store *st, struct run_result *run)
{
    pthread_mutex_lock(&st->lock);
    if (st->nsaves < SAVE_QUEUE) {
        st->saves[st->nsaves++] = *run;
        memset(run, 0, sizeof(*run));
    } else {
        run_result_free(run);
        snprintf(st->view.save_msg, sizeof(st->view.save_msg), "not saved: the store is behind");
        st->view.save_seq++;
        st->seq++;
    }
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

bool cons_store_take(struct cons_store *st, uint64_t *seq, struct cons_store_view *out)
{
    bool fresh = false;
    pthread_mutex_lock(&st->lock);
    if (st->seq != *seq) {
        memcpy(out, &st->view, sizeof(*out));
        *seq = st->seq;
        fresh = true;
    }
    pthread_mutex_unlock(&st->lock);
    return fresh;
}

/* Saves queued runs before it returns: a run measured must not be lost on q. */
void cons_store_stop(struct cons_store *st)
{
    if (!st)
        return;
    if (st->started) {
        pthread_mutex_lock(&st->lock);
        st->stop = true;
        pthread_cond_signal(&st->cond);
        pthread_mutex_unlock(&st->lock);
        pthread_join(st->thread, NULL);
    }
    for (size_t i = 0; i < st->nsaves; i++)
        run_result_free(&st->saves[i]);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->cond);
    free(st);
}
