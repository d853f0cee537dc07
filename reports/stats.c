/* reports/stats.c: statistics of repeated runs, what Go's benchstat does: the median, a spread
 * figure, the Mann-Whitney U test and the "delta" between two sets of repeats. The contract is
 * reports.h (section "analysis"); README.md ("Capacity: the math") says why these methods. */
#include "reports/reports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* RPT_MW_AUTO's limit for the exact distribution, R's wilcox.test's: below 50 per side. */
#define MW_EXACT_BELOW 50
/* The exact distribution's table holds (k + 1) x (2kN + 1) doubles; this caps it at 32 MiB. */
#define MW_EXACT_MAX_CELLS ((size_t)4 << 20)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A sorted copy of x, or NULL when out of memory or when x holds a NaN. */
static double *sorted_copy(const double *x, size_t n)
{
    double *s = malloc((n ? n : 1) * sizeof(*s));
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) {
            free(s);
            return NULL;
        }
        s[i] = x[i];
    }
    qsort(s, n, sizeof(*s), cmp_double);
    return s;
}

double rpt_median(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = sorted_copy(x, n);
    if (!s)
        return NAN;
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

double rpt_spread(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    double m = rpt_median(x, n);
    if (isnan(m))
        return NAN;
    double dev = 0;
    for (size_t i = 0; i < n; i++)
        dev = fmax(dev, fabs(x[i] - m));
    if (dev == 0)
        return 0;
    return m == 0 ? INFINITY : dev / fabs(m);
}

/* C(n, k) as a double; exact while it is below 2^53, then within rounding. */
static double binomial(size_t n, size_t k)
{
    if (k > n)
        return 0;
    if (k > n - k)
        k = n - k;
    double c = 1;
    for (size_t i = 1; i <= k; i++)
        c = c * (double)(n - k + i) / (double)i;
    return floor(c + 0.5);
}

double rpt_mw_min_p(size_t na, size_t nb)
{
    if (na == 0 || nb == 0)
        return 1;
    return fmin(1, 2 / binomial(na + nb, na));
}

struct mw_value {
    double v;
    bool in_a;
};

static int cmp_mw_value(const void *a, const void *b)
{
    return cmp_double(&((const struct mw_value *)a)->v, &((const struct mw_value *)b)->v);
}

/* A run of equal values in the pooled sort: g of them share the doubled midrank r2 (doubling
 * keeps half ranks integers, so the exact table can be indexed by them). */
struct mw_group {
    size_t g;  /* how many */
    size_t r2; /* twice their midrank */
};

/* Two-sided p of the exact permutation distribution: how many of the C(N, k) ways to pick k of
 * the pooled values give a doubled midrank sum at or beyond the observed w2, on each side.
 * cnt[j][s] counts the ways to pick j values among the groups seen so far with sum s; a group of
 * g tied values adds c of them in C(g, c) ways. Returns -1 when out of memory. */
static int mw_exact_p(const struct mw_group *groups, size_t ngroups, size_t n_total, size_t k,
                      size_t w2, double *p)
{
    size_t smax = 2 * k * n_total; /* every doubled rank is at most 2N */
    size_t width = smax + 1;
    double *cnt = calloc((k + 1) * width, sizeof(*cnt));
    if (!cnt)
        return -1;
    cnt[0] = 1;
    size_t seen = 0;
    for (size_t gi = 0; gi < ngroups; gi++) {
        size_t g = groups[gi].g, r2 = groups[gi].r2;
        size_t top = seen + g < k ? seen + g : k;
        /* Rows are updated from the largest pick count down, so the rows read (j - c < j) still
         * hold the counts before this group. */
        for (size_t j = top; j >= 1; j--) {
            for (size_t c = 1; c <= g && c <= j; c++) {
                double coef = binomial(g, c);
                size_t add = c * r2;
                const double *from = cnt + (j - c) * width;
                double *to = cnt + j * width;
                for (size_t s = add; s <= smax; s++)
                    if (from[s - add] != 0)
                        to[s] += coef * from[s - add];
            }
        }
        seen += g;
    }
    const double *row = cnt + k * width;
    double total = 0, lower = 0, upper = 0;
    for (size_t s = 0; s <= smax; s++) {
        total += row[s];
        if (s <= w2)
            lower += row[s];
        if (s >= w2)
            upper += row[s];
    }
    free(cnt);
    *p = fmin(1, 2 * fmin(lower, upper) / total);
    return 0;
}

int rpt_mann_whitney(const double *a, size_t na, const double *b, size_t nb, enum rpt_mw_method how,
                     struct rpt_mw *out, char *err, size_t errlen)
{
    struct mw_value *pool = NULL;
    struct mw_group *groups = NULL;
    memset(out, 0, sizeof(*out));
    out->u = NAN;
    out->p = NAN;
    if (na == 0 || nb == 0) {
        snprintf(err, errlen, "Mann-Whitney U: each side needs a value (n=%zu+%zu)", na, nb);
        return -1;
    }
    size_t n_total = na + nb;
    pool = malloc(n_total * sizeof(*pool));
    groups = malloc(n_total * sizeof(*groups));
    if (!pool || !groups) {
        snprintf(err, errlen, "Mann-Whitney U: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n_total; i++) {
        pool[i].in_a = i < na;
        pool[i].v = i < na ? a[i] : b[i - na];
        if (isnan(pool[i].v)) {
            snprintf(err, errlen, "Mann-Whitney U: a value is not a number");
            goto fail;
        }
    }
    qsort(pool, n_total, sizeof(*pool), cmp_mw_value);

    /* Midranks: a run of equal values at sorted positions i..j (1-based) all get (i + j) / 2. */
    size_t ngroups = 0, wa2 = 0;
    double tie_term = 0; /* sum of t^3 - t over runs of t equal values */
    for (size_t i = 0; i < n_total;) {
        size_t j = i;
        while (j + 1 < n_total && pool[j + 1].v == pool[i].v)
            j++;
        struct mw_group *gr = &groups[ngroups++];
        gr->g = j - i + 1;
        gr->r2 = (i + 1) + (j + 1);
        for (size_t q = i; q <= j; q++)
            if (pool[q].in_a)
                wa2 += gr->r2;
        double t = (double)gr->g;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    double dna = (double)na, dnb = (double)nb, dn = (double)n_total;
    out->u = (double)wa2 / 2 - dna * (dna + 1) / 2;
    out->ties = tie_term > 0;

    size_t k = na <= nb ? na : nb;
    bool fits = (k + 1) * (2 * k * n_total + 1) <= MW_EXACT_MAX_CELLS;
    bool exact = how == RPT_MW_EXACT ||
                 (how == RPT_MW_AUTO && na < MW_EXACT_BELOW && nb < MW_EXACT_BELOW && fits);
    if (exact && !fits) {
        snprintf(err, errlen, "Mann-Whitney U: n=%zu+%zu is too large for the exact distribution",
                 na, nb);
        goto fail;
    }
    if (exact) {
        /* The two-sided p is the same from either side's sum; the smaller side's table is
         * smaller. The doubled rank sums of a and b add up to N (N + 1). */
        size_t w2 = na <= nb ? wa2 : n_total * (n_total + 1) - wa2;
        if (mw_exact_p(groups, ngroups, n_total, k, w2, &out->p) < 0) {
            snprintf(err, errlen, "Mann-Whitney U: out of memory");
            goto fail;
        }
        out->exact = true;
    } else {
        double mu = dna * dnb / 2;
        double var = dna * dnb / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
        if (var <= 0) {
            out->p = 1; /* every value equal: nothing tells the sides apart */
        } else {
            double z = fmax(0, fabs(out->u - mu) - 0.5) / sqrt(var);
            out->p = fmin(1, erfc(z / sqrt(2)));
        }
    }
    free(pool);
    free(groups);
    return 0;
fail:
    free(pool);
    free(groups);
    out->u = NAN;
    return -1;
}

int rpt_delta_compute(const double *base, size_t n_base, const double *new_x, size_t n_new,
                      double alpha, struct rpt_delta *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->n_base = n_base;
    out->n_new = n_new;
    out->alpha = alpha > 0 ? alpha : 0.05;
    struct rpt_mw mw;
    if (rpt_mann_whitney(base, n_base, new_x, n_new, RPT_MW_AUTO, &mw, err, errlen) < 0)
        return -1;
    out->median_base = rpt_median(base, n_base);
    out->median_new = rpt_median(new_x, n_new);
    if (isnan(out->median_base) || isnan(out->median_new)) {
        snprintf(err, errlen, "delta: out of memory");
        return -1;
    }
    if (out->median_base == 0) {
        snprintf(err, errlen, "delta: the baseline's median is 0, so there is no ratio");
        return -1;
    }
    out->ratio = out->median_new / out->median_base;
    out->spread = rpt_spread(base, n_base) + rpt_spread(new_x, n_new); /* NAN with one run */
    out->p = mw.p;
    out->significant = mw.p <= out->alpha;
    out->testable = rpt_mw_min_p(n_base, n_new) <= out->alpha;
    return 0;
}

/* Three significant digits: "3.12", "31.2", "312"; "0.00312" for small ratios. */
static void fmt_ratio(char *buf, size_t cap, double r)
{
    double a = fabs(r);
    if (a >= 100 || a == 0)
        snprintf(buf, cap, "%.0f", r);
    else if (a >= 10)
        snprintf(buf, cap, "%.1f", r);
    else if (a >= 0.995)
        snprintf(buf, cap, "%.2f", r);
    else
        snprintf(buf, cap, "%#.3g", r);
}

/* benchstat's whole percents; below 1% one decimal, so a tight spread does not read as 0. */
static void fmt_spread(char *buf, size_t cap, double s)
{
    if (isinf(s))
        snprintf(buf, cap, " ±inf");
    else if (s * 100 >= 0.95)
        snprintf(buf, cap, " ±%.0f%%", s * 100);
    else
        snprintf(buf, cap, " ±%.1f%%", s * 100);
}

static void fmt_p(char *buf, size_t cap, double p)
{
    if (p < 0.001)
        snprintf(buf, cap, "p<0.001");
    else
        snprintf(buf, cap, "p=%.3f", p);
}

size_t rpt_delta_format(const struct rpt_delta *d, char *buf, size_t cap)
{
    char ratio[32], spread[32], p[16];
    fmt_ratio(ratio, sizeof(ratio), d->ratio);
    fmt_p(p, sizeof(p), d->p);
    int len;
    if (d->n_base < 2 || d->n_new < 2) {
        if (d->significant)
            len = snprintf(buf, cap, "%s× (%s n=%zu+%zu)", ratio, p, d->n_base, d->n_new);
        else
            len = snprintf(buf, cap, "%s× no spread (n=%zu+%zu)", ratio, d->n_base, d->n_new);
    } else {
        fmt_spread(spread, sizeof(spread), d->spread);
        if (d->significant)
            len = snprintf(buf, cap, "%s×%s (%s n=%zu+%zu)", ratio, spread, p, d->n_base, d->n_new);
        else if (d->testable)
            len = snprintf(buf, cap, "~ (%s n=%zu+%zu)", p, d->n_base, d->n_new);
        else
            len = snprintf(buf, cap, "%s×%s (n=%zu+%zu: too few runs)", ratio, spread, d->n_base,
                           d->n_new);
    }
    return len < 0 ? 0 : (size_t)len;
}
