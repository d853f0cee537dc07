/* console/source.c: the server side of the console, sampled on its own thread every refresh
 * interval: a snapshot of the in-process server (srv_stats_snapshot, ~0.2 ms), or a GET of a
 * remote server's /api/stats through libcurl (lg_fetch: a hard 2 s timeout) parsed into the same
 * model. A failed fetch is retried with a growing pause (1, 2, 4, 8, then every 10 s) and the
 * drawing thread shows "disconnected, retrying in Ns"; it never waits for the network. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "console/console_int.h"

/* A fetch of /api/stats gets this long in all; the admin API answers in well under a
 * millisecond on its own thread pool, so a slower answer means a network or host problem. */
#define FETCH_TIMEOUT_US 2000000u
#define BACKOFF_MAX_MS   10000u

struct cons_source {
    struct srv *server;
    char url[1100]; /* .../api/stats */
    char token[256];
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* stop or a new interval */
    /* Under lock: */
    bool stop;
    unsigned interval_ms;
    struct cons_server_sample *latest;
    uint64_t seq;
    bool link_ok;
    char why[200];
    uint64_t retry_at_us;
    /* The thread's own: */
    struct srv_stats *stats;
    struct cons_server_sample *scratch;
};

/* "http://host:9001" or ".../" or ".../api/stats" -> ".../api/stats". */
static void stats_url(const char *base, char *out, size_t cap)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n >= 10 && !strncmp(base + n - 10, "/api/stats", 10))
        snprintf(out, cap, "%.*s", (int)n, base);
    else
        snprintf(out, cap, "%.*s/api/stats", (int)n, base);
}

static int fetch(const char *url, const char *token, struct cons_server_sample *out, char *err,
                 size_t errlen)
{
    char *body = NULL;
    long status = 0;
    char ferr[256];
    if (lg_fetch(url, token && *token ? token : NULL, FETCH_TIMEOUT_US, &body, &status, ferr,
                 sizeof(ferr)) != 0) {
        /* lg_fetch's message starts with the URL, which the header already shows. */
        const char *why = strstr(ferr, ": ");
        snprintf(err, errlen, "%s", why ? why + 2 : ferr);
        return -1;
    }
    int rc = -1;
    if (status == 401 || status == 403)
        snprintf(err, errlen, "%ld: the admin API wants a token (--token T)", status);
    else if (status != 200)
        snprintf(err, errlen, "HTTP %ld from %s", status, url);
    else
        rc = cons_server_from_json(body, out, err, errlen);
    free(body);
    return rc;
}

int cons_source_sample_once(struct srv *server, const char *url, const char *token,
                            struct cons_server_sample *out, char *err, size_t errlen)
{
    if (server) {
        struct srv_stats *st = srv_stats_new();
        if (!st) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        srv_stats_snapshot(server, st);
        cons_server_from_stats(st, out);
        srv_stats_free(st);
        return 0;
    }
    char u[1100];
    stats_url(url, u, sizeof(u));
    return fetch(u, token, out, err, errlen);
}

static uint64_t next_backoff_ms(uint64_t ms)
{
    if (ms == 0)
        return 1000;
    return ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
}

static void *source_main(void *arg)
{
    struct cons_source *src = arg;
    uint64_t backoff_ms = 0;
    for (;;) {
        char err[200] = "";
        int rc;
        if (src->server) {
            srv_stats_snapshot(src->server, src->stats);
            cons_server_from_stats(src->stats, src->scratch);
            rc = 0;
        } else {
            rc = fetch(src->url, src->token, src->scratch, err, sizeof(err));
        }
        uint64_t now = clock_now_us();
        pthread_mutex_lock(&src->lock);
        if (rc == 0) {
            memcpy(src->latest, src->scratch, sizeof(*src->latest));
            src->seq++;
            src->link_ok = true;
            backoff_ms = 0;
        } else {
            backoff_ms = next_backoff_ms(backoff_ms);
            src->link_ok = false;
            snprintf(src->why, sizeof(src->why), "%s", err);
        }
        /* Sleep until the next sample (or retry) is due; an interval change or stop wakes us. */
        for (;;) {
            uint64_t wait_ms = rc == 0 ? src->interval_ms : backoff_ms;
            uint64_t due = now + wait_ms * 1000;
            src->retry_at_us = due;
            uint64_t t = clock_now_us();
            if (src->stop || t >= due)
                break;
            cons_cond_wait_us(&src->cond, &src->lock, due - t);
        }
        bool stop = src->stop;
        pthread_mutex_unlock(&src->lock);
        if (stop)
            break;
    }
    return NULL;
}

void cons_source_stop(struct cons_source *src)
{
    if (!src)
        return;
    if (src->started) {
        pthread_mutex_lock(&src->lock);
        src->stop = true;
        pthread_cond_signal(&src->cond);
        pthread_mutex_unlock(&src->lock);
        pthread_join(src->thread, NULL);
    }
    pthread_mutex_destroy(&src->lock);
    pthread_cond_destroy(&src->cond);
    srv_stats_free(src->stats);
    free(src->latest);
    free(src->scratch);
    free(src);
}

int cons_source_start(struct srv *server, const char *url, const char *token, unsigned interval_ms,
                      struct cons_source **out, char *err, size_t errlen)
{
    struct cons_source *src = calloc(1, sizeof(*src));
    if (!src) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&src->lock, NULL);
    cons_cond_init(&src->cond);
    src->server = server;
    if (!server)
        stats_url(url ? url : "", src->url, sizeof(src->url));
    snprintf(src->token, sizeof(src->token), "%s", token ? token : "");
    src->interval_ms = interval_ms ? interval_ms : CONS_REFRESH_DEFAULT_MS;
    src->latest = calloc(1, sizeof(*src->latest));
    src->scratch = calloc(1, sizeof(*src->scratch));
    src->stats = server ? srv_stats_new() : NULL;
    src->link_ok = true;
    if (!src->latest || !src->scratch || (server && !src->stats)) {
        snprintf(err, errlen, "out of memory");
        cons_source_stop(src);
        return -1;
    }
    if (cons_thread_start(&src->thread, "tb-cons-sample", source_main, src) != 0) {
        snprintf(err, errlen, "cannot start the sampler thread");
        cons_source_stop(src);
        return -1;
    }
    src->started = true;
    *out = src;
    return 0;
}

void cons_source_interval(struct cons_source *src, unsigned interval_ms)
{
    pthread_mutex_lock(&src->lock);
    src->interval_ms = interval_ms;
    pthread_cond_signal(&src->cond);
    pthread_mutex_unlock(&src->lock);
}

bool cons_source_take(struct cons_source *src, uint64_t *seq, struct cons_server_sample *out)
{
    bool fresh = false;
    pthread_mutex_lock(&src->lock);
    if (src->seq != *seq) {
        memcpy(out, src->latest, sizeof(*out));
        *seq = src->seq;
        fresh = true;
    }
    pthread_mutex_unlock(&src->lock);
    return fresh;
}

bool cons_source_link(struct cons_source *src, char *why, size_t cap, uint64_t *retry_at_us)
{
    pthread_mutex_lock(&src->lock);
    bool ok = src->link_ok;
    snprintf(why, cap, "%s", src->why);
    *retry_at_us = src->retry_at_us;
    pthread_mutex_unlock(&src->lock);
    return ok;
}
