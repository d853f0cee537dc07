/* common/metric.c: see metric.h. */
#include "common/metric.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (errlen)
        text_one_line(err); /* messages quote the input, which may hold control characters */
    return -1;
}

static const char *const names[METRIC__COUNT] = {
    "p50_ms", "p75_ms",  "p90_ms", "p99_ms",     "p999_ms", "min_ms",
    "max_ms", "mean_ms", "rps",    "error_rate", "errors",  "requests",
};

static const char *const cmp_names[] = {"<", "<=", ">", ">=", "=="};

const char *metric_name(enum metric m)
{
    return (unsigned)m < METRIC__COUNT ? names[m] : "?";
}

const char *metric_cmp_name(enum metric_cmp c)
{
    return (unsigned)c < sizeof(cmp_names) / sizeof(cmp_names[0]) ? cmp_names[c] : "?";
}

int metric_threshold_parse(const char *text, struct metric_threshold *out, char *err, size_t errlen)
{
    static const char usage[] = "expected \"METRIC OP NUMBER\" like \"p99_ms < 200\"";
    memset(out, 0, sizeof(*out));
    snprintf(out->text, sizeof(out->text), "%s", text);
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    size_t name_len = (size_t)(p - name);
    if (name_len == 0)
        return fail(err, errlen, "%s", usage);
    int metric = -1;
    bool slo_form = false; /* "p99<100ms": a latency metric without _ms, its limit with a unit */
    for (int i = 0; i < METRIC__COUNT; i++) {
        if (strlen(names[i]) == name_len && !strncmp(names[i], name, name_len))
            metric = i;
        if (metric_percentile((enum metric)i) > 0 && strlen(names[i]) == name_len + 3 &&
            !strncmp(names[i], name, name_len) && !strcmp(names[i] + name_len, "_ms")) {
            metric = i;
            slo_form = true;
        }
    }
    if (metric < 0) {
        char known[256] = "";
        size_t at = 0;
        for (int i = 0; i < METRIC__COUNT && at < sizeof(known); i++) {
            int n = snprintf(known + at, sizeof(known) - at, "%s%s", i ? ", " : "", names[i]);
            if (n < 0)
                break;
            at += (size_t)n;
        }
        return fail(err, errlen, "unknown metric \"%.*s\" (known: %s)", (int)name_len, name, known);
    }
    while (isspace((unsigned char)*p))
        p++;
    int cmp;
    if (!strncmp(p, "<=", 2))
        cmp = METRIC_LE;
    else if (!strncmp(p, ">=", 2))
        cmp = METRIC_GE;
    else if (!strncmp(p, "==", 2))
        cmp = METRIC_EQ;
    else if (*p == '<')
        cmp = METRIC_LT;
    else if (*p == '>')
        cmp = METRIC_GT;
    else
        return fail(err, errlen, "%s (the operator is one of < <= > >= ==)", usage);
    p += cmp == METRIC_LT || cmp == METRIC_GT ? 1 : 2;
    while (isspace((unsigned char)*p))
        p++;
    char *end;
    errno = 0;
    double limit = strtod(p, &end);
    if (end == p || errno || !isfinite(limit))
        return fail(err, errlen, "%s", usage);
    if (slo_form) {
        static const struct {
            const char *unit;
            double ms;
        } units[] = {{"us", 1e-3}, {"ms", 1}, {"s", 1e3}};
        size_t u = 0;
        while (u < 3 && strncmp(end, units[u].unit, strlen(units[u].unit)))
            u++;
        if (u == 3)
            return fail(err, errlen, "expected a time like \"%.*s<100ms\" (us, ms or s)",
                        (int)name_len, name);
        limit *= units[u].ms;
        end += strlen(units[u].unit);
        if (!isfinite(limit)) /* "p99<1e308s" overflows once in milliseconds */
            return fail(err, errlen, "%s", usage);
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return fail(err, errlen, "%s (unexpected \"%s\")", usage, end);
    out->metric = (enum metric)metric;
    out->cmp = (enum metric_cmp)cmp;
    out->limit = limit;
    return 0;
}

double metric_percentile(enum metric m)
{
    switch (m) {
    case METRIC_P50_MS:
        return 50;
    case METRIC_P75_MS:
        return 75;
    case METRIC_P90_MS:
        return 90;
    case METRIC_P99_MS:
        return 99;
    case METRIC_P999_MS:
        return 99.9;
    default:
        return -1;
    }
}

static double pct_ms(const struct run_result *r, double p)
{
    return r->latency ? (double)hist_percentile(r->latency, p) / 1000.0 : 0.0;
}

double metric_value(enum metric m, const struct run_result *r)
{
    switch (m) {
    case METRIC_P50_MS:
        return pct_ms(r, 50);
    case METRIC_P75_MS:
        return pct_ms(r, 75);
    case METRIC_P90_MS:
        return pct_ms(r, 90);
    case METRIC_P99_MS:
        return pct_ms(r, 99);
    case METRIC_P999_MS:
        return pct_ms(r, 99.9);
    case METRIC_MIN_MS:
        return r->latency ? (double)hist_min(r->latency) / 1000.0 : 0.0;
    case METRIC_MAX_MS:
        return r->latency ? (double)hist_max(r->latency) / 1000.0 : 0.0;
    case METRIC_MEAN_MS:
        return r->latency ? hist_mean(r->latency) / 1000.0 : 0.0;
    case METRIC_RPS:
        return run_rps(r);
    case METRIC_ERROR_RATE:
        return run_error_rate(r);
    case METRIC_ERRORS:
        return (double)run_errors_total(r);
    case METRIC_REQUESTS:
        return (double)r->requests;
    case METRIC__COUNT:
        break;
    }
    return NAN;
}

bool metric_threshold_check(const struct metric_threshold *t, const struct run_result *r,
                            double *value)
{
    double v = metric_value(t->metric, r);
    if (value)
        *value = v;
    switch (t->cmp) {
    case METRIC_LT:
        return v < t->limit;
    case METRIC_LE:
        return v <= t->limit;
    case METRIC_GT:
        return v > t->limit;
    case METRIC_GE:
        return v >= t->limit;
    case METRIC_EQ:
        return v == t->limit;
    }
    return false;
}
