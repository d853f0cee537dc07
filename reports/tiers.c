/* reports/tiers.c: the tier picker (which tier, how many instances, what monthly bill meets a
 * target, from a measured per-instance capacity) and the guide's comparison table, measured.
 * Numbers in, struct rpt_tier_result and struct rpt_table out (declared in reports.h, "tiers");
 * price tables come from prices.c. README.md "The tier picker" explains the model. */
#include "reports/reports.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Input limits: beyond them a value is a mistake (a fraction for a percentage, ms for s). */
#define MAX_USERS         1e9
#define MAX_RATE_RPS      1e9
#define MAX_RESPONSE_S    600.0
#define MAX_THINK_S       86400.0
#define MAX_VCPU          1024.0
#define MAX_CPU_US        1e8
#define MAX_MEMORY_GB     (64.0 * 1024.0)
#define MAX_INSTANCES_CAP 100000u
/* A measured point may report slightly more CPU than the machine has (CPU time and wall time
 * are sampled apart); more than this is a wrong input. */
#define CPU_PCT_SLACK 105.0
/* Text width of a reasoning line: 80 columns less a margin for the renderer. */
#define REASON_COLS 78

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- number formats --------------------------------------------------------------------- */

/* v with thousands separators and the given decimals: "12,345", "1,234.50". */
static void fmt_num(char *buf, size_t cap, double v, int decimals)
{
    if (isnan(v)) {
        snprintf(buf, cap, "n/a");
        return;
    }
    char raw[64];
    snprintf(raw, sizeof(raw), "%.*f", decimals, fabs(v));
    if (strcmp(raw, "inf") == 0) {
        snprintf(buf, cap, "unlimited");
        return;
    }
    const char *dot = strchr(raw, '.');
    size_t ndigits = dot ? (size_t)(dot - raw) : strlen(raw);
    char out[96];
    size_t o = 0;
    /* Rounding may print "-0" for a tiny negative; a sign only when a digit is not zero. */
    if (v < 0 && strspn(raw, "0.") != strlen(raw))
        out[o++] = '-';
    for (size_t i = 0; i < ndigits && o + 2 < sizeof(out); i++) {
        if (i && (ndigits - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    snprintf(buf, cap, "%s%s", out, dot ? dot : "");
}

/* Instance counts: "12", "4,536". */
static void fmt_count(char *buf, size_t cap, unsigned n)
{
    fmt_num(buf, cap, n, 0);
}

static void fmt_money(char *buf, size_t cap, double v, const char *currency)
{
    fmt_num(buf, cap, v, rpt_currency_decimals(currency));
}

/* Rates: whole numbers from 100 req/s, more digits below. */
static void fmt_rps(char *buf, size_t cap, double v)
{
    fmt_num(buf, cap, v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
}

/* "50 ms", "1.5 s", "0 s". */
static void fmt_secs(char *buf, size_t cap, double s)
{
    if (s > 0 && s < 1)
        snprintf(buf, cap, "%.4g ms", s * 1e3);
    else
        snprintf(buf, cap, "%.4g s", s);
}

/* ---- the picker ------------------------------------------------------------------------- */

void rpt_tier_input_init(struct rpt_tier_input *in)
{
    memset(in, 0, sizeof(*in));
    in->users = NAN;
    in->rate_rps = NAN;
    in->response_time_s = NAN;
    in->think_time_s = 0;
    in->capacity_rps = NAN;
    in->measured_vcpu = NAN;
    in->cpu_us_per_req = NAN;
    in->cpu_utilization_pct = NAN;
    in->headroom_pct = 70;
    in->min_memory_gb = 0;
    in->max_instances = 20;
}

/* Fails unless lo <= v <= hi (NAN and infinities fail too). */
static int check_range(const char *name, double v, double lo, double hi, char *err, size_t errlen)
{
    if (v >= lo && v <= hi)
        return 0;
    return fail(err, errlen, "%s: expected a number from %g to %g, got %g", name, lo, hi, v);
}

static int check_input(const struct rpt_prices *p, const struct rpt_tier_input *in, char *err,
                       size_t errlen)
{
    if (!p || p->ntiers < 1 || p->ntiers > RPT_PRICES_MAX_TIERS)
        return fail(err, errlen, "the price table has no tiers");
    bool has_users = !isnan(in->users), has_rate = !isnan(in->rate_rps);
    if (has_users && has_rate)
        return fail(err, errlen, "give the target as users or as rate_rps, not both");
    if (!has_users && !has_rate)
        return fail(err, errlen, "no target: give users (with response_time_s) or rate_rps");
    if (has_users && check_range("users", in->users, 1, MAX_USERS, err, errlen))
        return -1;
    if (has_rate && check_range("rate_rps", in->rate_rps, 0.001, MAX_RATE_RPS, err, errlen))
        return -1;
    if (has_users && isnan(in->response_time_s))
        return fail(err, errlen,
                    "response_time_s: required with users (Little's law: req/s = users / "
                    "(response time + think time))");
    if (!isnan(in->response_time_s) &&
        check_range("response_time_s", in->response_time_s, 1e-6, MAX_RESPONSE_S, err, errlen))
        return -1;
    if (check_range("think_time_s", in->think_time_s, 0, MAX_THINK_S, err, errlen))
        return -1;
    if (isnan(in->capacity_rps))
        return fail(err, errlen,
                    "capacity_rps: required (one instance's req/s at the SLO, measured)");
    if (check_range("capacity_rps", in->capacity_rps, 0.001, MAX_RATE_RPS, err, errlen))
        return -1;
    if (isnan(in->measured_vcpu))
        return fail(err, errlen,
                    "measured_vcpu: required (vCPUs of the machine capacity_rps was measured on)");
    if (check_range("measured_vcpu", in->measured_vcpu, 0.01, MAX_VCPU, err, errlen))
        return -1;
    if (!isnan(in->cpu_us_per_req) &&
        check_range("cpu_us_per_req", in->cpu_us_per_req, 0.01, MAX_CPU_US, err, errlen))
        return -1;
    if (!isnan(in->cpu_utilization_pct)) {
        if (isnan(in->cpu_us_per_req))
            return fail(err, errlen, "cpu_utilization_pct: only with cpu_us_per_req");
        if (check_range("cpu_utilization_pct", in->cpu_utilization_pct, 1, 100, err, errlen))
            return -1;
    }
    if (!(in->headroom_pct >= 10 && in->headroom_pct <= 100))
        return fail(err, errlen,
                    "headroom_pct %g: expected a share of capacity from 10 to 100 (70 plans at "
                    "70%%)",
                    in->headroom_pct);
    if (check_range("min_memory_gb", in->min_memory_gb, 0, MAX_MEMORY_GB, err, errlen))
        return -1;
    if (in->max_instances < 1 || in->max_instances > MAX_INSTANCES_CAP)
        return fail(err, errlen, "max_instances: expected an integer from 1 to %u, got %u",
                    MAX_INSTANCES_CAP, in->max_instances);
    if (!isnan(in->cpu_us_per_req)) {
        double busy_vcpu = in->capacity_rps * in->cpu_us_per_req / 1e6;
        if (busy_vcpu / in->measured_vcpu * 100 > CPU_PCT_SLACK)
            return fail(err, errlen,
                        "cpu_us_per_req: %g us x %g req/s keeps %.3g vCPUs busy, more than the "
                        "%g measured on",
                        in->cpu_us_per_req, in->capacity_rps, busy_vcpu, in->measured_vcpu);
    }
    return 0;
}

static bool extra_has_user_condition(const struct rpt_price_extra *x)
{
    return !isnan(x->min_users) || !isnan(x->below_users);
}

/* Whether extra x comes with a plan of n instances for users (NAN: unknown; then a condition
 * on users cannot hold, and *unknown is set). */
static bool extra_applies(const struct rpt_price_extra *x, unsigned n, double users, bool *unknown)
{
    if (x->min_instances && n < x->min_instances)
        return false;
    if (!extra_has_user_condition(x))
        return true;
    if (isnan(users)) {
        *unknown = true;
        return false;
    }
    if (!isnan(x->min_users) && users < x->min_users)
        return false;
    if (!isnan(x->below_users) && users >= x->below_users)
        return false;
    return true;
}

static void plan_tier(const struct rpt_prices *p, size_t i, const struct rpt_tier_input *in,
                      struct rpt_tier_result *r)
{
    const struct rpt_price_tier *t = &p->tiers[i];
    struct rpt_tier_plan *pl = &r->plans[i];
    pl->vcpu_sustained = t->vcpu * t->cpu_baseline_pct / 100;
    pl->capacity_rps = r->per_vcpu_rps * pl->vcpu_sustained;
    pl->plan_rps = pl->capacity_rps * in->headroom_pct / 100;
    double ratio = r->required_rps / pl->plan_rps;
    /* 700 req/s on a 1,000 req/s instance planned at 70% is one instance, though 0.7 is not
     * exact in binary: a ratio within 1e-9 of a whole number counts as that number. */
    double n = ceil(ratio * (1 - 1e-9));
    if (n < 1)
        n = 1;
    if (!(n <= RPT_TIER_MAX_INSTANCES))
        n = RPT_TIER_MAX_INSTANCES;
    pl->instances = (unsigned)n;
    pl->memory_ok = t->memory_gb >= in->min_memory_gb;
    pl->fits = pl->memory_ok && pl->instances <= in->max_instances && ratio <= n;
    pl->instances_cost = pl->instances * t->per_month;
    pl->monthly = pl->instances_cost;
    pl->difficulty = t->difficulty;
    for (size_t k = 0; k < p->nextras; k++) {
        const struct rpt_price_extra *x = &p->extras[k];
        pl->extra_cost[k] = NAN;
        if (!extra_applies(x, pl->instances, r->users, &r->users_unknown_extras))
            continue;
        pl->extra_cost[k] = x->per_month + x->per_1000_rps_month * r->required_rps / 1000;
        pl->monthly += pl->extra_cost[k];
        if (x->difficulty > pl->difficulty)
            pl->difficulty = x->difficulty;
    }
}

/* Money compares equal within a relative 1e-9: 3 x 7.59 and 22.77 are one price. */
static int cmp_money(double a, double b)
{
    double tol = 1e-9 * fmax(fabs(a), fabs(b));
    return a < b - tol ? -1 : a > b + tol ? 1 : 0;
}

/* True when plan a is better than plan b: cheaper; at equal cost fewer instances (less to run),
 * then easier, then earlier in the table. */
static bool plan_better(const struct rpt_tier_result *r, size_t a, size_t b)
{
    const struct rpt_tier_plan *pa = &r->plans[a], *pb = &r->plans[b];
    int c = cmp_money(pa->monthly, pb->monthly);
    if (c)
        return c < 0;
    if (pa->instances != pb->instances)
        return pa->instances < pb->instances;
    if (pa->difficulty != pb->difficulty)
        return pa->difficulty < pb->difficulty;
    return a < b;
}

static void add_reason(struct rpt_tier_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_reason(struct rpt_tier_result *r, const char *fmt, ...)
{
    if (r->nreasons >= RPT_TIER_MAX_REASONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reasons[r->nreasons++], RPT_TIER_REASON_BYTES, fmt, ap);
    va_end(ap);
}

/* Appends to buf (cap bytes, NUL-terminated) printf-style; truncates, never overflows. */
static void cat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t cap, const char *fmt, ...)
{
    size_t at = strlen(buf);
    if (at + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + at, cap - at, fmt, ap);
    va_end(ap);
}

static void reason_target(const struct rpt_tier_input *in, struct rpt_tier_result *r)
{
    char a[48], b[48], c[48], d[48];
    fmt_secs(b, sizeof(b), in->response_time_s);
    fmt_secs(c, sizeof(c), in->think_time_s);
    fmt_rps(d, sizeof(d), r->required_rps);
    if (!isnan(in->users)) {
        fmt_num(a, sizeof(a), in->users, 0);
        add_reason(r, "Target: %s users / (%s response + %s think time) = %s req/s (Little's law).",
                   a, b, c, d);
    } else if (!isnan(r->users)) {
        fmt_num(a, sizeof(a), r->users, 0);
        add_reason(r, "Target: %s req/s, about %s users at %s response + %s think time.", d, a, b,
                   c);
    } else {
        add_reason(r, "Target: %s req/s.", d);
    }
}

static void reason_capacity(const struct rpt_tier_input *in, struct rpt_tier_result *r)
{
    char cap[48], per[48], slo[80];
    fmt_rps(cap, sizeof(cap), in->capacity_rps);
    fmt_rps(per, sizeof(per), r->per_vcpu_rps);
    if (in->slo[0])
        snprintf(slo, sizeof(slo), "at %s", in->slo);
    else
        snprintf(slo, sizeof(slo), "at the SLO");
    if (!r->cpu_model) {
        add_reason(r,
                   "Measured: %s req/s per instance %s on %g vCPU, so %s req/s per vCPU; "
                   "capacity is assumed linear in vCPUs (no CPU time per request given).",
                   cap, slo, in->measured_vcpu, per);
        return;
    }
    bool given = !isnan(in->cpu_utilization_pct);
    double u = given ? in->cpu_utilization_pct : fmin(r->measured_cpu_pct, 100);
    add_reason(r,
               "Measured: %s req/s per instance %s on %g vCPU at %g us of server CPU per "
               "request: %.0f%% of its CPU busy.",
               cap, slo, in->measured_vcpu, in->cpu_us_per_req, r->measured_cpu_pct);
    add_reason(r, "Capacity per vCPU = 1e6 / %g us x %.0f%% utilisation = %s req/s (%s).",
               in->cpu_us_per_req, u, per,
               given ? "the utilisation given"
                     : "the utilisation measured, so the same as linear scaling");
}

static void reason_rules(const struct rpt_prices *p, const struct rpt_tier_input *in,
                         struct rpt_tier_result *r)
{
    char line[RPT_TIER_REASON_BYTES] = "";
    for (size_t i = 0; i < p->ntiers; i++) {
        const struct rpt_price_tier *t = &p->tiers[i];
        if (t->cpu_baseline_pct < 100)
            cat(line, sizeof(line), "%s%s %g vCPU x %g%% = %.3g", line[0] ? ", " : "", t->name,
                t->vcpu, t->cpu_baseline_pct, r->plans[i].vcpu_sustained);
    }
    if (line[0])
        add_reason(r, "Burstable tiers count the vCPU they may use all the time: %s.", line);
    add_reason(r,
               "Each instance is planned at %g%% of its capacity; at most %u instances per "
               "tier, beyond which auto scaling is advised.",
               in->headroom_pct, in->max_instances);
    line[0] = '\0';
    for (size_t k = 0; k < p->nextras; k++) {
        const struct rpt_price_extra *x = &p->extras[k];
        char m[48];
        fmt_money(m, sizeof(m), x->per_month, p->currency);
        if (x->min_instances < 2)
            continue;
        char from[32] = "";
        if (x->min_instances > 2)
            snprintf(from, sizeof(from), ", from %u instances", x->min_instances);
        cat(line, sizeof(line), "%s%s (%s %s a month%s%s)", line[0] ? ", " : "", x->name, m,
            p->currency, x->per_1000_rps_month > 0 ? " plus capacity" : "", from);
    }
    if (line[0])
        add_reason(r, "More than one instance brings: %s.", line);
}

/* "3 x Standard 300,000 + load balancer 30,000 = 330,000" */
static void cost_sum(const struct rpt_prices *p, const struct rpt_tier_result *r, size_t i,
                     char *buf, size_t cap)
{
    const struct rpt_tier_plan *pl = &r->plans[i];
    char m[48];
    buf[0] = '\0';
    fmt_money(m, sizeof(m), pl->instances_cost, p->currency);
    cat(buf, cap, "%u x %s %s", pl->instances, p->tiers[i].name, m);
    for (size_t k = 0; k < p->nextras; k++) {
        if (isnan(pl->extra_cost[k]))
            continue;
        fmt_money(m, sizeof(m), pl->extra_cost[k], p->currency);
        cat(buf, cap, " + %s %s", p->extras[k].name, m);
    }
    fmt_money(m, sizeof(m), pl->monthly, p->currency);
    cat(buf, cap, " = %s %s", m, p->currency);
}

static void reason_choice(const struct rpt_prices *p, const struct rpt_tier_input *in,
                          struct rpt_tier_result *r)
{
    char a[48], b[48], c[48], d[RPT_TIER_REASON_BYTES];
    fmt_rps(c, sizeof(c), r->required_rps);
    if (r->chosen < 0) {
        add_reason(r,
                   "No tier meets %s req/s with %u instances or fewer: auto scaling is advised "
                   "(difficulty 5/5).",
                   c, in->max_instances);
        if (r->over_cap >= 0) {
            const struct rpt_tier_plan *pl = &r->plans[r->over_cap];
            fmt_money(a, sizeof(a), pl->monthly, p->currency);
            fmt_count(b, sizeof(b), pl->instances);
            add_reason(r, "The cheapest fixed pool would be %s x %s, %s %s a month.", b,
                       p->tiers[r->over_cap].name, a, p->currency);
        } else {
            add_reason(r, "No tier has the %g GB of memory asked for.", in->min_memory_gb);
        }
        return;
    }
    const struct rpt_price_tier *t = &p->tiers[r->chosen];
    const struct rpt_tier_plan *pl = &r->plans[r->chosen];
    fmt_rps(a, sizeof(a), pl->plan_rps);
    fmt_rps(b, sizeof(b), pl->plan_rps * pl->instances);
    add_reason(r,
               "Chosen: %u x %s (%g vCPU, %g GB): %u x %s = %s req/s at %g%% >= %s needed; "
               "difficulty %u/5.",
               pl->instances, t->name, t->vcpu, t->memory_gb, pl->instances, a, b, in->headroom_pct,
               c, pl->difficulty);
    cost_sum(p, r, (size_t)r->chosen, d, sizeof(d));
    add_reason(r, "Its monthly cost: %s.", d);

    /* Why each tier that is cheaper per instance lost. */
    for (size_t i = 0; i < r->nplans; i++) {
        const struct rpt_price_tier *ti = &p->tiers[i];
        const struct rpt_tier_plan *pi = &r->plans[i];
        if ((int)i == r->chosen || cmp_money(ti->per_month, t->per_month) >= 0)
            continue;
        if (!pi->memory_ok) {
            add_reason(r, "%s: %g GB of memory, %g GB needed.", ti->name, ti->memory_gb,
                       in->min_memory_gb);
            continue;
        }
        fmt_rps(a, sizeof(a), pi->plan_rps);
        if (!pi->fits) {
            fmt_count(b, sizeof(b), pi->instances);
            add_reason(r, "%s: one gives %s req/s at %g%%; %s%s would be needed, more than %u.",
                       ti->name, a, in->headroom_pct,
                       pi->instances >= RPT_TIER_MAX_INSTANCES ? "over " : "", b,
                       in->max_instances);
            continue;
        }
        fmt_money(b, sizeof(b), pi->monthly, p->currency);
        int cmp = cmp_money(pi->monthly, pl->monthly);
        fmt_money(c, sizeof(c), pi->monthly - pl->monthly, p->currency);
        if (cmp > 0)
            add_reason(r, "%s: one gives %s req/s at %g%%; %u needed cost %s %s, %s more.",
                       ti->name, a, in->headroom_pct, pi->instances, b, p->currency, c);
        else
            add_reason(r,
                       "%s: one gives %s req/s at %g%%; %u needed cost %s %s too (a tie goes to "
                       "fewer instances, then the easier plan).",
                       ti->name, a, in->headroom_pct, pi->instances, b, p->currency);
    }

    if (r->runner_up < 0) {
        add_reason(r,
                   "Runner-up: none; no other tier meets the target with %u instances or "
                   "fewer.",
                   in->max_instances);
        return;
    }
    const struct rpt_tier_plan *pr = &r->plans[r->runner_up];
    fmt_money(a, sizeof(a), pr->monthly, p->currency);
    fmt_money(b, sizeof(b), pr->monthly - pl->monthly, p->currency);
    if (cmp_money(pr->monthly, pl->monthly) == 0)
        snprintf(b, sizeof(b), "the same cost");
    else
        cat(b, sizeof(b), " more");
    add_reason(r, "Runner-up: %u x %s, %s %s a month (%s), difficulty %u/5.", pr->instances,
               p->tiers[r->runner_up].name, a, p->currency, b, pr->difficulty);
}

static void reason_unknown_users(const struct rpt_prices *p, struct rpt_tier_result *r)
{
    if (!r->users_unknown_extras)
        return;
    char names[RPT_TIER_REASON_BYTES] = "";
    for (size_t k = 0; k < p->nextras; k++)
        if (extra_has_user_condition(&p->extras[k]))
            cat(names, sizeof(names), "%s%s", names[0] ? ", " : "", p->extras[k].name);
    add_reason(r,
               "Left out, since they depend on users and users are unknown (give a response "
               "time): %s.",
               names);
}

int rpt_tier_pick(const struct rpt_prices *p, const struct rpt_tier_input *in,
                  struct rpt_tier_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->chosen = out->runner_up = out->over_cap = -1;
    out->users = NAN;
    out->measured_cpu_pct = NAN;
    if (check_input(p, in, err, errlen))
        return -1;

    double cycle_s = in->response_time_s + in->think_time_s;
    if (!isnan(in->users)) {
        out->users = in->users;
        out->required_rps = in->users / cycle_s;
    } else {
        out->required_rps = in->rate_rps;
        if (!isnan(in->response_time_s))
            out->users = in->rate_rps * cycle_s;
    }

    out->cpu_model = !isnan(in->cpu_us_per_req);
    if (out->cpu_model) {
        out->measured_cpu_pct =
            in->capacity_rps * in->cpu_us_per_req / (in->measured_vcpu * 1e6) * 100;
        double u = !isnan(in->cpu_utilization_pct) ? in->cpu_utilization_pct
                                                   : fmin(out->measured_cpu_pct, 100);
        out->per_vcpu_rps = 1e6 / in->cpu_us_per_req * u / 100;
    } else {
        out->per_vcpu_rps = in->capacity_rps / in->measured_vcpu;
    }

    out->nplans = p->ntiers;
    for (size_t i = 0; i < p->ntiers; i++)
        plan_tier(p, i, in, out);
    for (size_t i = 0; i < p->ntiers; i++) {
        const struct rpt_tier_plan *pl = &out->plans[i];
        if (pl->fits) {
            if (out->chosen < 0 || plan_better(out, i, (size_t)out->chosen)) {
                out->runner_up = out->chosen;
                out->chosen = (int)i;
            } else if (out->runner_up < 0 || plan_better(out, i, (size_t)out->runner_up)) {
                out->runner_up = (int)i;
            }
        } else if (pl->memory_ok &&
                   (out->over_cap < 0 || plan_better(out, i, (size_t)out->over_cap))) {
            out->over_cap = (int)i;
        }
    }
    if (out->chosen >= 0)
        out->over_cap = -1;

    reason_target(in, out);
    reason_capacity(in, out);
    reason_rules(p, in, out);
    reason_choice(p, in, out);
    reason_unknown_users(p, out);
    return 0;
}

/* ---- tables ----------------------------------------------------------------------------- */

/* Word-wraps text into rows of t (one cell each) of at most REASON_COLS columns; continuation
 * lines are indented by two spaces. A word longer than a line is cut. Returns 0 or -1. */
static int add_wrapped(struct rpt_table *t, const char *text)
{
    const char *s = text;
    bool first = true;
    while (*s) {
        size_t width = first ? REASON_COLS : REASON_COLS - 2;
        size_t n = strlen(s);
        if (n > width) {
            n = width;
            while (n > 0 && s[n] != ' ')
                n--;
            if (n == 0)
                n = width;
        }
        struct rpt_cell *row = rpt_table_row(t);
        if (!row)
            return -1;
        rpt_cell_set(&row[0], NAN, "%s%.*s", first ? "" : "  ", (int)n, s);
        s += n;
        while (*s == ' ')
            s++;
        first = false;
    }
    return 0;
}

static int choice_table(const struct rpt_prices *p, const struct rpt_tier_result *r,
                        struct rpt_table *t)
{
    char money_col[48], runner_col[48], title[192], m[48], rps[48];
    snprintf(money_col, sizeof(money_col), "Monthly (%s)|monthly|r", p->currency);
    snprintf(runner_col, sizeof(runner_col), "Runner-up (%s)|runner_up_monthly|r", p->currency);
    const char *cols[] = {"Tier|tier",
                          "Instances|instances|r",
                          money_col,
                          "Difficulty|difficulty|r",
                          "Runner-up|runner_up",
                          runner_col};
    fmt_rps(rps, sizeof(rps), r->required_rps);
    snprintf(title, sizeof(title), "Tier for %s req/s (%s)", rps, p->name);
    if (rpt_table_init(t, "tier_choice", title, cols, 6))
        return -1;
    struct rpt_cell *row = rpt_table_row(t);
    if (!row)
        return -1;
    if (r->chosen >= 0) {
        const struct rpt_tier_plan *pl = &r->plans[r->chosen];
        rpt_cell_set(&row[0], NAN, "%s", p->tiers[r->chosen].name);
        rpt_cell_set(&row[1], pl->instances, "%u", pl->instances);
        fmt_money(m, sizeof(m), pl->monthly, p->currency);
        rpt_cell_set(&row[2], pl->monthly, "%s", m);
        rpt_cell_set(&row[3], pl->difficulty, "%u/5", pl->difficulty);
    } else {
        rpt_cell_set(&row[0], NAN, "auto scaling");
        rpt_cell_set(&row[1], NAN, "n/a");
        rpt_cell_set(&row[2], NAN, "n/a");
        rpt_cell_set(&row[3], 5, "5/5");
    }
    if (r->runner_up >= 0) {
        const struct rpt_tier_plan *pl = &r->plans[r->runner_up];
        rpt_cell_set(&row[4], NAN, "%u x %s", pl->instances, p->tiers[r->runner_up].name);
        fmt_money(m, sizeof(m), pl->monthly, p->currency);
        rpt_cell_set(&row[5], pl->monthly, "%s", m);
    } else {
        rpt_cell_set(&row[4], NAN, "none");
        rpt_cell_set(&row[5], NAN, "n/a");
    }
    return 0;
}

static int cost_row(struct rpt_table *t, const char *item, double qty, int qty_decimals,
                    double unit, double monthly, const char *currency)
{
    char a[48], b[48], c[48];
    struct rpt_cell *row = rpt_table_row(t);
    if (!row)
        return -1;
    fmt_num(a, sizeof(a), qty, qty_decimals);
    fmt_money(b, sizeof(b), unit, currency);
    fmt_money(c, sizeof(c), monthly, currency);
    rpt_cell_set(&row[0], NAN, "%s", item);
    rpt_cell_set(&row[1], qty, "%s", isnan(qty) ? "" : a);
    rpt_cell_set(&row[2], unit, "%s", isnan(unit) ? "" : b);
    rpt_cell_set(&row[3], monthly, "%s", c);
    return 0;
}

static int cost_table(const struct rpt_prices *p, const struct rpt_tier_input *in,
                      const struct rpt_tier_result *r, struct rpt_table *t)
{
    static const char *const cols[] = {"Item|item", "Qty|quantity|r", "Unit price|unit_price|r",
                                       "Monthly|monthly|r"};
    int i = r->chosen >= 0 ? r->chosen : r->over_cap;
    char title[160], n[32];
    if (i < 0)
        snprintf(title, sizeof(title), "Monthly cost: no tier has %g GB of memory",
                 in->min_memory_gb);
    else {
        fmt_count(n, sizeof(n), r->plans[i].instances);
        snprintf(title, sizeof(title), "Monthly cost of %s x %s (%s)%s", n, p->tiers[i].name,
                 p->currency, r->chosen < 0 ? ", over the instance cap" : "");
    }
    if (rpt_table_init(t, "tier_cost", title, cols, 4))
        return -1;
    if (i < 0)
        return 0;
    const struct rpt_tier_plan *pl = &r->plans[i];
    if (cost_row(t, p->tiers[i].name, pl->instances, 0, p->tiers[i].per_month, pl->instances_cost,
                 p->currency))
        return -1;
    for (size_t k = 0; k < p->nextras; k++) {
        const struct rpt_price_extra *x = &p->extras[k];
        if (isnan(pl->extra_cost[k]))
            continue;
        if (cost_row(t, x->name, 1, 0, x->per_month, x->per_month, p->currency))
            return -1;
        if (x->per_1000_rps_month > 0) {
            char item[RPT_CELL_BYTES];
            snprintf(item, sizeof(item), "%s per 1,000 req/s", x->name);
            double k_rps = r->required_rps / 1000;
            if (cost_row(t, item, k_rps, 2, x->per_1000_rps_month, k_rps * x->per_1000_rps_month,
                         p->currency))
                return -1;
        }
    }
    if (cost_row(t, "total", NAN, 0, NAN, pl->monthly, p->currency))
        return -1;
    for (size_t k = 0; k < p->nextras; k++)
        if (!isnan(pl->extra_cost[k]) && p->extras[k].per_1000_rps_month > 0) {
            rpt_table_note(t,
                           "%s per 1,000 req/s: a simple model of its usage price (see the "
                           "price file).",
                           p->extras[k].name);
            break;
        }
    return 0;
}

static int plans_table(const struct rpt_prices *p, const struct rpt_tier_input *in,
                       const struct rpt_tier_result *r, struct rpt_table *t)
{
    char money_col[48], title[128], rps[48], m[48], n[32];
    snprintf(money_col, sizeof(money_col), "Monthly (%s)|monthly|r", p->currency);
    const char *cols[] = {
        "Tier|tier", "vCPU|vcpu_sustained|r", "req/s each|plan_rps|r", "Instances|instances|r",
        money_col,   "Verdict|verdict"};
    fmt_rps(rps, sizeof(rps), r->required_rps);
    snprintf(title, sizeof(title), "Every tier at %s req/s", rps);
    if (rpt_table_init(t, "tier_plans", title, cols, 6))
        return -1;
    const struct rpt_tier_plan *chosen = r->chosen >= 0 ? &r->plans[r->chosen] : NULL;
    for (size_t i = 0; i < r->nplans; i++) {
        const struct rpt_price_tier *ti = &p->tiers[i];
        const struct rpt_tier_plan *pl = &r->plans[i];
        struct rpt_cell *row = rpt_table_row(t);
        if (!row)
            return -1;
        rpt_cell_set(&row[0], NAN, "%s", ti->name);
        if (ti->cpu_baseline_pct < 100)
            rpt_cell_set(&row[1], pl->vcpu_sustained, "%g x %g%%", ti->vcpu, ti->cpu_baseline_pct);
        else
            rpt_cell_set(&row[1], pl->vcpu_sustained, "%g", ti->vcpu);
        fmt_rps(rps, sizeof(rps), pl->plan_rps);
        rpt_cell_set(&row[2], pl->plan_rps, "%s", rps);
        fmt_count(n, sizeof(n), pl->instances);
        rpt_cell_set(&row[3], pl->instances, "%s%s",
                     pl->instances >= RPT_TIER_MAX_INSTANCES ? ">" : "", n);
        fmt_money(m, sizeof(m), pl->monthly, p->currency);
        rpt_cell_set(&row[4], pl->monthly, "%s", m);
        if ((int)i == r->chosen) {
            rpt_cell_set(&row[5], NAN, "chosen");
        } else if (!pl->memory_ok) {
            rpt_cell_set(&row[5], NAN, "%g GB < %g GB", ti->memory_gb, in->min_memory_gb);
        } else if (!pl->fits || !chosen) { /* no plan fits without a chosen one */
            rpt_cell_set(&row[5], NAN, "needs %s > %u", n, in->max_instances);
        } else {
            const char *ru = (int)i == r->runner_up ? "runner-up, " : "";
            fmt_money(m, sizeof(m), pl->monthly - chosen->monthly, p->currency);
            if (cmp_money(pl->monthly, chosen->monthly) == 0)
                rpt_cell_set(&row[5], NAN, "%ssame cost", ru);
            else
                rpt_cell_set(&row[5], NAN, "%s+%s", ru, m);
        }
    }
    rpt_table_note(t, "req/s each: one instance's capacity at the SLO x %g%% (the plan).",
                   in->headroom_pct);
    if (r->cpu_model)
        rpt_table_note(t, "Capacity scaled by CPU time per request (see the reasoning).");
    else
        rpt_table_note(t, "Capacity scaled linearly in vCPUs from the machine measured.");
    rpt_table_note(t, "Prices: %s, %s.", p->name, p->date);
    return 0;
}

static int reasoning_table(const struct rpt_tier_result *r, struct rpt_table *t)
{
    static const char *const cols[] = {"Reasoning|line"};
    if (rpt_table_init(t, "tier_reasoning", "Reasoning", cols, 1))
        return -1;
    for (size_t i = 0; i < r->nreasons; i++)
        if (add_wrapped(t, r->reasons[i]))
            return -1;
    return 0;
}

int rpt_tier_tables(const struct rpt_prices *p, const struct rpt_tier_input *in,
                    const struct rpt_tier_result *r, struct rpt_table *tables)
{
    memset(tables, 0, RPT_TIER_TABLES * sizeof(*tables));
    if (choice_table(p, r, &tables[0]) || cost_table(p, in, r, &tables[1]) ||
        plans_table(p, in, r, &tables[2]) || reasoning_table(r, &tables[3]))
        goto fail;
    return 0;
fail:
    /* A table that was never started is all zeros: no rows to free. */
    for (size_t i = 0; i < RPT_TIER_TABLES; i++)
        rpt_table_free(&tables[i]);
    return -1;
}

/* ---- the guide's comparison table, measured --------------------------------------------- */

/* The guide's comparison table, as it claims (never measured there). */
struct guide_row {
    const char *solution;
    const char *tags[4]; /* normalized --tier tags that mean this row */
    double users;        /* INFINITY: "unlimited" */
    double rate_rps;
    double response_ms;
    const char *cost;
    double cost_value; /* 0 for "free", NAN for words */
    unsigned difficulty;
};

static const struct guide_row guide_rows[] = {
    {"current (multi-threaded Python)",
     {"current", "pythonthreaded", "python", NULL},
     100,
     500,
     50,
     "free",
     0,
     1},
    {"Gunicorn", {"gunicorn", NULL}, 500, 5000, 20, "cheap", NAN, 2},
    {"Gunicorn + Nginx", {"gunicornnginx", NULL}, 2000, 20000, 10, "medium", NAN, 3},
    {"Auto Scaling", {"autoscaling", NULL}, INFINITY, INFINITY, 5, "high", NAN, 5},
};
#define NGUIDE (sizeof(guide_rows) / sizeof(guide_rows[0]))

/* Lower-case letters and digits only: "Gunicorn + Nginx" -> "gunicornnginx". */
static void normalize_tag(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            buf[o++] = (char)tolower((unsigned char)*s);
    buf[o] = '\0';
}

/* The guide row a tag means, or -1. */
static int guide_match(const char *tier)
{
    char norm[RPT_PRICE_NAME_BYTES];
    normalize_tag(tier, norm, sizeof(norm));
    for (size_t g = 0; g < NGUIDE; g++)
        for (size_t k = 0; guide_rows[g].tags[k]; k++)
            if (!strcmp(norm, guide_rows[g].tags[k]))
                return (int)g;
    return -1;
}

static int measured_row(struct rpt_table *t, const char *solution,
                        const struct rpt_tier_measured *m, unsigned guide_difficulty)
{
    char a[48], b[48];
    struct rpt_cell *row = rpt_table_row(t);
    if (!row)
        return -1;
    rpt_cell_set(&row[0], NAN, "%s", solution);
    fmt_num(a, sizeof(a), m->users_at_slo, 0);
    rpt_cell_set(&row[1], m->users_at_slo, "%s", a);
    fmt_rps(a, sizeof(a), m->rate_rps);
    rpt_cell_set(&row[2], m->rate_rps, "%s", a);
    if (!isnan(m->p50_us) || !isnan(m->p99_us)) {
        fmt_num(a, sizeof(a), m->p50_us / 1e3, 2);
        fmt_num(b, sizeof(b), m->p99_us / 1e3, 2);
        rpt_cell_set(&row[3], m->p99_us / 1e3, "%s / %s ms", a, b);
    } else {
        rpt_cell_set(&row[3], NAN, "n/a");
    }
    if (!isnan(m->monthly)) {
        fmt_money(a, sizeof(a), m->monthly, m->currency);
        rpt_cell_set(&row[4], m->monthly, "%s %s", a, m->currency);
    } else {
        rpt_cell_set(&row[4], NAN, "n/a");
    }
    unsigned d = m->difficulty ? m->difficulty : guide_difficulty;
    if (d)
        rpt_cell_set(&row[5], d, "%u/5", d);
    else
        rpt_cell_set(&row[5], NAN, "n/a");
    rpt_cell_set(&row[6], NAN, "%s", m->projected ? "projected" : "measured");
    return 0;
}

static int claimed_row(struct rpt_table *t, const struct guide_row *g)
{
    char a[48];
    struct rpt_cell *row = rpt_table_row(t);
    if (!row)
        return -1;
    rpt_cell_set(&row[0], NAN, "%s", g->solution);
    fmt_num(a, sizeof(a), g->users, 0);
    rpt_cell_set(&row[1], isinf(g->users) ? NAN : g->users, "%s", a);
    fmt_num(a, sizeof(a), g->rate_rps, 0);
    rpt_cell_set(&row[2], isinf(g->rate_rps) ? NAN : g->rate_rps, "%s", a);
    rpt_cell_set(&row[3], g->response_ms, "%g ms", g->response_ms);
    rpt_cell_set(&row[4], g->cost_value, "%s", g->cost);
    rpt_cell_set(&row[5], g->difficulty, "%u/5", g->difficulty);
    rpt_cell_set(&row[6], NAN, "claimed, not measured");
    return 0;
}

int rpt_tier_compare_table(struct rpt_table *t, const struct rpt_tier_measured *m, size_t n,
                           char *err, size_t errlen)
{
    static const char *const cols[] = {
        "Solution|solution", "Users|users|r",           "req/s|rps|r", "Latency|latency_ms|r",
        "Monthly|monthly",   "Difficulty|difficulty|r", "Basis|basis"};
    memset(t, 0, sizeof(*t));
    /* Which input row fills each guide row; two for one row is an input mistake. */
    size_t by_guide[NGUIDE];
    for (size_t g = 0; g < NGUIDE; g++)
        by_guide[g] = n;
    for (size_t i = 0; i < n; i++) {
        char ni[RPT_PRICE_NAME_BYTES], nj[RPT_PRICE_NAME_BYTES];
        normalize_tag(m[i].tier, ni, sizeof(ni));
        if (!ni[0])
            return fail(err, errlen, "measured tier %zu: no name", i);
        for (size_t j = 0; j < i; j++) {
            normalize_tag(m[j].tier, nj, sizeof(nj));
            int gi = guide_match(m[i].tier), gj = guide_match(m[j].tier);
            if (!strcmp(ni, nj) || (gi >= 0 && gi == gj))
                return fail(err, errlen, "tiers \"%s\" and \"%s\" are the same row", m[j].tier,
                            m[i].tier);
        }
        int g = guide_match(m[i].tier);
        if (g >= 0)
            by_guide[g] = i;
    }

    if (rpt_table_init(t, "tier_comparison", "The guide's comparison, measured", cols, 7))
        return fail(err, errlen, "out of memory");
    for (size_t g = 0; g < NGUIDE; g++) {
        int rc = by_guide[g] < n ? measured_row(t, guide_rows[g].solution, &m[by_guide[g]],
                                                guide_rows[g].difficulty)
                                 : claimed_row(t, &guide_rows[g]);
        if (rc)
            goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if (guide_match(m[i].tier) < 0 && measured_row(t, m[i].tier, &m[i], 0))
            goto fail;

    rpt_table_note(t, "Latency: p50 / p99 where measured; the guide's one figure is of no stated "
                      "kind.");
    bool projected = false;
    for (size_t i = 0; i < n; i++)
        projected |= m[i].projected;
    if (projected)
        rpt_table_note(t, "projected: computed from other measurements, not run on that tier.");
    for (size_t g = 0; g < NGUIDE; g++) {
        const struct rpt_tier_measured *mi = by_guide[g] < n ? &m[by_guide[g]] : NULL;
        if (!mi || isnan(mi->rate_rps) || isinf(guide_rows[g].rate_rps) || t->nnotes >= 8)
            continue;
        char a[48], b[48];
        fmt_rps(a, sizeof(a), mi->rate_rps);
        fmt_rps(b, sizeof(b), guide_rows[g].rate_rps);
        rpt_table_note(t, "%s: %s req/s %s, %s claimed (%.2fx).", guide_rows[g].solution, a,
                       mi->projected ? "projected" : "measured", b,
                       mi->rate_rps / guide_rows[g].rate_rps);
    }
    return 0;
fail:
    rpt_table_free(t);
    memset(t, 0, sizeof(*t));
    return fail(err, errlen, "out of memory");
}
