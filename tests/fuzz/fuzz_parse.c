/* tests/fuzz/fuzz_parse.c: libFuzzer target for the load generator's response parser. The input
 * is a byte stream from a hostile server: the first byte picks HEAD or GET and whether the
 * Server header is captured, the rest is the stream, fed response after response, then EOF.
 * The stream is parsed whole, one byte at a time, and split in two at every byte boundary; each
 * way must give the same result (every response's status, body length, keep-alive and end
 * offset, the Server header, how the stream ended). The parser must never crash, read out of
 * bounds, loop without consuming, or report more body than it was fed; it allocates nothing, so
 * memory cannot grow. Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/lg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Responses on one connection beyond this are not followed (a real server's stream ends at the
 * first non-keep-alive answer; this bounds a stream of tiny pipelined answers). */
#define MAX_RESPONSES 512

enum end { END_NONE, END_ERROR, END_CLOSE, END_EOF_DONE, END_EOF_CUT, END_LIMIT };

struct response {
    int status;
    uint64_t body_bytes;
    bool keep_alive;
    size_t end_offset; /* stream offset just past the response */
};

struct trace {
    struct response r[MAX_RESPONSES];
    size_t n;
    enum end end;
    size_t error_after; /* responses complete before a protocol error */
    /* The Server header as of the first complete response: when the engine reads it. */
    char server[sizeof(((struct lg_parse *)0)->server)];
};

/* Parses stream[0..n) fed in pieces that end at the offsets cuts[0..ncuts) (ascending, the last
 * one n), then EOF. */
static void run(const char *stream, size_t n, bool head, bool want_server, const size_t *cuts,
                size_t ncuts, struct trace *t)
{
    struct lg_parse ps;
    memset(&ps, 0, sizeof(ps));
    t->n = 0; /* t->r[] is written before it is read: no need to clear 16 KiB per run */
    t->end = END_NONE;
    t->error_after = 0;
    t->server[0] = '\0';
    ps.want_server = want_server;
    lg_parse_init(&ps);
    lg_parse_next(&ps, head);
    size_t at = 0;
    for (size_t c = 0; c < ncuts; c++) {
        size_t end = cuts[c];
        while (at < end) {
            long used = lg_parse_feed(&ps, stream + at, end - at);
            if (used < 0) {
                t->end = END_ERROR;
                t->error_after = t->n;
                return;
            }
            if ((size_t)used > end - at)
                abort(); /* consumed more than it was given */
            if (ps.body_bytes > n)
                abort(); /* more body than bytes fed */
            at += (size_t)used;
            if (!ps.done) {
                if (at != end)
                    abort(); /* not done, no error, yet it left bytes unread */
                break;
            }
            if (t->n == 0)
                memcpy(t->server, ps.server, sizeof(t->server));
            t->r[t->n++] = (struct response){ps.status, ps.body_bytes, ps.keep_alive, at};
            if (!ps.keep_alive) {
                t->end = END_CLOSE;
                return;
            }
            if (t->n == MAX_RESPONSES) {
                t->end = END_LIMIT;
                return;
            }
            lg_parse_next(&ps, head);
        }
    }
    if (lg_parse_eof(&ps) == 0) {
        if (!ps.done)
            abort(); /* lg_parse_eof says complete, yet the response is not done */
        if (t->n == 0)
            memcpy(t->server, ps.server, sizeof(t->server));
        t->r[t->n++] = (struct response){ps.status, ps.body_bytes, ps.keep_alive, at};
        t->end = END_EOF_DONE;
    } else {
        t->end = END_EOF_CUT;
    }
}

static void must_equal(const struct trace *a, const struct trace *b, const char *how, size_t at)
{
    bool same = a->n == b->n && a->end == b->end && a->error_after == b->error_after &&
                !strcmp(a->server, b->server);
    for (size_t i = 0; same && i < a->n; i++)
        same = a->r[i].status == b->r[i].status && a->r[i].body_bytes == b->r[i].body_bytes &&
               a->r[i].keep_alive == b->r[i].keep_alive && a->r[i].end_offset == b->r[i].end_offset;
    if (same)
        return;
    fprintf(stderr,
            "fuzz_parse: fed %s (at %zu) gives a different result: %zu responses, end %d, "
            "server \"%s\" whole; %zu, end %d, server \"%s\" split\n",
            how, at, a->n, (int)a->end, a->server, b->n, (int)b->end, b->server);
    for (size_t i = 0; i < a->n || i < b->n; i++)
        fprintf(
            stderr, "  #%zu whole %d/%llu/%d/%zu split %d/%llu/%d/%zu\n", i,
            i < a->n ? a->r[i].status : -1, (unsigned long long)(i < a->n ? a->r[i].body_bytes : 0),
            i < a->n ? a->r[i].keep_alive : -1, i < a->n ? a->r[i].end_offset : 0,
            i < b->n ? b->r[i].status : -1, (unsigned long long)(i < b->n ? b->r[i].body_bytes : 0),
            i < b->n ? b->r[i].keep_alive : -1, i < b->n ? b->r[i].end_offset : 0);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 1)
        return 0;
    bool head = data[0] & 1, want_server = data[0] & 2;
    const char *stream = (const char *)data + 1;
    size_t n = len - 1;
    static struct trace whole, split;
    static size_t cuts[8192];
    if (n >= sizeof(cuts) / sizeof(cuts[0]))
        return 0;

    cuts[0] = n;
    run(stream, n, head, want_server, cuts, 1, &whole);

    /* One byte at a time: every boundary at once. */
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    run(stream, n, head, want_server, cuts, n, &split);
    must_equal(&whole, &split, "byte by byte", 0);

    /* Two pieces, split at each boundary in turn. */
    for (size_t at = 1; at < n; at++) {
        size_t two[2] = {at, n};
        run(stream, n, head, want_server, two, 2, &split);
        must_equal(&whole, &split, "in two pieces", at);
    }
    return 0;
}
