/* tests/fuzz/fuzz_units.c: libFuzzer target for the duration and count grammar of command lines
 * and scenario files (common/units.h): units_duration_parse with and without a default unit,
 * units_si_parse. An accepted duration is at most ~30 years and formats (units_duration_format)
 * to a string that parses back to the same microseconds; so does every value the input names
 * as eight raw bytes. Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what, const char *s)
{
    fprintf(stderr, "fuzz_units: %s: \"%s\"\n", what, s);
    abort();
}

/* format(us) must parse back to us (every duration the parser accepts is below 1e15 us). */
static void round_trip(uint64_t us)
{
    char buf[32], again[32];
    units_duration_format(buf, sizeof(buf), us);
    uint64_t back;
    if (units_duration_parse(buf, 0, &back) != 0 || back != us)
        fail("a formatted duration does not parse back to itself", buf);
    units_duration_format(again, sizeof(again), back);
    if (strcmp(buf, again) != 0)
        fail("formatting is not stable", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char s[256];
    if (len >= sizeof(s))
        return 0;
    memcpy(s, data, len);
    s[len] = '\0';
    uint64_t us, n;
    static const uint64_t defaults[] = {0, 1, 1000, 1000000};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (units_duration_parse(s, defaults[i], &us) != 0)
            continue;
        if (us > 1000000000000000ull)
            fail("accepted a duration over 1e15 us", s);
        round_trip(us);
    }
    if (units_si_parse(s, &n) == 0 && n == 0 && strspn(s, "0.") == 0)
        fail("a count that is not zero parsed to 0", s);
    if (len >= 8) {
        uint64_t raw;
        memcpy(&raw, data, 8);
        round_trip(raw % 1000000000000001ull);
    }
    return 0;
}
