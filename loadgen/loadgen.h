/* loadgen/loadgen.h: the load generator's public API. A run drives HTTP load at a target with
 * per-thread epoll loops (http://) or libcurl (https://) and fills a struct run_result
 * (common/run.h). It is a handle: lg_start returns at once, lg_snapshot shows the run while it
 * goes (from any thread, without stopping it), lg_stop asks it to end, lg_wait collects the
 * result. lg_run is the blocking form. The library prints nothing, installs no signal handler
 * and keeps no global state, so several runs can go at once in one process. The ab, wrk and run
 * subcommands (cli/) turn argv into a struct lg_config and print the result. */
#ifndef TB_LOADGEN_H
#define TB_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/metric.h"
#include "common/run.h"

struct lg_url {
    bool https;
    char host[256];     /* host name or dotted quad, no brackets */
    unsigned port;      /* 80 / 443 by default */
    bool port_explicit; /* the URL named the port */
    char path[2048];    /* path and query, "/" when the URL had none */
    char hostport[300]; /* the Host header value: host, or host:port when not the default */
};

/* Parses http://host[:port][/path] (or https://). Returns 0, or -1 with a one-line reason. */
int lg_url_parse(const char *url, struct lg_url *out, char *err, size_t errlen);

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

/* Everything a run needs; strings and arrays are borrowed and must outlive the run. */
struct lg_config {
    const char *url;                   /* http://host[:port]/path or https://... */
    const struct lg_request *requests; /* NULL: one GET of the URL's path */
    size_t nrequests;
    unsigned threads;      /* >= 1 */
    unsigned connections;  /* total across threads, >= 1 */
    uint64_t duration_us;  /* stop after this long; 0: only max_requests stops it */
    uint64_t max_requests; /* stop after this many requests; 0: no limit */
    double rate_rps;       /* > 0: constant rate (wrk2 -R), latency corrected */
    uint64_t timeout_us;   /* per request; 0: default 2 s (wrk's) */
    bool keep_alive;       /* false: one request per connection (ab without -k) */
    bool http10;           /* send HTTP/1.0 (ab's wire format) */
    /* Where a request's latency starts on a new connection: false (wrk's rule, the default) at
     * its first write, so connect time is not latency; true (ab's) at connect(). Constant-rate
     * latency always starts at the scheduled send time. */
    bool connect_in_latency;
    bool ab_times;           /* also record ab's per-request connect and processing tables */
    lg_sample_fn *on_sample; /* optional per-request callback (slows the run) */
    void *on_sample_arg;
};

struct lg_run;

/* Checks cfg, resolves the target, allocates everything the run needs and starts its threads.
 * Returns 0 with the handle in *out, or -1 with a one-line reason in err (bad URL, unresolvable
 * host, a mix the https engine cannot send, no memory or threads). Socket errors during the run
 * are counted in the result, never fatal. */
int lg_start(const struct lg_config *cfg, struct lg_run **out, char *err, size_t errlen);

/* Asks the run to stop soon (within ~100 ms) and report what it has. Any thread; idempotent. */
void lg_stop(struct lg_run *run);

/* True once every thread of the run has stopped (lg_wait will not block). */
bool lg_done(const struct lg_run *run);

/* Cheap progress: requests ended (answered or failed) and microseconds since the start. */
void lg_progress(const struct lg_run *run, uint64_t *done, uint64_t *elapsed_us);

/* One completed wall-clock second of a snapshot. */
struct lg_second {
    int64_t unix_s;
    double duration_s; /* less than 1 for the first second */
    uint64_t requests;
    uint64_t errors;
    double rate_rps; /* requests / duration_s */
    uint64_t p50_us, p90_us, p99_us, max_us;
};

#define LG_SNAPSHOT_SECONDS 10

/* A picture of a running (or finished) run. Counters are live, read one after another while
 * the workers go on, so two of them may disagree by the requests in flight (one per
 * connection); the seconds and the latency histogram cover the completed seconds. */
struct lg_snapshot {
    uint64_t elapsed_us;
    uint64_t duration_us;  /* planned duration; 0: the run ends by request count */
    uint64_t done;         /* requests ended, answered or failed */
    uint64_t max_requests; /* 0: no limit */
    bool finished;
    uint64_t requests; /* complete responses */
    uint64_t bytes_read, bytes_written;
    uint64_t errors[RUN_ERR__COUNT];
    uint64_t status_class[6];           /* [1]..[5] = 1xx..5xx; [0] anything else */
    struct run_status_count status[16]; /* the most frequent codes, by code */
    size_t nstatus;
    unsigned connections_open;
    struct lg_second seconds[LG_SNAPSHOT_SECONDS]; /* the last completed seconds, oldest first */
    size_t nseconds;
    struct hist *latency_us; /* the whole run so far (corrected at a constant rate); owned */
};

/* Fills *out. Any thread, any time before lg_wait; it never stops the workers or takes a lock
 * they take. Returns 0, or -1 when out of memory. Free with lg_snapshot_free. */
int lg_snapshot(struct lg_run *run, struct lg_snapshot *out);
void lg_snapshot_free(struct lg_snapshot *s);

/* Waits for the run to end, fills *out (the caller frees it with run_result_free), frees the
 * handle. Returns 0, or -1 when out of memory (out is then empty). */
int lg_wait(struct lg_run *run, struct run_result *out);

/* lg_start then lg_wait. */
int lg_run(const struct lg_config *cfg, struct run_result *out, char *err, size_t errlen);

/* ---- one request, for the commands that read a server's own figures (fetch.c) ------------- */

/* GETs url (http:// or https://) with an optional bearer token, waiting at most timeout_us in
 * all. Fills *body (NUL-terminated, the caller frees it) and *status. Returns 0, or -1 with one
 * line in err (cannot connect, timed out, ...). A status other than 200 is not an error here. */
int lg_fetch(const char *url, const char *bearer_token, uint64_t timeout_us, char **body,
             long *status, char *err, size_t errlen);

/* ---- scenario files (scenario.c): `tierbench run`'s JSON format, documented in README.md ---- */
/* Errors name the JSON path of the bad value: `stages[2].duration: expected a duration like
 * "10s"`. Thresholds are common/metric.h's. */

/* One stage: lg_run is called once per stage with these settings. */
struct lg_stage {
    uint64_t duration_us;
    unsigned connections;
    double rate_rps; /* > 0: constant rate (latency corrected); 0: closed loop */
};

struct lg_scenario {
    char target[1024];   /* http://host[:port][/path] */
    unsigned threads;    /* 0: not set, each stage uses min(2, connections) */
    uint64_t timeout_us; /* 0: the engine's default */
    bool keep_alive;     /* default true */
    struct lg_stage *stages;
    size_t nstages;
    /* Weighted request mix; every string member is owned by the scenario. Empty: one GET of
     * the target's path. */
    struct lg_request *requests;
    size_t nrequests;
    struct metric_threshold *thresholds;
    size_t nthresholds;
    char *config_json; /* the scenario, compact, with "scenario_file" added when loaded */
};

/* Parses scenario JSON text. base_dir resolves relative body_file paths (NULL: the current
 * directory). Returns 0, or -1 with one line in err naming the JSON path of the problem. On
 * failure *out holds nothing (it is freed). */
int lg_scenario_parse(const char *text, const char *base_dir, struct lg_scenario *out, char *err,
                      size_t errlen);
/* Reads and parses the file at path (body_file relative to the file's directory). Errors start
 * with the path. */
int lg_scenario_load(const char *path, struct lg_scenario *out, char *err, size_t errlen);
/* Frees everything the scenario owns and zeroes it; accepts NULL. */
void lg_scenario_free(struct lg_scenario *sc);

/* Replaces the scenario's target (tierbench run --target), in config_json too. Returns 0, or -1
 * with a reason in err when url is not a valid target. */
int lg_scenario_set_target(struct lg_scenario *sc, const char *url, char *err, size_t errlen);

/* The lg_run configuration of stage i (0-based); cfg points into sc, which must outlive it. */
void lg_scenario_stage_config(const struct lg_scenario *sc, size_t i, struct lg_config *cfg);

#endif
