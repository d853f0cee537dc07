/* common/run.c: see run.h. */
#include "common/run.h"

#include <stdlib.h>
#include <string.h>

const char *const run_err_names[RUN_ERR__COUNT] = {"connect", "read",   "write",
                                                   "timeout", "status", "parse"};

static void timeline_free(struct run_second *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].latency);
    free(t);
}

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
    hist_free(r->connect_req_us);
    hist_free(r->processing_us);
    hist_free(r->thread_rps);
    timeline_free(r->timeline, r->ntimeline);
    memset(r, 0, sizeof(*r));
}

/* The histogram members, for the operations that treat them alike. */
static struct hist **hist_member(struct run_result *r, size_t i)
{
    struct hist **m[] = {&r->latency,        &r->latency_uncorrected, &r->connect_us, &r->ttfb_us,
                         &r->connect_req_us, &r->processing_us,       &r->thread_rps};
    return i < sizeof(m) / sizeof(m[0]) ? m[i] : NULL;
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *failed = true;
    return d;
}

int run_clone(struct run_result *dst, const struct run_result *src)
{
    bool failed = false;
    memcpy(dst, src, sizeof(*dst));
    dst->cmdline = dup_or_null(src->cmdline, &failed);
    dst->config_json = dup_or_null(src->config_json, &failed);
    dst->status = NULL;
    if (src->nstatus) {
        dst->status = malloc(src->nstatus * sizeof(*dst->status));
        if (dst->status)
            memcpy(dst->status, src->status, src->nstatus * sizeof(*dst->status));
        else
            failed = true;
    }
    for (size_t i = 0; hist_member(dst, i); i++) {
        const struct hist *h = *hist_member((struct run_result *)src, i);
        *hist_member(dst, i) = h ? hist_clone(h) : NULL;
        failed |= h && !*hist_member(dst, i);
    }
    dst->timeline = NULL;
    dst->ntimeline = 0;
    if (src->ntimeline) {
        dst->timeline = calloc(src->ntimeline, sizeof(*dst->timeline));
        failed |= !dst->timeline;
        for (size_t i = 0; dst->timeline && i < src->ntimeline; i++) {
            dst->timeline[i] = src->timeline[i];
            dst->timeline[i].latency = NULL;
            if (src->timeline[i].latency) {
                dst->timeline[i].latency = malloc(src->timeline[i].latency_len);
                if (dst->timeline[i].latency)
                    memcpy(dst->timeline[i].latency, src->timeline[i].latency,
                           src->timeline[i].latency_len);
                else
                    failed = true;
            }
            dst->ntimeline = i + 1;
        }
    }
    if (failed) {
        run_result_free(dst);
        return -1;
    }
    return 0;
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

double run_rps(const struct run_result *r)
{
    return r->duration_s > 0 ? (double)r->requests / r->duration_s : 0.0;
}

double run_error_rate(const struct run_result *r)
{
    uint64_t errors = run_errors_total(r);
    /* Status errors are complete responses, already in r->requests. */
    uint64_t attempts = r->requests + errors - r->errors[RUN_ERR_STATUS];
    return attempts ? (double)errors / (double)attempts : 0.0;
}

uint64_t run_ab_complete(const struct run_result *r)
{
    return r->requests + run_errors_total(r) - r->errors[RUN_ERR_STATUS];
}

/* ---- timeline ---------------------------------------------------------------------------- */

struct hist *run_second_latency(const struct run_second *s)
{
    return s->latency ? hist_deserialize(s->latency, s->latency_len) : NULL;
}

/* The entry for unix_s, inserted (zeroed) in order when missing; NULL when out of memory. */
static struct run_second *second_at(struct run_result *r, int64_t unix_s)
{
    size_t i = r->ntimeline;
    while (i > 0 && r->timeline[i - 1].unix_s > unix_s)
        i--; /* timelines grow at the end: this loop rarely runs */
    if (i > 0 && r->timeline[i - 1].unix_s == unix_s)
        return &r->timeline[i - 1];
    struct run_second *t = realloc(r->timeline, (r->ntimeline + 1) * sizeof(*t));
    if (!t)
        return NULL;
    memmove(&t[i + 1], &t[i], (r->ntimeline - i) * sizeof(*t));
    memset(&t[i], 0, sizeof(*t));
    t[i].unix_s = unix_s;
    r->timeline = t;
    r->ntimeline++;
    return &t[i];
}

/* Adds counters and (when given) a latency histogram into the entry of `unix_s`. */
static int second_add(struct run_result *r, const struct sample *s, const struct run_second *legacy,
                      enum sample_span span)
{
    struct run_second *d = second_at(r, s->second);
    if (!d)
        return -1;
    bool fresh = d->requests == 0 && d->errors == 0 && d->duration_us == 0 && !d->latency;
    if (span == SAMPLE_SEQUENTIAL)
        d->duration_us += s->duration_us;
    else if (s->duration_us > d->duration_us)
        d->duration_us = s->duration_us;
    d->requests += s->requests;
    d->errors += s->errors;
    d->bytes += s->bytes;
    if (!s->latency_us) {
        /* A second from an old store: no histogram, so its figures stand only alone. */
        if (fresh && legacy) {
            d->p50_us = legacy->p50_us;
            d->p90_us = legacy->p90_us;
            d->p99_us = legacy->p99_us;
            d->max_us = legacy->max_us;
        }
        return 0;
    }
    struct hist *h =
        d->latency ? run_second_latency(d) : hist_new(HIST_SIG_BITS_COARSE, HIST_MAX_US_DEFAULT);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!h || hist_merge(h, s->latency_us) != 0 || hist_serialize_alloc(h, &buf, &len) != 0) {
        hist_free(h);
        return -1;
    }
    static const double ps[] = {50, 90, 99};
    uint64_t v[3];
    hist_percentiles(h, ps, 3, v);
    d->p50_us = v[0];
    d->p90_us = v[1];
    d->p99_us = v[2];
    d->max_us = hist_max(h);
    hist_free(h);
    free(d->latency);
    d->latency = buf;
    d->latency_len = len;
    return 0;
}

int run_timeline_add(struct run_result *r, const struct sample *s, enum sample_span span)
{
    return second_add(r, s, NULL, span);
}

static int timeline_merge(struct run_result *dst, const struct run_result *src,
                          enum sample_span span)
{
    for (size_t i = 0; i < src->ntimeline; i++) {
        const struct run_second *t = &src->timeline[i];
        struct sample s = {.second = t->unix_s,
                           .duration_us = t->duration_us,
                           .requests = t->requests,
                           .errors = t->errors,
                           .bytes = t->bytes,
                           .latency_us = run_second_latency(t)};
        if (t->latency && !s.latency_us)
            return -1;
        int rc = second_add(dst, &s, t, span);
        hist_free(s.latency_us);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- merge -------------------------------------------------------------------------------- */

/* dst += src for histograms; a NULL dst gets a copy of src. */
static int merge_hist(struct hist **dst, const struct hist *src)
{
    if (!src)
        return 0;
    if (!*dst)
        return (*dst = hist_clone(src)) ? 0 : -1;
    return hist_merge(*dst, src);
}

static bool is_empty(const struct run_result *r)
{
    return r->requests == 0 && r->ntimeline == 0 && !r->latency && run_errors_total(r) == 0 &&
           r->duration_s == 0;
}

static void copy_identity(struct run_result *dst, const struct run_result *src, bool *failed)
{
    if (!dst->tool[0])
        memcpy(dst->tool, src->tool, sizeof(dst->tool));
    if (!dst->engine[0])
        memcpy(dst->engine, src->engine, sizeof(dst->engine));
    if (!dst->target[0])
        memcpy(dst->target, src->target, sizeof(dst->target));
    if (!dst->label[0])
        memcpy(dst->label, src->label, sizeof(dst->label));
    if (!dst->tier[0])
        memcpy(dst->tier, src->tier, sizeof(dst->tier));
    if (!dst->server_software[0])
        memcpy(dst->server_software, src->server_software, sizeof(dst->server_software));
    if (!dst->cmdline)
        dst->cmdline = dup_or_null(src->cmdline, failed);
    if (!dst->config_json)
        dst->config_json = dup_or_null(src->config_json, failed);
    if (!dst->doc_bytes)
        dst->doc_bytes = src->doc_bytes;
}

static unsigned combine_u(unsigned a, unsigned b, enum run_merge how)
{
    return how == RUN_MERGE_PARALLEL ? a + b : a > b ? a : b;
}

int run_merge(struct run_result *dst, const struct run_result *src, enum run_merge how)
{
    bool dst_empty = is_empty(dst);
    bool failed = false;
    copy_identity(dst, src, &failed);
    if (failed)
        return -1;

    /* Uncorrected latency exists only for constant-rate runs; for a closed-loop run the measured
     * latency is the uncorrected one, so the merged uncorrected histogram still covers every
     * request. Done before the latency merge, which changes dst->latency. */
    bool dst_rate = dst->latency_uncorrected != NULL;
    bool src_rate = src->latency_uncorrected != NULL;
    if (src_rate && !dst_rate && !dst_empty && dst->latency &&
        merge_hist(&dst->latency_uncorrected, dst->latency))
        return -1;
    if ((src_rate || (dst_rate && src->latency)) &&
        merge_hist(&dst->latency_uncorrected, src_rate ? src->latency_uncorrected : src->latency))
        return -1;
    for (size_t i = 2; hist_member(dst, i); i++) /* 0 and 1: latency, uncorrected */
        if (merge_hist(hist_member(dst, i), *hist_member((struct run_result *)src, i)))
            return -1;
    if (merge_hist(&dst->latency, src->latency))
        return -1;
    if (timeline_merge(dst, src, how == RUN_MERGE_PARALLEL ? SAMPLE_PARALLEL : SAMPLE_SEQUENTIAL) !=
        0)
        return -1;
    for (size_t i = 0; i < src->nstatus; i++)
        if (run_status_add(dst, src->status[i].code, src->status[i].count))
            return -1;

    if (dst_empty) {
        dst->start_unix_s = src->start_unix_s;
        dst->duration_s = src->duration_s;
    } else if (how == RUN_MERGE_SEQUENTIAL) {
        dst->duration_s += src->duration_s;
        if (src->start_unix_s > 0 && src->start_unix_s < dst->start_unix_s)
            dst->start_unix_s = src->start_unix_s;
    } else {
        double end = dst->start_unix_s + dst->duration_s;
        double src_end = src->start_unix_s + src->duration_s;
        if (src->start_unix_s < dst->start_unix_s)
            dst->start_unix_s = src->start_unix_s;
        dst->duration_s = (src_end > end ? src_end : end) - dst->start_unix_s;
    }
    dst->threads = dst_empty ? src->threads : combine_u(dst->threads, src->threads, how);
    dst->connections =
        dst_empty ? src->connections : combine_u(dst->connections, src->connections, how);
    if (how == RUN_MERGE_PARALLEL && !dst_empty)
        dst->rate_rps += src->rate_rps;
    else if (src->rate_rps > dst->rate_rps)
        dst->rate_rps = src->rate_rps;

    dst->requests += src->requests;
    dst->bytes_read += src->bytes_read;
    dst->bytes_written += src->bytes_written;
    for (int i = 0; i < RUN_ERR__COUNT; i++) {
        dst->errors[i] += src->errors[i];
        for (int e = 0; e < RUN_ERRNO_MAX; e++)
            dst->errno_counts[i][e] += src->errno_counts[i][e];
    }
    dst->length_errors += src->length_errors;
    dst->html_bytes += src->html_bytes;
    dst->requests_sent += src->requests_sent;
    dst->body_bytes_sent += src->body_bytes_sent;
    dst->connections_opened += src->connections_opened;
    dst->keepalive_responses += src->keepalive_responses;
    dst->server_requests += src->server_requests;
    dst->server_cpu_s += src->server_cpu_s;
    return 0;
}
