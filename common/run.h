/* common/run.h: the result of one load-test run, as plain data. The load generator fills it, the
 * result store saves and loads it, the reports read it. Every pointer member is owned by the
 * struct and released by run_result_free. Latencies are microseconds. */
#ifndef TB_COMMON_RUN_H
#define TB_COMMON_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"

enum run_err_class {
    RUN_ERR_CONNECT, /* connect() failed or was refused */
    RUN_ERR_READ,    /* recv failed, reset, or the peer closed mid-response */
    RUN_ERR_WRITE,   /* send failed */
    RUN_ERR_TIMEOUT, /* no complete response within the timeout */
    RUN_ERR_STATUS,  /* a response with status >= 400 (wrk's "Non-2xx or 3xx") */
    RUN_ERR_PARSE,   /* a response that is not valid HTTP */
    RUN_ERR__COUNT
};

/* Short lower-case names ("connect", "read", ...), indexed by enum run_err_class. */
extern const char *const run_err_names[RUN_ERR__COUNT];

struct run_status_count {
    int code; /* HTTP status */
    uint64_t count;
};

struct run_second {
    uint64_t second; /* seconds since the run started: 0, 1, ... */
    uint64_t requests;
    uint64_t errors;
    uint64_t bytes;
    uint64_t p50_us;
    uint64_t p99_us;
};

struct run_result {
    int64_t id;          /* store id; 0 until saved */
    int64_t group_id;    /* 0: not in a group (a sweep, a comparison) */
    char tool[16];       /* "ab", "wrk", "run", "sweep" */
    char engine[16];     /* "epoll" or "curl" */
    char *cmdline;       /* the command line as typed */
    char *config_json;   /* the effective configuration */
    char target[1024];   /* URL */
    char label[128];     /* --label */
    char tier[64];       /* --tier */
    double start_unix_s; /* wall time the run started */
    double duration_s;   /* measured, first send to last response */
    unsigned threads;
    unsigned connections;
    double rate_rps; /* requested constant rate; 0 = closed loop */

    uint64_t requests;      /* complete responses, any status */
    uint64_t bytes_read;    /* wire bytes, headers included */
    uint64_t bytes_written; /* wire bytes */
    uint64_t errors[RUN_ERR__COUNT];
    uint64_t length_errors; /* ab: body length differed from the first response's */

    char server_software[128]; /* Server header of the first response */
    uint64_t doc_bytes;        /* body length of the first response */
    uint64_t html_bytes;       /* sum of body bytes (ab's "HTML transferred") */

    struct run_status_count *status; /* sorted by code */
    size_t nstatus;

    struct hist *latency;             /* request latency; corrected when rate_rps > 0 */
    struct hist *latency_uncorrected; /* constant rate only, else NULL */
    struct hist *connect_us;          /* connect time per new connection, or NULL */
    struct hist *ttfb_us;             /* send to first response byte, or NULL */

    struct run_second *timeline; /* one entry per second of the run */
    size_t ntimeline;
};

/* Frees every owned member and zeroes r; accepts NULL. */
void run_result_free(struct run_result *r);
/* Adds n responses with the given status; keeps status sorted. Returns 0 or -1 (no memory). */
int run_status_add(struct run_result *r, int code, uint64_t n);
/* Sum of errors over all classes. */
uint64_t run_errors_total(const struct run_result *r);

#endif
