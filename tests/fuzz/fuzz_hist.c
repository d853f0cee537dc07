/* tests/fuzz/fuzz_hist.c: libFuzzer target for hist_deserialize, which reads histograms back from
 * the result store (a file anyone can hand tierbench). Every input must be refused (NULL) or give
 * a histogram of a valid shape whose figures agree; no input may make it allocate more than
 * HIST_DESERIALIZE_MAX_BUCKETS counts; and deserialize -> serialize -> deserialize must give the
 * same histogram. Seeds come from gen_hist_seeds.c. Build and run: make fuzz (clang, libFuzzer). */
#include <sanitizer/allocator_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* The counts, plus the fixed fields of struct hist (well under 256 bytes). */
#define ALLOC_LIMIT (HIST_DESERIALIZE_MAX_BUCKETS * sizeof(uint64_t) + 256)

/* Bytes allocated while `counting` is set: ASan calls the hook for every allocation. */
static size_t allocated;
static int counting;

static void on_malloc(const volatile void *ptr, size_t size)
{
    (void)ptr;
    if (counting)
        allocated += size;
}

static void on_free(const volatile void *ptr)
{
    (void)ptr;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    return 0;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_hist: %s\n", what);
    abort();
}

static struct hist *deserialize(const uint8_t *buf, size_t len)
{
    allocated = 0;
    counting = 1;
    struct hist *h = hist_deserialize(buf, len);
    counting = 0;
    if (allocated > ALLOC_LIMIT)
        fail("hist_deserialize allocated more than HIST_DESERIALIZE_MAX_BUCKETS counts");
    return h;
}

static uint8_t *serialize(const struct hist *h, size_t *len)
{
    uint8_t *buf;
    if (hist_serialize_alloc(h, &buf, len) != 0)
        fail("hist_serialize_alloc failed");
    if (hist_serialize(h, buf, *len) != *len)
        fail("hist_serialize needs a different size the second time");
    return buf;
}

/* What a histogram says about itself must agree: shape, buckets, count, min, max, percentiles. */
static void check_consistent(const struct hist *h)
{
    if (hist_sig_bits(h) < 1 || hist_sig_bits(h) > 16)
        fail("accepted sig_bits out of 1..16");
    if (hist_bytes(h) > HIST_DESERIALIZE_MAX_BUCKETS * sizeof(uint64_t))
        fail("accepted a shape with more than HIST_DESERIALIZE_MAX_BUCKETS buckets");
    uint64_t n = hist_count(h), sum = 0, prev = 0, value, count;
    size_t pos = 0;
    for (int first = 1; hist_next(h, &pos, &value, &count); first = 0) {
        if (count == 0 || (!first && value <= prev) || sum + count < sum)
            fail("hist_next: empty, unordered or overflowing buckets");
        sum += count;
        prev = value;
    }
    if (sum != n || hist_count_between(h, 0, UINT64_MAX) != n)
        fail("bucket counts do not add up to hist_count");
    if (n == 0) {
        if (hist_min(h) != 0 || hist_max(h) != 0)
            fail("empty histogram with min or max");
        return;
    }
    if (hist_min(h) > hist_max(h))
        fail("min > max");
    static const double p[] = {0, 1, 50, 90, 99, 99.9, 100};
    uint64_t out[sizeof(p) / sizeof(p[0])];
    hist_percentiles(h, p, sizeof(p) / sizeof(p[0]), out);
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
        if (out[i] < hist_min(h) || out[i] > hist_max(h) || (i && out[i] < out[i - 1]))
            fail("percentiles outside [min, max] or not ascending");
}

static void check_same(const struct hist *a, const struct hist *b)
{
    double ma = hist_mean(a), mb = hist_mean(b), sa = hist_stdev(a), sb = hist_stdev(b);
    if (!hist_same_shape(a, b) || hist_count(a) != hist_count(b) || hist_min(a) != hist_min(b) ||
        hist_max(a) != hist_max(b) || memcmp(&ma, &mb, sizeof(ma)) != 0 ||
        memcmp(&sa, &sb, sizeof(sa)) != 0)
        fail("round trip changed shape, count, min, max, mean or stdev");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct hist *h = deserialize(data, len);
    if (!h)
        return 0;
    check_consistent(h);

    size_t len1, len2, len3;
    uint8_t *s1 = serialize(h, &len1);
    struct hist *h2 = deserialize(s1, len1);
    if (!h2)
        fail("hist_deserialize refuses what hist_serialize wrote");
    check_consistent(h2);
    check_same(h, h2);
    uint8_t *s2 = serialize(h2, &len2);
    if (len1 != len2 || memcmp(s1, s2, len1) != 0)
        fail("deserialize -> serialize -> deserialize -> serialize changed the bytes");

    /* A clone (hist_merge into an empty histogram of the same shape) is the same histogram. */
    struct hist *c = hist_clone(h);
    if (!c)
        fail("hist_clone failed");
    uint8_t *s3 = serialize(c, &len3);
    if (len3 != len1 || memcmp(s1, s3, len1) != 0)
        fail("hist_clone gives a different histogram");

    free(s1);
    free(s2);
    free(s3);
    hist_free(c);
    hist_free(h2);
    hist_free(h);
    return 0;
}
