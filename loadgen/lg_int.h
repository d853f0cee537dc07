/* loadgen/lg_int.h: internals shared inside loadgen/ and by its tests: URL parsing, the request
 * builder, the HTTP/1.1 response parser (a thin layer over http_parser), SI-unit argument
 * parsing and the helpers the ab and wrk commands share. Public API: loadgen.h. */
#ifndef TB_LOADGEN_LG_INT_H
#define TB_LOADGEN_LG_INT_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loadgen/loadgen.h"

/* ---- URL ---------------------------------------------------------------------------------- */

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
    int status;          /* status of the final response, once headers_done */
    bool head;           /* the request was HEAD: the response has no body */
    bool headers_done;   /* the final response's headers are complete */
    bool done;           /* the final response is complete */
    bool keep_alive;     /* the connection may carry another request (valid once done) */
    bool want_server;    /* capture the Server header into server[] */
    bool in_server;      /* parsing the Server header's value */
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

/* The curl engine for https:// targets (curl_engine.c); same contract as lg_run. */
int lg_run_curl(const struct lg_config *cfg, const struct lg_url *url, struct run_result *out,
                char *err, size_t errlen);

/* Resolves the URL's host (as lg_run will); 0, or -1 with "unable to resolve ..." in err. */
int lg_url_resolve_check(const struct lg_url *url, char *err, size_t errlen);

/* Shared by both engines: the stop flag set by lg_stop. */
bool lg_stop_requested(void);
void lg_stop_reset(void);

#endif
