/* common/units.c: see units.h. */
#include "common/units.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strtod without its extras: digits and one optional '.', no sign, exponent, hex or "inf". */
static int plain_number(const char *s, double *v, const char **end)
{
    const char *p = s;
    int digits = 0, dots = 0;
    while (isdigit((unsigned char)*p) || *p == '.') {
        if (*p == '.')
            dots++;
        else
            digits++;
        p++;
    }
    if (digits == 0 || dots > 1)
        return -1;
    char *e;
    errno = 0;
    *v = strtod(s, &e);
    if (errno || e != p)
        return -1;
    *end = p;
    return 0;
}

int units_duration_parse(const char *s, uint64_t default_unit_us, uint64_t *out_us)
{
    static const struct {
        const char *name;
        double us;
    } units[] = {{"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}};
    if (!s || !*s)
        return -1;
    double total = 0;
    const char *p = s;
    for (unsigned pieces = 0; *p; pieces++) {
        double v;
        if (plain_number(p, &v, &p) != 0)
            return -1;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t n = strlen(units[i].name);
            if (!strncmp(p, units[i].name, n) && n > best_len) {
                best = i;
                best_len = n;
            }
        }
        if (best_len == 0) {
            /* A bare number is allowed only alone, and only with a default unit. */
            if (*p || pieces > 0 || !default_unit_us)
                return -1;
            total = v * (double)default_unit_us;
            break;
        }
        total += v * units[best].us;
        p += best_len;
    }
    if (total > 1e15)
        return -1;
    *out_us = (uint64_t)(total + 0.5);
    return 0;
}

int units_si_parse(const char *s, uint64_t *out)
{
    if (!s)
        return -1;
    double v;
    const char *p;
    if (plain_number(s, &v, &p) != 0)
        return -1;
    double mult = 1;
    if (*p) {
        switch (*p) {
        case 'k':
        case 'K':
            mult = 1e3;
            break;
        case 'm':
        case 'M':
            mult = 1e6;
            break;
        case 'g':
        case 'G':
            mult = 1e9;
            break;
        default:
            return -1;
        }
        if (p[1])
            return -1;
    }
    double r = v * mult;
    if (r > 1.8e19)
        return -1;
    *out = (uint64_t)(r + 0.5);
    return 0;
}

void units_duration_format(char *buf, unsigned long cap, uint64_t us)
{
    if (us % 1000000 == 0)
        snprintf(buf, cap, "%llus", (unsigned long long)(us / 1000000));
    else if (us % 1000 == 0)
        snprintf(buf, cap, "%llums", (unsigned long long)(us / 1000));
    else
        snprintf(buf, cap, "%lluus", (unsigned long long)us);
}
