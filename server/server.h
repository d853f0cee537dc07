/* server/server.h: the CivetWeb mock-API server, its live stats and its admin API. This is the
 * contract used by `tierbench serve` (cli/serve.c) and by the console, which runs the server
 * in-process and reads the same stats snapshot that the admin API serves. Only server/ includes
 * <civetweb.h>. Read next: srv.c (lifecycle), routes.c (the API), stats.c (recording). */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sample.h"

/* How much a log line matters; the caller's srv_log_fn decides what to show. */
enum srv_log_level {
    SRV_LOG_DEBUG,   /* detail: CivetWeb's own messages while srv_start runs (the first one is
                        also folded into srv_start's err, so a plain caller can skip these) */
    SRV_LOG_WARNING, /* the server goes on with less (a worker without a stats block) */
    SRV_LOG_ERROR,   /* CivetWeb's messages while serving (a failed accept, a bad socket) */
};

/* Receives one log line, without a newline. Called from any server thread (workers, the admin
 * pool, the thread inside srv_start), possibly from several at once, so it must be
 * thread-safe; it must not call back into the server. */
typedef void srv_log_fn(void *arg, enum srv_log_level level, const char *msg);

/* Plain configuration. srv_config_default() fills every field; strings are borrowed and must
 * outlive the server. */
struct srv_config {
    const char *bind_addr;       /* IPv4 address to listen on ("127.0.0.1") */
    int port;                    /* 9000; 0 = an ephemeral port (read it with srv_port) */
    unsigned threads;            /* worker threads; each open connection holds one (see the
                                    connection guard below) */
    const char *docroot;         /* static files; NULL = srv_docroot_default() */
    const char *admin_bind_addr; /* "127.0.0.1" */
    int admin_port;              /* 9001; 0 = ephemeral; -1 = no admin API */
    unsigned admin_threads;      /* worker threads of the admin context (16): more than
                                    admin_client_max, so one client cannot hold them all */
    const char *admin_token;     /* bearer token the admin API requires; NULL or "" = none */
    const char *access_log_path; /* access log (CivetWeb's line format); NULL = none */
    unsigned keep_alive_ms;      /* idle time before a keep-alive connection is closed: from
                                    the end of one answer to the next complete request head */
    unsigned request_timeout_ms; /* a request body must be complete this long after its head;
                                    also CivetWeb's limit on a stalled read or write */
    uint64_t max_body_bytes;     /* larger POST bodies get 413 */
    unsigned max_header_bytes;   /* request line + headers; larger requests are refused */
    bool cache_enabled;          /* the exchange-rate LRU/TTL cache */
    unsigned cache_ttl_s;        /* seconds an exchange rate stays cached */
    unsigned cache_entries;      /* LRU capacity (the seed's lru_cache(maxsize=1000)) */
    unsigned exchange_work_us;   /* CPU time an uncached exchange-rate lookup burns */
    bool stats_enabled;          /* false: record nothing (to measure what recording costs) */
    bool sched_batch;            /* run main workers as SCHED_BATCH (see srv.c; measured +30%) */
    srv_log_fn *log;             /* where the server's log lines go; NULL = nowhere (the server
                                    itself never writes to stdout or stderr) */
    void *log_arg;               /* passed to log */

    /* The connection guard (guard.c): CivetWeb holds a worker per open connection, so these
     * keep slow and idle clients from holding the pool. */
    unsigned header_timeout_ms;        /* accept to the first complete request head (2000) */
    unsigned shed_grace_ms;            /* when a pool is nearly full (all but 1/16 of its
                                          workers hold connections), connections that waited on
                                          their client longer than this are closed, oldest
                                          first (25) */
    unsigned admin_request_timeout_ms; /* the admin pool's request and keep-alive timeout, and
                                          its head deadline (2000) */
    unsigned admin_client_max;         /* connections per client address on the admin port;
                                          past it that address's oldest waiting ones close (4) */
};

/* Defaults: 127.0.0.1:9000, 256 threads, admin 127.0.0.1:9001 (16 threads, 4 connections per
 * client address, 2000 ms timeouts), keep-alive 5000 ms, request timeout 30000 ms, header
 * timeout 2000 ms, shed grace 25 ms, body 1 MiB, headers 16 KiB, cache on (TTL 60 s, 1000
 * entries), exchange work 200 us, stats on, SCHED_BATCH workers, no log callback. */
void srv_config_default(struct srv_config *cfg);

/* The bundled site: $TIERBENCH_DOCROOT, else <exe dir>/../share/tierbench/public, else
 * <exe dir>/../public (the source tree's public/ when run from build/), else ./public; the
 * first that is a directory. Writes the path into out. Returns 0, or -1 when none exists (out
 * then holds "./public"). */
int srv_docroot_default(char *out, size_t outlen);

struct srv;

/* Starts the main and admin CivetWeb contexts. On success *out owns the server and 0 is
 * returned; on failure a negative value and a one-line reason in err. Signal dispositions:
 * CivetWeb ignores SIGPIPE; the connection guard installs a do-nothing SIGURG handler when
 * SIGURG has none (it signals workers to end their waits; see server/guard.c) and unblocks
 * SIGURG in the worker threads. Nothing else. */
int srv_start(const struct srv_config *cfg, struct srv **out, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish (delay/work handlers cut their wait short),
 * joins every thread and frees everything. NULL is accepted. */
void srv_stop(struct srv *s);
/* Reopens the access log (cfg.access_log_path) under the same name, for log rotation: lines
 * written after it returns go to the file now at that path. Any thread (cli/serve.c calls it
 * on SIGHUP). 0 on success, also when there is no access log (*reopened is then false); -1
 * and the reason in err when the file cannot be opened (the old one stays in use). */
int srv_reopen_logs(struct srv *s, bool *reopened, char *err, size_t errlen);
/* The bound ports (useful with port 0). srv_admin_port is -1 when the admin API is off. */
int srv_port(const struct srv *s);
int srv_admin_port(const struct srv *s);
/* The docroot in use (resolved at start). */
const char *srv_docroot(const struct srv *s);

/* ---- live stats ----------------------------------------------------------------------- */

/* Routes, in the order of srv_route_names. */
enum srv_route {
    SRV_ROUTE_HEALTH,
    SRV_ROUTE_EXCHANGE_RATE,
    SRV_ROUTE_ECHO,
    SRV_ROUTE_DELAY,
    SRV_ROUTE_WORK,
    SRV_ROUTE_STATIC,
    SRV_ROUTE_NOT_FOUND,
    SRV_ROUTE__COUNT
};
/* "health", "exchange_rate", "echo", "delay", "work", "static", "not_found". */
extern const char *const srv_route_names[SRV_ROUTE__COUNT];

/* Status codes counted one by one; anything else lands in the "other" slot (code 0). */
#define SRV_CODE_SLOTS 16
extern const int srv_code_slot_codes[SRV_CODE_SLOTS];

/* Upper bounds (seconds) of the Prometheus duration histogram buckets; +Inf is implicit. */
#define SRV_PROM_BUCKETS 14
extern const double srv_prom_bucket_le_s[SRV_PROM_BUCKETS];

#define SRV_TIMELINE_S 300 /* seconds of per-second history kept */
#define SRV_WINDOWS    3   /* the 1 s, 10 s and 60 s windows */
extern const unsigned srv_window_seconds[SRV_WINDOWS];

/* The snapshot is made of samples (common/sample.h) so that it merges exactly from the
 * workers' own samples. In every sample here: requests = responses of any status, errors =
 * responses with status >= 500, bytes = response bytes (headers included), status_class by
 * class, latency_us = from begin_request to the complete response handed to send(). */

struct srv_route_stats {
    struct sample sample; /* since start (duration = uptime); latency 0.05% (default precision) */
    uint64_t codes[SRV_CODE_SLOTS];         /* indexed like srv_code_slot_codes */
    uint64_t duration_le[SRV_PROM_BUCKETS]; /* cumulative: requests with duration <= le */
    double duration_sum_s;
};

struct srv_window_stats {
    unsigned seconds;     /* window length: the last `seconds` reported seconds (see srv_stats) */
    double rate_rps;      /* sample.requests / sample.duration_us */
    struct sample sample; /* those seconds merged; latency ~0.4% (HIST_SIG_BITS_COARSE) */
};

struct srv_second {
    uint64_t age_s;       /* now_s - that second: 2 is the newest reported second */
    uint64_t duration_us; /* how much of the second the server was up (the first is partial) */
    uint64_t requests;
    uint64_t errors; /* status >= 500 */
    uint64_t bytes_out;
    uint64_t p50_us, p90_us, p99_us, max_us; /* latency, ~0.4% */
};

/* One consistent-enough picture of the server: counters are summed thread by thread, so a
 * request finishing during the snapshot may be in one figure and not yet in another.
 *
 * Reported seconds: a second s enters the windows and the timeline once it is at least a full
 * second old (now >= s + 2 s), so that a request that ended in s but was recorded a little
 * later is not lost. The windows and the timeline therefore lag the totals by about a second:
 * the "1 s" window is the second that ended 1 to 2 seconds ago. */
struct srv_stats {
    double uptime_s;
    double started_unix_s;
    bool stats_enabled;
    struct sample total; /* every request since start: the routes merged (latency 0.05%) */
    uint64_t bytes_in;   /* request bodies read */
    uint64_t codes[SRV_CODE_SLOTS];
    struct srv_window_stats windows[SRV_WINDOWS];
    struct srv_route_stats routes[SRV_ROUTE__COUNT];
    unsigned threads_total;
    unsigned threads_busy;     /* inside a request right now */
    uint64_t connections_open; /* accepted and not yet closed (each holds a thread) */
    uint64_t connections_total;
    /* Connections the guard closed since start, main pool: a first request head not complete
     * in header_timeout_ms, a body not complete in request_timeout_ms, shed while the pool was
     * nearly full; admin pool: the same plus past admin_client_max. */
    uint64_t shed_header_timeout, shed_body_timeout, shed_pressure;
    uint64_t admin_shed_header_timeout, admin_shed_pressure, admin_shed_per_client;
    uint64_t cache_hits, cache_misses, cache_entries;
    double cpu_user_s, cpu_system_s; /* the whole process */
    uint64_t rss_bytes;
    unsigned timeline_len; /* entries used in timeline, newest first */
    struct srv_second timeline[SRV_TIMELINE_S];
};

/* A zeroed snapshot with its histograms (about 1.6 MB of address space, touched only as far as
 * data reaches), or NULL when out of memory. Keep it and refill it: srv_stats_snapshot then
 * costs what the data costs, not what allocating and clearing the histograms would. */
struct srv_stats *srv_stats_new(void);
/* NULL is accepted. */
void srv_stats_free(struct srv_stats *st);

/* Refills *out (from srv_stats_new) with the server's current figures. Any thread; one thread
 * per snapshot object at a time. Cost: proportional to the occupied histogram ranges of the
 * worker threads that recorded something, plus the seconds in the windows and timeline. */
void srv_stats_snapshot(struct srv *s, struct srv_stats *out);

/* Formatters over a snapshot, snprintf-style: return the length the full text needs (not
 * counting the NUL); when that is >= cap the output was truncated. timeline: include the
 * per-second history in the JSON. */
size_t srv_stats_json(const struct srv_stats *st, bool timeline, char *buf, size_t cap);
size_t srv_stats_prometheus(const struct srv_stats *st, char *buf, size_t cap);

#endif
