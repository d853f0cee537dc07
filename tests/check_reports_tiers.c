/* tests/check_reports_tiers.c: unit tests of the tier picker and its price tables
 * (reports/tiers.c, reports/prices.c, reports/prices_data.c): the picker's boundaries and
 * refusals, vCPU scaling, cheapest-wins and runner-up, the load balancer, the strict price
 * parser's messages, the compiled-in defaults, and the tables against tests/data/tiers_*.txt.
 * Runs from the top of the tree (make check-unit). TB_UPDATE_GOLDEN=1 rewrites the golden files. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "reports/reports.h"
#include "tests/support/ck_run.h"

/* Prints a table for the golden files: aligned columns when they fit 80 columns, else one
 * "heading: value" block per row (what reports.h promises of the text renderer). Every cell's
 * number follows in brackets so the golden files pin the values for JSON and CSV too. */
static void dump(FILE *f, const struct rpt_table *t)
{
    size_t w[RPT_TABLE_COLS] = {0}, total = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = strlen(t->cols[c]);
        for (size_t r = 0; r < t->nrows; r++)
            if (strlen(t->rows[r][c].text) > w[c])
                w[c] = strlen(t->rows[r][c].text);
        total += w[c] + (c ? 2 : 0);
    }
    fprintf(f, "== %s [%s]\n", t->title, t->key);
    if (total <= 80) {
        for (size_t r = 0; r <= t->nrows; r++) { /* the headings, then the rows */
            char line[1024];
            size_t at = 0;
            for (size_t c = 0; c < t->ncols && at < sizeof(line); c++) {
                const char *text = r ? t->rows[r - 1][c].text : t->cols[c];
                int n = snprintf(line + at, sizeof(line) - at, "%s%*s", c ? "  " : "",
                                 t->right[c] ? (int)w[c] : -(int)w[c], text);
                at += n > 0 ? (size_t)n : 0;
            }
            while (at > 0 && at <= sizeof(line) && line[at - 1] == ' ')
                line[--at] = '\0';
            fprintf(f, "%s\n", line);
        }
    } else {
        for (size_t r = 0; r < t->nrows; r++) {
            for (size_t c = 0; c < t->ncols; c++)
                fprintf(f, "%s: %s\n", t->cols[c], t->rows[r][c].text);
            fprintf(f, "\n");
        }
    }
    for (size_t i = 0; i < t->nnotes; i++)
        fprintf(f, "%s\n", t->notes[i]);
    bool any = false;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            any |= !isnan(t->rows[r][c].value);
    if (!any) {
        fprintf(f, "\n");
        return;
    }
    fprintf(f, "-- values:");
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, " %s", t->col_keys[c]);
    fprintf(f, "\n");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            fprintf(f, "%s%.10g", c ? " " : "", t->rows[r][c].value);
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
}

/* Compares text with tests/data/NAME (or rewrites it with TB_UPDATE_GOLDEN=1). */
static void check_golden(const char *name, const char *text)
{
    char path[256], err[256];
    snprintf(path, sizeof(path), "tests/data/%s", name);
    if (getenv("TB_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        ck_assert_msg(f != NULL, "cannot write %s", path);
        fputs(text, f);
        fclose(f);
        return;
    }
    size_t len;
    char *want = file_read(path, 1 << 20, &len, err, sizeof(err));
    ck_assert_msg(want != NULL, "%s (run from the top of the tree)", err);
    ck_assert_msg(strcmp(want, text) == 0, "%s differs; got:\n%s", path, text);
    free(want);
}

/* Every text cell fits in a cell (nothing cut) and every reasoning line in 78 columns. */
static void check_cells(const struct rpt_table *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = strlen(t->rows[r][c].text);
            ck_assert_msg(n < RPT_CELL_BYTES - 1, "%s row %zu col %zu may be cut: %s", t->key, r, c,
                          t->rows[r][c].text);
            if (!strcmp(t->key, "tier_reasoning"))
                ck_assert_msg(n <= 78, "reasoning line over 78 columns: %s", t->rows[r][c].text);
        }
    for (size_t i = 0; i < t->nnotes; i++)
        ck_assert_msg(strlen(t->notes[i]) <= 80, "note over 80 columns: %s", t->notes[i]);
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static struct rpt_prices naver(void)
{
    struct rpt_prices p;
    char err[256];
    ck_assert_msg(rpt_prices_default("naver", &p, err, sizeof(err)) == 0, "%s", err);
    return p;
}

/* A small table: A (1 vCPU, 10), B (2 vCPU, 15), C (4 vCPU, 40), a load balancer of 10 from 2
 * instances; currency USD. */
static struct rpt_prices abc(void)
{
    struct rpt_prices p;
    memset(&p, 0, sizeof(p));
    snprintf(p.name, sizeof(p.name), "test");
    snprintf(p.currency, sizeof(p.currency), "USD");
    snprintf(p.date, sizeof(p.date), "2026-12-03");
    const struct {
        const char *name;
        double vcpu, price;
    } t[] = {{"A", 1, 10}, {"B", 2, 15}, {"C", 4, 40}};
    for (size_t i = 0; i < 3; i++) {
        struct rpt_price_tier *x = &p.tiers[p.ntiers++];
        snprintf(x->name, sizeof(x->name), "%s", t[i].name);
        x->vcpu = t[i].vcpu;
        x->cpu_baseline_pct = 100;
        x->memory_gb = t[i].vcpu;
        x->per_month = t[i].price;
        x->difficulty = 1;
    }
    struct rpt_price_extra *lb = &p.extras[p.nextras++];
    snprintf(lb->name, sizeof(lb->name), "LB");
    lb->per_month = 10;
    lb->min_instances = 2;
    lb->min_users = NAN;
    lb->below_users = NAN;
    lb->difficulty = 4;
    return p;
}

/* One tier of 1 vCPU at 10 a month and nothing else. */
static struct rpt_prices one_tier(void)
{
    struct rpt_prices p = abc();
    p.ntiers = 1;
    p.nextras = 0;
    return p;
}

/* Target rate, capacity measured on vcpu vCPUs. */
static struct rpt_tier_input rate_input(double rate_rps, double capacity_rps, double vcpu)
{
    struct rpt_tier_input in;
    rpt_tier_input_init(&in);
    in.rate_rps = rate_rps;
    in.capacity_rps = capacity_rps;
    in.measured_vcpu = vcpu;
    snprintf(in.slo, sizeof(in.slo), "p99<100ms");
    return in;
}

static struct rpt_tier_result pick_ok(const struct rpt_prices *p, const struct rpt_tier_input *in)
{
    struct rpt_tier_result r;
    char err[256] = "";
    ck_assert_msg(rpt_tier_pick(p, in, &r, err, sizeof(err)) == 0, "refused: %s", err);
    return r;
}

/* rpt_tier_pick must refuse in with exactly this message. */
static void pick_refused(const struct rpt_prices *p, const struct rpt_tier_input *in,
                         const char *want)
{
    struct rpt_tier_result r;
    char err[256] = "";
    ck_assert_int_eq(rpt_tier_pick(p, in, &r, err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
}

static bool has_reason(const struct rpt_tier_result *r, const char *needle)
{
    for (size_t i = 0; i < r->nreasons; i++)
        if (strstr(r->reasons[i], needle))
            return true;
    return false;
}

/* ---- the picker --------------------------------------------------------------------------- */

START_TEST(test_tier_exactly_at_capacity_times_headroom_is_one_instance)
{
    struct rpt_prices p = one_tier();
    struct rpt_tier_input in = rate_input(700, 1000, 1); /* 1,000 x 70% = 700 */
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert_uint_eq(r.plans[0].instances, 1);
    ck_assert_double_eq_tol(r.plans[0].plan_rps, 700, 1e-9);
    ck_assert_int_eq(r.chosen, 0);
}
END_TEST

START_TEST(test_tier_one_request_over_needs_a_second_instance)
{
    struct rpt_prices p = one_tier();
    struct rpt_tier_input in = rate_input(701, 1000, 1);
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 2);
    in.rate_rps = 700.01;
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 2);
    in.rate_rps = 1400; /* exactly two */
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 2);
    in.rate_rps = 1401;
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 3);
}
END_TEST

START_TEST(test_tier_headroom_changes_the_count)
{
    struct rpt_prices p = one_tier();
    struct rpt_tier_input in = rate_input(800, 1000, 1);
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 2); /* 70%: 700 each */
    in.headroom_pct = 80;
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 1);
    in.headroom_pct = 100;
    in.rate_rps = 1000;
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 1);
    in.headroom_pct = 50;
    ck_assert_uint_eq(pick_ok(&p, &in).plans[0].instances, 2);
}
END_TEST

START_TEST(test_tier_zero_and_absurd_inputs_refused)
{
    struct rpt_prices p = one_tier();
    struct rpt_tier_input in = rate_input(0, 1000, 1);
    pick_refused(&p, &in, "rate_rps: expected a number from 0.001 to 1e+09, got 0");
    in.rate_rps = -5;
    pick_refused(&p, &in, "rate_rps: expected a number from 0.001 to 1e+09, got -5");
    in.rate_rps = INFINITY;
    pick_refused(&p, &in, "rate_rps: expected a number from 0.001 to 1e+09, got inf");

    in = rate_input(100, 0, 1);
    pick_refused(&p, &in, "capacity_rps: expected a number from 0.001 to 1e+09, got 0");
    in = rate_input(100, NAN, 1);
    pick_refused(&p, &in, "capacity_rps: required (one instance's req/s at the SLO, measured)");
    in = rate_input(100, 1000, 0);
    pick_refused(&p, &in, "measured_vcpu: expected a number from 0.01 to 1024, got 0");

    in = rate_input(100, 1000, 1);
    in.headroom_pct = 0.7; /* a fraction where a percentage is expected */
    pick_refused(&p, &in,
                 "headroom_pct 0.7: expected a share of capacity from 10 to 100 (70 plans at 70%)");
    in.headroom_pct = 0;
    pick_refused(&p, &in,
                 "headroom_pct 0: expected a share of capacity from 10 to 100 (70 plans at 70%)");
    in.headroom_pct = 70;
    in.max_instances = 0;
    pick_refused(&p, &in, "max_instances: expected an integer from 1 to 100000, got 0");

    in = rate_input(100, 1000, 1);
    in.users = 100;
    pick_refused(&p, &in, "give the target as users or as rate_rps, not both");
    in = rate_input(NAN, 1000, 1);
    pick_refused(&p, &in, "no target: give users (with response_time_s) or rate_rps");
    in.users = 0;
    in.response_time_s = 0.05;
    pick_refused(&p, &in, "users: expected a number from 1 to 1e+09, got 0");
    in.users = 1e12;
    pick_refused(&p, &in, "users: expected a number from 1 to 1e+09, got 1e+12");
    in = rate_input(NAN, 1000, 1);
    in.users = 100;
    pick_refused(&p, &in,
                 "response_time_s: required with users (Little's law: req/s = users / (response "
                 "time + think time))");
    in.response_time_s = 0;
    pick_refused(&p, &in, "response_time_s: expected a number from 1e-06 to 600, got 0");
    in.response_time_s = 0.05;
    in.think_time_s = -1;
    pick_refused(&p, &in, "think_time_s: expected a number from 0 to 86400, got -1");

    in = rate_input(100, 1000, 1);
    in.cpu_utilization_pct = 80;
    pick_refused(&p, &in, "cpu_utilization_pct: only with cpu_us_per_req");
    in = rate_input(100, 1000, 1);
    in.cpu_us_per_req = 2000; /* 1,000 req/s x 2 ms = 2 vCPUs busy on a 1-vCPU machine */
    pick_refused(&p, &in,
                 "cpu_us_per_req: 2000 us x 1000 req/s keeps 2 vCPUs busy, more than the 1 "
                 "measured on");

    struct rpt_prices empty = p;
    empty.ntiers = 0;
    in = rate_input(100, 1000, 1);
    pick_refused(&empty, &in, "the price table has no tiers");
}
END_TEST

START_TEST(test_tier_users_by_littles_law_match_the_same_rate)
{
    struct rpt_prices p = naver();
    struct rpt_tier_input by_users = rate_input(NAN, 1200, 1);
    by_users.users = 1000;
    by_users.response_time_s = 0.05;
    by_users.think_time_s = 0.95;
    struct rpt_tier_result ru = pick_ok(&p, &by_users);
    ck_assert_double_eq_tol(ru.required_rps, 1000, 1e-9);
    ck_assert_double_eq_tol(ru.users, 1000, 1e-9);

    /* The same rate with a response time: users come back (for the extras) and so the plan. */
    struct rpt_tier_input by_rate = rate_input(1000, 1200, 1);
    by_rate.response_time_s = 0.05;
    by_rate.think_time_s = 0.95;
    struct rpt_tier_result rr = pick_ok(&p, &by_rate);
    ck_assert_double_eq_tol(rr.users, 1000, 1e-9);
    ck_assert_int_eq(rr.chosen, ru.chosen);
    ck_assert_double_eq_tol(rr.plans[rr.chosen].monthly, ru.plans[ru.chosen].monthly, 1e-9);
    ck_assert(!rr.users_unknown_extras);

    /* No think time: every user sends again at once, so 1,000 users / 50 ms = 20,000 req/s. */
    by_users.think_time_s = 0;
    ck_assert_double_eq_tol(pick_ok(&p, &by_users).required_rps, 20000, 1e-6);
}
END_TEST

START_TEST(test_tier_rate_without_users_leaves_user_extras_out_and_says_so)
{
    struct rpt_prices p = naver();
    struct rpt_tier_input in = rate_input(1000, 1200, 1);
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert(isnan(r.users));
    ck_assert(r.users_unknown_extras);
    /* Micro x 2 (1,680 req/s at 70%): 30,000 + load balancer 30,000, no CDN, no traffic. */
    ck_assert_int_eq(r.chosen, 1); /* Compact: 50,000 alone */
    ck_assert_double_eq_tol(r.plans[1].monthly, 50000, 1e-9);
    ck_assert(has_reason(&r, "Left out, since they depend on users and users are unknown"));
    ck_assert(has_reason(&r, "CDN (medium), CDN (large), database, traffic 100 GB"));
}
END_TEST

START_TEST(test_tier_vcpu_scaling_linear_without_cpu_per_request)
{
    struct rpt_prices p = abc(); /* 1, 2 and 4 vCPUs */
    struct rpt_tier_input in = rate_input(100, 10000, 2);
    in.headroom_pct = 100;
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert(!r.cpu_model);
    ck_assert_double_eq_tol(r.per_vcpu_rps, 5000, 1e-9);
    ck_assert_double_eq_tol(r.plans[0].capacity_rps, 5000, 1e-9);
    ck_assert_double_eq_tol(r.plans[1].capacity_rps, 10000, 1e-9);
    ck_assert_double_eq_tol(r.plans[2].capacity_rps, 20000, 1e-9);
    ck_assert(has_reason(&r, "capacity is assumed linear in vCPUs (no CPU time per request "
                             "given)"));
}
END_TEST

START_TEST(test_tier_vcpu_scaling_by_cpu_per_request)
{
    struct rpt_prices p = abc();
    struct rpt_tier_input in = rate_input(100, 10000, 2);
    in.headroom_pct = 100;
    in.cpu_us_per_req = 50; /* 10,000 x 50 us = 0.5 vCPU busy of 2: 25% */

    /* The utilisation measured: the same as linear, and the reasoning says so. */
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert(r.cpu_model);
    ck_assert_double_eq_tol(r.measured_cpu_pct, 25, 1e-9);
    ck_assert_double_eq_tol(r.plans[2].capacity_rps, 20000, 1e-6);
    ck_assert(has_reason(&r, "the utilisation measured, so the same as linear scaling"));

    /* A utilisation given: 4 vCPU x 1e6 / 50 us x 90% = 72,000 req/s. */
    in.cpu_utilization_pct = 90;
    r = pick_ok(&p, &in);
    ck_assert_double_eq_tol(r.per_vcpu_rps, 18000, 1e-6);
    ck_assert_double_eq_tol(r.plans[0].capacity_rps, 18000, 1e-6);
    ck_assert_double_eq_tol(r.plans[2].capacity_rps, 72000, 1e-6);
    ck_assert(has_reason(&r, "Capacity per vCPU = 1e6 / 50 us x 90% utilisation = 18,000 req/s "
                             "(the utilisation given)"));
}
END_TEST

START_TEST(test_tier_burstable_counts_its_baseline_only)
{
    struct rpt_prices p;
    char err[256];
    ck_assert_msg(rpt_prices_default("aws", &p, err, sizeof(err)) == 0, "%s", err);
    struct rpt_tier_input in = rate_input(1000, 5000, 1); /* 5,000 req/s per vCPU */
    struct rpt_tier_result r = pick_ok(&p, &in);
    /* t3.micro: 2 vCPU x 10% = 0.2 vCPU, 1,000 req/s, 700 planned. */
    ck_assert_double_eq_tol(r.plans[0].vcpu_sustained, 0.2, 1e-12);
    ck_assert_double_eq_tol(r.plans[0].capacity_rps, 1000, 1e-9);
    ck_assert_uint_eq(r.plans[0].instances, 2);
    ck_assert(has_reason(&r, "t3.micro 2 vCPU x 10% = 0.2"));
}
END_TEST

START_TEST(test_tier_cheapest_wins_and_runner_up_is_next)
{
    struct rpt_prices p = abc();
    struct rpt_tier_input in = rate_input(150, 100, 1);
    in.headroom_pct = 100;
    struct rpt_tier_result r = pick_ok(&p, &in);
    /* A: 2 x 10 + LB 10 = 30; B: 1 x 15 = 15; C: 1 x 40 = 40. */
    ck_assert_double_eq_tol(r.plans[0].monthly, 30, 1e-9);
    ck_assert_double_eq_tol(r.plans[1].monthly, 15, 1e-9);
    ck_assert_double_eq_tol(r.plans[2].monthly, 40, 1e-9);
    ck_assert_int_eq(r.chosen, 1);
    ck_assert_int_eq(r.runner_up, 0);
    ck_assert(has_reason(&r, "Chosen: 1 x B (2 vCPU, 2 GB)"));
    /* A is cheaper per instance: the reasoning says why it lost. */
    ck_assert(has_reason(&r, "A: one gives 100 req/s at 100%; 2 needed cost 30.00 USD, 15.00 "
                             "more."));
    ck_assert(has_reason(&r, "Runner-up: 2 x A, 30.00 USD a month (15.00 more), difficulty "
                             "4/5."));
}
END_TEST

START_TEST(test_tier_load_balancer_from_two_instances)
{
    struct rpt_prices p = abc();
    struct rpt_tier_input in = rate_input(100, 100, 1);
    in.headroom_pct = 100;
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert_uint_eq(r.plans[0].instances, 1);
    ck_assert(isnan(r.plans[0].extra_cost[0]));
    ck_assert_uint_eq(r.plans[0].difficulty, 1);
    ck_assert_int_eq(r.chosen, 0);

    in.rate_rps = 101;
    r = pick_ok(&p, &in);
    ck_assert_uint_eq(r.plans[0].instances, 2);
    ck_assert_double_eq_tol(r.plans[0].extra_cost[0], 10, 1e-9);
    ck_assert_double_eq_tol(r.plans[0].monthly, 30, 1e-9);
    ck_assert_uint_eq(r.plans[0].difficulty, 4); /* the load balancer's */
    ck_assert(isnan(r.plans[1].extra_cost[0]));  /* B: one instance */
    ck_assert(has_reason(&r, "More than one instance brings: LB (10.00 USD a month)."));
}
END_TEST

START_TEST(test_tier_equal_cost_goes_to_fewer_instances)
{
    struct rpt_prices p = abc();
    p.nextras = 0;
    p.tiers[1].per_month = 20; /* B = 2 x A in vCPUs and in price */
    struct rpt_tier_input in = rate_input(200, 100, 1);
    in.headroom_pct = 100;
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert_double_eq_tol(r.plans[0].monthly, r.plans[1].monthly, 1e-9);
    ck_assert_int_eq(r.chosen, 1);
    ck_assert_int_eq(r.runner_up, 0);
    ck_assert(has_reason(&r, "(the same cost)"));
}
END_TEST

START_TEST(test_tier_over_the_cap_advises_auto_scaling)
{
    struct rpt_prices p = abc();
    struct rpt_tier_input in = rate_input(2001, 100, 1);
    in.headroom_pct = 100;
    /* A needs 21 (> 20); B 11 and C 6 fit: C costs 6 x 40 + 10, B 11 x 15 + 10 = 175. */
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert(!r.plans[0].fits);
    ck_assert_uint_eq(r.plans[0].instances, 21);
    ck_assert_int_eq(r.chosen, 1);
    ck_assert(has_reason(&r, "more than 20"));

    in.rate_rps = 100000;
    r = pick_ok(&p, &in);
    ck_assert_int_eq(r.chosen, -1);
    ck_assert_int_eq(r.runner_up, -1);
    /* Ignoring the cap: A 1,000 x 10 + 10, B 500 x 15 + 10 = 7,510, C 250 x 40 + 10. */
    ck_assert_int_eq(r.over_cap, 1);
    ck_assert(has_reason(&r, "The cheapest fixed pool would be 500 x B, 7,510.00 USD a month."));
    ck_assert(has_reason(&r, "auto scaling is advised (difficulty 5/5)"));

    in.max_instances = 1000;
    r = pick_ok(&p, &in);
    ck_assert_int_eq(r.chosen, 1); /* the cap moved: B x 500 */
    ck_assert_uint_eq(r.plans[1].instances, 500);
}
END_TEST

START_TEST(test_tier_memory_floor_refuses_small_tiers)
{
    struct rpt_prices p = abc();
    struct rpt_tier_input in = rate_input(50, 100, 1);
    in.min_memory_gb = 2;
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert(!r.plans[0].memory_ok);
    ck_assert_int_eq(r.chosen, 1);
    ck_assert(has_reason(&r, "A: 1 GB of memory, 2 GB needed."));
    in.min_memory_gb = 64;
    r = pick_ok(&p, &in);
    ck_assert_int_eq(r.chosen, -1);
    ck_assert_int_eq(r.over_cap, -1);
    ck_assert(has_reason(&r, "No tier has the 64 GB of memory asked for."));
}
END_TEST

/* The guide's three cost cases from the default table, with the guide's 500 req/s-class
 * capacity (1,200 req/s on 1 vCPU) and 1 s per user cycle, so users = req/s. */
START_TEST(test_tier_guide_cost_cases_from_the_default_table)
{
    struct rpt_prices p = naver();
    struct rpt_tier_input in = rate_input(NAN, 1200, 1);
    in.response_time_s = 0.05;
    in.think_time_s = 0.95;

    in.users = 100; /* small: Micro, traffic 100 GB free */
    struct rpt_tier_result r = pick_ok(&p, &in);
    ck_assert_str_eq(p.tiers[r.chosen].name, "Micro");
    ck_assert_double_eq_tol(r.plans[r.chosen].monthly, 15000, 1e-9);

    in.users = 1000; /* medium, 2 GB of memory: Compact + traffic 500 GB + CDN = 80,000 */
    in.min_memory_gb = 2;
    r = pick_ok(&p, &in);
    ck_assert_str_eq(p.tiers[r.chosen].name, "Compact");
    ck_assert_double_eq_tol(r.plans[r.chosen].monthly, 80000, 1e-9);

    /* large: 3 x Standard + LB + CDN + database = the guide's 530,000, plus the 500 GB of
     * traffic its large case leaves out. 6 x Compact costs the same; fewer instances win. */
    in.users = 10000;
    r = pick_ok(&p, &in);
    ck_assert_str_eq(p.tiers[r.chosen].name, "Standard");
    ck_assert_uint_eq(r.plans[r.chosen].instances, 3);
    ck_assert_double_eq_tol(r.plans[r.chosen].monthly, 540000, 1e-9);
    ck_assert_str_eq(p.tiers[r.runner_up].name, "Compact");
    ck_assert_uint_eq(r.plans[r.chosen].difficulty, 4);

    /* Without the memory floor, 12 Micros beat the guide's 3 Standards. */
    in.min_memory_gb = 0;
    r = pick_ok(&p, &in);
    ck_assert_str_eq(p.tiers[r.chosen].name, "Micro");
    ck_assert_uint_eq(r.plans[r.chosen].instances, 12);
    ck_assert_double_eq_tol(r.plans[r.chosen].monthly, 420000, 1e-9);
}
END_TEST

/* ---- price tables ------------------------------------------------------------------------- */

START_TEST(test_prices_both_defaults_parse)
{
    struct rpt_prices p = naver();
    ck_assert_str_eq(p.currency, "KRW");
    ck_assert_uint_eq(p.ntiers, 3);
    ck_assert_str_eq(p.tiers[0].name, "Micro");
    ck_assert_double_eq(p.tiers[0].per_month, 15000);
    ck_assert_double_eq(p.tiers[0].cpu_baseline_pct, 100);
    ck_assert_double_eq(p.tiers[1].per_month, 50000);
    ck_assert_double_eq(p.tiers[2].per_month, 100000);
    ck_assert_double_eq(p.tiers[2].vcpu, 4);
    ck_assert(strstr(p.tiers[2].source, "assumed: 4 vCPU, 8 GB") != NULL);
    ck_assert_uint_eq(p.nextras, 6);
    ck_assert_str_eq(p.extras[0].name, "load balancer");
    ck_assert_uint_eq(p.extras[0].min_instances, 2);
    ck_assert(isnan(p.extras[0].min_users));
    ck_assert_double_eq(p.extras[1].below_users, 10000);
    for (size_t i = 0; i < p.ntiers; i++)
        ck_assert_str_eq(p.tiers[i].date, "2026-12-03");

    char err[256];
    ck_assert_msg(rpt_prices_default("aws", &p, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(p.currency, "USD");
    ck_assert_uint_eq(p.ntiers, 3);
    ck_assert_str_eq(p.tiers[2].name, "c6i.large");
    ck_assert_double_eq_tol(p.tiers[2].per_month, 62.05, 1e-12);
    ck_assert_double_eq(p.tiers[0].cpu_baseline_pct, 10);
    ck_assert_double_eq_tol(p.extras[0].per_1000_rps_month, 21.02, 1e-12);

    ck_assert_int_eq(rpt_prices_default("gcp", &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "no built-in price table \"gcp\" (built in: naver, aws)");
    ck_assert_int_eq(rpt_currency_decimals("KRW"), 0);
    ck_assert_int_eq(rpt_currency_decimals("USD"), 2);
}
END_TEST

START_TEST(test_prices_builtin_is_the_data_files)
{
    const char *names[] = {"naver", "aws"};
    for (size_t i = 0; i < 2; i++) {
        char path[64], err[256];
        size_t len;
        snprintf(path, sizeof(path), "data/prices-%s.json", names[i]);
        char *file = file_read(path, 1 << 20, &len, err, sizeof(err));
        ck_assert_msg(file != NULL, "%s (run from the top of the tree)", err);
        ck_assert_msg(strcmp(file, rpt_prices_builtin(names[i])) == 0,
                      "%s and reports/prices_data.c differ: run make prices-data", path);
        free(file);
    }
    ck_assert_ptr_null(rpt_prices_builtin("nope"));
}
END_TEST

/* The Naver default, changed by edit, printed back to JSON, then parsed: the parse's message. */
typedef void edit_fn(cJSON *doc);
static const char *parse_edited(edit_fn *edit)
{
    static char err[512];
    cJSON *doc = cJSON_Parse(rpt_prices_builtin("naver"));
    ck_assert_ptr_nonnull(doc);
    edit(doc);
    char *text = cJSON_Print(doc);
    struct rpt_prices p;
    err[0] = '\0';
    int rc = rpt_prices_parse(text, strlen(text), &p, err, sizeof(err));
    free(text);
    cJSON_Delete(doc);
    ck_assert_msg(rc == -1, "accepted");
    return err;
}

static cJSON *tier(cJSON *doc, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tiers"), i);
}
static cJSON *extra(cJSON *doc, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "extras"), i);
}

static void vcpu_as_string(cJSON *doc)
{
    cJSON_ReplaceItemInObject(tier(doc, 2), "vcpu", cJSON_CreateString("four"));
}
static void vcpu_typo(cJSON *doc)
{
    cJSON *v = cJSON_DetachItemFromObject(tier(doc, 0), "vcpu");
    cJSON_AddItemToObject(tier(doc, 0), "vpcu", v);
}
static void no_price(cJSON *doc)
{
    cJSON_DeleteItemFromObject(extra(doc, 0), "per_month");
}
static void no_when(cJSON *doc)
{
    cJSON_DeleteItemFromObject(extra(doc, 1), "when");
}
static void no_source(cJSON *doc)
{
    cJSON_DeleteItemFromObject(tier(doc, 1), "source");
}
static void difficulty_six(cJSON *doc)
{
    cJSON_ReplaceItemInObject(tier(doc, 1), "difficulty", cJSON_CreateNumber(6));
}
static void negative_price(cJSON *doc)
{
    cJSON_ReplaceItemInObject(tier(doc, 0), "per_month", cJSON_CreateNumber(-1));
}
static void bad_date(cJSON *doc)
{
    cJSON_ReplaceItemInObject(extra(doc, 2), "date", cJSON_CreateString("03/12/2026"));
}
static void when_typo(cJSON *doc)
{
    cJSON_AddNumberToObject(cJSON_GetObjectItem(extra(doc, 0), "when"), "min_instance", 2);
}
static void users_backwards(cJSON *doc)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(extra(doc, 1), "when"), "below_users",
                              cJSON_CreateNumber(500));
}
static void same_name(cJSON *doc)
{
    cJSON_ReplaceItemInObject(tier(doc, 2), "name", cJSON_CreateString("Micro"));
}
static void no_tiers(cJSON *doc)
{
    cJSON_ReplaceItemInObject(doc, "tiers", cJSON_CreateArray());
}
static void other_schema(cJSON *doc)
{
    cJSON_ReplaceItemInObject(doc, "schema", cJSON_CreateString("tierbench.prices/9"));
}
static void lower_currency(cJSON *doc)
{
    cJSON_ReplaceItemInObject(doc, "currency", cJSON_CreateString("krw"));
}
static void top_level_typo(cJSON *doc)
{
    cJSON_AddStringToObject(doc, "curency", "KRW");
}

START_TEST(test_prices_bad_field_names_its_json_path)
{
    ck_assert_str_eq(parse_edited(vcpu_as_string), "tiers[2].vcpu: expected a number");
    ck_assert_str_eq(parse_edited(difficulty_six),
                     "tiers[1].difficulty: expected an integer from 1 to 5");
    ck_assert_str_eq(parse_edited(negative_price),
                     "tiers[0].per_month: expected a number from 0 to 1e+12, got -1");
    ck_assert_str_eq(parse_edited(bad_date), "extras[2].date: expected a date like \"2026-12-03\"");
    ck_assert_str_eq(parse_edited(users_backwards),
                     "extras[1].when.below_users: expected more than min_users (1000), got 500");
    ck_assert_str_eq(parse_edited(same_name),
                     "tiers[2].name: \"Micro\" is already the name of tiers[0]");
    ck_assert_str_eq(parse_edited(no_tiers), "tiers: expected an array of at least one tier");
    ck_assert_str_eq(parse_edited(other_schema),
                     "schema: expected \"tierbench.prices/1\", got \"tierbench.prices/9\"");
    ck_assert_str_eq(parse_edited(lower_currency),
                     "currency: expected an ISO 4217 code like \"KRW\", got \"krw\"");
}
END_TEST

START_TEST(test_prices_unknown_key_refused)
{
    ck_assert_str_eq(parse_edited(vcpu_typo),
                     "tiers[0].vpcu: unknown key (expected one of: name, vcpu, cpu_baseline_pct, "
                     "memory_gb, per_month, difficulty, source, date)");
    ck_assert_str_eq(parse_edited(when_typo),
                     "extras[0].when.min_instance: unknown key (expected one of: min_instances, "
                     "min_users, below_users)");
    ck_assert_str_eq(parse_edited(top_level_typo),
                     "curency: unknown key (expected one of: schema, name, currency, source, "
                     "date, tiers, extras)");
}
END_TEST

START_TEST(test_prices_missing_field_named)
{
    ck_assert_str_eq(parse_edited(no_price), "extras[0].per_month: missing (required)");
    ck_assert_str_eq(parse_edited(no_source), "tiers[1].source: missing (required)");
    ck_assert_str_eq(parse_edited(no_when), "extras[1].when: missing (required; {} for always)");
}
END_TEST

START_TEST(test_prices_invalid_json_and_duplicate_keys)
{
    struct rpt_prices p;
    char err[256];
    const char *bad = "{\n  \"schema\": \"tierbench.prices/1\",\n  \"name\": oops\n}";
    ck_assert_int_eq(rpt_prices_parse(bad, strlen(bad), &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "line 3, column 11: not valid JSON");
    const char *twice = "{\"schema\": \"tierbench.prices/1\", \"schema\": \"x\"}";
    ck_assert_int_eq(rpt_prices_parse(twice, strlen(twice), &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "schema: given twice");
    const char *arr = "[]";
    ck_assert_int_eq(rpt_prices_parse(arr, strlen(arr), &p, err, sizeof(err)), -1);
    ck_assert_str_eq(err,
                     "(top level): expected an object with \"schema\": \"tierbench.prices/1\"");
}
END_TEST

/* ---- tables ------------------------------------------------------------------------------- */

static char *dump_tables(const struct rpt_table *t, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; i < n; i++) {
        check_cells(&t[i]);
        dump(f, &t[i]);
    }
    fclose(f);
    return out;
}

static void check_pick_golden(const struct rpt_prices *p, const struct rpt_tier_input *in,
                              const char *golden)
{
    struct rpt_tier_result r = pick_ok(p, in);
    struct rpt_table t[RPT_TIER_TABLES];
    ck_assert_int_eq(rpt_tier_tables(p, in, &r, t), 0);
    ck_assert_str_eq(t[0].key, "tier_choice");
    ck_assert_str_eq(t[1].key, "tier_cost");
    ck_assert_str_eq(t[2].key, "tier_plans");
    ck_assert_str_eq(t[3].key, "tier_reasoning");
    char *text = dump_tables(t, RPT_TIER_TABLES);
    check_golden(golden, text);
    free(text);
    for (size_t i = 0; i < RPT_TIER_TABLES; i++)
        rpt_table_free(&t[i]);
}

START_TEST(test_tables_naver_10000_users)
{
    struct rpt_prices p = naver();
    struct rpt_tier_input in = rate_input(NAN, 1200, 1);
    in.users = 10000;
    in.response_time_s = 0.05;
    in.think_time_s = 0.95;
    in.min_memory_gb = 2;
    check_pick_golden(&p, &in, "tiers_pick_naver.txt");
}
END_TEST

START_TEST(test_tables_aws_rate_with_cpu_per_request)
{
    struct rpt_prices p;
    char err[256];
    ck_assert_msg(rpt_prices_default("aws", &p, err, sizeof(err)) == 0, "%s", err);
    struct rpt_tier_input in = rate_input(20000, 10300, 2);
    in.cpu_us_per_req = 80;
    in.cpu_utilization_pct = 85;
    check_pick_golden(&p, &in, "tiers_pick_aws.txt");
}
END_TEST

START_TEST(test_tables_auto_scaling)
{
    struct rpt_prices p = naver();
    struct rpt_tier_input in = rate_input(1e6, 630, 2);
    check_pick_golden(&p, &in, "tiers_pick_autoscale.txt");
}
END_TEST

static struct rpt_tier_measured measure(const char *tier, double rps, double p50_us, double p99_us,
                                        double users, double monthly, bool projected)
{
    struct rpt_tier_measured m;
    memset(&m, 0, sizeof(m));
    snprintf(m.tier, sizeof(m.tier), "%s", tier);
    m.rate_rps = rps;
    m.p50_us = p50_us;
    m.p99_us = p99_us;
    m.users_at_slo = users;
    m.monthly = monthly;
    snprintf(m.currency, sizeof(m.currency), "%s", isnan(monthly) ? "" : "KRW");
    m.projected = projected;
    return m;
}

START_TEST(test_tables_guide_comparison_measured_projected_claimed)
{
    struct rpt_tier_measured m[] = {
        measure("python-threaded", 630, 31000, 79000, 52, 15000, false),
        measure("Gunicorn", 10300, 4200, 9800, 505, 50000, false),
        measure("gunicorn+nginx", 20600, 2100, 9100, 1010, 100000, true),
        measure("tierbench", 47000, 1000, 3100, 2300, 50000, false),
    };
    m[3].difficulty = 2;
    struct rpt_table t;
    char err[256];
    ck_assert_msg(rpt_tier_compare_table(&t, m, 4, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(t.nrows, 5);
    ck_assert_str_eq(t.rows[3][0].text, "Auto Scaling");
    ck_assert_str_eq(t.rows[3][6].text, "claimed, not measured");
    ck_assert_str_eq(t.rows[0][6].text, "measured");
    ck_assert_str_eq(t.rows[2][6].text, "projected");
    ck_assert_str_eq(t.rows[4][0].text, "tierbench");
    char *text = dump_tables(&t, 1);
    check_golden("tiers_compare.txt", text);
    free(text);
    rpt_table_free(&t);

    /* Nothing measured: the guide's table as it claims. */
    ck_assert_msg(rpt_tier_compare_table(&t, NULL, 0, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(t.nrows, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(t.rows[i][6].text, "claimed, not measured");
    ck_assert_str_eq(t.rows[0][1].text, "100");
    ck_assert_str_eq(t.rows[2][2].text, "20,000");
    ck_assert_str_eq(t.rows[3][1].text, "unlimited");
    rpt_table_free(&t);
}
END_TEST

START_TEST(test_tables_comparison_refuses_two_runs_for_one_row)
{
    struct rpt_tier_measured m[] = {
        measure("gunicorn-nginx", 1, NAN, NAN, NAN, NAN, false),
        measure("Gunicorn + Nginx", 2, NAN, NAN, NAN, NAN, false),
    };
    struct rpt_table t;
    char err[256];
    ck_assert_int_eq(rpt_tier_compare_table(&t, m, 2, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "tiers \"gunicorn-nginx\" and \"Gunicorn + Nginx\" are the same row");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reports_tiers");
    TCase *tc = tcase_create("picker");
    tcase_add_test(tc, test_tier_exactly_at_capacity_times_headroom_is_one_instance);
    tcase_add_test(tc, test_tier_one_request_over_needs_a_second_instance);
    tcase_add_test(tc, test_tier_headroom_changes_the_count);
    tcase_add_test(tc, test_tier_zero_and_absurd_inputs_refused);
    tcase_add_test(tc, test_tier_users_by_littles_law_match_the_same_rate);
    tcase_add_test(tc, test_tier_rate_without_users_leaves_user_extras_out_and_says_so);
    tcase_add_test(tc, test_tier_vcpu_scaling_linear_without_cpu_per_request);
    tcase_add_test(tc, test_tier_vcpu_scaling_by_cpu_per_request);
    tcase_add_test(tc, test_tier_burstable_counts_its_baseline_only);
    tcase_add_test(tc, test_tier_cheapest_wins_and_runner_up_is_next);
    tcase_add_test(tc, test_tier_load_balancer_from_two_instances);
    tcase_add_test(tc, test_tier_equal_cost_goes_to_fewer_instances);
    tcase_add_test(tc, test_tier_over_the_cap_advises_auto_scaling);
    tcase_add_test(tc, test_tier_memory_floor_refuses_small_tiers);
    tcase_add_test(tc, test_tier_guide_cost_cases_from_the_default_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("prices");
    tcase_add_test(tc, test_prices_both_defaults_parse);
    tcase_add_test(tc, test_prices_builtin_is_the_data_files);
    tcase_add_test(tc, test_prices_bad_field_names_its_json_path);
    tcase_add_test(tc, test_prices_unknown_key_refused);
    tcase_add_test(tc, test_prices_missing_field_named);
    tcase_add_test(tc, test_prices_invalid_json_and_duplicate_keys);
    suite_add_tcase(s, tc);
    tc = tcase_create("tables");
    tcase_add_test(tc, test_tables_naver_10000_users);
    tcase_add_test(tc, test_tables_aws_rate_with_cpu_per_request);
    tcase_add_test(tc, test_tables_auto_scaling);
    tcase_add_test(tc, test_tables_guide_comparison_measured_projected_claimed);
    tcase_add_test(tc, test_tables_comparison_refuses_two_runs_for_one_row);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run(suite());
}
