/* loadgen/engine.c: the fast engine behind lg_run for http:// targets. Each worker thread owns
 * an epoll loop and a fixed slice of connections; everything (connections, request bytes, read
 * buffer, histograms) is allocated before the run, so the per-request path is read, parse,
 * record, write: no allocation, no formatting, one clock read per socket event. Constant-rate
 * mode (wrk2's -R) schedules each connection's requests and measures latency from the scheduled
 * time. Setup, threads and merging the per-thread results are in engine_run.c; the https path
 * is curl_engine.c. */
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
#include "loadgen/engine_int.h"

static volatile sig_atomic_t stop_flag;

void lg_stop(void)
{
    stop_flag = 1;
}

bool lg_stop_requested(void)
{
    return stop_flag != 0;
}

void lg_stop_reset(void)
{
    stop_flag = 0;
}

void lg_detail_free(struct lg_detail *d)
{
    if (!d)
        return;
    hist_free(d->connect_req_us);
    hist_free(d->processing_us);
    hist_free(d->thread_rps);
    memset(d, 0, sizeof(*d));
}

/* ---- small helpers ---- */

static uint64_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void heap_swap(struct worker *w, unsigned a, unsigned b)
{
    uint32_t t = w->heap[a];
    w->heap[a] = w->heap[b];
    w->heap[b] = t;
    w->conns[w->heap[a]].heap_idx = a;
    w->conns[w->heap[b]].heap_idx = b;
}

static void heap_push(struct worker *w, struct conn *c, uint64_t wake_us)
{
    c->t_wake_us = wake_us;
    unsigned i = w->heap_len++;
    w->heap[i] = (uint32_t)(c - w->conns);
    c->heap_idx = i;
    while (i > 0) {
        unsigned p = (i - 1) / 2;
        if (w->conns[w->heap[p]].t_wake_us <= w->conns[w->heap[i]].t_wake_us)
            break;
        heap_swap(w, i, p);
        i = p;
    }
}

static struct conn *heap_pop(struct worker *w)
{
    struct conn *top = &w->conns[w->heap[0]];
    top->heap_idx = UINT32_MAX;
    w->heap_len--;
    if (w->heap_len > 0) {
        w->heap[0] = w->heap[w->heap_len];
        w->conns[w->heap[0]].heap_idx = 0;
        unsigned i = 0;
        for (;;) {
            unsigned l = 2 * i + 1, r = l + 1, m = i;
            if (l < w->heap_len && w->conns[w->heap[l]].t_wake_us < w->conns[w->heap[m]].t_wake_us)
                m = l;
            if (r < w->heap_len && w->conns[w->heap[r]].t_wake_us < w->conns[w->heap[m]].t_wake_us)
                m = r;
            if (m == i)
                break;
            heap_swap(w, i, m);
            i = m;
        }
    }
    return top;
}

/* The timeline slot for time now; allocates once per second, never per request. */
struct sec *lg_sec_at(struct worker *w, uint64_t now_us)
{
    if (w->cur_sec && now_us < w->cur_sec_end_us)
        return w->cur_sec;
    uint64_t rel = now_us > w->e->t0_us ? now_us - w->e->t0_us : 0;
    size_t idx = (size_t)(rel / 1000000u);
    if (idx >= w->capsecs) {
        size_t cap = w->capsecs ? w->capsecs * 2 : 64;
        while (cap <= idx)
            cap *= 2;
        struct sec *s = realloc(w->secs, cap * sizeof(*s));
        if (!s)
            return NULL;
        memset(s + w->capsecs, 0, (cap - w->capsecs) * sizeof(*s));
        w->secs = s;
        w->capsecs = cap;
    }
    if (idx >= w->nsecs)
        w->nsecs = idx + 1;
    struct sec *s = &w->secs[idx];
    if (!s->lat)
        s->lat = hist_new(SEC_SIG_BITS, SEC_MAX_US);
    if (!s->lat)
        return NULL;
    w->cur_sec = s;
    w->cur_sec_end_us = w->e->t0_us + (uint64_t)(idx + 1) * 1000000u;
    return s;
}

/* Only the owning thread writes done_atomic, so a relaxed load and store is enough (and on
 * x86 it is a plain add, not a locked one). */
static void bump(_Atomic uint64_t *a)
{
    atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void lg_conn_close(struct worker *w, struct conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* also removes it from the epoll set */
        c->fd = -1;
    }
    c->epollout = false;
    (void)w;
}

static void set_epollout(struct worker *w, struct conn *c, bool on)
{
    if (c->epollout == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->epollout = on;
}

static void start_request(struct worker *w, struct conn *c, uint64_t now_us);

/* What a connection does after a request ended (answered or failed). */
static void conn_next(struct worker *w, struct conn *c, uint64_t now_us, uint64_t delay_us)
{
    c->state = CS_IDLE;
    if (w->budget == 0 || stop_flag) {
        lg_conn_close(w, c);
        c->state = CS_DONE;
        w->active--;
        return;
    }
    const struct engine *e = w->e;
    if (e->rate) {
        c->next_ns += e->interval_ns;
        uint64_t due_us = e->t0_us + (uint64_t)(c->next_ns / 1000.0);
        if (due_us < now_us + delay_us)
            due_us = now_us + delay_us;
        if (due_us > now_us) {
            heap_push(w, c, due_us);
            return;
        }
    } else if (delay_us) {
        heap_push(w, c, now_us + delay_us);
        return;
    }
    /* The next request is sent after the whole event batch is handled (flush_ready), not
     * between this batch's recv calls: the server gets the batch's requests back to back and
     * can drain them in one wake-up (wrk gets the same effect from its EPOLLOUT round trip,
     * at the cost of two epoll_ctl calls per request). */
    if (w->nready < w->ready_cap)
        w->ready[w->nready++] = (uint32_t)(c - w->conns);
    else
        start_request(w, c, now_us); /* only after repeated failures within one flush */
}

static void flush_ready(struct worker *w)
{
    /* start_request can queue again (a failed send retries at once), so nready may grow. */
    for (unsigned i = 0; i < w->nready; i++) {
        struct conn *c = &w->conns[w->ready[i]];
        if (c->state == CS_IDLE)
            start_request(w, c, clock_now_us());
    }
    w->nready = 0;
}

static void record_error(struct worker *w, struct conn *c, int cls, int err, uint64_t now_us,
                         uint64_t delay_us)
{
    w->errors[cls]++;
    w->errno_counts[cls][err >= 0 && err < LG_ERRNO_MAX ? err : 0]++;
    struct sec *s = lg_sec_at(w, now_us);
    if (s)
        s->errors++;
    bump(&w->fail_atomic);
    const struct lg_config *cfg = w->e->cfg;
    if (cfg->on_sample) {
        struct lg_sample smp = {
            .start_unix_s = w->e->t0_wall + (double)(c->t_start_us - w->e->t0_us) / 1e6,
            .connect_us = c->connect_us,
            .ttfb_us = c->got_byte ? c->ttfb_us : 0,
            .total_us = now_us - c->t_start_us,
            .status = 0,
        };
        cfg->on_sample(cfg->on_sample_arg, &smp);
    }
    lg_conn_close(w, c);
    conn_next(w, c, now_us, delay_us);
}

static void do_write(struct worker *w, struct conn *c);
static bool retry_stale(struct worker *w, struct conn *c);

/* Opens a new connection for c's current request. */
static void conn_open(struct worker *w, struct conn *c)
{
    const struct engine *e = w->e;
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        record_error(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    /* Requests are small single writes; without TCP_NODELAY a request can wait for the
     * delayed ACK of the previous response. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    w->connections_opened++;
    c->fd = fd;
    c->reused = false;
    c->epollout = true;
    lg_parse_init(&c->parse);
    lg_parse_next(&c->parse, e->kinds[c->kind].head);
    if (connect(fd, (const struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        record_error(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        record_error(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    c->state = CS_CONNECTING;
}

static void start_request(struct worker *w, struct conn *c, uint64_t now_us)
{
    const struct engine *e = w->e;
    if (w->budget == 0 || stop_flag) {
        lg_conn_close(w, c);
        c->state = CS_DONE;
        w->active--;
        return;
    }
    if (w->budget != UINT64_MAX)
        w->budget--;
    if (e->nkinds > 1) {
        uint64_t r = xorshift(&w->rng) % e->total_weight;
        uint32_t k = 0;
        while (e->kinds[k].weight_end <= r)
            k++;
        c->kind = k;
    }
    w->requests_sent++;
    c->t_start_us = now_us;
    c->t_intended_us = e->rate ? e->t0_us + (uint64_t)(c->next_ns / 1000.0) : now_us;
    if (c->t_intended_us > now_us)
        c->t_intended_us = now_us;
    c->got_byte = false;
    c->retried = false;
    c->written = 0;
    if (c->fd < 0) {
        c->connect_us = 0;
        conn_open(w, c);
        return;
    }
    c->connect_us = 0;
    c->t_send_us = now_us;
    lg_parse_next(&c->parse, e->kinds[c->kind].head);
    c->state = CS_WRITING;
    do_write(w, c);
}

/* send/recv rather than write/read: on sockets they skip the file-position lock that
 * read/write take (fdget_pos showed at 2% of a profiled run). */
static void do_write(struct worker *w, struct conn *c)
{
    const struct kind *k = &w->e->kinds[c->kind];
    while (c->written < k->len) {
        ssize_t n = send(c->fd, k->buf + c->written, k->len - c->written, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_epollout(w, c, true);
                return;
            }
            if (errno == EINTR)
                continue;
            /* EPIPE/ECONNRESET on a reused connection: the server closed it while idle. */
            if (c->written == 0 && retry_stale(w, c))
                return;
            record_error(w, c, RUN_ERR_WRITE, errno, clock_now_us(), 0);
            return;
        }
        c->written += (size_t)n;
        w->bytes_written += (uint64_t)n;
    }
    w->body_bytes_sent += k->body_bytes;
    c->state = CS_READING;
    set_epollout(w, c, false);
}

static void on_connected(struct worker *w, struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    uint64_t now = clock_now_us();
    if (err) {
        record_error(w, c, RUN_ERR_CONNECT, err, now, CONNECT_RETRY_US);
        return;
    }
    c->connect_us = now - c->t_start_us;
    if (c->connect_us == 0)
        c->connect_us = 1; /* a new connection always shows a connect time */
    hist_record(w->connect, c->connect_us);
    c->t_send_us = now;
    c->state = CS_WRITING;
    do_write(w, c);
}

static void on_response(struct worker *w, struct conn *c, uint64_t now_us)
{
    const struct engine *e = w->e;
    const struct lg_parse *p = &c->parse;
    uint64_t total = now_us - c->t_start_us;
    uint64_t corrected = now_us - c->t_intended_us;
    w->requests++;
    hist_record(w->lat, e->rate ? corrected : total);
    if (w->lat_unc)
        hist_record(w->lat_unc, total);
    hist_record(w->ttfb, c->ttfb_us);
    if (w->connect_req) {
        hist_record(w->connect_req, c->connect_us);
        hist_record(w->processing, total - c->connect_us);
    }
    int st = p->status;
    w->status[st > 0 && st < STATUS_MAX ? st : 0]++;
    if (st >= 400) {
        w->errors[RUN_ERR_STATUS]++;
        w->errno_counts[RUN_ERR_STATUS][0]++;
    }
    w->html_bytes += p->body_bytes;
    if (!w->have_first) {
        w->have_first = true;
        w->first_t_us = now_us;
        w->first_body = p->body_bytes;
        memcpy(w->server, p->server, sizeof(w->server));
        c->parse.want_server = false;
    } else if (p->body_bytes != w->first_body) {
        w->length_errors++;
    }
    struct sec *s = lg_sec_at(w, now_us);
    if (s) {
        s->requests++;
        s->errors += st >= 400;
        hist_record(s->lat, e->rate ? corrected : total);
    }
    bump(&w->done_atomic);
    if (e->cfg->on_sample) {
        struct lg_sample smp = {
            .start_unix_s = e->t0_wall + (double)(c->t_start_us - e->t0_us) / 1e6,
            .connect_us = c->connect_us,
            .ttfb_us = c->ttfb_us,
            .total_us = total,
            .status = st,
        };
        e->cfg->on_sample(e->cfg->on_sample_arg, &smp);
    }
    c->reused = true;
    if (p->keep_alive)
        w->keepalive_responses++;
    if (!p->keep_alive || !e->cfg->keep_alive)
        lg_conn_close(w, c);
    conn_next(w, c, now_us, 0);
}

/* A keep-alive connection the server closed before answering a reused request: servers may
 * close idle connections at any time, so the request is resent once on a new connection. */
static bool retry_stale(struct worker *w, struct conn *c)
{
    if (!c->reused || c->got_byte || c->retried)
        return false;
    lg_conn_close(w, c);
    c->retried = true;
    c->written = 0;
    conn_open(w, c);
    return true;
}

static void do_read(struct worker *w, struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, w->rbuf, RBUF_BYTES, 0);
        if (n > 0) {
            uint64_t now = clock_now_us();
            w->bytes_read += (uint64_t)n;
            struct sec *s = lg_sec_at(w, now);
            if (s)
                s->bytes += (uint64_t)n;
            if (c->state != CS_READING) {
                /* Bytes nobody asked for (the request is still being written, or the
                 * connection is idle): not HTTP we can follow. */
                record_error(w, c, RUN_ERR_PARSE, 0, now, 0);
                return;
            }
            if (!c->got_byte) {
                c->got_byte = true;
                c->ttfb_us = now - c->t_send_us;
            }
            long used = lg_parse_feed(&c->parse, w->rbuf, (size_t)n);
            if (used < 0 || (c->parse.done && used < n)) {
                record_error(w, c, RUN_ERR_PARSE, 0, now, 0);
                return;
            }
            if (c->parse.done) {
                on_response(w, c, now);
                return;
            }
            if (n < RBUF_BYTES)
                return;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        int err = n < 0 ? errno : 0;
        uint64_t now = clock_now_us();
        if (c->state == CS_IDLE) {
            lg_conn_close(w, c); /* an idle keep-alive connection closed by the server */
            return;
        }
        if (retry_stale(w, c))
            return;
        if (n == 0 && c->state == CS_READING && lg_parse_eof(&c->parse) == 0) {
            on_response(w, c, now); /* a body delimited by close */
            return;
        }
        record_error(w, c, RUN_ERR_READ, err, now, 0);
        return;
    }
}

static void check_timeouts(struct worker *w, uint64_t now_us)
{
    uint64_t t = w->e->timeout_us;
    for (unsigned i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        if (c->state == CS_CONNECTING || c->state == CS_WRITING || c->state == CS_READING) {
            if (now_us - c->t_start_us >= t)
                record_error(w, c, RUN_ERR_TIMEOUT, 0, now_us, 0);
        }
    }
}

static int wait_events(int epfd, struct epoll_event *evs, uint64_t timeout_us)
{
    struct timespec ts = {.tv_sec = (time_t)(timeout_us / 1000000u),
                          .tv_nsec = (long)(timeout_us % 1000000u) * 1000};
    static int have_pwait2 = 1;
    if (have_pwait2) {
        int n = epoll_pwait2(epfd, evs, EVENTS_MAX, &ts, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        have_pwait2 = 0;
    }
    return epoll_wait(epfd, evs, EVENTS_MAX, (int)((timeout_us + 999) / 1000));
}

void *lg_worker_main(void *arg)
{
    struct worker *w = arg;
    const struct engine *e = w->e;
    struct epoll_event evs[EVENTS_MAX];
    uint64_t now = clock_now_us();
    uint64_t check_every = e->timeout_us / 10;
    if (check_every > 100000)
        check_every = 100000;
    if (check_every < 1000)
        check_every = 1000;
    uint64_t next_check = now + check_every;

    for (unsigned i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        if (e->rate)
            heap_push(w, c, e->t0_us + (uint64_t)(c->next_ns / 1000.0));
        else
            start_request(w, c, clock_now_us());
    }
    while (w->active > 0 && !stop_flag) {
        now = clock_now_us();
        if (e->deadline_us && now >= e->deadline_us)
            break;
        while (w->heap_len > 0 && w->conns[w->heap[0]].t_wake_us <= now) {
            struct conn *c = heap_pop(w);
            if (c->state == CS_IDLE)
                start_request(w, c, now);
        }
        if (now >= next_check) {
            check_timeouts(w, now);
            next_check = now + check_every;
        }
        if (w->active == 0)
            break;
        uint64_t wake = next_check;
        if (w->heap_len > 0 && w->conns[w->heap[0]].t_wake_us < wake)
            wake = w->conns[w->heap[0]].t_wake_us;
        if (e->deadline_us && e->deadline_us < wake)
            wake = e->deadline_us;
        uint64_t timeout = wake > now ? wake - now : 0;
        int n = wait_events(w->epfd, evs, timeout);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            uint32_t ev = evs[i].events;
            if (c->fd < 0)
                continue; /* closed by an earlier event of this batch */
            switch (c->state) {
            case CS_CONNECTING:
                on_connected(w, c);
                break;
            case CS_WRITING:
                if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                    do_write(w, c);
                if (c->state == CS_WRITING && (ev & EPOLLIN))
                    do_read(w, c);
                break;
            case CS_READING:
            case CS_IDLE:
                do_read(w, c);
                break;
            default:
                break;
            }
        }
        flush_ready(w);
    }
    w->t_end_us = clock_now_us();
    if (e->deadline_us && w->t_end_us > e->deadline_us && !stop_flag)
        w->t_end_us = e->deadline_us;
    for (unsigned i = 0; i < w->nconns; i++)
        lg_conn_close(w, &w->conns[i]);
    atomic_store(&w->finished, true);
    atomic_fetch_add(&((struct engine *)e)->workers_done, 1);
    return NULL;
}
