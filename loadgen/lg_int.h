/* loadgen/lg_int.h: internals shared inside loadgen/ and by its tests: URL parsing, the request
 * builder, the HTTP/1.1 response parser (a thin layer over http_parser), and a run's handle with
 * the engine interface. Public API: loadgen.h; per-thread recording: rec.h. */
#ifndef TB_LOADGEN_LG_INT_H
#define TB_LOADGEN_LG_INT_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pthread.h>
#include <stdatomic.h>

#include "loadgen/loadgen.h"
#include "loadgen/rec.h"

/* ---- request builder ---------------------------------------------------------------------- */

/* Builds the wire bytes of one request into buf. Default headers (Host; Content-Length with a
 * body; Connection: close without keep-alive on HTTP/1.1, Connection: Keep-Alive with keep-alive
 * on HTTP/1.0) are replaced by any header of rq with the same name (case-insensitive). Returns
 * the length, or -1 when it does not fit in cap. */
long lg_request_build(const struct lg_url *url, const struct lg_request *rq, bool keep_alive,
                      bool http10, char *buf, size_t cap);

/* ---- response parser ---------------------------------------------------------------------- */

/* Parses the responses on one connection, one request at a time. 1xx interim responses are
 * skipped; HEAD, 204 and 304 responses have no body; a body without length ends at EOF. */
struct lg_parse {
    http_parser hp;
    int status;        /* status of the final response, once headers_done */
    bool head;         /* the request was HEAD: the response has no body */
    bool headers_done; /* the final response's headers are complete */
    bool done;         /* the final response is complete */
    bool keep_alive;   /* the connection may carry another request (valid once done) */
    bool want_server;  /* capture the Server header into server[] */
    bool in_server;    /* parsing the Server header's value */
    /* A header name may arrive in pieces (one per read): how much of it matched "Server", and
     * whether the last callback was a name (a value callback starts the next header). */
    uint8_t hdr_name_len;
    bool hdr_name_ok;
    bool hdr_in_name;
    uint64_t body_bytes; /* body bytes of the final response */
    char server[128];
};

/* Prepares for a new connection. want_server and server[] survive it, so p must have been
 * zeroed (or initialized) once before the first call. */
void lg_parse_init(struct lg_parse *p);
/* Prepares for the next response on the same connection. */
void lg_parse_next(struct lg_parse *p, bool head);
/* Feeds bytes. Returns the bytes consumed, or -1 on a protocol error. Parsing stops at the end
 * of the final response (done); bytes after it are not consumed. */
long lg_parse_feed(struct lg_parse *p, const char *data, size_t len);
/* Tells the parser the peer closed. Returns 0 when that completed the response (a body
 * delimited by close), -1 when the response was cut short. */
int lg_parse_eof(struct lg_parse *p);

/* ---- a run: the handle (handle.c) and its engines ----------------------------------------- */

struct lg_run;

/* One thread of a run: what its main function gets. */
struct lg_thread {
    struct lg_run *run;
    unsigned index;
};

/* An engine: prepare decides the threads (run->nthreads, run->connections_used) and builds its
 * state in run->engine; thread_main is each thread's loop (arg: struct lg_thread); release frees
 * the state after the threads are joined (also after a failed prepare). */
struct lg_engine_ops {
    const char *name; /* "epoll", "curl": the run's engine */
    int (*prepare)(struct lg_run *run, char *err, size_t errlen);
    void *(*thread_main)(void *arg);
    void (*release)(struct lg_run *run);
};
extern const struct lg_engine_ops lg_epoll_ops; /* engine_run.c, engine.c */
extern const struct lg_engine_ops lg_curl_ops;  /* curl_engine.c */

struct lg_run {
    struct lg_config cfg;
    struct lg_url url;
    const struct lg_engine_ops *ops;
    void *engine;
    struct rec_clock clock;
    atomic_bool stop;
    unsigned nthreads;
    unsigned connections_used; /* concurrent connections the threads were given */
    struct rec *recs;          /* one per thread */
    struct lg_thread *threads;
    pthread_t *tids;
    unsigned started; /* threads running */

    /* The controller thread collects finished seconds from every thread twice as often as a
     * second passes and samples each thread's rate every 100 ms (wrk's Req/Sec). What it
     * builds is guarded by lock, which the threads never take. */
    pthread_t controller;
    bool controller_started;
    atomic_bool finished; /* every thread joined, the result complete */
    pthread_mutex_t lock;
    struct run_result result; /* timeline so far */
    struct hist *latency, *uncorrected, *thread_rps;
    uint64_t *last_requests; /* per thread, at the last rate sample */
    uint64_t last_sample_us;
    bool collect_failed; /* out of memory while collecting */
};

/* Whether the run has been asked to stop (a relaxed load: checked on every loop). */
static inline bool lg_stopping(const struct lg_run *run)
{
    return atomic_load_explicit(&run->stop, memory_order_relaxed);
}

/* Picks a request kind by weight: weight_end[i] is the cumulative weight of kinds 0..i. */
size_t lg_kind_pick(uint32_t *rng, const uint64_t *weight_end, size_t nkinds);

#endif
