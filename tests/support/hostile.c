/* tests/support/hostile.c: see hostile.h. One poll() thread per attack over a fixed array of
 * non-blocking sockets; a probe is a plain sequence of non-blocking calls with one deadline. */
#include "tests/support/hostile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The first bytes of each kind; a slowloris connection then sends 'a' forever (a header value
 * that never ends), a slow body one 'x' per interval. */
static const char slowloris_head[] = "GET /api/health HTTP/1.1\r\nHost: hostile\r\nX-Slow: ";
static const char slow_body_head[] = "POST /api/echo HTTP/1.1\r\nHost: hostile\r\n"
                                     "Content-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n";

enum conn_state { CONN_CLOSED, CONN_CONNECTING, CONN_OPEN };

struct hconn {
    int fd;
    enum conn_state state;
    size_t sent;      /* bytes of the request sent */
    uint64_t next_us; /* when the next byte is due */
    bool answered;
};

struct hostile {
    struct hostile_opts o;
    struct sockaddr_in target, source;
    pthread_t tid;
    atomic_bool stop;
    pthread_mutex_t lock; /* counts */
    struct hostile_counts counts;
    struct hconn *conns;
    struct pollfd *pfds;
    unsigned *idx;
};

uint64_t hostile_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int addr_parse(const char *text, int port, struct sockaddr_in *out)
{
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, text, &out->sin_addr) == 1 ? 0 : -1;
}

/* A non-blocking socket, bound to source when given, with its connect started. -1 on failure. */
static int open_nb(const struct sockaddr_in *target, const struct sockaddr_in *source)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (source) {
        /* Leave the port choice to connect(), so thousands of bound sockets do not each hold
         * a port of the range for every destination. */
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        if (bind(fd, (const struct sockaddr *)source, sizeof(*source)) < 0) {
            close(fd);
            return -1;
        }
    }
    if (connect(fd, (const struct sockaddr *)target, sizeof(*target)) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void count_add(struct hostile *h, uint64_t *field, int64_t delta)
{
    pthread_mutex_lock(&h->lock);
    *field = (uint64_t)((int64_t)*field + delta);
    pthread_mutex_unlock(&h->lock);
}

static void conn_open(struct hostile *h, struct hconn *c)
{
    c->fd = open_nb(&h->target, h->o.source_addr ? &h->source : NULL);
    c->state = c->fd >= 0 ? CONN_CONNECTING : CONN_CLOSED;
    c->sent = 0;
    c->answered = false;
    if (c->fd < 0)
        count_add(h, &h->counts.connect_failed, 1);
}

static void conn_close(struct hostile *h, struct hconn *c, bool by_server)
{
    if (c->state == CONN_OPEN) {
        pthread_mutex_lock(&h->lock);
        h->counts.open_now--;
        if (by_server)
            h->counts.server_closed++;
        pthread_mutex_unlock(&h->lock);
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = CONN_CLOSED;
}

/* Sends what is due on an open connection: the whole head for a slow body at once, then one
 * byte per interval. */
static void conn_send(struct hostile *h, struct hconn *c, uint64_t now)
{
    if (h->o.kind == HOSTILE_IDLE || now < c->next_us)
        return;
    char buf[sizeof(slow_body_head)];
    size_t n = 1;
    if (h->o.kind == HOSTILE_SLOW_BODY && c->sent < sizeof(slow_body_head) - 1) {
        n = sizeof(slow_body_head) - 1 - c->sent;
        memcpy(buf, slow_body_head + c->sent, n);
    } else if (h->o.kind == HOSTILE_SLOW_BODY) {
        buf[0] = 'x';
    } else {
        buf[0] = c->sent < sizeof(slowloris_head) - 1 ? slowloris_head[c->sent] : 'a';
    }
    ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
    if (w > 0) {
        c->sent += (size_t)w;
        count_add(h, &h->counts.bytes_sent, w);
    } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        conn_close(h, c, true);
        return;
    }
    c->next_us = now + (uint64_t)h->o.interval_ms * 1000u;
}

static void conn_event(struct hostile *h, struct hconn *c, short revents, uint64_t now)
{
    if (c->state == CONN_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            conn_close(h, c, false);
            count_add(h, &h->counts.connect_failed, 1);
            return;
        }
        c->state = CONN_OPEN;
        c->next_us = now;
        pthread_mutex_lock(&h->lock);
        h->counts.opened++;
        h->counts.open_now++;
        pthread_mutex_unlock(&h->lock);
        return;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            int status = 0;
            if (!c->answered && sscanf(buf, "HTTP/1.%*d %d", &status) == 1) {
                c->answered = true;
                pthread_mutex_lock(&h->lock);
                h->counts.answers++;
                h->counts.last_status = status;
                pthread_mutex_unlock(&h->lock);
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_close(h, c, true);
        return;
    }
}

static void *attack_main(void *arg)
{
    struct hostile *h = arg;
    unsigned n = h->o.conns;
    for (unsigned i = 0; i < n; i++)
        conn_open(h, &h->conns[i]);
    while (!atomic_load(&h->stop)) {
        uint64_t now = hostile_now_us(), wake = now + 20000;
        nfds_t np = 0;
        for (unsigned i = 0; i < n; i++) {
            struct hconn *c = &h->conns[i];
            if (c->state == CONN_CLOSED && h->o.reconnect)
                conn_open(h, c);
            if (c->state == CONN_CLOSED)
                continue;
            if (c->state == CONN_OPEN && h->o.kind != HOSTILE_IDLE && c->next_us < wake)
                wake = c->next_us > now ? c->next_us : now;
            h->idx[np] = i;
            h->pfds[np++] = (struct pollfd){
                .fd = c->fd, .events = c->state == CONN_CONNECTING ? POLLOUT : POLLIN};
        }
        poll(h->pfds, np, (int)((wake - now) / 1000));
        now = hostile_now_us();
        for (nfds_t k = 0; k < np; k++)
            if (h->pfds[k].revents)
                conn_event(h, &h->conns[h->idx[k]], h->pfds[k].revents, now);
        for (unsigned i = 0; i < n; i++)
            if (h->conns[i].state == CONN_OPEN)
                conn_send(h, &h->conns[i], now);
    }
    for (unsigned i = 0; i < n; i++)
        conn_close(h, &h->conns[i], false);
    return NULL;
}

struct hostile *hostile_start(const struct hostile_opts *opts, char *err, size_t errlen)
{
    struct hostile *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->o = *opts;
    pthread_mutex_init(&h->lock, NULL);
    if (addr_parse(opts->addr, opts->port, &h->target) < 0 ||
        (opts->source_addr && addr_parse(opts->source_addr, 0, &h->source) < 0)) {
        snprintf(err, errlen, "bad address");
        goto fail;
    }
    unsigned n = opts->conns ? opts->conns : 1;
    h->o.conns = n;
    h->conns = calloc(n, sizeof(*h->conns));
    h->pfds = calloc(n, sizeof(*h->pfds));
    h->idx = calloc(n, sizeof(*h->idx));
    if (!h->conns || !h->pfds || !h->idx) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < n; i++)
        h->conns[i].fd = -1;
    if (pthread_create(&h->tid, NULL, attack_main, h) != 0) {
        snprintf(err, errlen, "cannot start the attack thread");
        goto fail;
    }
    return h;
fail:
    free(h->conns);
    free(h->pfds);
    free(h->idx);
    pthread_mutex_destroy(&h->lock);
    free(h);
    return NULL;
}

void hostile_counts(struct hostile *h, struct hostile_counts *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->counts;
    pthread_mutex_unlock(&h->lock);
}

void hostile_stop(struct hostile *h)
{
    if (!h)
        return;
    atomic_store(&h->stop, true);
    pthread_join(h->tid, NULL);
    free(h->conns);
    free(h->pfds);
    free(h->idx);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* Waits for events on fd until deadline_us. 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, uint64_t deadline_us)
{
    for (;;) {
        uint64_t now = hostile_now_us();
        if (now >= deadline_us)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)((deadline_us - now + 999) / 1000));
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int hostile_probe(const char *addr, int port, const char *source_addr, const char *path,
                  const char *extra_headers, unsigned timeout_ms, int *status, uint64_t *latency_us,
                  char *why, size_t whylen)
{
    struct sockaddr_in target, source;
    *status = 0;
    *latency_us = 0;
    if (addr_parse(addr, port, &target) < 0 ||
        (source_addr && addr_parse(source_addr, 0, &source) < 0)) {
        snprintf(why, whylen, "bad address");
        return -1;
    }
    uint64_t start = hostile_now_us(), deadline = start + (uint64_t)timeout_ms * 1000u;
    int fd = open_nb(&target, source_addr ? &source : NULL);
    if (fd < 0) {
        snprintf(why, whylen, "connect: %s", strerror(errno));
        return -1;
    }
    char req[1024], buf[1024];
    int len =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: probe\r\n%sConnection: close\r\n\r\n",
                 path, extra_headers ? extra_headers : "");
    size_t got = 0, off = 0;
    int rc = -1;
    if (wait_fd(fd, POLLOUT, deadline) <= 0) {
        snprintf(why, whylen, "connect not done in %u ms", timeout_ms);
        goto done;
    }
    int err = 0;
    socklen_t elen = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err) {
        snprintf(why, whylen, "connect: %s", strerror(err));
        goto done;
    }
    while (off < (size_t)len) {
        ssize_t w = send(fd, req + off, (size_t)len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline) > 0)
            continue;
        if (w <= 0) {
            snprintf(why, whylen, "send: %s", w < 0 ? strerror(errno) : "nothing sent");
            goto done;
        }
        off += (size_t)w;
    }
    while (!memchr(buf, '\n', got)) {
        int r = wait_fd(fd, POLLIN, deadline);
        if (r <= 0) {
            snprintf(why, whylen, r == 0 ? "no answer in %u ms" : "poll failed", timeout_ms);
            goto done;
        }
        ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0) {
            snprintf(why, whylen, "closed without an answer (%s)", n < 0 ? strerror(errno) : "EOF");
            goto done;
        }
        got += (size_t)n;
        if (got == sizeof(buf) - 1)
            break;
    }
    buf[got] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) {
        snprintf(why, whylen, "not an HTTP status line");
        goto done;
    }
    *latency_us = hostile_now_us() - start;
    rc = 0;
done:
    close(fd);
    return rc;
}
