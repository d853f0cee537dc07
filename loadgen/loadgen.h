/* loadgen/loadgen.h: the load generator's public API. lg_run drives HTTP load at a target with
 * per-thread epoll loops (http://) or libcurl (https://) and fills a struct run_result
 * (common/run.h). The ab, wrk and run subcommands (cli/) turn argv into a struct lg_config,
 * call lg_run, print in their tool's layout and save the run. */
#ifndef TB_LOADGEN_H
#define TB_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/run.h"

/* One kind of request. Its wire bytes are built once, before the run. */
struct lg_request {
    const char *method;         /* "GET", "POST", "HEAD", ... */
    const char *path;           /* path and query, e.g. "/api/health"; NULL: the URL's */
    const char *const *headers; /* extra "Name: value" lines; they replace defaults by name */
    size_t nheaders;
    const char *body; /* NULL: no body */
    size_t body_bytes;
    unsigned weight; /* share in a weighted mix; 0 counts as 1 */
};

/* Called on the calling thread about every 100 ms while a run is going, for progress output. */
typedef void lg_progress_fn(void *arg, uint64_t requests_done, uint64_t elapsed_us);

/* One finished request, for per-request logs (ab -g). Times are microseconds. */
struct lg_sample {
    double start_unix_s; /* wall time the request (or its connection) started */
    uint64_t connect_us; /* 0 on a reused connection */
    uint64_t ttfb_us;    /* start to first response byte */
    uint64_t total_us;
    int status; /* 0: the request failed */
};
/* Called on worker threads (possibly concurrently) after each request; must be thread-safe. */
typedef void lg_sample_fn(void *arg, const struct lg_sample *s);

/* Results the ab and wrk layouts need beyond struct run_result; optional (lg_config.detail). */
#define LG_ERRNO_MAX 160
struct lg_detail {
    /* Errors by class and errno; errno 0 means not from a system call (EOF, timeout, parse). */
    uint64_t errno_counts[RUN_ERR__COUNT][LG_ERRNO_MAX];
    struct hist *connect_req_us;  /* per request: connect time, 0 on a reused connection */
    struct hist *processing_us;   /* per request: total minus connect (both: lg_config.ab_times) */
    struct hist *thread_rps;      /* per-thread responses/s sampled every 100 ms (wrk Req/Sec) */
    uint64_t keepalive_responses; /* responses that left the connection open */
    uint64_t connections_opened;
    uint64_t requests_sent;
    uint64_t body_bytes_sent; /* request body bytes written */
};
/* Frees the histograms and zeroes d; accepts NULL. */
void lg_detail_free(struct lg_detail *d);

struct lg_config {
    const char *url;                   /* http://host[:port]/path or https://... */
    const struct lg_request *requests; /* NULL: one GET of the URL's path */
    size_t nrequests;
    unsigned threads;      /* >= 1 */
    unsigned connections;  /* total across threads, >= threads */
    uint64_t duration_us;  /* stop after this long; 0: only max_requests stops it */
    uint64_t max_requests; /* stop after this many responses; 0: no limit */
    double rate_rps;       /* > 0: constant rate (wrk2 -R), latency corrected */
    uint64_t timeout_us;   /* per request; 0: default 2 s (wrk's) */
    bool keep_alive;       /* false: one request per connection (ab without -k) */
    bool http10;           /* send HTTP/1.0 (ab's wire format) */
    lg_progress_fn *progress;
    void *progress_arg;
    struct lg_detail *detail; /* optional out: filled when non-NULL */
    bool ab_times;            /* with detail: also per-request connect/processing */
    lg_sample_fn *on_sample;  /* optional per-request callback (slows the run) */
    void *on_sample_arg;
};

/* Runs the load test. Fills *out (which the caller frees with run_result_free) and returns 0,
 * or returns -1 with a one-line reason in err (bad URL, unresolvable host, no memory). Socket
 * errors during the run are counted in out->errors, never fatal. Stops early, cleanly, when
 * lg_stop is called (e.g. from a SIGINT handler). */
int lg_run(const struct lg_config *cfg, struct run_result *out, char *err, size_t errlen);

/* Async-signal-safe: asks a running lg_run to stop and report what it has. */
void lg_stop(void);

#endif
