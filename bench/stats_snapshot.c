/* bench/stats_snapshot.c: the cost of one stats snapshot (srv_stats_fill, what /api/stats and
 * /metrics run before formatting) with THREADS worker blocks that have all recorded requests,
 * measured directly, without sockets. bench/stats.sh builds it against this tree and against an
 * older commit (-DTB_SNAPSHOT_OLD: the snapshot was a plain struct then) and compares.
 *
 * Each thread first records PER_THREAD requests spread over 10 s; then, before each timed
 * snapshot, BETWEEN more requests are recorded, spread over all threads (load going on between
 * two polls: 12500 is 50k req/s polled 4 times a second). Latencies look like /api/health under
 * load: 5-100 us, 1% up to 500 us, 0.1% up to TAIL_US.
 *
 * usage: stats_snapshot [THREADS [PER_THREAD [SNAPSHOTS [BETWEEN [TAIL_US]]]]]
 *        (defaults 256 2000 101 12500 5000)
 * prints: "fill_us <median> json_us <median> json_bytes <n>" (medians over SNAPSHOTS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server.h"
#include "server/server_int.h"

#define S(sec) ((uint64_t)(sec)*1000000u)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof(v[0]), cmp_u64);
    return v[n / 2];
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

static void record_one(struct srv_stats_thread *th, uint64_t *x, uint64_t tail_us, uint64_t end_us)
{
    uint64_t v = xorshift(x);
    unsigned pick = (unsigned)(v % 100);
    uint64_t lat_us = 5 + (v >> 8) % 96;
    if ((v >> 16) % 100 == 0)
        lat_us = 100 + (v >> 24) % 400;
    if ((v >> 32) % 1000 == 0)
        lat_us = 500 + (v >> 40) % tail_us;
    enum srv_route route = pick < 90   ? SRV_ROUTE_HEALTH
                           : pick < 95 ? SRV_ROUTE_STATIC
                                       : SRV_ROUTE_NOT_FOUND;
    srv_stats_record(th, route, route == SRV_ROUTE_NOT_FOUND ? 404 : 200, lat_us, 180, 0, end_us);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 256;
    unsigned per_thread = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;
    unsigned snapshots = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 101;
    unsigned between = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 12500;
    uint64_t tail_us = argc > 5 ? strtoull(argv[5], NULL, 10) : 5000;
    if (threads < 1 || snapshots < 1 || tail_us < 1)
        return 2;
    const uint64_t start_us = S(1000), now_us = S(1030) + 400000;
    struct srv_stats_rec *r = srv_stats_rec_new(start_us);
    struct srv_stats_thread **th = calloc(threads, sizeof(*th));
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned t = 0; t < threads; t++) {
        if (!(th[t] = srv_stats_thread_add(r)))
            return 1;
        for (unsigned i = 0; i < per_thread; i++)
            record_one(th[t], &x, tail_us, now_us - 10000000 + (uint64_t)i * 10000000 / per_thread);
    }
#ifdef TB_SNAPSHOT_OLD
    struct srv_stats *st = calloc(1, sizeof(*st));
#else
    struct srv_stats *st = srv_stats_new();
#endif
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    uint64_t *fill_ns = calloc(snapshots, sizeof(uint64_t));
    uint64_t *json_ns = calloc(snapshots, sizeof(uint64_t));
    if (!st || !buf || !fill_ns || !json_ns)
        return 1;
    srv_stats_fill(r, now_us, st); /* the first one also collects the seconds: not timed */
    size_t json_bytes = 0;
    for (unsigned i = 0; i < snapshots; i++) {
        for (unsigned k = 0; k < between; k++)
            record_one(th[k % threads], &x, tail_us, now_us - 1000);
        uint64_t t0 = now_ns();
        srv_stats_fill(r, now_us, st);
        uint64_t t1 = now_ns();
        json_bytes = srv_stats_json(st, true, buf, cap);
        uint64_t t2 = now_ns();
        fill_ns[i] = t1 - t0;
        json_ns[i] = t2 - t1;
    }
    printf("fill_us %.1f json_us %.1f json_bytes %zu\n", (double)median(fill_ns, snapshots) / 1e3,
           (double)median(json_ns, snapshots) / 1e3, json_bytes);
#ifdef TB_SNAPSHOT_OLD
    free(st);
#else
    srv_stats_free(st);
#endif
    free(buf);
    free(fill_ns);
    free(json_ns);
    srv_stats_rec_free(r);
    free(th);
    return 0;
}
