/* tests/support/hostile.h: hostile HTTP clients for the server's robustness tests
 * (tests/it_hostile.c) and for the full-scale measurements (bench/hostile.c, bench/hostile.sh).
 * libc/POSIX only. An attack is one background thread that keeps N non-blocking connections of
 * one kind open with poll(); a probe asks on a fresh connection whether, and how fast, the server
 * still answers. Everything targets loopback addresses and stops when told (hostile_stop). */
#ifndef TB_TESTS_HOSTILE_H
#define TB_TESTS_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hostile_kind {
    HOSTILE_IDLE,      /* connect and send nothing */
    HOSTILE_SLOWLORIS, /* a GET head sent one byte per interval, never finished */
    HOSTILE_SLOW_BODY, /* a complete POST /api/echo head announcing 1,000,000 bytes, then one
                          body byte per interval */
};

struct hostile_opts {
    const char *addr;        /* target IPv4 address ("127.0.0.1") */
    int port;                /* target port */
    const char *source_addr; /* bind the connections to this address first (another loopback
                                address such as 127.0.0.2 stands for another client); NULL: any */
    enum hostile_kind kind;
    unsigned conns;       /* connections kept open */
    unsigned interval_ms; /* slowloris and slow body: one byte per connection this often */
    bool reconnect;       /* replace a connection the server closed with a new one */
};

/* What an attack saw so far. */
struct hostile_counts {
    uint64_t opened;         /* connections established */
    uint64_t open_now;       /* established and not closed */
    uint64_t server_closed;  /* established ones the server closed (end of stream or reset) */
    uint64_t connect_failed; /* connections refused, reset or timed out before established */
    uint64_t bytes_sent;
    uint64_t answers; /* connections on which the server sent something before closing */
    int last_status;  /* the status code of the latest answer, 0 when none parsed */
};

struct hostile;

/* Starts the attack thread (connections open in its first loop, without waiting for each
 * other). NULL and a one-line reason in err on failure. */
struct hostile *hostile_start(const struct hostile_opts *opts, char *err, size_t errlen);
/* A consistent copy of the counts. Any thread. */
void hostile_counts(struct hostile *h, struct hostile_counts *out);
/* Stops the thread and closes every connection; NULL is accepted. */
void hostile_stop(struct hostile *h);

/* One probe: a fresh connection (bound to source_addr unless NULL), "GET path" with Connection:
 * close, and the status line read back, all within timeout_ms. Returns 0 with *status and
 * *latency_us (connect to status line), or -1 when nothing came back in time or the connection
 * failed (*status is then 0 and why holds the reason). extra_headers: "" or complete
 * "Name: value\r\n" lines. */
int hostile_probe(const char *addr, int port, const char *source_addr, const char *path,
                  const char *extra_headers, unsigned timeout_ms, int *status, uint64_t *latency_us,
                  char *why, size_t whylen);

/* Monotonic microseconds. */
uint64_t hostile_now_us(void);

#endif
