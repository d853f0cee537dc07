/* console/log.c: the ring of log lines the console shows instead of letting them reach the
 * terminal (the in-process server's, through its log callback), and the capture of stderr while
 * the screen is up: anything else that writes to stderr (a library's message, a warning of the
 * cli) would otherwise land in the middle of the screen. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/console_int.h"

struct cons_log {
    pthread_mutex_t lock;
    char lines[CONS_LOG_LINES][CONS_LOG_LINE_BYTES];
    size_t next;  /* slot of the next line */
    size_t count; /* lines held, at most CONS_LOG_LINES */
};

struct cons_log *cons_log_new(void)
{
    struct cons_log *log = calloc(1, sizeof(*log));
    if (log)
        pthread_mutex_init(&log->lock, NULL);
    return log;
}

void cons_log_free(struct cons_log *log)
{
    if (!log)
        return;
    pthread_mutex_destroy(&log->lock);
    free(log);
}

void cons_log_add(struct cons_log *log, const char *line)
{
    if (!log || !line)
        return;
    char clean[CONS_LOG_LINE_BYTES];
    size_t n = 0;
    for (const char *p = line; *p && n + 1 < sizeof(clean); p++)
        clean[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
    clean[n] = '\0';
    /* Cut at a character boundary: a cut UTF-8 sequence would show as '?'. */
    while (n > 0 && ((unsigned char)clean[n - 1] & 0xc0) == 0x80)
        n--;
    if (n > 0 && (unsigned char)clean[n - 1] >= 0xc0)
        clean[n - 1] = '\0';
    pthread_mutex_lock(&log->lock);
    memcpy(log->lines[log->next], clean, sizeof(clean));
    log->next = (log->next + 1) % CONS_LOG_LINES;
    if (log->count < CONS_LOG_LINES)
        log->count++;
    pthread_mutex_unlock(&log->lock);
}

void cons_log_srv(void *arg, enum srv_log_level level, const char *msg)
{
    if (level == SRV_LOG_DEBUG)
        return;
    char line[CONS_LOG_LINE_BYTES];
    snprintf(line, sizeof(line), "server %s: %s", level == SRV_LOG_ERROR ? "error" : "warning",
             msg);
    cons_log_add(arg, line);
}

size_t cons_log_lines(struct cons_log *log, char (*lines)[CONS_LOG_LINE_BYTES], size_t max)
{
    if (!log)
        return 0;
    pthread_mutex_lock(&log->lock);
    size_t n = log->count < max ? log->count : max;
    for (size_t i = 0; i < n; i++) {
        size_t slot = (log->next + CONS_LOG_LINES - n + i) % CONS_LOG_LINES;
        memcpy(lines[i], log->lines[slot], CONS_LOG_LINE_BYTES);
    }
    pthread_mutex_unlock(&log->lock);
    return n;
}

/* ---- stderr capture -------------------------------------------------------------------------- */

int cons_capture_begin(struct cons_capture *c, bool keep)
{
    memset(c, 0, sizeof(*c));
    c->saved_fd = -1;
    c->read_fd = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (saved < 0 || dup2(fds[1], STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    /* dup2 cleared close-on-exec on fd 2, as stderr should be; the pipe's own write end is
     * no longer needed. fd 2 keeps O_NONBLOCK (a file status flag of the pipe), so a writer
     * that finds the pipe full gets EAGAIN and loses its line instead of blocking. */
    close(fds[1]);
    c->saved_fd = saved;
    c->read_fd = fds[0];
    c->keep = keep ? malloc(4096) : NULL;
    c->keep_cap = c->keep ? 4096 : 0;
    return 0;
}

static void keep_bytes(struct cons_capture *c, const char *b, size_t n)
{
    if (!c->keep)
        return;
    /* Bounded: a chatty run must not grow the process without limit. */
    if (c->keep_len + n > (1u << 20))
        return;
    if (c->keep_len + n > c->keep_cap) {
        size_t cap = c->keep_cap * 2 > c->keep_len + n ? c->keep_cap * 2 : c->keep_len + n;
        char *k = realloc(c->keep, cap);
        if (!k)
            return;
        c->keep = k;
        c->keep_cap = cap;
    }
    memcpy(c->keep + c->keep_len, b, n);
    c->keep_len += n;
}

void cons_capture_drain(struct cons_capture *c, struct cons_log *log)
{
    if (c->read_fd < 0)
        return;
    char buf[4096];
    for (;;) {
        ssize_t n = read(c->read_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keep_bytes(c, buf, (size_t)n);
        for (ssize_t i = 0; i < n; i++) {
            char ch = buf[i];
            if (ch == '\n' || ch == '\r' || c->npartial + 1 >= sizeof(c->partial)) {
                c->partial[c->npartial] = '\0';
                if (c->npartial)
                    cons_log_add(log, c->partial);
                c->npartial = 0;
                if (ch == '\n' || ch == '\r')
                    continue;
            }
            c->partial[c->npartial++] = ch;
        }
    }
}

void cons_capture_end(struct cons_capture *c, struct cons_log *log)
{
    if (c->saved_fd < 0)
        return;
    cons_capture_drain(c, log);
    dup2(c->saved_fd, STDERR_FILENO);
    close(c->saved_fd);
    close(c->read_fd);
    if (c->keep) {
        size_t off = 0;
        while (off < c->keep_len) {
            ssize_t n = write(STDERR_FILENO, c->keep + off, c->keep_len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        free(c->keep);
    }
    memset(c, 0, sizeof(*c));
    c->saved_fd = -1;
    c->read_fd = -1;
}
