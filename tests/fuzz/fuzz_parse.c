/* tests/fuzz/fuzz_parse.c: libFuzzer target for the load generator's response parser. The input
 * is a byte stream from a hostile server: the first byte picks HEAD or GET and a split point, the
 * rest is fed in two pieces, response after response, then EOF. The parser must never crash,
 * read out of bounds, loop without consuming, or report more body than it was fed.
 * Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/lg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 1)
        return 0;
    bool head = data[0] & 1;
    const char *p = (const char *)data + 1;
    size_t n = len - 1, split = n ? data[0] % (n + 1) : 0;
    struct lg_parse ps;
    memset(&ps, 0, sizeof(ps));
    ps.want_server = data[0] & 2;
    lg_parse_init(&ps);
    lg_parse_next(&ps, head);
    size_t at = 0;
    int responses = 0;
    while (at < n) {
        size_t end = at < split ? split : n;
        long used = lg_parse_feed(&ps, p + at, end - at);
        if (used < 0)
            return 0; /* a protocol error ends the connection */
        if ((size_t)used > end - at)
            abort();
        if (ps.body_bytes > n)
            abort();
        at += (size_t)used;
        if (ps.done) {
            if (++responses > 10000 || !ps.keep_alive)
                return 0;
            lg_parse_next(&ps, head);
        } else if (used == 0 && end == n) {
            abort(); /* not done, yet it refuses the bytes it was given */
        }
    }
    lg_parse_eof(&ps);
    return 0;
}
