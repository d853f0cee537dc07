/* loadgen/engine_int.h: the epoll engine's internal types, shared by engine.c (the per-thread
 * event loop) and engine_run.c (resolving the target, building request bytes, setting up the
 * workers). Only those two files include it. */
#ifndef TB_LOADGEN_ENGINE_INT_H
#define TB_LOADGEN_ENGINE_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loadgen/lg_int.h"

#define RBUF_BYTES 16384
#define EVENTS_MAX 256
/* A connection refused is retried after this pause, so a dead target costs no CPU spin. */
#define CONNECT_RETRY_US 1000

enum conn_state {
    CS_IDLE,       /* no request; waiting for the schedule or a retry (then in the heap) */
    CS_CONNECTING, /* non-blocking connect in progress */
    CS_WRITING,
    CS_READING,
    CS_DONE /* no more requests for this connection */
};

/* One kind of request, its wire bytes built once. */
struct kind {
    char *buf;
    size_t len;
    size_t body_bytes;
    bool head;
};

struct conn {
    int fd;
    uint8_t state;
    bool got_byte; /* first response byte seen */
    bool epollout; /* EPOLLOUT is in the interest set */
    uint32_t kind;
    uint32_t heap_idx; /* UINT32_MAX when not in the heap */
    size_t written;
    uint64_t t_issue_us;    /* when the request was started (its timeout counts from here) */
    uint64_t t_start_us;    /* where latency starts: the send, or connect() for ab */
    uint64_t t_send_us;     /* first write of the request */
    uint64_t t_intended_us; /* constant rate: when the schedule wanted the request sent */
    uint64_t t_wake_us;     /* heap key */
    uint64_t connect_us;    /* 0 on a reused connection */
    uint64_t ttfb_us;
    double next_ns; /* constant rate: next scheduled send, ns since t0 */
    struct lg_parse parse;
};

struct engine;

struct worker {
    const struct engine *e;
    struct lg_run *run;
    struct rec *rec;
    int epfd;
    char *rbuf;
    struct conn *conns;
    unsigned nconns;
    unsigned active; /* connections not CS_DONE */
    uint32_t *heap;
    unsigned heap_len;
    uint32_t *ready; /* connections whose next request goes out after this event batch */
    unsigned nready, ready_cap;
    uint64_t budget; /* requests left to start; UINT64_MAX: unlimited */
    uint32_t rng;
    bool want_server; /* the first response's Server header is still wanted */
};

struct engine {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct kind *kinds;
    uint64_t *weight_end; /* cumulative weights of kinds */
    size_t nkinds;
    uint64_t timeout_us;
    bool rate;
    double interval_ns; /* per connection, constant rate */
    bool have_pwait2;   /* epoll_pwait2 exists (Linux >= 5.11) */
    struct worker *workers;
    unsigned nworkers;
};

/* The event loop of one worker thread (arg: struct lg_thread). */
void *lg_worker_main(void *arg);
/* Closes c's socket, if open, and forgets its in-flight request. */
void lg_conn_close(struct worker *w, struct conn *c);

#endif
