/* loadgen/engine.c: the fast engine for http:// targets. Each worker thread owns an epoll loop
 * and a fixed slice of connections; everything (connections, request bytes, read buffer,
 * histograms) is allocated before the run, so the per-request path is read, parse, record,
 * write: no allocation, no formatting, no lock, one clock read per socket event. Constant-rate
 * mode (wrk2's -R) schedules each connection's requests and measures latency from the scheduled
 * time. Recording: rec.h; setup: engine_run.c; the https path: curl_engine.c. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/engine_int.h"

/* ---- small helpers ---- */

static void heap_swap(struct worker *w, unsigned a, unsigned b)
{
    uint32_t t = w->heap[a];
    w->heap[a] = w->heap[b];
    w->heap[b] = t;
    w->conns[w->heap[a]].heap_idx = a;
    w->conns[w->heap[b]].heap_idx = b;
}

/* The heap has one slot per connection; a connection is in it at most once (heap_idx says). */
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

void lg_conn_close(struct worker *w, struct conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* also removes it from the epoll set */
        c->fd = -1;
        atomic_store_explicit(&w->rec->conns_open,
                              atomic_load_explicit(&w->rec->conns_open, memory_order_relaxed) - 1,
                              memory_order_relaxed);
    }
    c->epollout = false;
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

static void conn_retire(struct worker *w, struct conn *c)
{
    lg_conn_close(w, c);
    c->state = CS_DONE;
    w->active--;
}

/* What a connection does after a request ended (answered or failed). */
static void conn_next(struct worker *w, struct conn *c, uint64_t now_us, uint64_t delay_us)
{
    c->state = CS_IDLE;
    if (w->budget == 0 || lg_stopping(w->run)) {
        conn_retire(w, c);
        return;
    }
    const struct engine *e = w->e;
    if (e->rate) {
        c->next_ns += e->interval_ns;
        uint64_t due_us = w->run->clock.t0_us + (uint64_t)(c->next_ns / 1000.0);
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

static void sample_out(struct worker *w, const struct conn *c, uint64_t now_us, int status)
{
    const struct lg_config *cfg = &w->run->cfg;
    const struct rec_clock *k = &w->run->clock;
    struct lg_sample smp = {
        .start_unix_s = ((double)k->t0_unix_us + (double)(c->t_start_us - k->t0_us)) / 1e6,
        .connect_us = c->connect_us,
        .ttfb_us = c->got_byte ? c->ttfb_us : 0,
        .total_us = now_us - c->t_start_us,
        .status = status,
    };
    cfg->on_sample(cfg->on_sample_arg, &smp);
}

/* The request in flight on c failed: count it, close the connection, go on. */
static void request_failed(struct worker *w, struct conn *c, int cls, int err, uint64_t now_us,
                           uint64_t delay_us)
{
    rec_failure(w->rec, now_us, cls, err);
    if (w->run->cfg.on_sample)
        sample_out(w, c, now_us, 0);
    lg_conn_close(w, c);
    conn_next(w, c, now_us, delay_us);
}

static void do_write(struct worker *w, struct conn *c);

/* Opens a new connection for c's current request. */
static void conn_open(struct worker *w, struct conn *c)
{
    const struct engine *e = w->e;
    w->rec->connections_opened++;
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        request_failed(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    atomic_store_explicit(&w->rec->conns_open,
                          atomic_load_explicit(&w->rec->conns_open, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    /* Requests are small single writes; without TCP_NODELAY a request can wait for the
     * delayed ACK of the previous response. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->epollout = true;
    lg_parse_init(&c->parse);
    lg_parse_next(&c->parse, e->kinds[c->kind].head);
    if (connect(fd, (const struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        request_failed(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        request_failed(w, c, RUN_ERR_CONNECT, errno, clock_now_us(), CONNECT_RETRY_US);
        return;
    }
    c->state = CS_CONNECTING;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

size_t lg_kind_pick(uint32_t *rng, const uint64_t *weight_end, size_t nkinds)
{
    uint64_t r = xorshift(rng) % weight_end[nkinds - 1];
    size_t k = 0;
    while (weight_end[k] <= r)
        k++;
    return k;
}

static void start_request(struct worker *w, struct conn *c, uint64_t now_us)
{
    const struct engine *e = w->e;
    if (w->budget == 0 || lg_stopping(w->run)) {
        conn_retire(w, c);
        return;
    }
    if (w->budget != UINT64_MAX)
        w->budget--;
    if (e->nkinds > 1)
        c->kind = (uint32_t)lg_kind_pick(&w->rng, e->weight_end, e->nkinds);
    w->rec->requests_sent++;
    c->t_issue_us = now_us;
    c->t_start_us = now_us;
    c->t_intended_us = now_us;
    if (e->rate) {
        uint64_t due = w->run->clock.t0_us + (uint64_t)(c->next_ns / 1000.0);
        if (due < now_us)
            c->t_intended_us = due;
    }
    c->got_byte = false;
    c->written = 0;
    c->connect_us = 0;
    if (c->fd < 0) {
        conn_open(w, c);
        return;
    }
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
            /* A keep-alive connection the server closed meanwhile fails here too: the request
             * was attempted, so it is a failed request (as in wrk), never silently resent. */
            request_failed(w, c, RUN_ERR_WRITE, errno, clock_now_us(), 0);
            return;
        }
        c->written += (size_t)n;
        rec_bump(&w->rec->bytes_written, (uint64_t)n);
    }
    w->rec->body_bytes_sent += k->body_bytes;
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
        request_failed(w, c, RUN_ERR_CONNECT, err, now, CONNECT_RETRY_US);
        return;
    }
    c->connect_us = now - c->t_start_us;
    if (c->connect_us == 0)
        c->connect_us = 1; /* a new connection always shows a connect time */
    hist_record(w->rec->connect_us, c->connect_us);
    /* wrk's rule: latency starts at the first write, so connecting is not latency. ab keeps
     * connect() as the start (its Connection Times show connect separately). */
    if (!w->run->cfg.connect_in_latency)
        c->t_start_us = now;
    c->t_send_us = now;
    c->state = CS_WRITING;
    do_write(w, c);
}

static void on_response(struct worker *w, struct conn *c, uint64_t now_us)
{
    struct rec *r = w->rec;
    const struct lg_parse *p = &c->parse;
    uint64_t total = now_us - c->t_start_us;
    int st = p->status;
    rec_response(r, now_us, w->e->rate ? now_us - c->t_intended_us : total, total, st);
    hist_record(r->ttfb_us, c->ttfb_us);
    if (r->connect_req_us) {
        hist_record(r->connect_req_us, c->connect_us);
        hist_record(r->processing_us, total - c->connect_us);
    }
    r->html_bytes += p->body_bytes;
    if (!r->have_first) {
        r->have_first = true;
        r->first_t_us = now_us;
        r->first_body_bytes = p->body_bytes;
        memcpy(r->server, p->server, sizeof(r->server));
        w->want_server = false;
    } else if (p->body_bytes != r->first_body_bytes) {
        r->length_errors++;
    }
    if (w->run->cfg.on_sample)
        sample_out(w, c, now_us, st);
    if (p->keep_alive)
        r->keepalive_responses++;
    if (!p->keep_alive || !w->run->cfg.keep_alive)
        lg_conn_close(w, c);
    conn_next(w, c, now_us, 0);
}

/* Bytes or a close on a connection with no request in flight. A close is a keep-alive
 * connection the server ended while idle: reconnect when needed, nothing failed. Bytes nobody
 * asked for (more than the Content-Length, a body on a HEAD answer, an unsolicited 408) mean
 * the connection can no longer be followed: close it and count a read error. Either way the
 * connection's schedule (it may be in the heap, or queued to send) is left as it is; the next
 * request opens a new connection. */
static void idle_input(struct worker *w, struct conn *c, ssize_t n, uint64_t now_us)
{
    if (n > 0)
        rec_failure(w->rec, now_us, RUN_ERR_READ, 0);
    lg_conn_close(w, c);
}

static void do_read(struct worker *w, struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, w->rbuf, RBUF_BYTES, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        uint64_t now = clock_now_us();
        if (n > 0)
            rec_bytes_read(w->rec, now, (uint64_t)n);
        if (c->state == CS_IDLE) {
            idle_input(w, c, n, now);
            return;
        }
        if (n > 0) {
            if (c->state != CS_READING) {
                /* An answer while the request is still being written (e.g. a 413 before the
                 * body was read): not HTTP this client can follow. */
                request_failed(w, c, RUN_ERR_PARSE, 0, now, 0);
                return;
            }
            if (!c->got_byte) {
                c->got_byte = true;
                c->ttfb_us = now - c->t_send_us;
            }
            long used = lg_parse_feed(&c->parse, w->rbuf, (size_t)n);
            if (used < 0) {
                request_failed(w, c, RUN_ERR_PARSE, 0, now, 0);
                return;
            }
            if (c->parse.done) {
                on_response(w, c, now);
                /* Bytes past the end of the response belong to no request (this client never
                 * pipelines): the connection can no longer be followed. */
                if (used < n)
                    idle_input(w, c, n - used, now);
                return;
            }
            if (n < RBUF_BYTES)
                return;
            continue;
        }
        if (n == 0 && c->state == CS_READING && lg_parse_eof(&c->parse) == 0) {
            on_response(w, c, now); /* a body delimited by close */
            return;
        }
        /* A reset or a close after the request was sent is a failed request. */
        request_failed(w, c, RUN_ERR_READ, n < 0 ? errno : 0, now, 0);
        return;
    }
}

static void check_timeouts(struct worker *w, uint64_t now_us)
{
    uint64_t t = w->e->timeout_us;
    for (unsigned i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        if (c->state != CS_CONNECTING && c->state != CS_WRITING && c->state != CS_READING)
            continue;
        if (now_us - c->t_issue_us < t)
            continue;
        if (w->e->rate)
            rec_timeout_age(w->rec, now_us, now_us - c->t_intended_us);
        request_failed(w, c, RUN_ERR_TIMEOUT, 0, now_us, 0);
    }
}

static int wait_events(const struct engine *e, int epfd, struct epoll_event *evs,
                       uint64_t timeout_us)
{
    if (e->have_pwait2) {
        struct timespec ts = {.tv_sec = (time_t)(timeout_us / 1000000u),
                              .tv_nsec = (long)(timeout_us % 1000000u) * 1000};
        return epoll_pwait2(epfd, evs, EVENTS_MAX, &ts, NULL);
    }
    return epoll_wait(epfd, evs, EVENTS_MAX, (int)((timeout_us + 999) / 1000));
}

static void handle_event(struct worker *w, struct conn *c, uint32_t ev)
{
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

void *lg_worker_main(void *arg)
{
    const struct lg_thread *th = arg;
    struct lg_run *run = th->run;
    const struct engine *e = run->engine;
    struct worker *w = &((struct engine *)run->engine)->workers[th->index];
    const uint64_t deadline = run->clock.deadline_us;
    struct epoll_event evs[EVENTS_MAX];
    /* Timeouts are checked at a tenth of the timeout, and at least every 100 ms so the
     * per-second samples move on even when nothing happens. */
    uint64_t check_every = e->timeout_us / 10;
    if (check_every > 100000)
        check_every = 100000;
    if (check_every < 1000)
        check_every = 1000;
    uint64_t now = clock_now_us();
    uint64_t next_check = now + check_every;

    for (unsigned i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        if (e->rate)
            heap_push(w, c, run->clock.t0_us + (uint64_t)(c->next_ns / 1000.0));
        else
            start_request(w, c, clock_now_us());
    }
    while (w->active > 0 && !lg_stopping(run)) {
        now = clock_now_us();
        if (deadline && now >= deadline)
            break;
        rec_tick(w->rec, now);
        while (w->heap_len > 0 && w->conns[w->heap[0]].t_wake_us <= now) {
            struct conn *c = heap_pop(w);
            if (c->state == CS_IDLE)
                start_request(w, c, now);
        }
        if (now >= next_check) {
            check_timeouts(w, now);
            next_check = now + check_every;
        }
        flush_ready(w);
        if (w->active == 0)
            break;
        uint64_t wake = next_check;
        if (w->heap_len > 0 && w->conns[w->heap[0]].t_wake_us < wake)
            wake = w->conns[w->heap[0]].t_wake_us;
        if (deadline && deadline < wake)
            wake = deadline;
        int n = wait_events(e, w->epfd, evs, wake > now ? wake - now : 0);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->fd >= 0) /* else closed by an earlier event of this batch */
                handle_event(w, c, evs[i].events);
        }
        flush_ready(w);
    }
    uint64_t t_end = clock_now_us();
    if (deadline && t_end > deadline && !lg_stopping(run))
        t_end = deadline;
    for (unsigned i = 0; i < w->nconns; i++)
        lg_conn_close(w, &w->conns[i]);
    rec_finish(w->rec, t_end);
    return NULL;
}
