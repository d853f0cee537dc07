/* tests/fuzz/fuzz_metric.c: libFuzzer target for metric_threshold_parse, which reads scenario
 * thresholds ("p99_ms < 200") and the SLO flags of sweep, capacity and tier ("p99<100ms"). An
 * accepted threshold names a known metric and operator with a finite limit, its text is a
 * NUL-terminated copy, and "NAME OP LIMIT" written back parses to the same threshold; a refused
 * one gets a one-line reason. Build and run: make fuzz (clang, libFuzzer). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what, const char *s)
{
    fprintf(stderr, "fuzz_metric: %s: \"%s\"\n", what, s);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char s[512], err[1024], again[256];
    if (len >= sizeof(s))
        return 0;
    memcpy(s, data, len);
    s[len] = '\0';
    struct metric_threshold t, u;
    if (metric_threshold_parse(s, &t, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("refused without a one-line reason", s);
        return 0;
    }
    if ((unsigned)t.metric >= METRIC__COUNT || !strcmp(metric_cmp_name(t.cmp), "?"))
        fail("accepted an unknown metric or operator", s);
    if (!isfinite(t.limit))
        fail("accepted a limit that is not finite", s);
    if (memchr(t.text, '\0', sizeof(t.text)) == NULL)
        fail("text is not NUL-terminated", s);
    snprintf(again, sizeof(again), "%s %s %.17g", metric_name(t.metric), metric_cmp_name(t.cmp),
             t.limit);
    if (metric_threshold_parse(again, &u, err, sizeof(err)) != 0)
        fail("its canonical form is refused", again);
    if (u.metric != t.metric || u.cmp != t.cmp || u.limit != t.limit)
        fail("its canonical form parses to another threshold", again);
    return 0;
}
