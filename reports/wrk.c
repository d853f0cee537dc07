/* reports/wrk.c: wrk 4.1's report layout (and wrk2's HdrHistogram percentile block for
 * constant-rate runs), line for line, from a struct run_result. Pure: results in, text out.
 * The unit rules (0.85 thresholds, 2 decimals, padding of unit suffixes) are wrk's so columns
 * line up the same way. Used by cli/wrk.c; checked against tests/data/wrk_*.txt. */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "reports/reports.h"

struct units {
    double scale;
    const char *base;
    const char *const *units; /* NULL-terminated */
};

static const char *const us_units[] = {"ms", "s", NULL};
static const char *const s_units[] = {"m", "h", NULL};
static const char *const bin_units[] = {"K", "M", "G", "T", "P", NULL};
static const char *const metric_units[] = {"k", "M", "G", "T", "P", NULL};
static const struct units time_us = {1000, "us", us_units};
static const struct units time_s = {60, "s", s_units};
static const struct units binary = {1024, "", bin_units};
static const struct units metric = {1000, "", metric_units};

static void fmt_units(char *buf, size_t cap, double n, const struct units *m, int prec)
{
    double amt = n;
    const char *unit = m->base;
    double scale = m->scale * 0.85;
    for (int i = 0; m->units[i + 1] && amt >= scale; i++) {
        amt /= m->scale;
        unit = m->units[i];
    }
    snprintf(buf, cap, "%.*f%s", prec, amt, unit);
}

void rpt_fmt_time_us(char *buf, size_t cap, double us)
{
    if (us >= 1000000.0)
        fmt_units(buf, cap, us / 1000000.0, &time_s, 2);
    else
        fmt_units(buf, cap, us, &time_us, 2);
}

void rpt_fmt_time_s(char *buf, size_t cap, double s)
{
    fmt_units(buf, cap, s, &time_s, 0);
}

void rpt_fmt_binary(char *buf, size_t cap, double bytes)
{
    fmt_units(buf, cap, bytes, &binary, 2);
}

void rpt_fmt_metric(char *buf, size_t cap, double n)
{
    fmt_units(buf, cap, n, &metric, 2);
}

typedef void fmt_fn(char *buf, size_t cap, double v);

/* wrk's print_units: a right-aligned field whose unit suffix hangs into the padding. */
static void put_units(FILE *f, double n, fmt_fn *fmt, int width)
{
    char msg[64];
    fmt(msg, sizeof(msg), n);
    int len = (int)strlen(msg), pad = 2;
    if (len > 0 && isalpha((unsigned char)msg[len - 1]))
        pad--;
    if (len > 1 && isalpha((unsigned char)msg[len - 2]))
        pad--;
    width -= pad;
    fprintf(f, "%*.*s%.*s", width, width, msg, pad, "  ");
}

static double within_stdev(const struct hist *h, double mean, double stdev)
{
    uint64_t n = hist_count(h);
    if (n == 0)
        return 0;
    double lo = mean - stdev, hi = mean + stdev;
    uint64_t in = hist_count_between(h, lo < 0 ? 0 : (uint64_t)ceil(lo), (uint64_t)floor(hi));
    return 100.0 * (double)in / (double)n;
}

static void put_stats(FILE *f, const char *name, const struct hist *h, fmt_fn *fmt)
{
    double mean = h ? hist_mean(h) : 0, stdev = h ? hist_stdev(h) : 0;
    double max = h ? (double)hist_max(h) : 0;
    fprintf(f, "    %-10s", name);
    put_units(f, mean, fmt, 8);
    put_units(f, stdev, fmt, 10);
    put_units(f, max, fmt, 9);
    fprintf(f, "%8.2f%%\n", h ? within_stdev(h, mean, stdev) : 0.0);
}

void rpt_wrk_header(FILE *f, const char *url, uint64_t duration_us, unsigned threads,
                    unsigned connections)
{
    char t[32];
    rpt_fmt_time_s(t, sizeof(t), (double)duration_us / 1e6);
    fprintf(f, "Running %s test @ %s\n", t, url);
    fprintf(f, "  %u threads and %u connections\n", threads, connections);
}

/* wrk2's "Detailed Percentile spectrum" (HdrHistogram's classic percentile output, values in
 * milliseconds): reporting steps halve in width every time the remaining tail halves, with
 * `ticks` reports per half. */
static void put_spectrum(FILE *f, const struct hist *h)
{
    fprintf(f, "%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    uint64_t total = hist_count(h);
    if (total == 0)
        return;
    const int ticks = 5;
    double pct = 0;
    size_t pos = 0;
    uint64_t value = 0, cnt = 0, seen = 0;
    bool more = hist_next(h, &pos, &value, &cnt);
    while (more) {
        /* Advance through buckets until the cumulative share reaches pct. */
        while (more && (double)(seen + cnt) * 100.0 / (double)total < pct) {
            seen += cnt;
            more = hist_next(h, &pos, &value, &cnt);
        }
        if (!more)
            break;
        uint64_t cum = seen + cnt;
        double v = (double)(value < hist_max(h) ? value : hist_max(h)) / 1000.0;
        double at = (double)cum / (double)total;
        if (cum == total) {
            fprintf(f, "%12.3f %12.6f %12llu\n", v, 1.0, (unsigned long long)cum);
            break;
        }
        fprintf(f, "%12.3f %12.6f %12llu %12.2f\n", v, pct / 100.0, (unsigned long long)cum,
                1.0 / (1.0 - pct / 100.0));
        (void)at;
        double half = floor(log2(100.0 / (100.0 - pct))) + 1;
        double reporting_ticks = ticks * pow(2.0, half);
        pct += 100.0 / reporting_ticks;
    }
    double mean = hist_mean(h) / 1000.0, sd = hist_stdev(h) / 1000.0;
    fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean, sd);
    fprintf(f, "#[Max     = %12.3f, Total count    = %12llu]\n", (double)hist_max(h) / 1000.0,
            (unsigned long long)total);
    fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", 22, 2048);
}

static void put_hdr_latency(FILE *f, const struct hist *h, const char *what)
{
    static const double pcts[] = {50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0};
    fprintf(f, "  Latency Distribution (HdrHistogram - %s)\n", what);
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        fprintf(f, "%7.3f%%", pcts[i]);
        put_units(f, (double)hist_percentile(h, pcts[i]), rpt_fmt_time_us, 10);
        fprintf(f, "\n");
    }
    fprintf(f, "\n  Detailed Percentile spectrum:\n");
    put_spectrum(f, h);
    fprintf(f, "----------------------------------------------------------\n");
}

void rpt_wrk_report(FILE *f, const struct run_result *r, const struct rpt_wrk_opts *o)
{
    fprintf(f, "  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev");
    put_stats(f, "Latency", r->latency, rpt_fmt_time_us);
    put_stats(f, "Req/Sec", r->thread_rps, rpt_fmt_metric);
    if (r->rate_rps > 0) {
        if (o->latency)
            put_hdr_latency(f, r->latency, "Recorded Latency");
        if (o->u_latency && r->latency_uncorrected) {
            fprintf(f, "\n");
            put_hdr_latency(f, r->latency_uncorrected,
                            "Uncorrected Latency (measured without taking delayed starts into "
                            "account)");
        }
    } else if (o->latency) {
        static const double pcts[] = {50.0, 75.0, 90.0, 99.0};
        fprintf(f, "  Latency Distribution\n");
        for (size_t i = 0; i < 4; i++) {
            fprintf(f, "%7.0f%%", pcts[i]);
            put_units(f, (double)hist_percentile(r->latency, pcts[i]), rpt_fmt_time_us, 10);
            fprintf(f, "\n");
        }
    }
    char rt[32], rb[32], tps[32];
    double runtime_s = r->duration_s > 0 ? r->duration_s : 1e-9;
    rpt_fmt_time_us(rt, sizeof(rt), r->duration_s * 1e6);
    rpt_fmt_binary(rb, sizeof(rb), (double)r->bytes_read);
    fprintf(f, "  %llu requests in %s, %sB read\n", (unsigned long long)r->requests, rt, rb);
    const uint64_t *e = r->errors;
    if (e[RUN_ERR_CONNECT] || e[RUN_ERR_READ] || e[RUN_ERR_WRITE] || e[RUN_ERR_TIMEOUT] ||
        e[RUN_ERR_PARSE]) {
        /* wrk counts a response it cannot parse as a read error. */
        fprintf(f, "  Socket errors: connect %llu, read %llu, write %llu, timeout %llu\n",
                (unsigned long long)e[RUN_ERR_CONNECT],
                (unsigned long long)(e[RUN_ERR_READ] + e[RUN_ERR_PARSE]),
                (unsigned long long)e[RUN_ERR_WRITE], (unsigned long long)e[RUN_ERR_TIMEOUT]);
        if (o->verbose)
            rpt_errno_table(f, r);
    }
    if (e[RUN_ERR_STATUS])
        fprintf(f, "  Non-2xx or 3xx responses: %llu\n", (unsigned long long)e[RUN_ERR_STATUS]);
    if (o->verbose && r->nstatus) {
        fprintf(f, "  Status codes:\n");
        for (size_t i = 0; i < r->nstatus; i++)
            fprintf(f, "    %3d  %12llu\n", r->status[i].code,
                    (unsigned long long)r->status[i].count);
    }
    fprintf(f, "Requests/sec: %9.2f\n", (double)r->requests / runtime_s);
    rpt_fmt_binary(tps, sizeof(tps), (double)r->bytes_read / runtime_s);
    fprintf(f, "Transfer/sec: %10sB\n", tps);
}

void rpt_errno_table(FILE *f, const struct run_result *r)
{
    for (int k = 0; k < RUN_ERR__COUNT; k++) {
        if (k == RUN_ERR_STATUS)
            continue;
        for (int j = 0; j < RUN_ERRNO_MAX; j++) {
            uint64_t n = r->errno_counts[k][j];
            if (!n)
                continue;
            const char *why = j                      ? strerror(j)
                              : k == RUN_ERR_TIMEOUT ? "no response in time"
                              : k == RUN_ERR_PARSE   ? "invalid HTTP response"
                                                     : "connection closed";
            fprintf(f, "    %-8s %-40s %10llu\n", run_err_names[k], why, (unsigned long long)n);
        }
    }
}
