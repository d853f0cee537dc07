/* tests/run_fixture.h: a synthetic, fully populated struct run_result for the store, report and
 * scenario tests (header-only so each test binary keeps its own part's link set). */
#ifndef TB_TESTS_RUN_FIXTURE_H
#define TB_TESTS_RUN_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "common/run.h"
#include "common/sample.h"

/* Fills r (zeroed first) with a run of `seconds` seconds at `rps` requests per second whose
 * latencies spread from base_us to about 10 * base_us; every member is set, so a round trip
 * that drops a field shows up. */
static inline void fixture_run(struct run_result *r, unsigned seconds, uint64_t rps,
                               uint64_t base_us)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->tool, sizeof(r->tool), "wrk");
    snprintf(r->engine, sizeof(r->engine), "epoll");
    r->cmdline = strdup("tierbench wrk -t2 -c50 -d3s --label \"a b\" http://127.0.0.1:9000/");
    r->config_json = strdup("{\"threads\":2,\"connections\":50,\"duration_s\":3}");
    snprintf(r->target, sizeof(r->target), "http://127.0.0.1:9000/api/health");
    snprintf(r->label, sizeof(r->label), "cache-on");
    snprintf(r->tier, sizeof(r->tier), "compact");
    r->start_unix_s = 1764460800.25;
    r->duration_s = seconds;
    r->threads = 2;
    r->connections = 50;
    r->rate_rps = 0;
    r->requests = (uint64_t)seconds * rps;
    r->bytes_read = r->requests * 120;
    r->bytes_written = r->requests * 60;
    r->errors[RUN_ERR_CONNECT] = 1;
    r->errors[RUN_ERR_READ] = 2;
    r->errors[RUN_ERR_WRITE] = 3;
    r->errors[RUN_ERR_TIMEOUT] = 4;
    r->errors[RUN_ERR_STATUS] = 5;
    r->errors[RUN_ERR_PARSE] = 6;
    /* By errno: named ones, errors that are not a system call's (0), and a number glibc has
     * no name for (150), which the run JSON writes as a number. */
    r->errno_counts[RUN_ERR_CONNECT][ECONNREFUSED] = 1;
    r->errno_counts[RUN_ERR_READ][ECONNRESET] = 1;
    r->errno_counts[RUN_ERR_READ][0] = 1;
    r->errno_counts[RUN_ERR_WRITE][EPIPE] = 2;
    r->errno_counts[RUN_ERR_WRITE][150] = 1;
    r->errno_counts[RUN_ERR_TIMEOUT][0] = 4;
    r->errno_counts[RUN_ERR_PARSE][0] = 6;
    r->length_errors = 7;
    r->requests_sent = r->requests + 16; /* the failed attempts were sent too */
    r->body_bytes_sent = r->requests_sent * 12;
    r->connections_opened = r->connections + 3;
    r->keepalive_responses = r->requests > r->connections ? r->requests - r->connections : 0;
    r->server_requests = r->requests + 3; /* the server also saw requests from elsewhere */
    r->server_cpu_s = 0.25 * seconds;
    snprintf(r->server_software, sizeof(r->server_software), "CivetWeb/1.15");
    r->doc_bytes = 15;
    r->html_bytes = r->requests * 15;
    run_status_add(r, 200, r->requests - 5);
    run_status_add(r, 503, 5);
    r->latency = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->connect_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->ttfb_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->connect_req_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->processing_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    r->thread_rps = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    for (uint64_t i = 0; i < r->requests; i++) {
        uint64_t v = base_us + (i * 7919) % (9 * base_us + 1);
        uint64_t connect = i < r->connections ? 80 + i : 0; /* the first request per connection */
        hist_record(r->latency, v);
        hist_record(r->ttfb_us, v / 2);
        hist_record(r->connect_req_us, connect);
        hist_record(r->processing_us, v > connect ? v - connect : 0);
    }
    for (unsigned i = 0; i < r->connections; i++)
        hist_record(r->connect_us, 80 + i);
    /* wrk's Req/Sec: each thread's rate every 100 ms, spread around rps / threads. */
    for (unsigned i = 0; i < seconds * 10 * r->threads; i++)
        hist_record(r->thread_rps, rps / r->threads - rps / 20 + (i * 37) % (rps / 10 + 1));
    for (unsigned s = 0; s < seconds; s++) {
        struct sample smp;
        sample_init(&smp, HIST_SIG_BITS_COARSE, (int64_t)r->start_unix_s + s);
        smp.duration_us = 1000000;
        smp.requests = rps;
        smp.errors = s == 1 ? 21 : 0;
        smp.bytes = rps * 120;
        hist_record_n(smp.latency_us, base_us * 5 + s, rps - rps / 100);
        hist_record_n(smp.latency_us, base_us * 10 + s, rps / 100);
        run_timeline_add(r, &smp, SAMPLE_PARALLEL);
        sample_free(&smp);
    }
}

#endif
