/* common/window.c: see window.h. Slot i holds second s when s % nslots == i and slot.second == s.
 */
#include "common/window.h"

#include <stdlib.h>

struct win {
    unsigned nslots;
    uint64_t newest; /* largest second ever asked for */
    struct win_slot slots[];
};

struct win *win_new(unsigned nslots, unsigned sig_bits, uint64_t max_latency_us)
{
    if (nslots == 0)
        return NULL;
    struct win *w = calloc(1, sizeof(*w) + nslots * sizeof(struct win_slot));
    if (!w)
        return NULL;
    w->nslots = nslots;
    for (unsigned i = 0; i < nslots; i++) {
        w->slots[i].second = UINT64_MAX; /* never matches a real second */
        w->slots[i].latency = hist_new(sig_bits, max_latency_us);
        if (!w->slots[i].latency) {
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
        hist_free(w->slots[i].latency);
    free(w);
}

unsigned win_slots(const struct win *w)
{
    return w->nslots;
}

struct win_slot *win_slot_at(struct win *w, uint64_t second)
{
    if (second + w->nslots <= w->newest)
        return NULL;
    if (second > w->newest)
        w->newest = second;
    struct win_slot *s = &w->slots[second % w->nslots];
    if (s->second != second) {
        s->second = second;
        s->requests = s->errors = s->bytes = 0;
        hist_reset(s->latency);
    }
    return s;
}

void win_record(struct win *w, uint64_t second, uint64_t latency_us, int is_error, uint64_t bytes)
{
    struct win_slot *s = win_slot_at(w, second);
    if (!s)
        return;
    s->requests++;
    s->errors += is_error != 0;
    s->bytes += bytes;
    hist_record(s->latency, latency_us);
}

void win_sum(const struct win *w, uint64_t from_s, uint64_t to_s, struct win_slot *out)
{
    if (to_s >= w->nslots && from_s < to_s - w->nslots + 1)
        from_s = to_s - w->nslots + 1; /* older seconds are gone from the ring anyway */
    for (uint64_t sec = from_s; sec <= to_s; sec++) {
        const struct win_slot *s = &w->slots[sec % w->nslots];
        if (s->second != sec)
            continue;
        out->requests += s->requests;
        out->errors += s->errors;
        out->bytes += s->bytes;
        hist_merge(out->latency, s->latency);
    }
}

void win_merge(struct win *dst, const struct win *src)
{
    for (unsigned i = 0; i < src->nslots; i++) {
        const struct win_slot *s = &src->slots[i];
        if (s->second == UINT64_MAX)
            continue;
        struct win_slot *d = win_slot_at(dst, s->second);
        if (!d)
            continue;
        d->requests += s->requests;
        d->errors += s->errors;
        d->bytes += s->bytes;
        hist_merge(d->latency, s->latency);
    }
}
