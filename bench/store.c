/* bench/store.c: the cost of the result store (db/) for the README's "Measured" table: insert,
 * load and list times, file size per run, serialized histogram sizes and the run JSON's size,
 * for a wrk-like run of 60 s at 20,000 req/s (1.2 million requests) whose timeline carries a
 * latency histogram per second. Latencies are log-normal (median 300 us) with a 1% slow tail,
 * from a fixed seed, so runs of this program compare. Built and run by bench/store.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hist.h"
#include "common/run.h"
#include "common/sample.h"
#include "db/db.h"
#include "reports/reports.h"

#define BENCH_SECONDS     60
#define BENCH_RPS         20000
#define BENCH_THREADS     2
#define BENCH_CONNECTIONS 50

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: uniform in (0, 1). */
static double rng_uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((double)((rng_state * 0x2545f4914f6cdd1dull) >> 11) + 0.5) / 9007199254740992.0;
}

/* A latency in microseconds: log-normal around 300 us (sigma 0.6), 1% of them 20x slower. */
static uint64_t rng_latency_us(void)
{
    double z = sqrt(-2.0 * log(rng_uniform())) * cos(2.0 * M_PI * rng_uniform());
    double v = 300.0 * exp(0.6 * z);
    if (rng_uniform() < 0.01)
        v *= 20.0;
    return (uint64_t)v;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int make_run(struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->tool, sizeof(r->tool), "wrk");
    snprintf(r->engine, sizeof(r->engine), "epoll");
    r->cmdline = strdup("tierbench wrk -t2 -c50 -d60s --latency http://127.0.0.1:9000/api/health");
    r->config_json = strdup("{\"threads\":2,\"connections\":50,\"duration_s\":60}");
    snprintf(r->target, sizeof(r->target), "http://127.0.0.1:9000/api/health");
    snprintf(r->label, sizeof(r->label), "bench");
    r->start_unix_s = 1796285091.916;
    r->duration_s = BENCH_SECONDS;
    r->threads = BENCH_THREADS;
    r->connections = BENCH_CONNECTIONS;
    r->requests = (uint64_t)BENCH_SECONDS * BENCH_RPS;
    r->requests_sent = r->requests + BENCH_CONNECTIONS;
    r->bytes_read = r->requests * 188;
    r->bytes_written = r->requests * 51;
    r->connections_opened = BENCH_CONNECTIONS;
    r->keepalive_responses = r->requests;
    r->errors[RUN_ERR_READ] = 3;
    r->errno_counts[RUN_ERR_READ][104] = 3; /* ECONNRESET */
    snprintf(r->server_software, sizeof(r->server_software), "tierbench");
    r->doc_bytes = 37;
    r->html_bytes = r->requests * 37;
    r->latency = hist_new_default();
    r->ttfb_us = hist_new_default();
    r->connect_us = hist_new_default();
    r->thread_rps = hist_new_default();
    if (!r->latency || !r->ttfb_us || !r->connect_us || !r->thread_rps ||
        run_status_add(r, 200, r->requests))
        return -1;
    for (unsigned c = 0; c < BENCH_CONNECTIONS; c++)
        hist_record(r->connect_us, 60 + rng_latency_us() / 4);
    for (unsigned i = 0; i < BENCH_SECONDS * 10 * BENCH_THREADS; i++)
        hist_record(r->thread_rps,
                    BENCH_RPS / BENCH_THREADS - 1500 + (uint64_t)(rng_uniform() * 3000));
    for (unsigned s = 0; s < BENCH_SECONDS; s++) {
        struct sample smp;
        if (sample_init(&smp, HIST_SIG_BITS_COARSE, (int64_t)r->start_unix_s + s))
            return -1;
        smp.duration_us = 1000000;
        smp.requests = BENCH_RPS;
        smp.bytes = (uint64_t)BENCH_RPS * 188;
        for (unsigned i = 0; i < BENCH_RPS; i++) {
            uint64_t v = rng_latency_us();
            hist_record(smp.latency_us, v);
            hist_record(r->latency, v);
            hist_record(r->ttfb_us, v > 5 ? v - 5 : v);
        }
        int rc = run_timeline_add(r, &smp, SAMPLE_PARALLEL);
        sample_free(&smp);
        if (rc)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t nruns = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
    if (nruns < 1 || nruns > 100000) {
        fprintf(stderr, "usage: store [RUNS]   (1..100000, default 100)\n");
        return 2;
    }
    char dir[] = "/tmp/tb-bench-store-XXXXXX", path[64], err[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/results.db", dir);
    struct run_result r;
    if (make_run(&r)) {
        fprintf(stderr, "store: out of memory\n");
        return 1;
    }
    struct db *db = db_open(path, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "store: %s\n", err);
        return 1;
    }
    double *t_ms = calloc(nruns, sizeof(*t_ms));
    int64_t *ids = calloc(nruns, sizeof(*ids));
    if (!t_ms || !ids)
        return 1;
    for (size_t i = 0; i < nruns; i++) {
        r.id = 0;
        double t0 = now_ms();
        if (db_run_insert(db, &r)) {
            fprintf(stderr, "store: %s\n", db_errmsg(db));
            return 1;
        }
        t_ms[i] = now_ms() - t0;
        ids[i] = r.id;
    }
    double insert_ms = median(t_ms, nruns);
    for (size_t i = 0; i < nruns; i++) {
        struct run_result back;
        double t0 = now_ms();
        if (db_run_load(db, ids[i], &back)) {
            fprintf(stderr, "store: %s\n", db_errmsg(db));
            return 1;
        }
        t_ms[i] = now_ms() - t0;
        run_result_free(&back);
    }
    double load_ms = median(t_ms, nruns);
    size_t nlist = nruns < 20 ? nruns : 20;
    for (size_t i = 0; i < nlist; i++) {
        struct db_run_summary *rows;
        size_t n;
        double t0 = now_ms();
        if (db_run_list(db, NULL, &rows, &n))
            return 1;
        t_ms[i] = now_ms() - t0;
        free(rows);
    }
    double list_ms = median(t_ms, nlist);
    db_close(db); /* the last connection's close checkpoints the WAL into the file */
    struct stat st;
    if (stat(path, &st))
        return 1;

    /* What validating the timeline at load costs: deserializing every second's histogram. */
    double t0 = now_ms();
    for (size_t i = 0; i < r.ntimeline; i++)
        hist_free(run_second_latency(&r.timeline[i]));
    double validate_ms = now_ms() - t0;

    size_t second_bytes = 0;
    for (size_t i = 0; i < r.ntimeline; i++)
        second_bytes += r.timeline[i].latency_len;
    struct hist *coarse = run_second_latency(&r.timeline[0]);
    size_t json_bytes = rpt_run_json(&r, NULL, 0);
    printf("run: %d s at %d req/s (%llu requests), %zu timeline seconds, %zu runs stored\n",
           BENCH_SECONDS, BENCH_RPS, (unsigned long long)r.requests, r.ntimeline, nruns);
    printf("db_run_insert             %.2f ms (median)\n", insert_ms);
    printf("db_run_load               %.2f ms (median; %.2f ms of it deserializing the timeline)\n",
           load_ms, validate_ms);
    printf("db_run_list (%zu runs)     %.2f ms (median)\n", nruns, list_ms);
    printf("file size                 %.1f KiB per run\n",
           (double)st.st_size / 1024.0 / (double)nruns);
    printf("latency histogram         %zu bytes serialized, %zu KiB in memory\n",
           hist_serialize(r.latency, NULL, 0), hist_bytes(r.latency) / 1024);
    printf("ttfb, connect, thread_rps %zu, %zu, %zu bytes serialized\n",
           hist_serialize(r.ttfb_us, NULL, 0), hist_serialize(r.connect_us, NULL, 0),
           hist_serialize(r.thread_rps, NULL, 0));
    printf("second histogram          %zu bytes serialized on average (%zu in all), %zu KiB in "
           "memory\n",
           second_bytes / r.ntimeline, second_bytes, coarse ? hist_bytes(coarse) / 1024 : 0);
    printf("run JSON                  %zu bytes\n", json_bytes);
    hist_free(coarse);
    run_result_free(&r);
    free(t_ms);
    free(ids);
    unlink(path);
    rmdir(dir);
    return 0;
}
