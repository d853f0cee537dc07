/* loadgen/engine_run.c: the epoll engine's setup (lg_epoll_ops): resolves the target, builds
 * each request kind's bytes once, splits the connections (and a request count) over the
 * workers and allocates everything they need. engine.c runs their event loops; handle.c starts
 * the threads and collects what they record. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loadgen/engine_int.h"

static int resolve(struct engine *e, const struct lg_url *url, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%u", url->port);
    int rc = getaddrinfo(url->host, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "unable to resolve %s: %s", url->host, gai_strerror(rc));
        return -1;
    }
    memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
    e->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int build_kinds(struct engine *e, const struct lg_run *run, char *err, size_t errlen)
{
    const struct lg_config *cfg = &run->cfg;
    struct lg_request def = {.method = "GET"};
    const struct lg_request *rqs = cfg->requests && cfg->nrequests ? cfg->requests : &def;
    size_t n = cfg->requests && cfg->nrequests ? cfg->nrequests : 1;
    e->kinds = calloc(n, sizeof(*e->kinds));
    e->weight_end = calloc(n, sizeof(*e->weight_end));
    if (!e->kinds || !e->weight_end)
        goto nomem;
    e->nkinds = n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t cap = 4096 + rqs[i].body_bytes;
        for (size_t h = 0; h < rqs[i].nheaders; h++)
            cap += strlen(rqs[i].headers[h]) + 2;
        e->kinds[i].buf = malloc(cap);
        if (!e->kinds[i].buf)
            goto nomem;
        long len = lg_request_build(&run->url, &rqs[i], cfg->keep_alive, cfg->http10,
                                    e->kinds[i].buf, cap);
        if (len < 0) {
            snprintf(err, errlen, "request too large");
            return -1;
        }
        e->kinds[i].len = (size_t)len;
        e->kinds[i].body_bytes = rqs[i].body ? rqs[i].body_bytes : 0;
        e->kinds[i].head = rqs[i].method && !strcasecmp(rqs[i].method, "HEAD");
        total += rqs[i].weight ? rqs[i].weight : 1;
        e->weight_end[i] = total;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int worker_setup(struct worker *w, struct engine *e, struct lg_run *run, unsigned nconns,
                        unsigned conn_first, uint64_t budget, unsigned index)
{
    w->e = e;
    w->run = run;
    w->nconns = nconns;
    w->active = nconns;
    w->budget = budget;
    w->rng = 2463534242u + index * 7919u;
    w->want_server = true;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->rbuf = malloc(RBUF_BYTES);
    w->conns = calloc(nconns ? nconns : 1, sizeof(*w->conns));
    w->heap = calloc(nconns ? nconns : 1, sizeof(*w->heap));
    w->ready_cap = 2 * nconns + 1;
    w->ready = calloc(w->ready_cap, sizeof(*w->ready));
    if (w->epfd < 0 || !w->rbuf || !w->conns || !w->heap || !w->ready)
        return -1;
    for (unsigned i = 0; i < nconns; i++) {
        struct conn *c = &w->conns[i];
        c->fd = -1;
        c->heap_idx = UINT32_MAX;
        c->parse.want_server = true;
        /* Stagger the connections' schedules evenly over one interval. */
        c->next_ns = e->rate ? e->interval_ns * (conn_first + i) / run->cfg.connections : 0;
    }
    return 0;
}

static void release(struct lg_run *run)
{
    struct engine *e = run->engine;
    if (!e)
        return;
    for (unsigned i = 0; e->workers && i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        if (w->epfd >= 0)
            close(w->epfd);
        free(w->rbuf);
        free(w->conns);
        free(w->heap);
        free(w->ready);
    }
    free(e->workers);
    for (size_t i = 0; e->kinds && i < e->nkinds; i++)
        free(e->kinds[i].buf);
    free(e->kinds);
    free(e->weight_end);
    free(e);
    run->engine = NULL;
}

static int prepare(struct lg_run *run, char *err, size_t errlen)
{
    const struct lg_config *cfg = &run->cfg;
    struct engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    run->engine = e;
    if (resolve(e, &run->url, err, errlen) < 0 || build_kinds(e, run, err, errlen) < 0)
        return -1;
    unsigned nw = cfg->threads < cfg->connections ? cfg->threads : cfg->connections;
    if (cfg->max_requests && cfg->max_requests < nw)
        nw = (unsigned)cfg->max_requests;
    e->timeout_us = cfg->timeout_us ? cfg->timeout_us : 2000000u;
    e->rate = cfg->rate_rps > 0;
    if (e->rate)
        e->interval_ns = 1e9 * cfg->connections / cfg->rate_rps;
    /* epoll_pwait2 (Linux 5.11) takes a timespec: sub-millisecond waits for the rate schedule. */
    int probe = epoll_create1(EPOLL_CLOEXEC);
    struct timespec zero = {0, 0};
    struct epoll_event ev;
    e->have_pwait2 =
        probe >= 0 && (epoll_pwait2(probe, &ev, 1, &zero, NULL) >= 0 || errno != ENOSYS);
    if (probe >= 0)
        close(probe);
    e->workers = calloc(nw, sizeof(*e->workers));
    if (!e->workers) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    e->nworkers = nw;
    for (unsigned i = 0; i < nw; i++)
        e->workers[i].epfd = -1;
    unsigned conn_first = 0;
    for (unsigned i = 0; i < nw; i++) {
        unsigned nc = cfg->connections / nw + (i < cfg->connections % nw);
        uint64_t budget = UINT64_MAX;
        if (cfg->max_requests) {
            /* Each worker gets an exact share, so the count is exact. */
            budget = cfg->max_requests / nw + (i < cfg->max_requests % nw);
            if (nc > budget)
                nc = (unsigned)budget;
        }
        if (worker_setup(&e->workers[i], e, run, nc, conn_first, budget, i) < 0) {
            snprintf(err, errlen, "out of memory or file descriptors");
            return -1;
        }
        conn_first += nc;
    }
    run->nthreads = nw;
    run->connections_used = conn_first;
    return 0;
}

/* The recorders exist only after prepare (handle.c allocates one per thread), so each worker
 * finds its own when its thread starts. */
static void *thread_main(void *arg)
{
    const struct lg_thread *th = arg;
    struct engine *e = th->run->engine;
    e->workers[th->index].rec = &th->run->recs[th->index];
    return lg_worker_main(arg);
}

const struct lg_engine_ops lg_epoll_ops = {
    .name = "epoll",
    .prepare = prepare,
    .thread_main = thread_main,
    .release = release,
};
