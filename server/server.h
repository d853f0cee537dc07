/* server/server.h: the CivetWeb mock-API server, its live stats and its admin API. This is the
 * contract used by `tierbench serve` (cli/serve.c) and by the console, which runs the server
 * in-process and reads the same stats snapshot that the admin API serves. Only server/ includes
 * <civetweb.h>. Read next: srv.c (lifecycle), routes.c (the API), stats.c (recording). */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Plain configuration. srv_config_default() fills every field; strings are borrowed and must
 * outlive the server. */
struct srv_config {
    const char *bind_addr;       /* IPv4 address to listen on ("127.0.0.1") */
    int port;                    /* 9000; 0 = an ephemeral port (read it with srv_port) */
    unsigned threads;            /* worker threads; each open keep-alive connection holds one */
    const char *docroot;         /* static files; NULL = srv_docroot_default() */
    const char *admin_bind_addr; /* "127.0.0.1" */
    int admin_port;              /* 9001; 0 = ephemeral; -1 = no admin API */
    unsigned admin_threads;      /* worker threads of the admin context (4) */
    const char *admin_token;     /* bearer token the admin API requires; NULL or "" = none */
    const char *access_log_path; /* CivetWeb access log file; NULL = none */
    unsigned keep_alive_ms;      /* idle time before a keep-alive connection is closed */
    unsigned request_timeout_ms; /* time allowed to receive a request or send a response */
    uint64_t max_body_bytes;     /* larger POST bodies get 413 */
    unsigned max_header_bytes;   /* request line + headers; larger requests are refused */
    bool cache_enabled;          /* the exchange-rate LRU/TTL cache */
    unsigned cache_ttl_s;        /* seconds an exchange rate stays cached */
    unsigned cache_entries;      /* LRU capacity (the seed's lru_cache(maxsize=1000)) */
    unsigned exchange_work_us;   /* CPU time an uncached exchange-rate lookup burns */
    bool stats_enabled;          /* false: record nothing (to measure what recording costs) */
    bool sched_batch;            /* run main workers as SCHED_BATCH (see srv.c; measured +30%) */
};

/* Defaults: 127.0.0.1:9000, 256 threads, admin 127.0.0.1:9001 (4 threads), keep-alive 5000 ms,
 * request timeout 30000 ms, body 1 MiB, headers 16 KiB, cache on (TTL 60 s, 1000 entries),
 * exchange work 200 us, stats on, SCHED_BATCH workers. */
void srv_config_default(struct srv_config *cfg);

/* The bundled site: $TIERBENCH_DOCROOT, else <exe dir>/../share/tierbench/public, else
 * <exe dir>/../public (the source tree's public/ when run from build/), else ./public; the
 * first that is a directory. Writes the path into out. Returns 0, or -1 when none exists (out
 * then holds "./public"). */
int srv_docroot_default(char *out, size_t outlen);

struct srv;

/* Starts the main and admin CivetWeb contexts. On success *out owns the server and 0 is
 * returned; on failure a negative value and a one-line reason in err. Does not touch signal
 * dispositions except what CivetWeb itself does (it ignores SIGPIPE). */
int srv_start(const struct srv_config *cfg, struct srv **out, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish (delay/work handlers cut their wait short),
 * joins every thread and frees everything. NULL is accepted. */
void srv_stop(struct srv *s);
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

struct srv_latency {
    uint64_t count;
    double mean_us;
    uint64_t p50_us, p90_us, p99_us, p999_us, max_us;
};

struct srv_route_stats {
    uint64_t requests;
    uint64_t bytes_out;                     /* response bytes, headers included */
    uint64_t codes[SRV_CODE_SLOTS];         /* indexed like srv_code_slot_codes */
    uint64_t duration_le[SRV_PROM_BUCKETS]; /* cumulative: requests with duration <= le */
    double duration_sum_s;
    struct srv_latency latency;
};

struct srv_window_stats {
    unsigned seconds; /* window length: the last `seconds` complete seconds */
    double rate_rps;  /* requests / seconds */
    uint64_t requests;
    uint64_t errors;            /* status >= 500 */
    struct srv_latency latency; /* windowed histograms are coarser: ~0.4% relative error */
};

struct srv_second {
    uint64_t age_s; /* 1 = the last complete second, 2 = the one before, ... */
    uint64_t requests;
    uint64_t errors;
    uint64_t bytes_out;
    uint64_t p50_us;
    uint64_t p99_us;
};

/* One consistent-enough picture of the server: counters are summed thread by thread, so a
 * request finishing during the snapshot may be in one figure and not yet in another. */
struct srv_stats {
    double uptime_s;
    double started_unix_s;
    bool stats_enabled;
    uint64_t requests;
    uint64_t bytes_out;
    uint64_t bytes_in;        /* request bodies read */
    uint64_t status_class[6]; /* [1]..[5] = 1xx..5xx; [0] = anything else */
    uint64_t codes[SRV_CODE_SLOTS];
    struct srv_latency latency; /* every request since start, 0.05% relative error */
    struct srv_window_stats windows[SRV_WINDOWS];
    struct srv_route_stats routes[SRV_ROUTE__COUNT];
    unsigned threads_total;
    unsigned threads_busy;     /* inside a request right now */
    uint64_t connections_open; /* accepted and not yet closed (each holds a thread) */
    uint64_t connections_total;
    uint64_t cache_hits, cache_misses, cache_entries;
    double cpu_user_s, cpu_system_s; /* the whole process */
    uint64_t rss_bytes;
    unsigned timeline_len; /* entries used in timeline, newest first */
    struct srv_second timeline[SRV_TIMELINE_S];
};

/* Fills *out (about 17 KiB: allocate it, don't put it on a small stack). Any thread. */
void srv_stats_snapshot(struct srv *s, struct srv_stats *out);

/* Formatters over a snapshot, snprintf-style: return the length the full text needs (not
 * counting the NUL); when that is >= cap the output was truncated. timeline: include the
 * per-second history in the JSON. */
size_t srv_stats_json(const struct srv_stats *st, bool timeline, char *buf, size_t cap);
size_t srv_stats_prometheus(const struct srv_stats *st, char *buf, size_t cap);

#endif
