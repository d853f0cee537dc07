/* common/window.c: see window.h. Slot i holds second s when s % nslots == i and its sample's
 * second is s; an unused slot holds INT64_MIN. */
#include "common/window.h"

#include <stdlib.h>

struct win {
    unsigned nslots;
    int64_t newest; /* largest second ever asked for */
    struct sample slots[];
};

static struct sample *slot_of(const struct win *w, int64_t second)
{
    uint64_t i = (uint64_t)second % w->nslots;
    return (struct sample *)&w->slots[i];
}

struct win *win_new(unsigned nslots, unsigned sig_bits)
{
    if (nslots == 0)
        return NULL;
    struct win *w = calloc(1, sizeof(*w) + nslots * sizeof(struct sample));
    if (!w)
        return NULL;
    w->nslots = nslots;
    w->newest = INT64_MIN;
    for (unsigned i = 0; i < nslots; i++) {
        if (sample_init(&w->slots[i], sig_bits, INT64_MIN) != 0) {
            win_free(w);
            return NULL;
        }
    }
    return w;
}

void win_free(struct win *w)
{
    if (!w)
        return;
    for (unsigned i = 0; i < w->nslots; i++)
        sample_free(&w->slots[i]);
    free(w);
}

unsigned win_slots(const struct win *w)
{
    return w->nslots;
}

struct sample *win_slot_at(struct win *w, int64_t second)
{
    if (second < 0 || (w->newest != INT64_MIN && second + (int64_t)w->nslots <= w->newest))
        return NULL;
    if (second > w->newest)
        w->newest = second;
    struct sample *s = slot_of(w, second);
    if (s->second != second) {
        sample_reset(s, second);
        s->duration_us = 1000000;
    }
    return s;
}

void win_record(struct win *w, int64_t second, uint64_t latency_us, int status, bool is_error,
                uint64_t bytes)
{
    struct sample *s = win_slot_at(w, second);
    if (s)
        sample_record(s, latency_us, status, is_error, bytes);
}

void win_sum(const struct win *w, int64_t from_s, int64_t to_s, struct sample *out)
{
    if (from_s < to_s - (int64_t)w->nslots + 1)
        from_s = to_s - (int64_t)w->nslots + 1; /* older seconds are gone from the ring anyway */
    for (int64_t sec = from_s < 0 ? 0 : from_s; sec <= to_s; sec++) {
        const struct sample *s = slot_of(w, sec);
        if (s->second == sec)
            sample_merge(out, s, SAMPLE_SEQUENTIAL);
    }
}

void win_merge(struct win *dst, const struct win *src)
{
    for (unsigned i = 0; i < src->nslots; i++) {
        const struct sample *s = &src->slots[i];
        if (s->second == INT64_MIN)
            continue;
        struct sample *d = win_slot_at(dst, s->second);
        if (d)
            sample_merge(d, s, SAMPLE_PARALLEL);
    }
}
