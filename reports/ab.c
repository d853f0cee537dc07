/* reports/ab.c: ApacheBench 2.3's summary layout from a struct run_result. ab keeps every
 * request and sorts them; tierbench reads the same figures (min, mean, sd, median, max,
 * percentiles) from histograms, so memory stays flat as -n grows. Times print as ab prints
 * them: whole milliseconds rounded, sd with one decimal. Checked against tests/data/ab_*.txt. */
#include <math.h>

#include "reports/reports.h"

static long round_ms(double us)
{
    return (long)((us + 500.0) / 1000.0);
}

struct row {
    long min, mean, median, max;
    double sd_ms;
};

static struct row row_of(const struct hist *h)
{
    struct row w = {0, 0, 0, 0, 0};
    if (!h || hist_count(h) == 0)
        return w;
    w.min = round_ms((double)hist_min(h));
    w.mean = round_ms(hist_mean(h));
    w.median = round_ms((double)hist_percentile(h, 50));
    w.max = round_ms((double)hist_max(h));
    w.sd_ms = hist_stdev(h) / 1000.0;
    return w;
}

static void put_conf_row(FILE *f, const char *label, struct row w)
{
    fprintf(f, "%s%5ld %4ld %5.1f %6ld %7ld\n", label, w.min, w.mean, w.sd_ms, w.median, w.max);
}

static void put_sane(FILE *f, const char *what, struct row w)
{
    double d = fabs((double)w.mean - (double)w.median);
    if (d > 2 * w.sd_ms)
        fprintf(f,
                "ERROR: The median and mean for %s are more than twice the standard\n"
                "       deviation apart. These results are NOT reliable.\n",
                what);
    else if (d > w.sd_ms)
        fprintf(f,
                "WARNING: The median and mean for %s are not within a normal deviation\n"
                "        These results are probably not that reliable.\n",
                what);
}

void rpt_ab_report(FILE *f, const struct run_result *r, const struct rpt_ab_opts *o)
{
    uint64_t done = run_ab_complete(r);
    const uint64_t *e = r->errors;
    uint64_t err_conn = e[RUN_ERR_CONNECT];
    uint64_t err_recv = e[RUN_ERR_READ] + e[RUN_ERR_PARSE];
    uint64_t err_length = o->nolength ? 0 : r->length_errors;
    uint64_t err_except = e[RUN_ERR_TIMEOUT];
    uint64_t bad = err_conn + err_recv + err_length + err_except;
    uint64_t non2xx = 0;
    for (size_t i = 0; i < r->nstatus; i++)
        if (r->status[i].code / 100 != 2)
            non2xx += r->status[i].count;

    fprintf(f, "\n\n");
    fprintf(f, "Server Software:        %s\n", r->server_software);
    fprintf(f, "Server Hostname:        %s\n", o->host);
    fprintf(f, "Server Port:            %u\n", o->port);
    fprintf(f, "\n");
    fprintf(f, "Document Path:          %s\n", o->path);
    if (o->nolength)
        fprintf(f, "Document Length:        Variable\n");
    else
        fprintf(f, "Document Length:        %llu bytes\n", (unsigned long long)r->doc_bytes);
    fprintf(f, "\n");
    fprintf(f, "Concurrency Level:      %u\n", o->concurrency);
    fprintf(f, "Threads:                %u (engine %s)\n", o->threads, r->engine);
    fprintf(f, "Time taken for tests:   %.3f seconds\n", r->duration_s);
    fprintf(f, "Complete requests:      %llu\n", (unsigned long long)done);
    fprintf(f, "Failed requests:        %llu\n", (unsigned long long)bad);
    if (bad)
        fprintf(f, "   (Connect: %llu, Receive: %llu, Length: %llu, Exceptions: %llu)\n",
                (unsigned long long)err_conn, (unsigned long long)err_recv,
                (unsigned long long)err_length, (unsigned long long)err_except);
    if (e[RUN_ERR_WRITE])
        fprintf(f, "Write errors:           %llu\n", (unsigned long long)e[RUN_ERR_WRITE]);
    if (non2xx)
        fprintf(f, "Non-2xx responses:      %llu\n", (unsigned long long)non2xx);
    if (o->keepalive)
        fprintf(f, "Keep-Alive requests:    %llu\n", (unsigned long long)r->keepalive_responses);
    fprintf(f, "Total transferred:      %llu bytes\n", (unsigned long long)r->bytes_read);
    /* ab's "Total body sent" is every byte it wrote (request lines and headers too). */
    uint64_t posted = r->bytes_written;
    if (o->send_body)
        fprintf(f, "Total body sent:        %llu\n", (unsigned long long)posted);
    fprintf(f, "HTML transferred:       %llu bytes\n", (unsigned long long)r->html_bytes);
    double t = r->duration_s;
    if (t > 0 && done) {
        fprintf(f, "Requests per second:    %.2f [#/sec] (mean)\n", (double)done / t);
        fprintf(f, "Time per request:       %.3f [ms] (mean)\n",
                (double)o->concurrency * t * 1000 / (double)done);
        fprintf(f, "Time per request:       %.3f [ms] (mean, across all concurrent requests)\n",
                t * 1000 / (double)done);
        fprintf(f, "Transfer rate:          %.2f [Kbytes/sec] received\n",
                (double)r->bytes_read / 1024 / t);
        if (o->send_body) {
            fprintf(f, "                        %.2f kb/s sent\n", (double)posted / 1024 / t);
            fprintf(f, "                        %.2f kb/s total\n",
                    (double)(r->bytes_read + posted) / 1024 / t);
        }
    }
    if (r->requests == 0)
        return;
    struct row con = row_of(r->connect_req_us);
    struct row proc = row_of(r->processing_us);
    struct row wait = row_of(r->ttfb_us);
    struct row tot = row_of(r->latency);
    fprintf(f, "\nConnection Times (ms)\n");
    if (o->confidence) {
        fprintf(f, "              min  mean[+/-sd] median   max\n");
        put_conf_row(f, "Connect:    ", con);
        put_conf_row(f, "Processing: ", proc);
        put_conf_row(f, "Waiting:    ", wait);
        put_conf_row(f, "Total:      ", tot);
        put_sane(f, "the initial connection time", con);
        put_sane(f, "the processing time", proc);
        put_sane(f, "the waiting time", wait);
        put_sane(f, "the total time", tot);
    } else {
        fprintf(f, "              min   avg   max\n");
        fprintf(f, "Connect:    %5ld %5ld%5ld\n", con.min, con.mean, con.max);
        fprintf(f, "Processing: %5ld %5ld%5ld\n", proc.min, proc.mean, proc.max);
        fprintf(f, "Waiting:    %5ld %5ld%5ld\n", wait.min, wait.mean, wait.max);
        fprintf(f, "Total:      %5ld %5ld%5ld\n", tot.min, tot.mean, tot.max);
    }
    if (o->percentile && r->requests > 1) {
        static const int percs[] = {50, 66, 75, 80, 90, 95, 98, 99, 100};
        fprintf(f, "\nPercentage of the requests served within a certain time (ms)\n");
        for (size_t i = 0; i < sizeof(percs) / sizeof(percs[0]); i++) {
            if (percs[i] >= 100)
                fprintf(f, " 100%%  %5ld (longest request)\n",
                        round_ms((double)hist_max(r->latency)));
            else
                fprintf(f, "  %d%%  %5ld\n", percs[i],
                        round_ms((double)hist_percentile(r->latency, percs[i])));
        }
    }
}

void rpt_ab_csv(FILE *f, const struct run_result *r)
{
    fprintf(f, "Percentage served,Time in ms\n");
    for (int i = 0; i < 100; i++) {
        double us = i == 0 ? (double)hist_min(r->latency) : (double)hist_percentile(r->latency, i);
        fprintf(f, "%d,%.3f\n", i, us / 1000.0);
    }
}
