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

/* ---- admin.c -------------------------------------------------------------------------------- */

/* Whether an Authorization header value is "Bearer <want>". want NULL or "" accepts anything.
 * The token is compared in constant time: every byte of want is compared whatever the header
 * holds, with no early exit, so the time does not tell how much of a guess was right. */
bool srv_admin_token_ok(const char *want, const char *authorization);

/* ---- the server object, shared by srv.c, routes.c, static.c, http.c and admin.c ----------- */

#include <limits.h>
#include <pthread.h>
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

/* What a handler did, for the stats. */
struct srv_reply {
    int status;
    uint64_t bytes_out; /* headers and body as written */
    uint64_t bytes_in;  /* request body bytes read */
    bool timed;         /* set by the caller: fill ready_us */
    uint64_t ready_us;  /* when the complete response was handed to send(), if timed */
};

/* http.c: responses. extra_headers is "" or complete "Name: value\r\n" lines. The response
 * goes out in one send when it fits in 16 KiB. HEAD requests get the headers only; so does a
 * NULL body with a body_len, and the caller then writes the body itself. close forces
 * "Connection: close" (used when the request body was left unread). Fills rep. */
void srv_http_reply(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *content_type, const char *extra_headers, const void *body,
                    size_t body_len, bool close, struct srv_reply *rep);
/* {"error":"<msg>"} with the status. */
void srv_http_error(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *msg, const char *extra_headers, struct srv_reply *rep);
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
