/* loadgen/engine_run.c: lg_run for http:// targets: resolves the target, builds each request
 * kind's bytes once, sets up the workers (engine.c runs their event loops), starts the threads,
 * reports progress, and merges the per-thread histograms, counters and timelines into one
 * struct run_result. https:// targets go to curl_engine.c. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hist.h"
#include "loadgen/lg_int.h"
#include "loadgen/engine_int.h"

/* ---- setup and merge ---- */

/* Thousands of connections need thousands of descriptors; raise the soft limit toward the
 * hard one rather than fail with EMFILE (counted as connect errors) on a default 1024. */
static void raise_fd_limit(unsigned connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)connections + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int resolve(struct engine *e, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%u", e->url.port);
    int rc = getaddrinfo(e->url.host, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "unable to resolve %s: %s", e->url.host, gai_strerror(rc));
        return -1;
    }
    memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
    e->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int lg_url_resolve_check(const struct lg_url *url, char *err, size_t errlen)
{
    struct engine e;
    memset(&e, 0, sizeof(e));
    e.url = *url;
    return resolve(&e, err, errlen);
}

static int build_kinds(struct engine *e, char *err, size_t errlen)
{
    const struct lg_config *cfg = e->cfg;
    struct lg_request def = {.method = "GET"};
    const struct lg_request *rqs = cfg->requests && cfg->nrequests ? cfg->requests : &def;
    size_t n = cfg->requests && cfg->nrequests ? cfg->nrequests : 1;
    e->kinds = calloc(n, sizeof(*e->kinds));
    if (!e->kinds)
        goto nomem;
    e->nkinds = n;
    for (size_t i = 0; i < n; i++) {
        size_t cap = 4096 + rqs[i].body_bytes;
        for (size_t h = 0; h < rqs[i].nheaders; h++)
            cap += strlen(rqs[i].headers[h]) + 2;
        e->kinds[i].buf = malloc(cap);
        if (!e->kinds[i].buf)
            goto nomem;
        long len =
            lg_request_build(&e->url, &rqs[i], cfg->keep_alive, cfg->http10, e->kinds[i].buf, cap);
        if (len < 0) {
            snprintf(err, errlen, "request too large");
            return -1;
        }
        e->kinds[i].len = (size_t)len;
        e->kinds[i].body_bytes = rqs[i].body ? rqs[i].body_bytes : 0;
        e->kinds[i].head = rqs[i].method && !strcasecmp(rqs[i].method, "HEAD");
        e->total_weight += rqs[i].weight ? rqs[i].weight : 1;
        e->kinds[i].weight_end = e->total_weight;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

static void worker_free(struct worker *w)
{
    for (unsigned i = 0; i < w->nconns; i++)
        lg_conn_close(w, &w->conns[i]);
    if (w->epfd >= 0)
        close(w->epfd);
    free(w->rbuf);
    free(w->conns);
    free(w->heap);
    free(w->ready);
    hist_free(w->lat);
    hist_free(w->lat_unc);
    hist_free(w->connect);
    hist_free(w->ttfb);
    hist_free(w->connect_req);
    hist_free(w->processing);
    for (size_t i = 0; i < w->capsecs; i++)
        hist_free(w->secs[i].lat);
    free(w->secs);
}

static struct hist *hnew(void)
{
    return hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
}

static int worker_setup(struct worker *w, struct engine *e, unsigned index, unsigned nconns,
                        unsigned conn_first, uint64_t budget)
{
    w->e = e;
    w->index = index;
    w->nconns = nconns;
    w->active = nconns;
    w->budget = budget;
    w->rng = 2463534242u + index * 7919u;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->rbuf = malloc(RBUF_BYTES);
    w->conns = calloc(nconns ? nconns : 1, sizeof(*w->conns));
    w->heap = calloc(nconns ? nconns : 1, sizeof(*w->heap));
    w->ready_cap = 2 * nconns + 1;
    w->ready = calloc(w->ready_cap, sizeof(*w->ready));
    w->lat = hnew();
    w->connect = hnew();
    w->ttfb = hnew();
    if (e->rate)
        w->lat_unc = hnew();
    if (e->detail) {
        w->connect_req = hnew();
        w->processing = hnew();
    }
    if (w->epfd < 0 || !w->rbuf || !w->conns || !w->heap || !w->ready || !w->lat || !w->connect ||
        !w->ttfb || (e->rate && !w->lat_unc) || (e->detail && (!w->connect_req || !w->processing)))
        return -1;
    for (unsigned i = 0; i < nconns; i++) {
        struct conn *c = &w->conns[i];
        c->fd = -1;
        c->heap_idx = UINT32_MAX;
        c->parse.want_server = true;
        unsigned g = conn_first + i;
        /* Stagger the connections' schedules evenly over one interval. */
        c->next_ns = e->rate ? e->interval_ns * g / e->cfg->connections : 0;
    }
    /* Presize the timeline so the first seconds never allocate. */
    return lg_sec_at(w, clock_now_us()) ? 0 : -1;
}

static void merge_results(struct engine *e, struct worker *ws, unsigned nw, struct run_result *out)
{
    const struct lg_config *cfg = e->cfg;
    out->latency = hnew();
    out->connect_us = hnew();
    out->ttfb_us = hnew();
    if (e->rate)
        out->latency_uncorrected = hnew();
    uint64_t t_end = e->t0_us;
    uint64_t first_t = UINT64_MAX;
    uint64_t status[STATUS_MAX] = {0};
    size_t nsecs = 0;
    for (unsigned i = 0; i < nw; i++) {
        struct worker *w = &ws[i];
        out->requests += w->requests;
        out->bytes_read += w->bytes_read;
        out->bytes_written += w->bytes_written;
        out->length_errors += w->length_errors;
        out->html_bytes += w->html_bytes;
        for (int k = 0; k < RUN_ERR__COUNT; k++)
            out->errors[k] += w->errors[k];
        for (int s = 0; s < STATUS_MAX; s++)
            status[s] += w->status[s];
        if (out->latency)
            hist_merge(out->latency, w->lat);
        if (out->connect_us)
            hist_merge(out->connect_us, w->connect);
        if (out->ttfb_us)
            hist_merge(out->ttfb_us, w->ttfb);
        if (out->latency_uncorrected)
            hist_merge(out->latency_uncorrected, w->lat_unc);
        if (w->t_end_us > t_end)
            t_end = w->t_end_us;
        if (w->have_first && w->first_t_us < first_t) {
            first_t = w->first_t_us;
            out->doc_bytes = w->first_body;
            snprintf(out->server_software, sizeof(out->server_software), "%s", w->server);
        }
        if (w->nsecs > nsecs)
            nsecs = w->nsecs;
        if (cfg->detail) {
            struct lg_detail *d = cfg->detail;
            for (int k = 0; k < RUN_ERR__COUNT; k++)
                for (int j = 0; j < LG_ERRNO_MAX; j++)
                    d->errno_counts[k][j] += w->errno_counts[k][j];
            if (!d->connect_req_us)
                d->connect_req_us = hnew();
            if (!d->processing_us)
                d->processing_us = hnew();
            if (d->connect_req_us && w->connect_req)
                hist_merge(d->connect_req_us, w->connect_req);
            if (d->processing_us && w->processing)
                hist_merge(d->processing_us, w->processing);
            d->keepalive_responses += w->keepalive_responses;
            d->connections_opened += w->connections_opened;
            d->requests_sent += w->requests_sent;
            d->body_bytes_sent += w->body_bytes_sent;
        }
    }
    for (int s = 0; s < STATUS_MAX; s++)
        if (status[s])
            run_status_add(out, s, status[s]);
    out->duration_s = (double)(t_end - e->t0_us) / 1e6;
    /* The timeline stops at the run's end: a partial last second is kept. */
    size_t want = (size_t)((t_end - e->t0_us + 999999u) / 1000000u);
    if (want < nsecs)
        nsecs = want;
    struct sample smp;
    if (sample_init(&smp, HIST_SIG_BITS_COARSE, 0) != 0)
        return;
    for (size_t s = 0; s < nsecs; s++) {
        sample_reset(&smp, (int64_t)e->t0_wall + (int64_t)s);
        smp.duration_us = 1000000;
        for (unsigned i = 0; i < nw; i++) {
            /* Responses that landed just past the end (the deadline check runs once per
             * loop) are folded into the last second. */
            size_t last = s + 1 == nsecs ? ws[i].nsecs : s + 1;
            for (size_t k = s; k < last && k < ws[i].nsecs; k++) {
                const struct sec *ws_s = &ws[i].secs[k];
                smp.requests += ws_s->requests;
                smp.errors += ws_s->errors;
                smp.bytes += ws_s->bytes;
                if (ws_s->lat)
                    hist_merge(smp.latency_us, ws_s->lat);
            }
        }
        run_timeline_add(out, &smp, SAMPLE_PARALLEL);
    }
    sample_free(&smp);
}

int lg_run(const struct lg_config *cfg, struct run_result *out, char *err, size_t errlen)
{
    struct engine e;
    struct worker *ws = NULL;
    unsigned nw = 0, started = 0;
    int rc = -1;
    memset(&e, 0, sizeof(e));
    memset(out, 0, sizeof(*out));
    e.cfg = cfg;
    lg_stop_reset();
    if (lg_url_parse(cfg->url, &e.url, err, errlen) < 0)
        return -1;
    if (cfg->connections == 0 || cfg->threads == 0) {
        snprintf(err, errlen, "connections and threads must be at least 1");
        return -1;
    }
    if (cfg->duration_us == 0 && cfg->max_requests == 0) {
        snprintf(err, errlen, "a run needs a duration or a request count");
        return -1;
    }
    if (e.url.https)
        return lg_run_curl(cfg, &e.url, out, err, errlen);
    if (resolve(&e, err, errlen) < 0)
        return -1;
    if (build_kinds(&e, err, errlen) < 0)
        goto fail;
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg->connections);
    nw = cfg->threads < cfg->connections ? cfg->threads : cfg->connections;
    if (cfg->max_requests && cfg->max_requests < nw)
        nw = (unsigned)cfg->max_requests;
    e.timeout_us = cfg->timeout_us ? cfg->timeout_us : 2000000u;
    e.rate = cfg->rate_rps > 0;
    if (e.rate)
        e.interval_ns = 1e9 * cfg->connections / cfg->rate_rps;
    e.detail = cfg->detail != NULL && cfg->ab_times;
    ws = calloc(nw, sizeof(*ws));
    if (!ws) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < nw; i++)
        ws[i].epfd = -1;
    e.t0_us = clock_now_us();
    unsigned conn_first = 0;
    for (unsigned i = 0; i < nw; i++) {
        unsigned nc = cfg->connections / nw + (i < cfg->connections % nw);
        uint64_t budget = UINT64_MAX;
        if (cfg->max_requests) {
            budget = cfg->max_requests / nw + (i < cfg->max_requests % nw);
            if (nc > budget)
                nc = (unsigned)budget;
        }
        if (worker_setup(&ws[i], &e, i, nc, conn_first, budget) < 0) {
            snprintf(err, errlen, "out of memory or file descriptors");
            goto fail;
        }
        conn_first += nc;
    }
    e.t0_wall = clock_wall_unix_s();
    e.t0_us = clock_now_us();
    e.deadline_us = cfg->duration_us ? e.t0_us + cfg->duration_us : 0;
    for (unsigned i = 0; i < nw; i++) {
        ws[i].cur_sec = NULL;
        if (pthread_create(&ws[i].tid, NULL, lg_worker_main, &ws[i]) != 0) {
            lg_stop();
            snprintf(err, errlen, "cannot start threads");
            goto fail;
        }
        started++;
    }
    /* The calling thread reports progress and samples each thread's rate every 100 ms (what
     * wrk's Req/Sec line summarizes) until every worker is done. */
    uint64_t next_progress = e.t0_us + 100000, last_sample = e.t0_us;
    uint64_t *last_done = calloc(nw, sizeof(*last_done));
    if (cfg->detail && !cfg->detail->thread_rps)
        cfg->detail->thread_rps = hnew();
    while (atomic_load(&e.workers_done) < nw) {
        clock_sleep_us(10000);
        uint64_t now = clock_now_us();
        if (now < next_progress)
            continue;
        uint64_t done = 0;
        for (unsigned i = 0; i < nw; i++) {
            uint64_t d = atomic_load_explicit(&ws[i].done_atomic, memory_order_relaxed);
            done += d + atomic_load_explicit(&ws[i].fail_atomic, memory_order_relaxed);
            if (last_done && cfg->detail && cfg->detail->thread_rps &&
                !atomic_load(&ws[i].finished) && now > last_sample) {
                double rps = (double)(d - last_done[i]) * 1e6 / (double)(now - last_sample);
                hist_record(cfg->detail->thread_rps, (uint64_t)(rps + 0.5));
            }
            if (last_done)
                last_done[i] = d;
        }
        last_sample = now;
        if (cfg->progress)
            cfg->progress(cfg->progress_arg, done, now - e.t0_us);
        next_progress = now + 100000;
    }
    free(last_done);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].tid, NULL);
    started = 0;
    merge_results(&e, ws, nw, out);
    if (!out->latency || !out->connect_us || !out->ttfb_us ||
        (e.rate && !out->latency_uncorrected)) {
        snprintf(err, errlen, "out of memory");
        run_result_free(out);
        goto fail;
    }
    snprintf(out->engine, sizeof(out->engine), "epoll");
    snprintf(out->target, sizeof(out->target), "%s", cfg->url);
    out->start_unix_s = e.t0_wall;
    out->threads = nw;
    out->connections = cfg->connections;
    out->rate_rps = cfg->rate_rps;
    rc = 0;
fail:
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].tid, NULL);
    if (ws)
        for (unsigned i = 0; i < nw; i++)
            worker_free(&ws[i]);
    free(ws);
    if (e.kinds)
        for (size_t i = 0; i < e.nkinds; i++)
            free(e.kinds[i].buf);
    free(e.kinds);
    return rc;
}
