/* loadgen/engine_int.h: the epoll engine's internal types, shared by engine.c (the per-thread
 * event loop) and engine_run.c (lg_run: setup, threads, merging the per-thread results). Only
 * those two files include it. */
#ifndef TB_LOADGEN_ENGINE_INT_H
#define TB_LOADGEN_ENGINE_INT_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/hist.h"
#include "loadgen/lg_int.h"

#define RBUF_BYTES 16384
#define EVENTS_MAX 256
/* A connection refused is retried after this pause, so a dead target costs no CPU spin. */
#define CONNECT_RETRY_US 1000
/* Per-second timeline histograms: coarse (0.4%) and short (60 s max) to stay small. */
#define SEC_SIG_BITS HIST_SIG_BITS_COARSE
#define SEC_MAX_US   60000000ull
#define STATUS_MAX   600

enum conn_state {
    CS_IDLE,       /* no request; waiting for the schedule or a retry (in the heap) */
    CS_CONNECTING, /* non-blocking connect in progress */
    CS_WRITING,
    CS_READING,
    CS_DONE /* no more requests for this connection */
};

struct kind {
    char *buf;
    size_t len;
    size_t body_bytes;
    bool head;
    uint64_t weight_end; /* cumulative weight */
};

struct conn {
    int fd;
    uint8_t state;
    bool reused;   /* this fd already carried a complete response */
    bool got_byte; /* first response byte seen */
    bool epollout; /* EPOLLOUT is in the interest set */
    bool retried;  /* the request was resent once after a stale keep-alive close */
    uint32_t kind;
    uint32_t heap_idx; /* UINT32_MAX when not in the heap */
    size_t written;
    uint64_t t_start_us;    /* request start: connect() for a new connection, else the send */
    uint64_t t_send_us;     /* first write of the request */
    uint64_t t_intended_us; /* constant rate: when the schedule wanted the request sent */
    uint64_t t_wake_us;     /* heap key */
    uint64_t connect_us;    /* 0 on a reused connection */
    uint64_t ttfb_us;
    double next_ns; /* constant rate: next scheduled send, ns since t0 */
    struct lg_parse parse;
};

struct sec {
    uint64_t requests, errors, bytes;
    struct hist *lat;
};

struct engine;

struct worker {
    pthread_t tid;
    const struct engine *e;
    unsigned index;
    int epfd;
    char *rbuf;
    struct conn *conns;
    unsigned nconns;
    unsigned active; /* connections not CS_DONE */
    uint32_t *heap;
    unsigned heap_len;
    uint32_t *ready;      /* connections whose next request goes out after this event batch */
    unsigned nready, ready_cap;
    uint64_t budget; /* requests left to start; UINT64_MAX: unlimited */
    uint32_t rng;
    uint64_t t_end_us;
    _Atomic uint64_t done_atomic; /* responses, for progress and Req/Sec */
    _Atomic uint64_t fail_atomic; /* failed requests, for progress */
    atomic_bool finished;

    uint64_t requests, bytes_read, bytes_written, length_errors, html_bytes;
    uint64_t keepalive_responses, connections_opened, requests_sent, body_bytes_sent;
    uint64_t errors[RUN_ERR__COUNT];
    uint64_t errno_counts[RUN_ERR__COUNT][LG_ERRNO_MAX];
    uint64_t status[STATUS_MAX];
    struct hist *lat, *lat_unc, *connect, *ttfb, *connect_req, *processing;
    struct sec *secs;
    size_t nsecs, capsecs;
    struct sec *cur_sec;
    uint64_t cur_sec_end_us;

    bool have_first;
    uint64_t first_t_us;
    uint64_t first_body;
    char server[128];
};

struct engine {
    const struct lg_config *cfg;
    struct lg_url url;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct kind *kinds;
    size_t nkinds;
    uint64_t total_weight;
    uint64_t t0_us;
    double t0_wall;
    uint64_t deadline_us; /* 0: none */
    uint64_t timeout_us;
    bool rate;
    double interval_ns; /* per connection, constant rate */
    bool detail;
    atomic_uint workers_done;
};

/* The event loop of one worker thread (pthread start routine; arg is its struct worker). */
void *lg_worker_main(void *arg);
/* Closes c's socket, if open, and forgets its in-flight request. */
void lg_conn_close(struct worker *w, struct conn *c);
/* The timeline slot for now_us, or NULL past the last one. */
struct sec *lg_sec_at(struct worker *w, uint64_t now_us);

#endif
