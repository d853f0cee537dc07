/* loadgen/args.c: what the ab and wrk commands share: SI and time arguments, the command line
 * as typed, the store options (--db, --no-save, --json, --label, --tier), signals and the
 * terminal progress bar. See lg_int.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/lg_int.h"

int lg_parse_si(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0)
        return -1;
    double mult = 1;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1e3;
            break;
        case 'm':
        case 'M':
            mult = 1e6;
            break;
        case 'g':
        case 'G':
            mult = 1e9;
            break;
        default:
            return -1;
        }
        if (end[1])
            return -1;
    }
    double r = v * mult;
    if (r > 1.8e19)
        return -1;
    *out = (uint64_t)(r + 0.5);
    return 0;
}

int lg_parse_time_us(const char *s, uint64_t default_unit_us, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0)
        return -1;
    double unit = (double)default_unit_us;
    if (!strcmp(end, "us"))
        unit = 1;
    else if (!strcmp(end, "ms"))
        unit = 1e3;
    else if (!strcmp(end, "s"))
        unit = 1e6;
    else if (!strcmp(end, "m"))
        unit = 60e6;
    else if (!strcmp(end, "h"))
        unit = 3600e6;
    else if (*end)
        return -1;
    double r = v * unit;
    if (r > 1e18)
        return -1;
    *out = (uint64_t)(r + 0.5);
    return 0;
}

char *lg_cmdline_join(const char *tool, int argc, char **argv)
{
    size_t n = strlen("tierbench ") + strlen(tool) + 1;
    for (int i = 1; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, n, "tierbench %s", tool);
    for (int i = 1; i < argc && len < n; i++)
        len += (size_t)snprintf(s + len, n - len, " %s", argv[i]);
    return s;
}

int lg_common_opt_take(struct lg_common_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char **slot = NULL;
    if (!strcmp(a, "--no-save")) {
        o->save.no_save = true;
        return 1;
    }
    if (!strcmp(a, "--no-batch-pause")) {
        o->no_batch_pause = true;
        return 1;
    }
    if (!strcmp(a, "--db"))
        slot = &o->save.db_path;
    else if (!strcmp(a, "--json"))
        slot = &o->save.json_path;
    else if (!strcmp(a, "--label"))
        slot = &o->label;
    else if (!strcmp(a, "--tier"))
        slot = &o->tier;
    else {
        /* --db=PATH forms */
        static const char *const names[] = {"--db=", "--json=", "--label=", "--tier="};
        const char **slots[] = {&o->save.db_path, &o->save.json_path, &o->label, &o->tier};
        for (size_t k = 0; k < 4; k++) {
            size_t n = strlen(names[k]);
            if (!strncmp(a, names[k], n)) {
                *slots[k] = a + n;
                return 1;
            }
        }
        return 0;
    }
    if (*i + 1 >= argc)
        return -1;
    *slot = argv[++*i];
    return 1;
}

void lg_common_finish(const struct lg_common_opts *o, struct run_result *r)
{
    if (o->label)
        snprintf(r->label, sizeof(r->label), "%s", o->label);
    if (o->tier)
        snprintf(r->tier, sizeof(r->tier), "%s", o->tier);
    if (o->save.no_save && !o->save.json_path)
        return;
    char err[256] = "";
    if (lg_finish(&o->save, r, err, sizeof(err)) < 0)
        fprintf(stderr, "warning: run not saved: %s\n", err);
}

static void on_signal(int sig)
{
    (void)sig;
    lg_stop();
}

void lg_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void lg_bar_init(struct lg_bar *b, uint64_t total_us, uint64_t total_requests)
{
    memset(b, 0, sizeof(*b));
    b->total_us = total_us;
    b->total_requests = total_requests;
    b->enabled = isatty(STDERR_FILENO) == 1;
}

void lg_bar_progress(void *arg, uint64_t requests_done, uint64_t elapsed_us)
{
    struct lg_bar *b = arg;
    if (!b->enabled)
        return;
    double frac = 0;
    if (b->total_us)
        frac = (double)elapsed_us / (double)b->total_us;
    if (b->total_requests) {
        double f2 = (double)requests_done / (double)b->total_requests;
        if (!b->total_us || f2 > frac)
            frac = f2;
    }
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int k = 0; k < 30; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[30] = '\0';
    double el_s = (double)elapsed_us / 1e6;
    double rps = el_s > 0 ? (double)requests_done / el_s : 0;
    if (b->total_us)
        fprintf(stderr, "\r[%s] %10.0f req/s  %6.1fs / %.1fs ", bar, rps, el_s,
                (double)b->total_us / 1e6);
    else
        fprintf(stderr, "\r[%s] %10.0f req/s  %6.1fs  %llu/%llu ", bar, rps, el_s,
                (unsigned long long)requests_done, (unsigned long long)b->total_requests);
    b->drawn = true;
}

void lg_bar_clear(struct lg_bar *b)
{
    if (b->enabled && b->drawn)
        fprintf(stderr, "\r%78s\r", "");
    b->drawn = false;
}
