/* tests/support/testsrv.c: see testsrv.h. One thread, poll(), fixed arrays; small responses
 * are written in one write() on a non-blocking socket (they always fit the socket buffer). */
#include "tests/support/testsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TS_MAX_CONNS 2048
#define TS_BUF       8192

struct ts_conn {
    int fd;
    size_t len;
    bool stalled;      /* /stall: never answer */
    uint64_t due_us;   /* /delay: answer at this time; 0: not waiting */
    uint64_t stray_us; /* stray_byte: send it at this time; 0: none pending */
    char buf[TS_BUF];
};

struct testsrv {
    int lfd;
    unsigned port;
    unsigned close_every;
    bool stray_byte;
    pthread_t tid;
    atomic_bool stop;
    _Atomic uint64_t requests;
    _Atomic uint64_t accepts;
    _Atomic uint64_t stall_until_us;
    uint64_t responses; /* for close_every */
    struct ts_conn *conns;
    struct pollfd *pfds;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void conn_drop(struct ts_conn *c, bool reset)
{
    if (c->fd < 0)
        return;
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    close(c->fd);
    c->fd = -1;
    c->len = 0;
    c->stalled = false;
    c->due_us = 0;
    c->stray_us = 0;
}

static void put(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 100);
            continue;
        }
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Length of the request head (through the blank line), or 0 when incomplete. */
static size_t head_len(const char *b, size_t n)
{
    for (size_t i = 3; i < n; i++)
        if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n')
            return i + 1;
    return 0;
}

/* Value of header `name` in the head, copied into out; false when absent. */
static bool header(const char *head, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 < n; i++) {
        if ((i == 0 || head[i - 1] == '\n') && !strncasecmp(head + i, name, nl) &&
            head[i + nl] == ':') {
            size_t j = i + nl + 1;
            while (j < n && head[j] == ' ')
                j++;
            size_t k = 0;
            while (j < n && head[j] != '\r' && k + 1 < cap)
                out[k++] = head[j++];
            out[k] = '\0';
            return true;
        }
    }
    return false;
}

/* Answers the request at the start of c->buf (head of hl bytes). Returns false when the
 * connection was closed. */
static bool answer(struct testsrv *s, struct ts_conn *c, size_t hl)
{
    char method[16] = "", path[512] = "", proto[16] = "";
    sscanf(c->buf, "%15s %511s %15s", method, path, proto);
    bool head = !strcmp(method, "HEAD");
    char v[64];
    bool close_after = false;
    if (header(c->buf, hl, "Connection", v, sizeof(v)))
        close_after = !strcasecmp(v, "close");
    if (!strcmp(proto, "HTTP/1.0") &&
        !(header(c->buf, hl, "Connection", v, sizeof(v)) && !strcasecmp(v, "keep-alive")))
        close_after = true;
    if (!strcmp(path, "/reset")) {
        conn_drop(c, true);
        return false;
    }
    if (!strcmp(path, "/drop")) {
        shutdown(c->fd, SHUT_WR);
        conn_drop(c, false);
        return false;
    }
    if (!strcmp(path, "/stall")) {
        c->stalled = true;
        return true;
    }
    /* Broken answers: each is counted as a response written. */
    static const struct {
        const char *path, *bytes;
        enum { KEEP, STALL, FIN, RST } then;
    } broken[] = {
        {"/cut", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello", FIN},
        {"/cut-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
         FIN},
        {"/cut-reset", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello", RST},
        {"/nolength", "HTTP/1.1 200 OK\r\nServer: testsrv\r\n\r\nhello", STALL},
        {"/interim", "HTTP/1.1 102 Processing\r\n\r\n", STALL},
        {"/101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
         STALL},
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        if (strcmp(path, broken[i].path) != 0)
            continue;
        put(c->fd, broken[i].bytes, strlen(broken[i].bytes));
        atomic_fetch_add(&s->requests, 1);
        if (broken[i].then == STALL) {
            c->stalled = true;
            return true;
        }
        if (broken[i].then == FIN)
            shutdown(c->fd, SHUT_WR);
        conn_drop(c, broken[i].then == RST);
        return false;
    }
    if (!strcmp(path, "/huge-headers")) {
        /* Header lines past any sane size (1 MiB), then the connection closes: a client must
         * give up on them without buffering them. */
        static const char status[] = "HTTP/1.1 200 OK\r\n";
        char pad[1024];
        memset(pad, 'a', sizeof(pad));
        memcpy(pad, "X-Pad: ", 7);
        memcpy(pad + sizeof(pad) - 2, "\r\n", 2);
        put(c->fd, status, sizeof(status) - 1);
        /* put() waits while the client reads; once it closes, each put fails at once. */
        for (int i = 0; i < 1024; i++)
            put(c->fd, pad, sizeof(pad));
        atomic_fetch_add(&s->requests, 1);
        conn_drop(c, false);
        return false;
    }
    if (!strcmp(path, "/interim-flood")) {
        /* 200 interim answers before the final one: the client skips them all. */
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        for (int i = 0; i < 200; i++)
            put(c->fd, cont, sizeof(cont) - 1);
        path[0] = '\0'; /* then the default answer below */
    }
    if (!strncmp(path, "/delay", 6) && c->due_us == 0) {
        const char *q = strstr(path, "ms=");
        c->due_us = now_us() + (q ? strtoull(q + 3, NULL, 10) : 0) * 1000u + 1;
        return true;
    }
    c->due_us = 0;
    s->responses++;
    if (s->close_every && s->responses % s->close_every == 0)
        close_after = true;
    const char *conn_hdr = close_after ? "Connection: close\r\n" : "";
    char out[1024];
    int n;
    if (!strcmp(path, "/chunked")) {
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 200 OK\r\nServer: testsrv\r\n%sTransfer-Encoding: chunked\r\n\r\n%s",
                     conn_hdr,
                     head ? "" : "2\r\nhe\r\n3;ext=1\r\nllo\r\n0\r\nX-Trailer: 1\r\n\r\n");
    } else if (!strcmp(path, "/close")) {
        n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nServer: testsrv\r\n\r\n%s",
                     head ? "" : "hello");
        close_after = true;
    } else if (!strcmp(path, "/continue")) {
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nServer: testsrv\r\n%s"
                     "Content-Length: 5\r\n\r\n%s",
                     conn_hdr, head ? "" : "hello");
    } else if (!strcmp(path, "/204")) {
        n = snprintf(out, sizeof(out), "HTTP/1.1 204 No Content\r\nServer: testsrv\r\n%s\r\n",
                     conn_hdr);
    } else if (!strcmp(path, "/304")) {
        n = snprintf(
            out, sizeof(out),
            "HTTP/1.1 304 Not Modified\r\nServer: testsrv\r\n%sContent-Length: 100\r\n\r\n",
            conn_hdr);
    } else {
        int code = 200;
        if (!strncmp(path, "/status/", 8))
            code = (int)strtol(path + 8, NULL, 10);
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d X\r\nServer: testsrv\r\n%sContent-Length: 5\r\n\r\n%s", code,
                     conn_hdr, head ? "" : "hello");
    }
    put(c->fd, out, (size_t)n);
    /* A millisecond later, so it reaches the client while its connection is idle. */
    if (s->stray_byte)
        c->stray_us = now_us() + 1000;
    atomic_fetch_add(&s->requests, 1);
    if (close_after) {
        shutdown(c->fd, SHUT_WR);
        conn_drop(c, false);
        return false;
    }
    return true;
}

/* Answers every complete request in c->buf (unless stalled). */
static void serve(struct testsrv *s, struct ts_conn *c, uint64_t now)
{
    if (now < atomic_load(&s->stall_until_us))
        return;
    while (c->fd >= 0 && !c->stalled) {
        if (c->due_us && now < c->due_us)
            return;
        size_t hl = head_len(c->buf, c->len);
        if (!hl)
            return;
        char v[32];
        size_t body = 0;
        if (header(c->buf, hl, "Content-Length", v, sizeof(v)))
            body = (size_t)strtoull(v, NULL, 10);
        if (c->len < hl + body)
            return;
        if (!answer(s, c, hl))
            return;
        if (c->due_us || c->stalled)
            return;
        memmove(c->buf, c->buf + hl + body, c->len - hl - body);
        c->len -= hl + body;
    }
}

static void *ts_main(void *arg)
{
    struct testsrv *s = arg;
    while (!atomic_load(&s->stop)) {
        nfds_t n = 0;
        s->pfds[n++] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
        unsigned idx[TS_MAX_CONNS];
        for (unsigned i = 0; i < TS_MAX_CONNS; i++) {
            if (s->conns[i].fd < 0)
                continue;
            idx[n - 1] = i;
            s->pfds[n++] = (struct pollfd){.fd = s->conns[i].fd, .events = POLLIN};
        }
        /* Wake at the next delayed answer (or the end of a stall), at most 2 ms away. */
        uint64_t now = now_us(), wake = now + 2000;
        uint64_t stall = atomic_load(&s->stall_until_us);
        if (stall > now && stall < wake)
            wake = stall;
        for (unsigned i = 0; i < TS_MAX_CONNS; i++) {
            const struct ts_conn *c = &s->conns[i];
            uint64_t due =
                c->due_us && (!c->stray_us || c->due_us < c->stray_us) ? c->due_us : c->stray_us;
            if (c->fd >= 0 && due && due < wake)
                wake = due > now ? due : now;
        }
        struct timespec to = {.tv_sec = 0, .tv_nsec = (long)(wake - now) * 1000};
        ppoll(s->pfds, n, &to, NULL);
        if (s->pfds[0].revents & POLLIN) {
            for (;;) {
                int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    break;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                atomic_fetch_add(&s->accepts, 1);
                unsigned i = 0;
                while (i < TS_MAX_CONNS && s->conns[i].fd >= 0)
                    i++;
                if (i == TS_MAX_CONNS) {
                    close(fd);
                    continue;
                }
                s->conns[i].fd = fd;
                s->conns[i].len = 0;
            }
        }
        for (nfds_t k = 1; k < n; k++) {
            struct ts_conn *c = &s->conns[idx[k - 1]];
            if (!(s->pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) || c->fd < 0)
                continue;
            if (c->len == TS_BUF) {
                conn_drop(c, false);
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->len, TS_BUF - c->len);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                conn_drop(c, false);
                continue;
            }
            if (r > 0)
                c->len += (size_t)r;
        }
        now = now_us();
        for (unsigned i = 0; i < TS_MAX_CONNS; i++) {
            struct ts_conn *c = &s->conns[i];
            if (c->fd >= 0 && c->stray_us && now >= c->stray_us) {
                put(c->fd, "X", 1);
                c->stray_us = 0;
            }
            if (c->fd >= 0)
                serve(s, c, now);
        }
    }
    return NULL;
}

struct testsrv *testsrv_start(const struct testsrv_opts *opts)
{
    struct testsrv *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->conns = calloc(TS_MAX_CONNS, sizeof(*s->conns));
    s->pfds = calloc(TS_MAX_CONNS + 1, sizeof(*s->pfds));
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (!s->conns || !s->pfds || s->lfd < 0)
        goto fail;
    for (unsigned i = 0; i < TS_MAX_CONNS; i++)
        s->conns[i].fd = -1;
    s->close_every = opts ? opts->close_every : 0;
    s->stray_byte = opts && opts->stray_byte;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->lfd, 4096) < 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &al) < 0)
        goto fail;
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->tid, NULL, ts_main, s) != 0)
        goto fail;
    return s;
fail:
    if (s->lfd >= 0)
        close(s->lfd);
    free(s->conns);
    free(s->pfds);
    free(s);
    return NULL;
}

unsigned testsrv_port(const struct testsrv *s)
{
    return s->port;
}

uint64_t testsrv_requests(const struct testsrv *s)
{
    return atomic_load(&((struct testsrv *)s)->requests);
}

uint64_t testsrv_accepts(const struct testsrv *s)
{
    return atomic_load(&((struct testsrv *)s)->accepts);
}

void testsrv_stall(struct testsrv *s, unsigned stall_ms)
{
    atomic_store(&s->stall_until_us, now_us() + (uint64_t)stall_ms * 1000u);
}

void testsrv_stop(struct testsrv *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->tid, NULL);
    for (unsigned i = 0; i < TS_MAX_CONNS; i++)
        conn_drop(&s->conns[i], false);
    close(s->lfd);
    free(s->conns);
    free(s->pfds);
    free(s);
}
