/* common/run.h: a load-test run as plain data, and its operations. The load generator fills it,
 * the result store saves and loads it, the reports read it; stages and parallel generators are
 * combined with run_merge, so histograms merge and percentiles are never averaged. Every pointer
 * member is owned by the struct and released by run_result_free. Latencies are microseconds.
 * Read next: sample.h (the live sample a run's timeline is built from), metric.h (thresholds). */
#ifndef TB_COMMON_RUN_H
#define TB_COMMON_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/sample.h"

enum run_err_class {
    RUN_ERR_CONNECT, /* connect() failed or was refused */
    RUN_ERR_READ,    /* recv failed, reset, the peer closed mid-response, or sent bytes unasked */
    RUN_ERR_WRITE,   /* send failed */
    RUN_ERR_TIMEOUT, /* no complete response within the timeout */
    RUN_ERR_STATUS,  /* a response with status >= 400 (wrk's "Non-2xx or 3xx") */
    RUN_ERR_PARSE,   /* a response that is not valid HTTP */
    RUN_ERR__COUNT
};

/* Short lower-case names ("connect", "read", ...), indexed by enum run_err_class. */
extern const char *const run_err_names[RUN_ERR__COUNT];

/* errno values counted one by one; larger ones (and errors not from a system call: EOF, a
 * timeout, a parse error) count under 0. */
#define RUN_ERRNO_MAX 160

struct run_status_count {
    int code; /* HTTP status */
    uint64_t count;
};

/* One wall-clock second of a run's timeline. Seconds are keyed by Unix time, so the timelines of
 * runs made at the same time (parallel generators, other machines) line up and add up. */
struct run_second {
    int64_t unix_s;       /* covers [unix_s, unix_s + 1) */
    uint64_t duration_us; /* how much of that second the run covered: the first and last are
                             partial; at most 1 s unless runs that overlapped were merged */
    uint64_t requests;    /* complete responses that ended in this second */
    uint64_t errors;      /* failed requests and status errors */
    uint64_t bytes;       /* bytes read */
    uint64_t p50_us, p90_us, p99_us, max_us; /* of latency, kept for listings */
    /* The second's latency histogram (HIST_SIG_BITS_COARSE), serialized with hist_serialize so
     * an hour of timeline stays small; run_second_latency rebuilds it. NULL for seconds loaded
     * from stores older than schema 3, whose percentiles cannot be merged. */
    uint8_t *latency;
    size_t latency_len;
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
    double duration_s;   /* measured, start to the last response (or the deadline) */
    unsigned threads;
    unsigned connections; /* concurrent connections actually used */
    double rate_rps;      /* requested constant rate; 0 = closed loop */

    uint64_t requests;      /* complete responses, any status */
    uint64_t bytes_read;    /* wire bytes, headers included */
    uint64_t bytes_written; /* wire bytes */
    uint64_t errors[RUN_ERR__COUNT];
    uint64_t errno_counts[RUN_ERR__COUNT][RUN_ERRNO_MAX]; /* errors by class and errno */
    uint64_t length_errors; /* ab: body length differed from the first response's */

    uint64_t requests_sent;       /* requests started */
    uint64_t body_bytes_sent;     /* request body bytes written */
    uint64_t connections_opened;  /* TCP connections attempted over the run */
    uint64_t keepalive_responses; /* responses that left their connection open */

    /* The server's own view during the run, read from its admin API (sweep --server-stats):
     * requests it counted and CPU seconds (user + system) its process used. 0: unknown. */
    uint64_t server_requests;
    double server_cpu_s;

    char server_software[128]; /* Server header of the first response */
    uint64_t doc_bytes;        /* body length of the first response */
    uint64_t html_bytes;       /* sum of body bytes (ab's "HTML transferred") */

    struct run_status_count *status; /* sorted by code */
    size_t nstatus;

    struct hist *latency;             /* request latency; corrected when rate_rps > 0 */
    struct hist *latency_uncorrected; /* constant rate only, else NULL */
    struct hist *connect_us;          /* connect time per new connection, or NULL */
    struct hist *ttfb_us;             /* send to first response byte, or NULL */
    struct hist *connect_req_us;      /* ab: per request, connect time (0 when reused), or NULL */
    struct hist *processing_us;       /* ab: per request, latency minus connect, or NULL */
    struct hist *thread_rps;          /* responses/s of each thread every 100 ms (wrk's Req/Sec) */

    struct run_second *timeline; /* sorted by unix_s */
    size_t ntimeline;
};

/* Frees every owned member and zeroes r; accepts NULL. */
void run_result_free(struct run_result *r);
/* A deep copy of src into dst (which is overwritten). Returns 0, or -1 (out of memory; dst is
 * then empty). */
int run_clone(struct run_result *dst, const struct run_result *src);

/* How run_merge combines two runs. Sequential: stages of one scenario, one after another;
 * durations add. Parallel: runs made at the same time (threads, processes, machines); the
 * duration is the span from the first start to the last end, and the same wall-clock seconds of
 * their timelines add up (their durations overlap). */
enum run_merge { RUN_MERGE_SEQUENTIAL, RUN_MERGE_PARALLEL };

/* Adds src into dst: counts, bytes and errors summed, histograms merged, status codes merged,
 * timelines merged second by second. Sequential: threads, connections and rate are the largest
 * seen; parallel: they add. A closed-loop run's latency stands in for its uncorrected latency
 * when the other ran at a constant rate. Identity fields (tool, cmdline, target, ...) come from
 * src only when dst has none. Returns 0, or -1 (out of memory; dst may be partly merged). */
int run_merge(struct run_result *dst, const struct run_result *src, enum run_merge how);

/* Adds n responses with the given status; keeps status sorted. Returns 0 or -1 (no memory). */
int run_status_add(struct run_result *r, int code, uint64_t n);
/* Sum of errors over all classes. */
uint64_t run_errors_total(const struct run_result *r);
/* Complete responses per second of the measured duration; 0 when the duration is 0. */
double run_rps(const struct run_result *r);
/* Failed attempts over all attempts: errors of every class divided by (responses + errors that
 * got no response). A status error (>= 400) is a response and an error. 0 when nothing was
 * attempted. */
double run_error_rate(const struct run_result *r);
/* ab's "Complete requests": every request that ended, answered or failed. */
uint64_t run_ab_complete(const struct run_result *r);

/* Adds a sample (its second is a Unix second; its histogram at least as fine as
 * HIST_SIG_BITS_COARSE) into the timeline entry of that second, creating it in order. span
 * says how the durations combine (parallel producers: the longest; stages: they add). Returns
 * 0 or -1 (out of memory). */
int run_timeline_add(struct run_result *r, const struct sample *s, enum sample_span span);
/* The latency histogram of one second (caller frees), or NULL when the second has none. */
struct hist *run_second_latency(const struct run_second *s);

#endif
