/* loadgen/lg_fmt.h: the report layouts of the tools tierbench reproduces (fmt_wrk.c: wrk 4.1
 * and wrk2; fmt_ab.c: ApacheBench 2.3). Pure functions: a finished run in, text out to a
 * stream. Internal to loadgen/ and its tests. */
#ifndef TB_LOADGEN_LG_FMT_H
#define TB_LOADGEN_LG_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loadgen/loadgen.h"

/* wrk's number formats: "385.65us", "6.01ms", "1.50s", "23.14M" (binary), "74.91k" (metric). */
void lg_fmt_time_us(char *buf, size_t cap, double us);
void lg_fmt_time_s(char *buf, size_t cap, double s);
void lg_fmt_binary(char *buf, size_t cap, double bytes);
void lg_fmt_metric(char *buf, size_t cap, double n);

struct lg_wrk_fmt {
    bool latency;   /* --latency */
    bool u_latency; /* -U: also the uncorrected distribution (constant rate) */
    bool verbose;   /* -v: errno breakdown and status-code table */
};

/* "Running 10s test @ URL" and the threads/connections line, printed before the run. */
void lg_fmt_wrk_header(FILE *f, const char *url, uint64_t duration_us, unsigned threads,
                       unsigned connections);
/* Everything wrk prints after the run. d may be NULL (Req/Sec then shows zeros). */
void lg_fmt_wrk_report(FILE *f, const struct run_result *r, const struct lg_detail *d,
                       const struct lg_wrk_fmt *o);
/* One line per (error class, errno) with a count. */
void lg_fmt_errno_table(FILE *f, const struct lg_detail *d);

struct lg_ab_fmt {
    const char *host;
    unsigned port;
    const char *path;
    unsigned concurrency;
    unsigned threads;
    bool keepalive;  /* -k */
    bool nolength;   /* -l */
    bool confidence; /* not -S */
    bool percentile; /* not -d */
    bool send_body;  /* -p / -u */
};

/* ab's summary from "Server Software:" to the percentile table (the blank lines before it
 * included). */
void lg_fmt_ab_report(FILE *f, const struct run_result *r, const struct lg_detail *d,
                      const struct lg_ab_fmt *o);
/* ab -e: "Percentage served,Time in ms" then 0..99. */
void lg_fmt_ab_csv(FILE *f, const struct run_result *r);
/* ab's "Complete requests": every request that ended, answered or failed. */
uint64_t lg_ab_done(const struct run_result *r);

#endif
