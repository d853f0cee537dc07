/* common/run.c: see run.h. */
#include "common/run.h"

#include <stdlib.h>
#include <string.h>

const char *const run_err_names[RUN_ERR__COUNT] = {"connect", "read",   "write",
                                                   "timeout", "status", "parse"};

void run_result_free(struct run_result *r)
{
    if (!r)
        return;
    free(r->cmdline);
    free(r->config_json);
    free(r->status);
    hist_free(r->latency);
    hist_free(r->latency_uncorrected);
    hist_free(r->connect_us);
    hist_free(r->ttfb_us);
    free(r->timeline);
    memset(r, 0, sizeof(*r));
}

int run_status_add(struct run_result *r, int code, uint64_t n)
{
    size_t i = 0;
    while (i < r->nstatus && r->status[i].code < code)
        i++;
    if (i < r->nstatus && r->status[i].code == code) {
        r->status[i].count += n;
        return 0;
    }
    struct run_status_count *s = realloc(r->status, (r->nstatus + 1) * sizeof(*s));
    if (!s)
        return -1;
    memmove(&s[i + 1], &s[i], (r->nstatus - i) * sizeof(*s));
    s[i].code = code;
    s[i].count = n;
    r->status = s;
    r->nstatus++;
    return 0;
}

uint64_t run_errors_total(const struct run_result *r)
{
    uint64_t n = 0;
    for (int i = 0; i < RUN_ERR__COUNT; i++)
        n += r->errors[i];
    return n;
}
