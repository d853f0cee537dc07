/* tests/fuzz/fuzz_url.c: libFuzzer target for lg_url_parse, which reads every target URL (the
 * wrk/ab/run command lines, scenario files, --target). An accepted URL must have a host with no
 * separator, space or control character, a port in 1..65535, a path starting with '/' with no
 * space or control character, a Host value that matches host and port, and must parse again
 * from its parts to the same URL; a refused one gets a one-line reason. Its request must build
 * with one blank line, at the end of the head. Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/lg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what, const char *url)
{
    fprintf(stderr, "fuzz_url: %s: \"%s\"\n", what, url);
    abort();
}

static bool clean(const char *s, const char *also_refused)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr(also_refused, *s))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static char url[8192], again[8192], err[8192 + 256], req[8192];
    if (len >= sizeof(url))
        return 0;
    memcpy(url, data, len);
    url[len] = '\0';
    struct lg_url u, v;
    if (lg_url_parse(url, &u, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("refused without a one-line reason", url);
        return 0;
    }
    if (!u.host[0] || !clean(u.host, ":/?#"))
        fail("accepted a host with a separator, space or control character", url);
    if (u.port < 1 || u.port > 65535)
        fail("accepted a port out of 1..65535", url);
    if (u.path[0] != '/' || !clean(u.path, "#"))
        fail("accepted a path without '/', or with a space, control character or '#'", url);
    char want[sizeof(u.hostport)];
    unsigned def = u.https ? 443 : 80;
    if (u.port == def)
        snprintf(want, sizeof(want), "%s", u.host);
    else
        snprintf(want, sizeof(want), "%s:%u", u.host, u.port);
    if (strcmp(want, u.hostport) != 0)
        fail("the Host value does not match host and port", url);

    snprintf(again, sizeof(again), "%s://%s:%u%s", u.https ? "https" : "http", u.host, u.port,
             u.path);
    if (lg_url_parse(again, &v, err, sizeof(err)) != 0)
        fail("its own parts do not parse again", again);
    if (v.https != u.https || v.port != u.port || strcmp(v.host, u.host) ||
        strcmp(v.path, u.path) || strcmp(v.hostport, u.hostport))
        fail("its own parts parse to a different URL", again);

    struct lg_request rq = {.method = "GET"};
    long n = lg_request_build(&u, &rq, true, false, req, sizeof(req));
    if (n >= 0) {
        char *blank = memmem(req, (size_t)n, "\r\n\r\n", 4);
        if (!blank || blank + 4 != req + n)
            fail("the request has a blank line before the end of its head", url);
    }
    return 0;
}
