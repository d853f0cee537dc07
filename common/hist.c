/* common/hist.c: see hist.h. Bucket layout: index v for v < 2*half; above, a value with top bit k
 * falls in range s = k - sig_bits, at index s*half + (v >> s), with half = 2^sig_bits. The
 * occupied range [lo, hi] bounds every walk; lo > hi means empty. */
#include "common/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sums of values and of their squares, kept as integers so that merging in any order gives
 * the same mean and stdev (a value up to 2^62 squared times 2^64 counts fits in 128 bits only
 * for realistic counts; latencies in microseconds are far below that). */
typedef unsigned __int128 u128;

struct hist {
    unsigned sig_bits;
    uint64_t max_value;
    size_t nbuckets;
    size_t lo, hi; /* occupied bucket range; lo = nbuckets, hi = 0 when empty */
    uint64_t total;
    uint64_t min, max;
    u128 sum, sum_sq;
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

static size_t nbuckets_of(unsigned sig_bits, uint64_t max_value)
{
    return bucket_of(sig_bits, max_value) + 1;
}

static bool shape_ok(uint64_t sig_bits, uint64_t max_value)
{
    return sig_bits >= 1 && sig_bits <= 16 && max_value >= 1 && max_value <= (1ull << 62);
}

struct hist *hist_new(unsigned sig_bits, uint64_t max_value)
{
    if (!shape_ok(sig_bits, max_value))
        return NULL;
    size_t n = nbuckets_of(sig_bits, max_value);
    struct hist *h = calloc(1, sizeof(*h) + n * sizeof(uint64_t));
    if (!h)
        return NULL;
    h->sig_bits = sig_bits;
    h->max_value = max_value;
    h->nbuckets = n;
    h->lo = n;
    return h;
}

struct hist *hist_new_default(void)
{
    return hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
}

struct hist *hist_clone(const struct hist *h)
{
    struct hist *c = hist_new(h->sig_bits, h->max_value);
    if (c && hist_merge(c, h) != 0) {
        hist_free(c);
        return NULL;
    }
    return c;
}

void hist_free(struct hist *h)
{
    free(h);
}

size_t hist_bytes(const struct hist *h)
{
    return h->nbuckets * sizeof(uint64_t);
}

unsigned hist_sig_bits(const struct hist *h)
{
    return h->sig_bits;
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t count)
{
    if (count == 0)
        return;
    uint64_t clamped = value > h->max_value ? h->max_value : value;
    size_t i = bucket_of(h->sig_bits, clamped);
    h->counts[i] += count;
    if (i < h->lo)
        h->lo = i;
    if (i > h->hi)
        h->hi = i;
    if (h->total == 0 || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->total += count;
    h->sum += (u128)value * count;
    h->sum_sq += (u128)value * value * count;
}

void hist_record(struct hist *h, uint64_t value)
{
    hist_record_n(h, value, 1);
}

void hist_reset(struct hist *h)
{
    if (h->lo <= h->hi)
        memset(&h->counts[h->lo], 0, (h->hi - h->lo + 1) * sizeof(uint64_t));
    h->lo = h->nbuckets;
    h->hi = 0;
    h->total = h->min = h->max = 0;
    h->sum = h->sum_sq = 0;
}

bool hist_same_shape(const struct hist *a, const struct hist *b)
{
    return a->sig_bits == b->sig_bits && a->max_value == b->max_value;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst->sig_bits > src->sig_bits || dst->max_value < src->max_value)
        return -1;
    if (src->total == 0)
        return 0;
    if (hist_same_shape(dst, src)) {
        for (size_t i = src->lo; i <= src->hi; i++)
            dst->counts[i] += src->counts[i];
        if (src->lo < dst->lo)
            dst->lo = src->lo;
        if (src->hi > dst->hi)
            dst->hi = src->hi;
    } else {
        for (size_t i = src->lo; i <= src->hi; i++) {
            if (!src->counts[i])
                continue;
            size_t j = bucket_of(dst->sig_bits, bucket_low(src->sig_bits, i));
            dst->counts[j] += src->counts[i];
            if (j < dst->lo)
                dst->lo = j;
            if (j > dst->hi)
                dst->hi = j;
        }
    }
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
    return h->total ? (double)((long double)h->sum / (long double)h->total) : 0.0;
}

double hist_stdev(const struct hist *h)
{
    if (h->total == 0)
        return 0.0;
    long double n = (long double)h->total;
    long double mean = (long double)h->sum / n;
    long double var = (long double)h->sum_sq / n - mean * mean;
    return var > 0 ? (double)sqrtl(var) : 0.0;
}

static uint64_t bucket_value(const struct hist *h, size_t i)
{
    uint64_t v = bucket_low(h->sig_bits, i) + bucket_width(h->sig_bits, i) / 2;
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

void hist_percentiles(const struct hist *h, const double *p, size_t n, uint64_t *out)
{
    size_t k = 0;
    if (h->total == 0) {
        for (; k < n; k++)
            out[k] = 0;
        return;
    }
    uint64_t seen = 0;
    size_t i = h->lo;
    for (; k < n; k++) {
        if (p[k] <= 0) {
            out[k] = h->min;
            continue;
        }
        if (p[k] >= 100) {
            out[k] = h->max;
            continue;
        }
        uint64_t rank = (uint64_t)ceil(p[k] / 100.0 * (double)h->total);
        if (rank < 1)
            rank = 1;
        /* Walk on from where the previous percentile stopped: one pass for all of them. */
        while (i <= h->hi && seen + h->counts[i] < rank)
            seen += h->counts[i++];
        out[k] = i <= h->hi ? bucket_value(h, i) : h->max;
    }
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t v;
    hist_percentiles(h, &p, 1, &v);
    return v;
}

uint64_t hist_count_between(const struct hist *h, uint64_t lo, uint64_t hi)
{
    if (lo > hi || h->total == 0)
        return 0;
    size_t a = bucket_of(h->sig_bits, lo > h->max_value ? h->max_value : lo);
    size_t b = bucket_of(h->sig_bits, hi > h->max_value ? h->max_value : hi);
    if (a < h->lo)
        a = h->lo;
    if (b > h->hi)
        b = h->hi;
    uint64_t n = 0;
    for (size_t i = a; i <= b; i++)
        n += h->counts[i];
    return n;
}

bool hist_next(const struct hist *h, size_t *pos, uint64_t *value, uint64_t *count)
{
    for (size_t i = *pos < h->lo ? h->lo : *pos; i <= h->hi && i < h->nbuckets; i++) {
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

/* Serialized form "TBH2": varints sig_bits, max_value, total, min, max, sum and sum_sq (each as
 * low then high 64 bits), then (gap, count) pairs for the non-empty buckets in increasing order,
 * gap being the distance from the previous non-empty bucket (from 0 for the first), ended by a
 * pair with count 0. The older "TBH1" (schema-2 stores) had no total and double sums. */
static size_t put_varint(uint8_t *buf, size_t len, size_t at, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v)
            b |= 0x80;
        if (buf && at < len)
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

size_t hist_serialize(const struct hist *h, uint8_t *buf, size_t len)
{
    static const uint8_t magic[4] = {'T', 'B', 'H', '2'};
    size_t at = 0;
    for (size_t i = 0; i < 4; i++, at++)
        if (buf && at < len)
            buf[at] = magic[i];
    const uint64_t head[] = {h->sig_bits,
                             h->max_value,
                             h->total,
                             h->min,
                             h->max,
                             (uint64_t)h->sum,
                             (uint64_t)(h->sum >> 64),
                             (uint64_t)h->sum_sq,
                             (uint64_t)(h->sum_sq >> 64)};
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        at = put_varint(buf, len, at, head[i]);
    size_t prev = 0;
    for (size_t i = h->lo; i <= h->hi && h->total; i++) {
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

int hist_serialize_alloc(const struct hist *h, uint8_t **out, size_t *len)
{
    size_t need = hist_serialize(h, NULL, 0);
    *out = malloc(need);
    if (!*out)
        return -1;
    *len = hist_serialize(h, *out, need);
    return 0;
}

static uint64_t clamp_to(const struct hist *h, uint64_t v)
{
    return v > h->max_value ? h->max_value : v;
}

/* Reads the (gap, count) pairs into h and checks them against the header's figures. */
static int read_buckets(struct hist *h, const uint8_t *buf, size_t len, size_t at, bool check_total,
                        uint64_t total)
{
    size_t idx = 0;
    bool first = true;
    uint64_t sum = 0;
    for (;;) {
        uint64_t gap, count;
        if (get_varint(buf, len, &at, &gap) || get_varint(buf, len, &at, &count))
            return -1;
        if (count == 0)
            break;
        if ((!first && gap == 0) || gap >= h->nbuckets || idx + gap >= h->nbuckets ||
            sum + count < sum)
            return -1;
        idx += gap;
        first = false;
        h->counts[idx] = count;
        if (idx < h->lo)
            h->lo = idx;
        h->hi = idx;
        sum += count;
    }
    if (at != len || (check_total && sum != total))
        return -1;
    h->total = sum;
    if (sum && (h->min > h->max || bucket_of(h->sig_bits, clamp_to(h, h->min)) != h->lo ||
                bucket_of(h->sig_bits, clamp_to(h, h->max)) != h->hi))
        return -1;
    return 0;
}

/* Every value lies in [min, max], so the sums do too (times the count). */
static bool sums_ok(const struct hist *h)
{
    u128 n = h->total;
    if (n == 0)
        return h->sum == 0 && h->sum_sq == 0 && h->min == 0 && h->max == 0;
    u128 lo = h->min, hi = h->max; /* below 2^64, so their squares fit */
    return h->sum / n >= lo && h->sum / n <= hi && h->sum_sq / n >= lo * lo &&
           h->sum_sq / n <= hi * hi;
}

/* The old form kept its sums as doubles; when they do not fit the buckets (a damaged file),
 * they are rebuilt from the buckets' midpoints, which are within the histogram's precision. */
static void sums_from_buckets(struct hist *h)
{
    h->sum = h->sum_sq = 0;
    for (size_t i = h->lo; i <= h->hi; i++) {
        u128 v = bucket_value(h, i);
        h->sum += v * h->counts[i];
        h->sum_sq += v * v * h->counts[i];
    }
}

static double bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

struct hist *hist_deserialize(const uint8_t *buf, size_t len)
{
    if (!buf || len < 4 || memcmp(buf, "TBH", 3) != 0 || (buf[3] != '1' && buf[3] != '2'))
        return NULL;
    bool v2 = buf[3] == '2';
    size_t at = 4;
    uint64_t f[9];
    size_t nf = v2 ? 9 : 6; /* v1: sig, max_value, min, max, sum, sum_sq */
    for (size_t i = 0; i < nf; i++)
        if (get_varint(buf, len, &at, &f[i]))
            return NULL;
    if (!shape_ok(f[0], f[1]) || nbuckets_of((unsigned)f[0], f[1]) > HIST_DESERIALIZE_MAX_BUCKETS)
        return NULL;
    struct hist *h = hist_new((unsigned)f[0], f[1]);
    if (!h)
        return NULL;
    if (v2) {
        h->min = f[3];
        h->max = f[4];
        h->sum = (u128)f[6] << 64 | f[5];
        h->sum_sq = (u128)f[8] << 64 | f[7];
    } else {
        double s = bits_double(f[4]), sq = bits_double(f[5]);
        h->min = f[2];
        h->max = f[3];
        h->sum = s > 0 && s < 1e36 ? (u128)s : 0;
        h->sum_sq = sq > 0 && sq < 1e36 ? (u128)sq : 0;
    }
    if (read_buckets(h, buf, len, at, v2, v2 ? f[2] : 0) != 0) {
        hist_free(h);
        return NULL;
    }
    if (!v2 && h->total && !sums_ok(h))
        sums_from_buckets(h);
    if (!sums_ok(h)) {
        hist_free(h);
        return NULL;
    }
    return h;
}
