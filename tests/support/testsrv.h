/* tests/support/testsrv.h: a small HTTP/1.1 test server for load-generator tests (libc/POSIX
 * only). It runs one poll() thread on 127.0.0.1 with an ephemeral port and answers by path:
 *   /fixed         200, Content-Length, body "hello"
 *   /chunked       200, chunked body of 3 chunks ("hello" in total)
 *   /close         200, no length, body "hello", then closes (body delimited by close)
 *   /continue      "100 Continue", then 200 with body "hello"
 *   /204           204 No Content;  /304: 304 with a Content-Length header and no body
 *   /status/NNN    status NNN with body "hello"
 *   /delay?ms=N    200 "hello" after N milliseconds
 *   /reset         closes with a TCP reset without answering
 *   /drop          closes (FIN) without answering
 *   /stall         never answers
 *   /cut           headers announcing 100 bytes, 5 of them, then closes (FIN) mid-response
 *   /cut-chunked   headers and one chunk of a chunked body, then closes
 *   /cut-reset     headers announcing 100 bytes, 5 of them, then a TCP reset
 *   /nolength      200 with neither Content-Length nor chunked, and keeps the connection open
 *   /interim       "102 Processing" and never the final answer
 *   /interim-flood 200 "100 Continue" answers, then 200 "hello"
 *   /101           an unasked "101 Switching Protocols", then nothing
 *   /huge-headers  a status line and up to 1 MiB of header lines, then closes
 * HEAD of any path gets the headers only. Every close_every-th response carries
 * "Connection: close" and the server closes. With stray_byte every response is followed by
 * one byte more than it announced (a broken server, or a body on a HEAD answer).
 * testsrv_requests counts responses sent. */
#ifndef TB_TESTS_TESTSRV_H
#define TB_TESTS_TESTSRV_H

#include <stdbool.h>
#include <stdint.h>

struct testsrv;

struct testsrv_opts {
    unsigned close_every; /* 0: keep connections open */
    bool stray_byte;      /* send one byte after each response */
};

/* Starts the server thread; NULL on failure. opts may be NULL. */
struct testsrv *testsrv_start(const struct testsrv_opts *opts);
unsigned testsrv_port(const struct testsrv *s);
/* Responses fully written so far (100 Continue not counted). Thread-safe. */
uint64_t testsrv_requests(const struct testsrv *s);
/* Connections accepted so far. Thread-safe. */
uint64_t testsrv_accepts(const struct testsrv *s);
/* From now on, answer nothing for stall_ms milliseconds (requests wait, then get answers). */
void testsrv_stall(struct testsrv *s, unsigned stall_ms);
/* Stops the thread, closes every socket, frees s. Accepts NULL. */
void testsrv_stop(struct testsrv *s);

#endif
