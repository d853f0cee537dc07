/* common/hist.c: see hist.h. Bucket layout: index v for v < 2*half; above, a value with top bit k
 * falls in range s = k - sig_bits, at index s*half + (v >> s), with half = 2^sig_bits. */
#include "common/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hist {
    unsigned sig_bits;
    uint64_t max_value;
    size_t nbuckets;
    uint64_t total;
    uint64_t min, max;
    long double sum, sum_sq; /* exact mean/stdev without walking buckets */
    uint64_t counts[];
};

static size_t bucket_of(unsigned sig_bits, uint64_t v)
{
    uint64_t half = 1ull << sig_bits;
    if (v < 2 * half)
        return (size_t)v;
    unsigned k = 63u - (unsigned)__builtin_clzll(v);
    unsigned s = k - sig_bits;
    return (size_t)(s * half + (v >> s));
}

static uint64_t bucket_low(unsigned sig_bits, size_t i)
{
    uint64_t half = 1ull << sig_bits;
    if (i < 2 * half)
        return i;
    uint64_t s = i / half - 1;
    return (i % half + half) << s;
}

static uint64_t bucket_width(unsigned sig_bits, size_t i)
{
    uint64_t half = 1ull << sig_bits;
    return i < 2 * half ? 1 : 1ull << (i / half - 1);
}

struct hist *hist_new(unsigned sig_bits, uint64_t max_value)
{
    if (sig_bits < 1 || sig_bits > 16 || max_value < 1 || max_value > (1ull << 62))
        return NULL;
    size_t n = bucket_of(sig_bits, max_value) + 1;
    struct hist *h = calloc(1, sizeof(*h) + n * sizeof(uint64_t));
    if (!h)
        return NULL;
    h->sig_bits = sig_bits;
    h->max_value = max_value;
    h->nbuckets = n;
    return h;
}

void hist_free(struct hist *h)
{
    free(h);
}

size_t hist_bytes(const struct hist *h)
{
    return h->nbuckets * sizeof(uint64_t);
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t count)
{
    if (count == 0)
        return;
    uint64_t clamped = value > h->max_value ? h->max_value : value;
    h->counts[bucket_of(h->sig_bits, clamped)] += count;
    if (h->total == 0 || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->total += count;
    h->sum += (long double)value * count;
    h->sum_sq += (long double)value * value * count;
}

void hist_record(struct hist *h, uint64_t value)
{
    hist_record_n(h, value, 1);
}

void hist_reset(struct hist *h)
{
    memset(h->counts, 0, h->nbuckets * sizeof(uint64_t));
    h->total = h->min = h->max = 0;
    h->sum = h->sum_sq = 0;
}

bool hist_same_shape(const struct hist *a, const struct hist *b)
{
    return a->sig_bits == b->sig_bits && a->max_value == b->max_value;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (!hist_same_shape(dst, src))
        return -1;
    if (src->total == 0)
        return 0;
    for (size_t i = 0; i < src->nbuckets; i++)
        dst->counts[i] += src->counts[i];
    if (dst->total == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->total += src->total;
    dst->sum += src->sum;
    dst->sum_sq += src->sum_sq;
    return 0;
}

uint64_t hist_count(const struct hist *h)
{
    return h->total;
}

uint64_t hist_min(const struct hist *h)
{
    return h->min;
}

uint64_t hist_max(const struct hist *h)
{
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->total ? (double)(h->sum / h->total) : 0.0;
}

double hist_stdev(const struct hist *h)
{
    if (h->total == 0)
        return 0.0;
    long double mean = h->sum / h->total;
    long double var = h->sum_sq / h->total - mean * mean;
    return var > 0 ? (double)sqrtl(var) : 0.0;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = bucket_low(h->sig_bits, i) + bucket_width(h->sig_bits, i) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

uint64_t hist_count_between(const struct hist *h, uint64_t lo, uint64_t hi)
{
    if (lo > hi || h->total == 0)
        return 0;
    size_t a = bucket_of(h->sig_bits, lo > h->max_value ? h->max_value : lo);
    size_t b = bucket_of(h->sig_bits, hi > h->max_value ? h->max_value : hi);
    uint64_t n = 0;
    for (size_t i = a; i <= b; i++)
        n += h->counts[i];
    return n;
}

bool hist_next(const struct hist *h, size_t *pos, uint64_t *value, uint64_t *count)
{
    for (size_t i = *pos; i < h->nbuckets; i++) {
        if (h->counts[i]) {
            *value = bucket_low(h->sig_bits, i) + bucket_width(h->sig_bits, i) - 1;
            *count = h->counts[i];
            *pos = i + 1;
            return true;
        }
    }
    *pos = h->nbuckets;
    return false;
}

/* Serialized form: "TBH1", varints sig_bits, max_value, min, max, then (gap, count) pairs for the
 * non-empty buckets, gap being the distance from the previous non-empty bucket, ended by count 0.
 * sum and sum_sq (kept for exact mean and stdev) follow min/max as IEEE-754 bit patterns. */
static size_t put_varint(uint8_t *buf, size_t len, size_t at, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v)
            b |= 0x80;
        if (at < len)
            buf[at] = b;
        at++;
    } while (v);
    return at;
}

static int get_varint(const uint8_t *buf, size_t len, size_t *at, uint64_t *v)
{
    uint64_t out = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*at >= len)
            return -1;
        uint8_t b = buf[(*at)++];
        out |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = out;
            return 0;
        }
    }
    return -1;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

static double bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

size_t hist_serialize(const struct hist *h, uint8_t *buf, size_t len)
{
    size_t at = 0;
    static const uint8_t magic[4] = {'T', 'B', 'H', '1'};
    for (size_t i = 0; i < 4; i++, at++)
        if (at < len)
            buf[at] = magic[i];
    at = put_varint(buf, len, at, h->sig_bits);
    at = put_varint(buf, len, at, h->max_value);
    at = put_varint(buf, len, at, h->min);
    at = put_varint(buf, len, at, h->max);
    at = put_varint(buf, len, at, double_bits((double)h->sum));
    at = put_varint(buf, len, at, double_bits((double)h->sum_sq));
    size_t prev = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        if (!h->counts[i])
            continue;
        at = put_varint(buf, len, at, i - prev);
        at = put_varint(buf, len, at, h->counts[i]);
        prev = i;
    }
    at = put_varint(buf, len, at, 0);
    at = put_varint(buf, len, at, 0);
    return at;
}

struct hist *hist_deserialize(const uint8_t *buf, size_t len)
{
    if (len < 4 || memcmp(buf, "TBH1", 4) != 0)
        return NULL;
    size_t at = 4;
    uint64_t sig, maxv, mn, mx, sum, sumsq;
    if (get_varint(buf, len, &at, &sig) || get_varint(buf, len, &at, &maxv) ||
        get_varint(buf, len, &at, &mn) || get_varint(buf, len, &at, &mx) ||
        get_varint(buf, len, &at, &sum) || get_varint(buf, len, &at, &sumsq))
        return NULL;
    if (sig > 16)
        return NULL;
    struct hist *h = hist_new((unsigned)sig, maxv);
    if (!h)
        return NULL;
    size_t idx = 0;
    for (;;) {
        uint64_t gap, count;
        if (get_varint(buf, len, &at, &gap) || get_varint(buf, len, &at, &count))
            goto fail;
        if (count == 0)
            break;
        if (gap > h->nbuckets || idx + gap >= h->nbuckets)
            goto fail;
        idx += gap;
        h->counts[idx] += count;
        h->total += count;
    }
    h->min = mn;
    h->max = mx;
    h->sum = bits_double(sum);
    h->sum_sq = bits_double(sumsq);
    return h;
fail:
    hist_free(h);
    return NULL;
}
