/* bench/hostile.c: one attack from tests/support/hostile.h at full scale, with probes: opens the
 * attack's connections, waits for them to settle, then probes a path once per interval and
 * prints each probe and a summary line. bench/hostile.sh runs it against `tierbench serve` for
 * every row of the README's reliability table. Loopback targets only.
 *
 *   hostile --port P --kind slowloris|idle|slow-body --conns N [--interval-ms 1000]
 *           [--reconnect] [--source ADDR] [--probe-port P2] [--probe-path /api/health]
 *           [--probe-source ADDR] [--probe-header 'Name: value'] [--settle-ms 3000]
 *           [--probes 7] [--probe-every-ms 1000] [--probe-timeout-ms 1000]
 *
 * Exit status 0 when every probe was answered within its timeout, 1 otherwise, 2 on bad use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/hostile.h"

static unsigned num(const char *v)
{
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x > 1000000000ul) {
        fprintf(stderr, "hostile: not a number: %s\n", v);
        exit(2);
    }
    return (unsigned)x;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    struct hostile_opts o = {.addr = "127.0.0.1", .kind = HOSTILE_SLOWLORIS, .interval_ms = 1000};
    const char *probe_path = "/api/health", *probe_source = NULL;
    char probe_header[512] = "";
    unsigned probe_port = 0, settle_ms = 3000, probes = 7, every_ms = 1000, timeout_ms = 1000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--reconnect")) {
            o.reconnect = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "hostile: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--addr"))
            o.addr = v;
        else if (!strcmp(a, "--port"))
            o.port = (int)num(v);
        else if (!strcmp(a, "--kind"))
            o.kind = !strcmp(v, "idle")        ? HOSTILE_IDLE
                     : !strcmp(v, "slow-body") ? HOSTILE_SLOW_BODY
                                               : HOSTILE_SLOWLORIS;
        else if (!strcmp(a, "--conns"))
            o.conns = num(v);
        else if (!strcmp(a, "--interval-ms"))
            o.interval_ms = num(v);
        else if (!strcmp(a, "--source"))
            o.source_addr = v;
        else if (!strcmp(a, "--probe-port"))
            probe_port = num(v);
        else if (!strcmp(a, "--probe-path"))
            probe_path = v;
        else if (!strcmp(a, "--probe-source"))
            probe_source = v;
        else if (!strcmp(a, "--probe-header"))
            snprintf(probe_header, sizeof(probe_header), "%s\r\n", v);
        else if (!strcmp(a, "--settle-ms"))
            settle_ms = num(v);
        else if (!strcmp(a, "--probes"))
            probes = num(v);
        else if (!strcmp(a, "--probe-every-ms"))
            every_ms = num(v);
        else if (!strcmp(a, "--probe-timeout-ms"))
            timeout_ms = num(v);
        else {
            fprintf(stderr, "hostile: unknown option %s\n", a);
            return 2;
        }
    }
    if (!o.port || !o.conns) {
        fprintf(stderr, "hostile: --port and --conns are required\n");
        return 2;
    }
    char err[128];
    struct hostile *h = hostile_start(&o, err, sizeof(err));
    if (!h) {
        fprintf(stderr, "hostile: %s\n", err);
        return 1;
    }
    sleep_ms(settle_ms);
    unsigned answered = 0;
    uint64_t max_us = 0;
    for (unsigned p = 0; p < probes; p++) {
        uint64_t t0 = hostile_now_us();
        int status;
        uint64_t lat_us;
        char why[128] = "";
        int rc =
            hostile_probe(o.addr, probe_port ? (int)probe_port : o.port, probe_source, probe_path,
                          probe_header, timeout_ms, &status, &lat_us, why, sizeof(why));
        struct hostile_counts c;
        hostile_counts(h, &c);
        if (rc == 0) {
            answered++;
            max_us = lat_us > max_us ? lat_us : max_us;
            printf("probe %u: %d in %.1f ms", p + 1, status, (double)lat_us / 1000.0);
        } else {
            printf("probe %u: FAILED (%s)", p + 1, why);
        }
        printf("  [attack: %llu open, %llu opened, %llu closed by server, %llu connect "
               "failures]\n",
               (unsigned long long)c.open_now, (unsigned long long)c.opened,
               (unsigned long long)c.server_closed, (unsigned long long)c.connect_failed);
        fflush(stdout);
        uint64_t spent_ms = (hostile_now_us() - t0) / 1000;
        if (p + 1 < probes && spent_ms < every_ms)
            sleep_ms(every_ms - (unsigned)spent_ms);
    }
    struct hostile_counts c;
    hostile_counts(h, &c);
    hostile_stop(h);
    printf("summary: %u of %u probes answered within %u ms (slowest %.1f ms); attack %llu "
           "connections opened, %llu closed by the server, %llu answered (last status %d)\n",
           answered, probes, timeout_ms, (double)max_us / 1000.0, (unsigned long long)c.opened,
           (unsigned long long)c.server_closed, (unsigned long long)c.answers, c.last_status);
    return answered == probes ? 0 : 1;
}
