/* server/server_int.h: what the files of server/ share with each other and with the server's
 * unit tests (tests/check_server*.c): the LRU/TTL cache, query parsing, routing, the mock rate
 * table and the stats recorder. Nothing here includes <civetweb.h>, so the pieces are testable
 * without a running server. Read server.h first. */
#ifndef TB_SERVER_INT_H
#define TB_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

/* ---- cache.c: a fixed-capacity LRU map from short string keys to doubles, with a TTL ------ */
/* Not thread-safe: the server guards it with one mutex (the seed's lru_cache holds a lock too).
 * Time is passed in (now_us, monotonic microseconds) so tests inject it. */

#define SRV_CACHE_KEY_MAX 16 /* key bytes including the NUL */

struct srv_cache;

/* capacity >= 1 entries; ttl_us 0 means entries never expire. NULL when out of memory. */
struct srv_cache *srv_cache_new(unsigned capacity, uint64_t ttl_us);
void srv_cache_free(struct srv_cache *c);
/* 1 and *value on a fresh hit (the entry becomes most recently used); 0 on a miss. An expired
 * entry is removed and counts as a miss. */
int srv_cache_get(struct srv_cache *c, const char *key, uint64_t now_us, double *value);
/* Inserts or refreshes key (its TTL restarts at now_us). When full, the least recently used
 * entry is evicted. Returns -1 when key is longer than SRV_CACHE_KEY_MAX - 1 bytes. */
int srv_cache_put(struct srv_cache *c, const char *key, double value, uint64_t now_us);
unsigned srv_cache_len(const struct srv_cache *c);
/* The key at position i from most (0) to least recently used, or NULL past the end. */
const char *srv_cache_key_at(const struct srv_cache *c, unsigned i);

/* ---- query.c: query strings and bounds ------------------------------------------------------ */

/* Finds the first `name=value` in a raw query string (qs may be NULL), URL-decodes the value
 * ('+' is a space) into out. Returns the decoded length, -1 when absent, -2 when the value does
 * not fit in outlen - 1 bytes or holds a bad %-escape or a NUL. */
int srv_query_get(const char *qs, const char *name, char *out, size_t outlen);
/* A decimal integer parameter within [min, max]. 0 and *out; -1 absent; -2 not a plain decimal
 * number or out of range. */
int srv_query_u64(const char *qs, const char *name, uint64_t min, uint64_t max, uint64_t *out);

/* ---- routes.c: routing table and mock data ------------------------------------------------- */

/* The route of a (decoded) path: /api/... paths the API does not know are SRV_ROUTE_NOT_FOUND,
 * everything else is SRV_ROUTE_STATIC. */
enum srv_route srv_route_find(const char *path);
/* Whether the route answers this method, and the Allow header value for 405s. */
bool srv_route_allows(enum srv_route r, const char *method);
const char *srv_route_allow(enum srv_route r);
/* Mock exchange rate quote-per-base for two ISO 4217 codes of the table (upper case, 3 letters).
 * Returns 0, or -1 when either code is unknown. */
int srv_rate_lookup(const char *base, const char *quote, double *rate);
/* Index into srv_code_slot_codes for an HTTP status (the "other" slot for unlisted codes). */
unsigned srv_code_slot(int status);

/* ---- stats.c: per-thread recording, aggregated on read -------------------------------------- */
/* Time is passed in (now_us, monotonic microseconds) so tests inject it. */

struct srv_stats_rec;    /* every thread block plus the aggregated per-second history */
struct srv_stats_thread; /* one worker thread's samples */

/* NULL when out of memory. */
struct srv_stats_rec *srv_stats_rec_new(uint64_t started_us);
void srv_stats_rec_free(struct srv_stats_rec *r);
/* A block for one worker thread, owned by r (freed with it). Called once per thread at start;
 * takes the registry lock. NULL when out of memory. */
struct srv_stats_thread *srv_stats_thread_add(struct srv_stats_rec *r);
/* Called by the owning worker only. Takes that thread's own lock, which only the reader ever
 * contends for. now_us is when the request ended: the request counts in that second. */
void srv_stats_record(struct srv_stats_thread *t, enum srv_route route, int status,
                      uint64_t latency_us, uint64_t bytes_out, uint64_t bytes_in, uint64_t now_us);
/* Marks the thread as inside a request (true) or idle (false). */
void srv_stats_busy(struct srv_stats_thread *t, bool busy);
/* Threads inside a request right now. */
unsigned srv_stats_busy_count(struct srv_stats_rec *r);
/* Moves every second that is at least a full second old (second s once now_us >= (s + 2) s)
 * from the thread rings into the history; the last second stays in the rings, so a request
 * recorded shortly after its second ended still counts. srv.c calls it twice a second so
 * nothing ages out of a ring unseen. */
void srv_stats_collect(struct srv_stats_rec *r, uint64_t now_us);
/* Collects as srv_stats_collect does, folds what the workers recorded since the last call into
 * the totals, then refills the sample, window, route, code, timeline, bytes_in and
 * threads_busy fields of out (from srv_stats_new) as of now_us; the rest is left alone. */
void srv_stats_fill(struct srv_stats_rec *r, uint64_t now_us, struct srv_stats *out);

/* ---- guard.c: deadlines and shedding for a thread-per-connection pool ------------------------ */
/* One guard per CivetWeb context. Each worker thread owns a slot (srv_guard_slot_add from its
 * init_thread callback) and reports through it what its connection waits for; a watchdog
 * thread ends the waits that overstay by sending the worker SRV_GUARD_SIGNAL, which makes
 * CivetWeb's poll() fail and the connection close (guard.c says why this and not the socket:
 * CivetWeb does not expose it). */

/* Its default action is to ignore it, and nothing else in the server uses it. */
#define SRV_GUARD_SIGNAL SIGURG

enum srv_guard_state {
    SRV_GUARD_FREE, /* no connection */
    SRV_GUARD_HEAD, /* waiting for a request head: the first one, or the next on keep-alive */
    SRV_GUARD_BODY, /* a handler is reading the request body */
    SRV_GUARD_WORK, /* a handler is working or writing: never shed */
};

/* Why a connection was shed; counters are indexed by it. */
enum srv_shed_reason {
    SRV_SHED_NONE,
    SRV_SHED_HEADER_TIMEOUT, /* first request head incomplete header_timeout after accept */
    SRV_SHED_BODY_TIMEOUT,   /* request body incomplete body_timeout after its head */
    SRV_SHED_PRESSURE,       /* pool nearly full, waited on its client longer than shed_grace */
    SRV_SHED_PER_CLIENT,     /* its address held more than per_client_max connections */
    SRV_SHED__COUNT
};

struct srv_guard_config {
    const char *name;           /* for log lines: "main pool", "admin pool" */
    unsigned threads;           /* worker threads of the context */
    uint64_t header_timeout_us; /* 0: none */
    uint64_t body_timeout_us;   /* 0: none */
    unsigned busy_high;         /* open connections at which pressure shedding starts; 0: never */
    uint64_t shed_grace_us;     /* under pressure, waiting connections younger than this stay */
    unsigned per_client_max;    /* connections per client address; 0: no cap */
    srv_log_fn *log;            /* a warning when pressure starts and ends; NULL: none */
    void *log_arg;
};

struct srv_guard;
struct srv_guard_slot;

/* Installs a handler for SRV_GUARD_SIGNAL that does nothing (unless the process already has
 * one): a signal whose action is "ignore" would not interrupt poll(). Process-wide; srv_start
 * calls it. 0 or -1. */
int srv_guard_signal_setup(void);
/* NULL when out of memory. */
struct srv_guard *srv_guard_new(const struct srv_guard_config *cfg);
/* Starts the watchdog thread. 0 or -1. */
int srv_guard_start(struct srv_guard *g);
/* Stops the watchdog (before mg_stop: nothing is shed while CivetWeb winds down). NULL and a
 * guard that never started are accepted. */
void srv_guard_stop(struct srv_guard *g);
/* Stops the watchdog and frees the guard and every slot; after mg_stop. NULL is accepted. */
void srv_guard_free(struct srv_guard *g);
/* A slot for the calling worker thread (from init_thread: the kicks go to this thread, and
 * SRV_GUARD_SIGNAL is unblocked in it), owned by g. NULL when out of memory (that worker's
 * connections then go unguarded). */
struct srv_guard_slot *srv_guard_slot_add(struct srv_guard *g);
/* The slot's worker only: a connection was accepted (init_connection, where CivetWeb does not
 * tell the client's address yet); its address, from its first request head (IPv4 text; later
 * calls are cheap); its state changes (HEAD after each answer, BODY while reading a body, WORK
 * from the request head on); it closed (connection_close). */
void srv_guard_opened(struct srv_guard_slot *sl, uint64_t now_us);
void srv_guard_peer(struct srv_guard_slot *sl, const char *remote_addr);
void srv_guard_set(struct srv_guard_slot *sl, enum srv_guard_state state, uint64_t now_us);
void srv_guard_closed(struct srv_guard_slot *sl);
/* Connections shed so far, by reason. Any thread; g NULL gives zeros. */
void srv_guard_counts(const struct srv_guard *g, uint64_t shed[SRV_SHED__COUNT]);

/* What the policy sees of one connection, and what it decides. */
struct srv_guard_view {
    struct srv_guard_slot *slot; /* opaque to the policy */
    uint64_t gen;                /* opaque to the policy */
    enum srv_guard_state state;
    uint64_t since_us;         /* when the state began (<= now_us) */
    bool first;                /* no request answered yet */
    uint32_t peer_ip;          /* the client's address, network byte order; 0: not known yet (such
                                  connections are not counted against a cap) */
    enum srv_shed_reason shed; /* out: why to shed it, or SRV_SHED_NONE */
};

/* The policy, pure (tests inject the clock): sets v[i].shed for each connection (v is
 * reordered), *pressure when the connections not FREE reach busy_high, and returns when a
 * pass is next due (the earliest deadline or grace end, at most 500 ms after now_us). */
uint64_t srv_guard_decide(const struct srv_guard_config *cfg, struct srv_guard_view *v, size_t n,
                          uint64_t now_us, bool *pressure);

/* What every worker thread of either pool carries (mg_get_thread_pointer). */
struct srv_worker {
    struct srv_stats_thread *stats; /* main pool: its stats block; NULL when none */
    struct srv_guard_slot *slot;    /* NULL: unguarded */
    void *admin;                    /* admin pool: its scratch (admin.c) */
};

/* ---- admin.c -------------------------------------------------------------------------------- */

/* Whether an Authorization header value is "Bearer <want>". want NULL or "" accepts anything.
 * The token is compared in constant time: every byte of want is compared whatever the header
 * holds, with no early exit, so the time does not tell how much of a guess was right. */
bool srv_admin_token_ok(const char *want, const char *authorization);
/* Whether a request's Origin header (NULL: none, which passes) is the admin API's own origin:
 * http://bind_addr:port, or http://127.0.0.1:port and http://localhost:port when bound to a
 * loopback address or to 0.0.0.0; bound to 0.0.0.0 also http://<Host header>. Case-insensitive. */
bool srv_admin_origin_ok(const char *origin, const char *bind_addr, int port, const char *host);

/* ---- the server object, shared by srv.c, routes.c, static.c, http.c and admin.c ----------- */

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

struct mg_callbacks;
struct mg_context;
struct mg_connection;
struct mg_request_info;

struct srv {
    struct srv_config cfg;
    char docroot[PATH_MAX];      /* as configured or found */
    char docroot_real[PATH_MAX]; /* realpath of docroot: every served file must be under it */
    size_t docroot_real_len;
    struct mg_context *ctx;       /* the main pool */
    struct mg_context *admin_ctx; /* its own pool, so it answers while the main one is full */
    int port, admin_port;
    uint64_t started_us;
    double started_unix_s;
    struct srv_stats_rec *stats; /* thread blocks; only busy flags when stats are off */
    struct srv_cache *cache;     /* NULL when the cache is off */
    struct srv_gzcache *gzcache; /* compressed static files */
    pthread_mutex_t cache_lock;
    atomic_uint_fast64_t cache_hits, cache_misses;
    atomic_uint_fast64_t conns_open, conns_total;
    atomic_bool stopping;       /* set first in srv_stop: slow handlers return early */
    pthread_mutex_t log_lock;   /* guards the three fields below */
    bool log_capturing;         /* inside srv_mg_start: */
    pthread_t log_start_thread; /* messages from this thread are start-up detail */
    char log_first[160];        /* the first of them */
    pthread_t collector;
    bool collector_running;
    pthread_mutex_t collector_lock;
    pthread_cond_t collector_cond;
    struct srv_guard *guard;       /* the main pool's deadlines and shedding */
    struct srv_guard *admin_guard; /* the admin pool's */
    int access_fd;                 /* the access log, O_APPEND; -1: none */
    pthread_rwlock_t access_lock;  /* writers share it; srv_reopen_logs takes it alone */
};

/* ---- srv.c: connection counting, log lines ---------------------------------------------- */

/* CivetWeb's init_connection and connection_close callbacks. A connection counts as open from
 * srv_conn_opened, which marks its conn_data, to the srv_conn_closed that gets that mark back;
 * a close without the mark (CivetWeb closes some connections it never passed to
 * init_connection) changes nothing. */
void srv_conn_opened(struct srv *s, void **conn_data);
void srv_conn_closed(struct srv *s, void *conn_data);
/* mg_start with the server's log_message callback (cb->log_message is set here). CivetWeb's
 * messages from the starting thread go to the log at SRV_LOG_DEBUG, and the first one is
 * copied into reason (for srv_start's one-line error); later messages go at SRV_LOG_ERROR. */
struct mg_context *srv_mg_start(struct srv *s, struct mg_callbacks *cb, const char **opts,
                                char *reason, size_t reasonlen);
/* A formatted line to the configured srv_log_fn; nothing when there is none. */
void srv_log(const struct srv *s, enum srv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The connection-guard slot of the worker serving c, or NULL (see guard.c). */
struct srv_guard_slot *srv_worker_slot(const struct mg_connection *c);

/* What a handler did, for the stats. */
struct srv_reply {
    int status;
    uint64_t bytes_out; /* headers and body as written */
    uint64_t bytes_in;  /* request body bytes read */
    bool timed;         /* set by the caller: fill ready_us */
    uint64_t ready_us;  /* when the complete response was handed to send(), if timed */
    bool close;         /* set by the caller: answer with Connection: close, then close */
};

/* http.c: responses. extra_headers is "" or complete "Name: value\r\n" lines. The response
 * goes out in one send when it fits in 16 KiB. HEAD requests get the headers only; so does a
 * NULL body with a body_len, and the caller then writes the body itself. close (or rep->close)
 * forces "Connection: close" and makes CivetWeb close the connection after this response where
 * the library can be told so (Debian's build has mg_disable_keep_alive), else a request body
 * left unread closes it. Fills rep. */
void srv_http_reply(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *content_type, const char *extra_headers, const void *body,
                    size_t body_len, bool close, struct srv_reply *rep);
/* {"error":"<msg>"} with the status. */
void srv_http_error(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *msg, const char *extra_headers, struct srv_reply *rep);
/* Request framing CivetWeb lets through but a proxy in front might read differently (request
 * smuggling): more than one Content-Length, one that is not a plain decimal number, a
 * Transfer-Encoding other than one "chunked", or Transfer-Encoding with Content-Length.
 * Returns NULL when the framing is sound, else what is wrong (for a 400). */
const char *srv_http_framing_error(const struct mg_request_info *ri);
/* Whether the connection stays open after this request, by CivetWeb's own rule: a Connection
 * header decides when present (keep-alive or not), else HTTP/1.1 keeps it and 1.0 does not. */
bool srv_http_keep_alive(const struct mg_request_info *ri);
const char *srv_http_reason(int status);
/* An IMF-fixdate (RFC 9110) for unix_s into out (at least 32 bytes). */
void srv_http_date(int64_t unix_s, char *out, size_t outlen);
/* The value of a request header, or NULL. */
const char *srv_http_header(const struct mg_request_info *ri, const char *name);

/* routes.c: the mock API; the route is already known and the method allowed. */
void srv_api_handle(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                    enum srv_route route, struct srv_reply *rep);
/* static.c: GET/HEAD of a file under the docroot. */
void srv_static_handle(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                       struct srv_reply *rep);
/* Maps a decoded URI path to a file under docroot_real (itself a realpath). Returns 0 and the
 * file's real path in out; -1 for a malformed or escaping path (a ".." segment, a backslash,
 * a symlink out of the docroot); -2 when nothing is there. Directories map to index.html. */
int srv_static_resolve(const char *docroot_real, const char *uri_path, char *out, size_t outlen);
/* The Content-Type for a file name, whether the seed's cache rule applies to it, and whether it
 * is text worth gzipping. */
const char *srv_static_mime(const char *path, bool *cacheable, bool *compressible);
/* Whether an Accept-Encoding value accepts gzip (listed and not q=0). NULL: no. */
bool srv_static_accepts_gzip(const char *accept_encoding);

/* gzip.c: gzip-compressed static files, cached. */
struct srv_gzblob; /* immutable compressed bytes, reference-counted */
struct srv_gzcache;
/* Compresses len bytes into a new blob (one reference). Returns 0 or -1. */
int srv_gzip(const void *in, size_t len, struct srv_gzblob **out);
const unsigned char *srv_gzblob_data(const struct srv_gzblob *b, size_t *len);
void srv_gzblob_release(struct srv_gzblob *b); /* NULL is accepted */
struct srv_gzcache *srv_gzcache_new(unsigned entries);
void srv_gzcache_free(struct srv_gzcache *c);
/* The compressed form of the file (path, mtime_ns, size), with a reference the caller releases.
 * On a miss: NULL when content is NULL, else content (size bytes) is compressed and cached.
 * Thread-safe. */
struct srv_gzblob *srv_gzcache_get(struct srv_gzcache *c, const char *path, uint64_t mtime_ns,
                                   uint64_t size, const void *content);

/* admin.c: the admin context (/api/stats, /metrics). */
int srv_admin_start(struct srv *s, char *err, size_t errlen);

#endif
