/* tests/fuzz/fuzz_prices.c: libFuzzer target for price tables (rpt_prices_parse: `tierbench tier
 * --prices FILE`, `report --tiers`), then the tier picker and its tables on what was accepted,
 * as `tierbench tier` does. An accepted table is within the documented limits, with every string
 * NUL-terminated in its field; the picker either answers with a plan for every tier (instances
 * at least 1 and at most the cap, a chosen plan that fits) or refuses with a one-line reason.
 * The input needs no NUL: the parser takes a length. Build and run: make fuzz. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_prices: %s\n", what);
    abort();
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_table(const struct rpt_prices *p)
{
    if (p->ntiers < 1 || p->ntiers > RPT_PRICES_MAX_TIERS || p->nextras > RPT_PRICES_MAX_EXTRAS)
        fail("tier or extra count out of range");
    if (!terminated(p->name, sizeof(p->name)) || strlen(p->currency) != 3 ||
        !terminated(p->source, sizeof(p->source)) || strlen(p->date) != 10)
        fail("a top-level string out of its field");
    for (size_t i = 0; i < p->ntiers; i++) {
        const struct rpt_price_tier *t = &p->tiers[i];
        if (!terminated(t->name, sizeof(t->name)) || !t->name[0] || strlen(t->date) != 10 ||
            !terminated(t->source, sizeof(t->source)))
            fail("a tier's string out of its field");
        if (!(t->vcpu > 0) || !isfinite(t->vcpu) || !(t->memory_gb > 0) ||
            !isfinite(t->memory_gb) || !(t->per_month >= 0) || !isfinite(t->per_month) ||
            !(t->cpu_baseline_pct >= 1 && t->cpu_baseline_pct <= 100) || t->difficulty < 1 ||
            t->difficulty > 5)
            fail("a tier's figure out of range");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->tiers[j].name, t->name))
                fail("two tiers with one name");
    }
    for (size_t i = 0; i < p->nextras; i++) {
        const struct rpt_price_extra *x = &p->extras[i];
        if (!terminated(x->name, sizeof(x->name)) || strlen(x->date) != 10 ||
            !(x->per_month >= 0) || !isfinite(x->per_month) || !(x->per_1000_rps_month >= 0) ||
            !isfinite(x->per_1000_rps_month) || x->difficulty > 5)
            fail("an extra out of range");
    }
}

static void pick(const struct rpt_prices *p, double users, double rate_rps)
{
    struct rpt_tier_input in;
    rpt_tier_input_init(&in);
    in.users = users;
    in.rate_rps = rate_rps;
    in.response_time_s = isnan(users) ? NAN : 0.1;
    in.capacity_rps = 1200;
    in.measured_vcpu = 2;
    static struct rpt_tier_result r;
    char err[512];
    if (rpt_tier_pick(p, &in, &r, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("the picker refused without a one-line reason");
        return;
    }
    if (r.nplans != p->ntiers)
        fail("not one plan per tier");
    if (r.chosen >= (int)r.nplans || r.runner_up >= (int)r.nplans)
        fail("chosen or runner-up out of range");
    if (r.chosen >= 0 && !r.plans[r.chosen].fits)
        fail("the chosen plan does not fit");
    for (size_t i = 0; i < r.nplans; i++)
        if (r.plans[i].instances < 1 || r.plans[i].instances > RPT_TIER_MAX_INSTANCES)
            fail("instances out of 1..RPT_TIER_MAX_INSTANCES");
    if (r.nreasons > RPT_TIER_MAX_REASONS)
        fail("too many reasons");
    struct rpt_table t[RPT_TIER_TABLES];
    if (rpt_tier_tables(p, &in, &r, t) == 0)
        for (int i = 0; i < RPT_TIER_TABLES; i++)
            rpt_table_free(&t[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static struct rpt_prices p;
    char err[1024];
    if (rpt_prices_parse((const char *)data, len, &p, err, sizeof(err)) != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("refused without a one-line reason");
        return 0;
    }
    check_table(&p);
    pick(&p, 1000, NAN);
    pick(&p, NAN, 50000);
    pick(&p, 1e9, NAN);
    return 0;
}
