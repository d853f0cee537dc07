/* common/sample.c: see sample.h. */
#include "common/sample.h"

#include <string.h>

int sample_init(struct sample *s, unsigned sig_bits, int64_t second)
{
    memset(s, 0, sizeof(*s));
    s->second = second;
    s->latency_us = hist_new(sig_bits, HIST_MAX_US_DEFAULT);
    return s->latency_us ? 0 : -1;
}

void sample_free(struct sample *s)
{
    if (!s)
        return;
    hist_free(s->latency_us);
    memset(s, 0, sizeof(*s));
}

void sample_reset(struct sample *s, int64_t second)
{
    struct hist *h = s->latency_us;
    memset(s, 0, sizeof(*s));
    s->second = second;
    s->latency_us = h;
    if (h)
        hist_reset(h);
}

void sample_record(struct sample *s, uint64_t latency_us, int status, bool error, uint64_t bytes)
{
    s->errors += error;
    s->bytes += bytes;
    if (status <= 0)
        return;
    s->requests++;
    s->status_class[status >= 100 && status < 600 ? status / 100 : 0]++;
    hist_record(s->latency_us, latency_us);
}

int sample_merge(struct sample *dst, const struct sample *src, enum sample_span span)
{
    if (src->latency_us && dst->latency_us && hist_merge(dst->latency_us, src->latency_us) != 0)
        return -1;
    if (span == SAMPLE_SEQUENTIAL)
        dst->duration_us += src->duration_us;
    else if (src->duration_us > dst->duration_us)
        dst->duration_us = src->duration_us;
    dst->requests += src->requests;
    dst->errors += src->errors;
    dst->bytes += src->bytes;
    for (int i = 0; i < 6; i++)
        dst->status_class[i] += src->status_class[i];
    return 0;
}

double sample_rate_rps(const struct sample *s)
{
    return s->duration_us ? (double)s->requests * 1e6 / (double)s->duration_us : 0.0;
}

void sample_latency_of(const struct hist *h, struct sample_latency *out)
{
    static const double ps[] = {50, 75, 90, 99, 99.9};
    uint64_t v[5];
    memset(out, 0, sizeof(*out));
    if (!h || hist_count(h) == 0)
        return;
    hist_percentiles(h, ps, 5, v);
    out->count = hist_count(h);
    out->min_us = hist_min(h);
    out->mean_us = hist_mean(h);
    out->stdev_us = hist_stdev(h);
    out->p50_us = v[0];
    out->p75_us = v[1];
    out->p90_us = v[2];
    out->p99_us = v[3];
    out->p999_us = v[4];
    out->max_us = hist_max(h);
}

void sample_latency_json(struct jsonw *w, const char *key, const struct hist *h)
{
    if (!h) {
        jsonw_null(w, key);
        return;
    }
    struct sample_latency l;
    sample_latency_of(h, &l);
    jsonw_obj_begin(w, key);
    jsonw_u64(w, "count", l.count);
    jsonw_u64(w, "min", l.min_us);
    jsonw_double(w, "mean", l.mean_us, 1);
    jsonw_double(w, "stdev", l.stdev_us, 1);
    jsonw_u64(w, "p50", l.p50_us);
    jsonw_u64(w, "p75", l.p75_us);
    jsonw_u64(w, "p90", l.p90_us);
    jsonw_u64(w, "p99", l.p99_us);
    jsonw_u64(w, "p99_9", l.p999_us);
    jsonw_u64(w, "max", l.max_us);
    jsonw_obj_end(w);
}
