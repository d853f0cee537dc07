/* tests/check_reports_analysis.c: unit tests of the analysis in reports/: statistics of repeats
 * (stats.c) against published and enumerated cases, the USL fit (usl.c) against Schwartz's
 * published fit of tests/data/usl-cisco.tsv and against laws with known coefficients, capacity
 * (capacity.c) and its tables, and the points-file parser (points.c). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "reports/reports.h"
#include "tests/support/ck_run.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- statistics of repeats ---------------------------------------------------------------- */

START_TEST(test_median_of_odd_even_and_unsorted_sets)
{
    double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2}, one[] = {7};
    ck_assert_double_eq(rpt_median(odd, 3), 2);
    ck_assert_double_eq(rpt_median(even, 4), 2.5);
    ck_assert_double_eq(rpt_median(one, 1), 7);
    ck_assert(isnan(rpt_median(odd, 0)));
    ck_assert_double_eq(odd[0], 3); /* the input is not sorted in place */
    double with_nan[] = {1, NAN, 2};
    ck_assert(isnan(rpt_median(with_nan, 3)));
}
END_TEST

START_TEST(test_spread_is_largest_deviation_from_median_relative_to_it)
{
    double x[] = {98, 100, 103, 101, 99};
    ck_assert_double_eq_tol(rpt_spread(x, 5), 0.03, 1e-12);
    double same[] = {5, 5, 5};
    ck_assert_double_eq(rpt_spread(same, 3), 0);
    ck_assert(isnan(rpt_spread(x, 1))); /* one run has no spread */
    ck_assert(isnan(rpt_spread(x, 0)));
    double around_zero[] = {-1, 0, 1};
    ck_assert(isinf(rpt_spread(around_zero, 3)));
}
END_TEST

/* A p-value of the exact test by brute force: every way to pick na of the pooled values, with
 * midranks computed by counting, independently of stats.c. */
static double brute_force_p(const double *a, size_t na, const double *b, size_t nb)
{
    double pool[16] = {0}, rank[16] = {0};
    size_t n = na + nb;
    ck_assert_uint_le(n, 16);
    for (size_t i = 0; i < n; i++)
        pool[i] = i < na ? a[i] : b[i - na];
    for (size_t i = 0; i < n; i++) {
        double less = 0, equal = 0;
        for (size_t j = 0; j < n; j++) {
            less += pool[j] < pool[i];
            equal += pool[j] == pool[i];
        }
        rank[i] = less + (equal + 1) / 2;
    }
    double observed = 0;
    for (size_t i = 0; i < na; i++)
        observed += rank[i];
    double lower = 0, upper = 0, total = 0;
    for (uint32_t mask = 0; mask < (1u << n); mask++) {
        if ((size_t)__builtin_popcount(mask) != na)
            continue;
        double w = 0;
        for (size_t i = 0; i < n; i++)
            if (mask & (1u << i))
                w += rank[i];
        total++;
        lower += w <= observed + 1e-9;
        upper += w >= observed - 1e-9;
    }
    return fmin(1, 2 * fmin(lower, upper) / total);
}

static struct rpt_mw mw(const double *a, size_t na, const double *b, size_t nb,
                        enum rpt_mw_method how)
{
    struct rpt_mw r;
    char err[128] = "";
    ck_assert_msg(rpt_mann_whitney(a, na, b, nb, how, &r, err, sizeof(err)) == 0, "%s", err);
    return r;
}

START_TEST(test_mw_exact_when_every_value_differs_5_plus_5)
{
    double lo[] = {1, 2, 3, 4, 5}, hi[] = {6, 7, 8, 9, 10};
    struct rpt_mw r = mw(lo, 5, hi, 5, RPT_MW_AUTO);
    ck_assert(r.exact);
    ck_assert(!r.ties);
    ck_assert_double_eq(r.u, 0);
    ck_assert_double_eq_tol(r.p, 2.0 / 252, 1e-15); /* benchstat's familiar p=0.008 */
    r = mw(hi, 5, lo, 5, RPT_MW_AUTO);
    ck_assert_double_eq(r.u, 25);
    ck_assert_double_eq_tol(r.p, 2.0 / 252, 1e-15);
}
END_TEST

/* R's ?wilcox.test example (Hollander & Wolfe 1973, p. 69): W = 35, one-sided p-value 0.1272,
 * so the two-sided one is 0.2544 (SciPy: 0.2544122544122544). */
START_TEST(test_mw_exact_matches_hollander_wolfe_example)
{
    double x[] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
    struct rpt_mw r = mw(x, LEN(x), y, LEN(y), RPT_MW_AUTO);
    ck_assert_double_eq(r.u, 35);
    ck_assert_double_eq_tol(r.p, 0.2544122544122544, 1e-12);
}
END_TEST

/* SciPy's mannwhitneyu documentation example (Conover): U = 17, exact p = 1/9, asymptotic p =
 * 0.11134688653314041 (with the continuity correction). */
START_TEST(test_mw_matches_scipy_exact_and_normal_example)
{
    double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
    struct rpt_mw r = mw(males, 5, females, 4, RPT_MW_EXACT);
    ck_assert_double_eq(r.u, 17);
    ck_assert_double_eq_tol(r.p, 1.0 / 9, 1e-14);
    r = mw(males, 5, females, 4, RPT_MW_NORMAL);
    ck_assert(!r.exact);
    ck_assert_double_eq(r.u, 17);
    ck_assert_double_eq_tol(r.p, 0.11134688653314041, 1e-12);
}
END_TEST

START_TEST(test_mw_ties_exact_by_enumeration_and_normal_with_tie_correction)
{
    double a[] = {1, 2, 2, 3, 3, 3}, b[] = {2, 3, 4, 4, 5, 5, 5};
    struct rpt_mw r = mw(a, LEN(a), b, LEN(b), RPT_MW_AUTO);
    ck_assert(r.exact);
    ck_assert(r.ties);
    ck_assert_double_eq(r.u, 5.5);
    /* 26 of the C(13, 6) = 1716 splits have a midrank sum at or below a's. */
    ck_assert_double_eq_tol(r.p, 2.0 * 26 / 1716, 1e-14);
    ck_assert_double_eq_tol(r.p, brute_force_p(a, LEN(a), b, LEN(b)), 1e-14);
    /* SciPy's asymptotic p (tie-corrected variance, continuity correction). */
    r = mw(a, LEN(a), b, LEN(b), RPT_MW_NORMAL);
    ck_assert_double_eq_tol(r.p, 0.02773088616647723, 1e-12);

    /* More tie patterns against the enumeration, both orders. */
    static const double sets[][2][7] = {
        {{10, 10, 12}, {10, 11, 13, 13}},
        {{1, 1, 1, 2, 2}, {1, 2, 2, 2, 3, 3, 3}},
        {{5, 6, 6, 6, 7, 9}, {6, 6, 8, 9, 9}},
    };
    static const size_t sizes[][2] = {{3, 4}, {5, 7}, {6, 5}};
    for (size_t s = 0; s < LEN(sets); s++) {
        const double *sa = sets[s][0], *sb = sets[s][1];
        size_t na = sizes[s][0], nb = sizes[s][1];
        ck_assert_double_eq_tol(mw(sa, na, sb, nb, RPT_MW_EXACT).p, brute_force_p(sa, na, sb, nb),
                                1e-13);
        ck_assert_double_eq_tol(mw(sb, nb, sa, na, RPT_MW_EXACT).p, brute_force_p(sb, nb, sa, na),
                                1e-13);
    }
    ck_assert_double_eq_tol(mw(sets[0][0], 3, sets[0][1], 4, RPT_MW_EXACT).p, 0.4, 1e-14);
}
END_TEST

START_TEST(test_mw_with_one_value_per_side_or_all_tied)
{
    double one[] = {5}, four[] = {1, 2, 3, 4};
    struct rpt_mw r = mw(one, 1, four, 4, RPT_MW_AUTO);
    ck_assert_double_eq(r.u, 4);
    ck_assert_double_eq_tol(r.p, 0.4, 1e-15); /* 1 of 5 positions is the top one: 2 x 1/5 */
    double x[] = {2}, y[] = {1};
    ck_assert_double_eq(mw(x, 1, y, 1, RPT_MW_AUTO).p, 1);
    double t1[] = {3, 3, 3}, t2[] = {3, 3};
    ck_assert_double_eq(mw(t1, 3, t2, 2, RPT_MW_EXACT).p, 1);
    ck_assert_double_eq(mw(t1, 3, t2, 2, RPT_MW_NORMAL).p, 1);
    ck_assert_double_eq(mw(t1, 3, t2, 2, RPT_MW_NORMAL).u, 3);
}
END_TEST

START_TEST(test_mw_large_samples_use_the_normal_approximation)
{
    double a[60], b[60];
    for (int i = 0; i < 60; i++) {
        a[i] = i;
        b[i] = i + 30.5;
    }
    struct rpt_mw r = mw(a, 60, b, 60, RPT_MW_AUTO);
    ck_assert(!r.exact);
    ck_assert(!r.ties);
    ck_assert_double_eq(r.u, 435);
    ck_assert_double_eq_tol(r.p / 7.964332670470499e-13, 1, 1e-9); /* SciPy, asymptotic */
    r = mw(a, 60, b, 60, RPT_MW_EXACT);
    ck_assert(r.exact);
    ck_assert_double_eq_tol(r.p / 8.80275320455095e-15, 1, 1e-9); /* SciPy, exact */

    /* With ties (30..59 on both sides) the variance is tie-corrected. */
    for (int i = 0; i < 60; i++)
        b[i] = i + 30;
    r = mw(a, 60, b, 60, RPT_MW_AUTO);
    ck_assert(r.ties);
    ck_assert_double_eq(r.u, 450);
    ck_assert_double_eq_tol(r.p / 1.4065275903970576e-12, 1, 1e-9); /* SciPy, asymptotic */
    /* The exact test conditions on the ties (SciPy's "exact" ignores them); by enumeration the
     * same construction at 10+10 gives 0.0031392755850960185. */
    double c[10], d[10];
    for (int i = 0; i < 10; i++) {
        c[i] = i;
        d[i] = i + 5;
    }
    r = mw(c, 10, d, 10, RPT_MW_AUTO);
    ck_assert(r.exact);
    ck_assert_double_eq_tol(r.p, 0.0031392755850960185, 1e-15);
}
END_TEST

START_TEST(test_mw_refuses_empty_sides_and_nan)
{
    double a[] = {1, 2}, bad[] = {1, NAN};
    struct rpt_mw r;
    char err[128];
    ck_assert_int_eq(rpt_mann_whitney(a, 0, a, 2, RPT_MW_AUTO, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "n=0+2"));
    ck_assert_int_eq(rpt_mann_whitney(a, 2, bad, 2, RPT_MW_AUTO, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a number"));
    ck_assert(isnan(r.p));
}
END_TEST

START_TEST(test_mw_min_p_says_which_sizes_can_be_significant)
{
    ck_assert_double_eq_tol(rpt_mw_min_p(5, 5), 2.0 / 252, 1e-15);
    ck_assert_double_eq_tol(rpt_mw_min_p(3, 3), 0.1, 1e-15);
    ck_assert_double_eq_tol(rpt_mw_min_p(4, 4), 2.0 / 70, 1e-15);
    ck_assert_double_eq(rpt_mw_min_p(1, 1), 1);
    ck_assert_double_eq(rpt_mw_min_p(0, 3), 1);
}
END_TEST

static const char *delta_text(const double *base, size_t nb, const double *x, size_t nx)
{
    static char buf[128];
    struct rpt_delta d;
    char err[128] = "";
    ck_assert_msg(rpt_delta_compute(base, nb, x, nx, 0, &d, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(rpt_delta_format(&d, buf, sizeof(buf)), strlen(buf));
    return buf;
}

START_TEST(test_delta_formats_like_benchstat)
{
    double base[] = {100, 102, 98, 101, 99};       /* median 100, ±2% */
    double fast[] = {312, 312.1, 311.9, 312, 312}; /* median 312, ±0.03% */
    ck_assert_str_eq(delta_text(base, 5, fast, 5), "3.12× ±2% (p=0.008 n=5+5)");

    double mixed_a[] = {0, 1, 2, 6, 9}, mixed_b[] = {3, 4, 5, 7, 8}; /* U = 17: p = 0.421 */
    ck_assert_str_eq(delta_text(mixed_a, 5, mixed_b, 5), "~ (p=0.421 n=5+5)");

    ck_assert_str_eq(delta_text(base, 1, fast, 1), "3.12× no spread (n=1+1)");
    ck_assert_str_eq(delta_text(base, 5, fast, 1), "3.12× no spread (n=5+1)");
    ck_assert_str_eq(delta_text(base, 1, fast, 5), "3.12× no spread (n=1+5)");
    /* 3+3 can never reach p <= 0.05: the ratio is shown, flagged. */
    ck_assert_str_eq(delta_text(base, 3, fast, 3), "3.12× ±2% (n=3+3: too few runs)");

    /* One new run above 40 baseline runs is significant (p = 2/41). */
    double many[40];
    for (int i = 0; i < 40; i++)
        many[i] = 100 + i % 5;
    double one[] = {150};
    ck_assert_str_eq(delta_text(many, 40, one, 1), "1.47× (p=0.049 n=40+1)");

    /* A slower new set: ratio below 1; tight spreads get a decimal. */
    double slow[] = {50, 50.1, 49.9, 50, 50};
    double steady[] = {100, 100.1, 99.9, 100, 100};
    ck_assert_str_eq(delta_text(steady, 5, slow, 5), "0.500× ±0.3% (p=0.008 n=5+5)");
}
END_TEST

START_TEST(test_delta_fields_and_large_samples)
{
    double a[60], b[60];
    for (int i = 0; i < 60; i++) {
        a[i] = 100 + i;
        b[i] = 200 + i;
    }
    struct rpt_delta d;
    char err[128], buf[128];
    ck_assert_int_eq(rpt_delta_compute(a, 60, b, 60, 0.01, &d, err, sizeof(err)), 0);
    ck_assert_double_eq(d.alpha, 0.01);
    ck_assert_double_eq(d.median_base, 129.5);
    ck_assert_double_eq(d.median_new, 229.5);
    ck_assert(d.significant);
    ck_assert(d.testable);
    rpt_delta_format(&d, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1.77× ±36% (p<0.001 n=60+60)");
    /* snprintf-style: a short buffer is truncated, the needed length returned. */
    char small[8];
    ck_assert_uint_eq(rpt_delta_format(&d, small, sizeof(small)), strlen(buf));
    ck_assert_uint_eq(strlen(small), 7);
}
END_TEST

START_TEST(test_delta_refuses_zero_baseline_and_empty_sets)
{
    double zero[] = {0, 0, 0}, x[] = {1, 2, 3};
    struct rpt_delta d;
    char err[128];
    ck_assert_int_eq(rpt_delta_compute(zero, 3, x, 3, 0, &d, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "median is 0"));
    ck_assert_int_eq(rpt_delta_compute(x, 3, x, 0, 0, &d, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "n=3+0"));
}
END_TEST

/* ---- the USL fit ---------------------------------------------------------------------------- */

static double law(double lambda, double sigma, double kappa, double n)
{
    return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

static struct rpt_point point(double n, double x)
{
    struct rpt_point p = {
        .concurrency = n, .throughput_rps = x, .latency_us = NAN, .server_cpu_us_per_req = NAN};
    return p;
}

static struct rpt_points load_cisco(void)
{
    char err[256] = "";
    size_t len;
    char *text = file_read("tests/data/usl-cisco.tsv", 0, &len, err, sizeof(err));
    ck_assert_msg(text != NULL, "%s", err);
    struct rpt_points pts;
    ck_assert_msg(rpt_points_parse(text, len, "usl-cisco.tsv", &pts, err, sizeof(err)) == 0, "%s",
                  err);
    free(text);
    return pts;
}

/* Schwartz, Practical Scalability Analysis with the USL (2015): lambda = 995.6486, sigma =
 * 0.02671591, kappa = 0.0007690945 by non-linear least squares (shared/data/README.md). */
START_TEST(test_usl_reproduces_schwartz_fit_of_cisco_data)
{
    struct rpt_points pts = load_cisco();
    ck_assert_uint_eq(pts.n, 32);
    struct rpt_usl u;
    char err[160] = "";
    ck_assert_msg(rpt_usl_fit(pts.v, pts.n, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert(u.ok);
    ck_assert_uint_eq(u.npoints, 32);
    ck_assert_double_eq_tol(u.lambda / 995.6486, 1, 1e-5);
    ck_assert_double_eq_tol(u.sigma / 0.02671591, 1, 1e-5);
    ck_assert_double_eq_tol(u.kappa / 0.0007690945, 1, 1e-5);
    ck_assert_double_eq_tol(u.n_peak, 35.57, 0.01);
    ck_assert_double_eq_tol(u.x_peak_rps, 12342.85, 0.1);
    ck_assert_double_eq_tol(rpt_usl_x(&u, u.n_peak), u.x_peak_rps, 1e-9);
    ck_assert_double_eq_tol(u.r2, 0.99715, 1e-5);
    ck_assert_ptr_nonnull(strstr(u.method, "Levenberg-Marquardt"));
    rpt_points_free(&pts);
}
END_TEST

/* The README's linearised fit: lambda = X(1) = 955.16, sigma ~ 0.0202, kappa ~ 0.00088. */
START_TEST(test_usl_linear_fit_reproduces_readme_values)
{
    struct rpt_points pts = load_cisco();
    struct rpt_usl u;
    char err[160] = "";
    ck_assert_msg(rpt_usl_fit_linear(pts.v, pts.n, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert_double_eq(u.lambda, 955.16);
    ck_assert_double_eq_tol(u.sigma, 0.0202, 0.00005);
    ck_assert_double_eq_tol(u.kappa, 0.00088, 0.000005);
    ck_assert_ptr_nonnull(strstr(u.method, "linearised"));
    rpt_points_free(&pts);
}
END_TEST

/* xorshift64: the same noise on every machine. */
static double noise_u01(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

START_TEST(test_usl_recovers_known_sigma_kappa_within_5_percent_from_noisy_points)
{
    /* lambda 1000, sigma 0.05, kappa 0.0005 (peak at N = 43.6), N = 1..80, each X off by up to
     * ±1%. Over 200 seeds the worst error is 3.5%; these 8 are checked. */
    for (uint64_t seed = 1; seed <= 8; seed++) {
        uint64_t s = 0x9E3779B97F4A7C15ull * seed;
        struct rpt_point pts[80];
        for (int i = 0; i < 80; i++) {
            double n = i + 1;
            pts[i] = point(n, law(1000, 0.05, 0.0005, n) * (1 + 0.01 * (2 * noise_u01(&s) - 1)));
        }
        struct rpt_usl u;
        char err[160] = "";
        ck_assert_msg(rpt_usl_fit(pts, 80, &u, err, sizeof(err)) == 0, "%s", err);
        ck_assert_msg(fabs(u.sigma / 0.05 - 1) < 0.05, "seed %d: sigma %g", (int)seed, u.sigma);
        ck_assert_msg(fabs(u.kappa / 0.0005 - 1) < 0.05, "seed %d: kappa %g", (int)seed, u.kappa);
        ck_assert_double_eq_tol(u.lambda / 1000, 1, 0.02);
        ck_assert(u.r2 > 0.99);
    }
}
END_TEST

START_TEST(test_usl_exact_points_without_n1_are_recovered_exactly)
{
    struct rpt_point pts[16];
    for (int i = 0; i < 16; i++)
        pts[i] = point(4.0 * (i + 1), law(250, 0.08, 0.002, 4.0 * (i + 1)));
    struct rpt_usl u;
    char err[160] = "";
    ck_assert_msg(rpt_usl_fit(pts, 16, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert_double_eq_tol(u.lambda, 250, 1e-6);
    ck_assert_double_eq_tol(u.sigma, 0.08, 1e-9);
    ck_assert_double_eq_tol(u.kappa, 0.002, 1e-11);
    ck_assert_double_eq_tol(u.r2, 1, 1e-12);
    ck_assert_double_eq_tol(rpt_usl_x(&u, 10), law(250, 0.08, 0.002, 10), 1e-6);
}
END_TEST

START_TEST(test_usl_kappa_zero_has_no_peak)
{
    /* Amdahl's law: kappa = 0. */
    struct rpt_point pts[12];
    for (int i = 0; i < 12; i++)
        pts[i] = point(i + 1, law(500, 0.1, 0, i + 1));
    struct rpt_usl u;
    char err[160] = "";
    ck_assert_msg(rpt_usl_fit(pts, 12, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert_double_eq_tol(u.sigma, 0.1, 1e-9);
    ck_assert(u.kappa < 1e-12);
    if (u.kappa == 0) {
        ck_assert(isinf(u.n_peak));
        ck_assert_double_eq_tol(u.x_peak_rps, 5000, 1e-6); /* lambda / sigma */
    } else {
        ck_assert(u.n_peak > 1e5);
    }
}
END_TEST

START_TEST(test_usl_clamps_coefficients_that_want_to_be_negative)
{
    /* Superlinear points (a negative kappa would fit best): kappa stays 0 (bound active). */
    struct rpt_point pts[10];
    for (int i = 0; i < 10; i++) {
        double n = i + 1;
        pts[i] = point(n, 100 * n / (1 + 0.05 * (n - 1) - 0.002 * n * (n - 1)));
    }
    struct rpt_usl u;
    char err[160] = "";
    ck_assert_msg(rpt_usl_fit(pts, 10, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert_double_eq(u.kappa, 0);
    ck_assert(u.sigma >= 0);
    ck_assert(isinf(u.n_peak));
    ck_assert(u.r2 > 0.9);

    /* Perfectly linear scaling: sigma and kappa both 0, no ceiling. */
    for (int i = 0; i < 10; i++)
        pts[i] = point(i + 1, 100.0 * (i + 1));
    ck_assert_msg(rpt_usl_fit(pts, 10, &u, err, sizeof(err)) == 0, "%s", err);
    ck_assert_double_eq_tol(u.lambda, 100, 1e-9);
    ck_assert(u.sigma < 1e-12);
    ck_assert(u.kappa < 1e-12);
    ck_assert_double_eq_tol(u.r2, 1, 1e-12);
}
END_TEST

START_TEST(test_usl_needs_three_distinct_concurrencies)
{
    struct rpt_point pts[] = {point(1, 100), point(1, 101), point(2, 190), point(3, NAN),
                              point(4, 0)};
    struct rpt_usl u;
    char err[160];
    ck_assert_int_eq(rpt_usl_fit(pts, LEN(pts), &u, err, sizeof(err)), -1);
    ck_assert(!u.ok);
    ck_assert_ptr_nonnull(strstr(err, "3 different"));
    ck_assert(isnan(rpt_usl_x(&u, 2)));
    ck_assert_int_eq(rpt_usl_fit(pts, 0, &u, err, sizeof(err)), -1);
    ck_assert_int_eq(rpt_usl_fit_linear(pts, LEN(pts), &u, err, sizeof(err)), -1);
    /* Invalid points are skipped, not counted. */
    struct rpt_point more[] = {point(1, 100), point(2, 190), point(3, NAN),
                               point(4, 330), point(-1, 5),  point(8, 500)};
    ck_assert_int_eq(rpt_usl_fit(more, LEN(more), &u, err, sizeof(err)), 0);
    ck_assert_uint_eq(u.npoints, 4);
}
END_TEST

/* ---- capacity ------------------------------------------------------------------------------- */

/* A closed-loop sweep on lambda 1000, sigma 0.02, kappa 0.0005 (peak N = 44), p99 = 2.5 x the
 * mean response time N/X, 2% errors nowhere, server CPU 100 us per request. */
static const double sweep_n[] = {1, 2, 4, 8, 16, 32, 64, 128};

static void make_sweep(struct rpt_point *pts)
{
    for (size_t i = 0; i < LEN(sweep_n); i++) {
        double n = sweep_n[i], x = law(1000, 0.02, 0.0005, n);
        pts[i] = point(n, x);
        pts[i].latency_us = 2.5 * n / x * 1e6;
        pts[i].server_cpu_us_per_req = 100;
    }
}

static struct rpt_capacity_opts slo_opts(const char *slo)
{
    struct rpt_capacity_opts o;
    rpt_capacity_opts_init(&o);
    char err[128] = "";
    ck_assert_msg(metric_threshold_parse(slo, &o.slo, err, sizeof(err)) == 0, "%s", err);
    o.has_slo = true;
    return o;
}

static struct rpt_capacity capacity(const struct rpt_point *pts, size_t n,
                                    const struct rpt_capacity_opts *o)
{
    struct rpt_capacity c;
    char err[160] = "";
    ck_assert_msg(rpt_capacity_compute(pts, n, o, &c, err, sizeof(err)) == 0, "%s", err);
    return c;
}

static bool has_warning(const struct rpt_capacity *c, const char *needle)
{
    for (size_t i = 0; i < c->nwarnings; i++)
        if (strstr(c->warnings[i], needle))
            return true;
    return false;
}

START_TEST(test_capacity_is_highest_throughput_within_slo_not_highest_n)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    /* p99 at N = 64 is 10.7 ms (passes 20 ms), but X there is below N = 32's. */
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert(c.slo_met);
    ck_assert(!c.slo_all_met);
    ck_assert_uint_eq(c.npassing, 7);
    ck_assert_uint_eq(c.slo_index, 5);
    ck_assert_double_eq(c.slo_concurrency, 32);
    ck_assert_double_eq_tol(c.slo_throughput_rps, law(1000, 0.02, 0.0005, 32), 1e-9);
    ck_assert_double_eq_tol(c.slo_latency_us, 5290, 1e-6);
    ck_assert_str_eq(c.slo_text, "p99_ms < 20, error_rate <= 0.01");
    ck_assert_str_eq(c.latency_name, "p99");
    /* An SLO of 5 ms leaves N <= 16. */
    o = slo_opts("p99<5ms");
    c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 16);
    /* "<=" includes the limit itself. */
    o = slo_opts("p99<=5.29ms");
    c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 32);
    o = slo_opts("p99<5.29ms");
    c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 16);
}
END_TEST

START_TEST(test_capacity_error_limit_excludes_points)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    pts[5].error_rate = 0.02; /* N = 32 fails 2% of requests */
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 64);
    o.max_error_rate = 0.05;
    c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 32);
    ck_assert_double_eq(c.slo_error_rate, 0.02);
    /* Without an SLO only errors judge. */
    o.has_slo = false;
    o.max_error_rate = 0.01;
    c = capacity(pts, LEN(pts), &o);
    ck_assert_double_eq(c.slo_concurrency, 64);
    ck_assert_str_eq(c.slo_text, "error_rate <= 0.01");
    ck_assert_str_eq(c.latency_name, "latency");
}
END_TEST

START_TEST(test_capacity_slo_never_met)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    struct rpt_capacity_opts o = slo_opts("p99<1ms");
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert(!c.slo_met);
    ck_assert_uint_eq(c.npassing, 0);
    ck_assert(isnan(c.slo_throughput_rps));
    ck_assert(!c.users_known);
    ck_assert(has_warning(&c, "no point meets p99_ms < 1"));
    ck_assert(has_warning(&c, "below the smallest step (N=1)"));
    ck_assert(c.usl.ok); /* the other figures do not need the SLO */
    ck_assert(c.knee_found);
}
END_TEST

START_TEST(test_capacity_slo_met_everywhere_says_the_sweep_did_not_reach_the_limit)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    struct rpt_capacity_opts o = slo_opts("p99<1s");
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert(c.slo_all_met);
    ck_assert(has_warning(&c, "the sweep did not reach the limit"));
    ck_assert(has_warning(&c, "at least 15,123 req/s"));
}
END_TEST

START_TEST(test_capacity_knee_by_kneedle)
{
    static const double lat_ms[] = {10, 10, 11, 10, 12, 11, 13, 40, 120, 400};
    struct rpt_point pts[10];
    for (int i = 0; i < 10; i++) {
        pts[i] = point(i + 1, 100.0 * (i + 1));
        pts[i].latency_us = lat_ms[i] * 1000;
    }
    struct rpt_capacity_opts o;
    rpt_capacity_opts_init(&o);
    struct rpt_capacity c = capacity(pts, 10, &o);
    /* Scaled: N = 8 is at 7/9 along, its latency 30/390 up: the largest gap, 0.701. */
    ck_assert(c.knee_found);
    ck_assert_uint_eq(c.knee_index, 7);
    ck_assert_double_eq(c.knee_concurrency, 8);
    ck_assert_double_eq(c.knee_latency_us, 40000);
    ck_assert_double_eq_tol(c.knee_diff, 7.0 / 9 - 30.0 / 390, 1e-12);

    /* Latency in proportion to N: no bend, no knee. */
    for (int i = 0; i < 10; i++)
        pts[i].latency_us = 1000.0 * (i + 1) + (i % 2 ? 50 : -50);
    c = capacity(pts, 10, &o);
    ck_assert(!c.knee_found);
    ck_assert(c.knee_diff < RPT_KNEE_MIN_DIFF);
    /* No latency at all: unknown. */
    for (int i = 0; i < 10; i++)
        pts[i].latency_us = NAN;
    c = capacity(pts, 10, &o);
    ck_assert(!c.knee_found);
    ck_assert(isnan(c.knee_diff));
}
END_TEST

START_TEST(test_capacity_knee_ignores_input_order)
{
    struct rpt_point pts[LEN(sweep_n)], rev[LEN(sweep_n)];
    make_sweep(pts);
    for (size_t i = 0; i < LEN(sweep_n); i++)
        rev[i] = pts[LEN(sweep_n) - 1 - i];
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity a = capacity(pts, LEN(pts), &o), b = capacity(rev, LEN(rev), &o);
    ck_assert(a.knee_found);
    ck_assert_double_eq(a.knee_concurrency, 64);
    ck_assert_double_eq(b.knee_concurrency, 64);
    ck_assert_uint_eq(b.knee_index, LEN(sweep_n) - 1 - a.knee_index);
    ck_assert_double_eq(b.slo_concurrency, a.slo_concurrency);
    ck_assert_double_eq_tol(b.usl.kappa, a.usl.kappa, 1e-15);
}
END_TEST

START_TEST(test_capacity_utilization_bound_and_littles_law)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    pts[0].server_cpu_us_per_req = 400; /* a noisy low-load figure: the median ignores it */
    pts[1].server_cpu_us_per_req = NAN;
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    o.cores = 2;
    o.think_time_s = 5;
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert(c.util_known);
    ck_assert_double_eq(c.cpu_us_per_req, 100);
    ck_assert_double_eq_tol(c.util_bound_rps, 20000, 1e-9);
    ck_assert(!has_warning(&c, "over the utilization bound"));
    /* users = X (R + Z), R = N / X: N + X Z. */
    double x = law(1000, 0.02, 0.0005, 32);
    ck_assert(c.users_known);
    ck_assert_double_eq_tol(c.response_time_s, 32 / x, 1e-15);
    ck_assert_double_eq_tol(c.users, 32 + x * 5, 1e-9);
    ck_assert_double_eq(c.think_time_s, 5);

    /* One core cannot give 15,123 req/s at 100 us each: the inputs disagree. */
    o.cores = 1;
    c = capacity(pts, LEN(pts), &o);
    ck_assert(has_warning(&c, "over the utilization bound"));
    /* Without cores, or without CPU figures, no bound. */
    o.cores = 0;
    c = capacity(pts, LEN(pts), &o);
    ck_assert(!c.util_known);
    o.cores = 4;
    for (size_t i = 0; i < LEN(sweep_n); i++)
        pts[i].server_cpu_us_per_req = NAN;
    c = capacity(pts, LEN(pts), &o);
    ck_assert(!c.util_known);
    ck_assert(has_warning(&c, "no point has the server's CPU per request"));
}
END_TEST

START_TEST(test_capacity_usl_forecast_limit)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    ck_assert(c.usl.ok);
    ck_assert_double_eq_tol(c.usl.kappa, 0.0005, 1e-12);
    ck_assert_double_eq(c.usl_forecast_max_n, 256);
    ck_assert(c.usl_peak_forecast);
    /* The same law measured up to N = 8 only: the peak (44) is past 2 x 8. */
    c = capacity(pts, 4, &o);
    ck_assert(c.usl.ok);
    ck_assert(!c.usl_peak_forecast);
    ck_assert_double_eq(c.usl_forecast_max_n, 16);
    ck_assert(has_warning(&c, "past 2x the largest measured N (8): not a forecast"));
    ck_assert(has_warning(&c, "4 points: the USL fit and the knee want 6 or more"));
}
END_TEST

START_TEST(test_capacity_open_loop_point_carries_the_offered_rate)
{
    struct rpt_point pts[6];
    for (int i = 0; i < 6; i++) {
        double rate = 1000.0 * (i + 1);
        pts[i] = point(0, rate * (i < 4 ? 1 : 0.9));
        pts[i].rate_rps = rate;
        pts[i].latency_us = i < 4 ? 2000 : 500000;
        pts[i].concurrency = pts[i].throughput_rps * pts[i].latency_us / 1e6; /* N = X R */
    }
    struct rpt_capacity_opts o = slo_opts("p99<100ms");
    struct rpt_capacity c = capacity(pts, 6, &o);
    ck_assert_uint_eq(c.slo_index, 3);
    ck_assert_double_eq(c.slo_rate_rps, 4000);
    ck_assert_double_eq_tol(c.response_time_s, 0.002, 1e-15);
}
END_TEST

START_TEST(test_capacity_one_point)
{
    struct rpt_point p = point(10, 1000);
    p.latency_us = 5000;
    struct rpt_capacity_opts o = slo_opts("p99<100ms");
    struct rpt_capacity c = capacity(&p, 1, &o);
    ck_assert(c.slo_met);
    ck_assert(c.slo_all_met);
    ck_assert(!c.usl.ok);
    ck_assert(!c.knee_found);
    ck_assert(has_warning(&c, "1 point: the USL fit and the knee want 6 or more"));
    ck_assert(has_warning(&c, "no USL fit: needs points at 3 different concurrencies"));
    ck_assert_double_eq(c.users, 10);
}
END_TEST

START_TEST(test_capacity_refuses_bad_input)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity c;
    char err[160];
    ck_assert_int_eq(rpt_capacity_compute(pts, 0, &o, &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "capacity: no points");
    pts[2].concurrency = 0;
    ck_assert_int_eq(rpt_capacity_compute(pts, LEN(pts), &o, &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "capacity: point 3: concurrency must be a number > 0");
    make_sweep(pts);
    pts[4].throughput_rps = NAN;
    ck_assert_int_eq(rpt_capacity_compute(pts, LEN(pts), &o, &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "capacity: point 5: throughput must be a number >= 0");
    make_sweep(pts);
    o = slo_opts("rps > 100");
    ck_assert_int_eq(rpt_capacity_compute(pts, LEN(pts), &o, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "latency percentile"));
    o = slo_opts("p99_ms > 100");
    ck_assert_int_eq(rpt_capacity_compute(pts, LEN(pts), &o, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "from above"));
}
END_TEST

/* ---- tables (through reports.h's view-model API) ------------------------------------------- */

static int col_of(const struct rpt_table *t, const char *key)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->col_keys[i], key) == 0)
            return (int)i;
    return -1;
}

START_TEST(test_points_table_has_a_row_per_point_in_order_of_n)
{
    struct rpt_point pts[LEN(sweep_n)], rev[LEN(sweep_n)];
    make_sweep(pts);
    for (size_t i = 0; i < LEN(sweep_n); i++)
        rev[i] = pts[LEN(sweep_n) - 1 - i];
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    struct rpt_capacity c = capacity(rev, LEN(rev), &o);
    struct rpt_table t;
    ck_assert_int_eq(rpt_capacity_points_table(&t, rev, LEN(rev), &c), 0);
    ck_assert_str_eq(t.key, "points");
    ck_assert_uint_eq(t.nrows, LEN(sweep_n));
    int cn = col_of(&t, "concurrency"), cx = col_of(&t, "throughput_rps");
    int cl = col_of(&t, "p99_us"), cu = col_of(&t, "usl_rps"), cnote = col_of(&t, "note");
    ck_assert(cn >= 0 && cx >= 0 && cl >= 0 && cu >= 0 && cnote >= 0);
    ck_assert_int_ge(col_of(&t, "server_cpu_us_per_req"), 0);
    ck_assert_int_eq(col_of(&t, "rate_rps"), -1); /* closed loop: no rate column */
    ck_assert(t.right[cx]);
    ck_assert_str_eq(t.cols[cl], "p99 ms");
    for (size_t i = 0; i < t.nrows; i++)
        ck_assert_double_eq(t.rows[i][cn].value, sweep_n[i]);
    ck_assert_str_eq(t.rows[5][cx].text, "15,123");
    ck_assert_str_eq(t.rows[5][cl].text, "5.29");
    ck_assert_double_eq_tol(t.rows[5][cl].value, 5290, 1e-6);
    ck_assert_str_eq(t.rows[5][cnote].text, "capacity");
    ck_assert_str_eq(t.rows[6][cnote].text, "knee");
    ck_assert_str_eq(t.rows[0][cnote].text, "");
    ck_assert_double_eq_tol(t.rows[3][cu].value, law(1000, 0.02, 0.0005, 8), 1e-6);
    ck_assert_uint_ge(t.nnotes, 1);
    rpt_table_free(&t);
}
END_TEST

START_TEST(test_summary_table_states_figures_and_methods)
{
    struct rpt_point pts[LEN(sweep_n)];
    make_sweep(pts);
    struct rpt_capacity_opts o = slo_opts("p99<20ms");
    o.cores = 2;
    o.think_time_s = 5;
    struct rpt_capacity c = capacity(pts, LEN(pts), &o);
    struct rpt_table t;
    ck_assert_int_eq(rpt_capacity_summary_table(&t, &c), 0);
    ck_assert_str_eq(t.key, "capacity");
    ck_assert_uint_eq(t.ncols, 3);
    ck_assert_str_eq(t.rows[0][0].text, "Capacity within SLO");
    ck_assert_str_eq(t.rows[0][1].text, "15,123 req/s");
    ck_assert_double_eq(t.rows[0][1].value, c.slo_throughput_rps);
    ck_assert_str_eq(t.rows[0][2].text, "at N=32, p99 5.29 ms, errors 0.0%");
    ck_assert_str_eq(t.rows[1][1].text, "N=64");
    bool users = false, util = false, peak = false;
    for (size_t i = 0; i < t.nrows; i++) {
        if (strcmp(t.rows[i][0].text, "Users at capacity") == 0) {
            users = true;
            ck_assert_double_eq_tol(t.rows[i][1].value, c.users, 1e-9);
            ck_assert_ptr_nonnull(strstr(t.rows[i][2].text, "Z = 5 s"));
            ck_assert_ptr_nonnull(strstr(t.rows[i][2].text, "mean (N/X)"));
        }
        if (strcmp(t.rows[i][0].text, "Utilization bound") == 0) {
            util = true;
            ck_assert_str_eq(t.rows[i][1].text, "20,000 req/s");
        }
        if (strcmp(t.rows[i][0].text, "USL peak") == 0) {
            peak = true;
            ck_assert_str_eq(t.rows[i][1].text, "N=44.3");
        }
    }
    ck_assert(users && util && peak);
    bool kneedle = false, lm = false;
    for (size_t i = 0; i < t.nnotes; i++) {
        kneedle = kneedle || strstr(t.notes[i], "Kneedle");
        lm = lm || strstr(t.notes[i], "Levenberg-Marquardt");
    }
    ck_assert(kneedle && lm);
    rpt_table_free(&t);
}
END_TEST

/* ---- points files --------------------------------------------------------------------------- */

static struct rpt_points parse_ok(const char *text)
{
    struct rpt_points p;
    char err[256] = "";
    ck_assert_msg(rpt_points_parse(text, strlen(text), "points.tsv", &p, err, sizeof(err)) == 0,
                  "%s", err);
    return p;
}

static const char *parse_err(const char *text)
{
    static char err[256];
    struct rpt_points p;
    err[0] = '\0';
    ck_assert_int_eq(rpt_points_parse(text, strlen(text), "points.tsv", &p, err, sizeof(err)), -1);
    ck_assert_ptr_null(p.v);
    ck_assert_uint_eq(p.n, 0);
    return err;
}

/* Regression (fuzz_points): a value finite as written but not once scaled to the column's unit
 * ("1e306" seconds in microseconds) was accepted as infinity; headings quoted in messages could
 * carry a newline. */
START_TEST(test_points_parse_refuses_values_that_overflow_their_unit)
{
    const char *err = parse_err("n\tx\tp99_s\n1\t10\t1e306\n");
    ck_assert_msg(strstr(err, "points.tsv:2: p99_s: expected a number") != NULL, "%s", err);
    err = parse_err("n,x\n1,\x1b[2J\n");
    ck_assert_msg(strstr(err, "got \"?[2J\"") != NULL, "%s", err);
}
END_TEST

START_TEST(test_points_parse_the_cisco_file)
{
    struct rpt_points p = load_cisco();
    ck_assert_uint_eq(p.n, 32);
    ck_assert_double_eq(p.v[0].concurrency, 1);
    ck_assert_double_eq(p.v[0].throughput_rps, 955.16);
    ck_assert_double_eq(p.v[31].concurrency, 32);
    ck_assert_double_eq(p.v[31].throughput_rps, 12074.39);
    ck_assert(isnan(p.v[0].latency_us));
    ck_assert_double_eq(p.v[0].error_rate, 0);
    ck_assert_double_eq(p.v[0].rate_rps, 0);
    ck_assert(isnan(p.v[0].server_cpu_us_per_req));
    ck_assert_str_eq(p.latency_col, "");
    ck_assert(isnan(p.latency_pct));
    rpt_points_free(&p);
    rpt_points_free(&p); /* twice is harmless */
    rpt_points_free(NULL);
}
END_TEST

START_TEST(test_points_parse_csv_with_optional_columns_comments_and_crlf)
{
    struct rpt_points p = parse_ok("\xEF\xBB\xBF# measured on the staging box\r\n"
                                   "\r\n"
                                   "\"N\", \"X\", P99_ms, error_pct, cpu_us_per_req, host\r\n"
                                   "  # a comment between points\r\n"
                                   "1, 950.5, 2.5, 0, 210, a\r\n"
                                   "8, 6000, 4, 1.5, , b\r\n"
                                   "16,9000,12.25,,190,c");
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(p.latency_col, "P99_ms");
    ck_assert_double_eq(p.latency_pct, 99);
    ck_assert_double_eq(p.v[0].latency_us, 2500);
    ck_assert_double_eq(p.v[1].concurrency, 8);
    ck_assert_double_eq_tol(p.v[1].error_rate, 0.015, 1e-15);
    ck_assert(isnan(p.v[1].server_cpu_us_per_req));
    ck_assert_double_eq(p.v[2].throughput_rps, 9000);
    ck_assert_double_eq(p.v[2].latency_us, 12250);
    ck_assert_double_eq(p.v[2].error_rate, 0);
    ck_assert_double_eq(p.v[2].server_cpu_us_per_req, 190);
    rpt_points_free(&p);
}
END_TEST

START_TEST(test_points_parse_separators_and_latency_headings)
{
    struct rpt_points p = parse_ok("clients;rps;latency_us;rate\n4;100;1500;120\n");
    ck_assert_double_eq(p.v[0].latency_us, 1500);
    ck_assert_double_eq(p.v[0].rate_rps, 120);
    ck_assert(isnan(p.latency_pct));
    rpt_points_free(&p);
    p = parse_ok("  concurrency   throughput   p999_s\n 2  10.5  0.25\n");
    ck_assert_double_eq(p.v[0].throughput_rps, 10.5);
    ck_assert_double_eq(p.v[0].latency_us, 250000);
    ck_assert_double_eq_tol(p.latency_pct, 99.9, 1e-12);
    rpt_points_free(&p);
    static const struct {
        const char *heading;
        double pct, us_per_unit;
    } cases[] = {
        {"latency", NAN, 1000}, {"p50", 50, 1000},         {"p99.9_ms", 99.9, 1000},
        {"p99_9", 99.9, 1000},  {"latency_p90_us", 90, 1}, {"p9999", 99.99, 1000},
        {"mean_ms", NAN, 1000}, {"max", 100, 1000},        {"p100_s", 100, 1e6},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char text[128];
        snprintf(text, sizeof(text), "n\tx\t%s\n1\t2\t3\n", cases[i].heading);
        p = parse_ok(text);
        ck_assert_str_eq(p.latency_col, cases[i].heading);
        ck_assert_msg(isnan(cases[i].pct) ? isnan(p.latency_pct)
                                          : fabs(p.latency_pct - cases[i].pct) < 1e-9,
                      "%s: %g", cases[i].heading, p.latency_pct);
        ck_assert_double_eq_tol(p.v[0].latency_us, 3 * cases[i].us_per_unit, 1e-9);
        rpt_points_free(&p);
    }
    /* A "p" heading that is no percentile is just another column. */
    p = parse_ok("n,x,pid\n1,2,3\n");
    ck_assert_str_eq(p.latency_col, "");
    rpt_points_free(&p);
}
END_TEST

START_TEST(test_points_parse_errors_name_line_and_column)
{
    ck_assert_str_eq(parse_err("# sweep of 2026-01-02\n"
                               "concurrency\tthroughput\n"
                               "1\t100\n"
                               "\n"
                               "2\t190\n"
                               "# 4 is next\n"
                               "4\t12a\n"),
                     "points.tsv:7: throughput: expected a number, got \"12a\"");
    ck_assert_str_eq(parse_err("size\ttput\n0\t100\n"),
                     "points.tsv:2: size: expected a number > 0, got \"0\"");
    ck_assert_str_eq(parse_err("size\ttput\n1\t-5\n"),
                     "points.tsv:2: tput: expected a number >= 0, got \"-5\"");
    ck_assert_str_eq(parse_err("size\ttput\n1\t\n"),
                     "points.tsv:2: tput: expected a number, got an empty field");
    ck_assert_str_eq(parse_err("n,x,errors\n1,5,1.5\n"),
                     "points.tsv:2: errors: expected a fraction from 0 to 1, got \"1.5\"");
    ck_assert_str_eq(parse_err("n,x,error_pct\n1,5,150\n"),
                     "points.tsv:2: error_pct: expected a percentage from 0 to 100, got \"150\"");
    ck_assert_str_eq(parse_err("n,x,p99_ms\n1,5,fast\n"),
                     "points.tsv:2: p99_ms: expected a number, got \"fast\"");
    ck_assert_str_eq(parse_err("n,x\n1,5,7\n"),
                     "points.tsv:2: 3 fields, the header (line 1) has 2 (comma-separated)");
    ck_assert_str_eq(parse_err("n\tx\n1\n"),
                     "points.tsv:2: 1 fields, the header (line 1) has 2 (tab-separated)");
    ck_assert_str_eq(parse_err("1\t955.16\n2\t1878.91\n"),
                     "points.tsv:1: the first line must be a header naming the columns "
                     "(concurrency, throughput, ...), got \"1\"");
    ck_assert_str_eq(parse_err("threads\tthroughput\n1\t2\n"),
                     "points.tsv:1: no concurrency column (concurrency, n, size, clients, "
                     "connections, users, vus, c)");
    ck_assert_str_eq(parse_err("\n# only a comment\nn,latency\n"),
                     "points.tsv:3: no throughput column (throughput, throughput_rps, x, rps, "
                     "tput, tps, qps, req/s)");
    ck_assert_str_eq(parse_err("n,x,rps\n1,2,3\n"),
                     "points.tsv:1: two throughput columns: \"x\" and \"rps\"");
    ck_assert_str_eq(parse_err("n,x\n# nothing measured\n"),
                     "points.tsv: no points after the header (line 1)");
    ck_assert_str_eq(parse_err(""), "points.tsv: no header and no points");
    ck_assert_str_eq(parse_err("# just comments\n\n"), "points.tsv: no header and no points");
    ck_assert_str_eq(parse_err("n,x\n1,nan\n"), "points.tsv:2: x: expected a number, got \"nan\"");
    ck_assert_str_eq(parse_err("n,x\n1,0x10\n"),
                     "points.tsv:2: x: expected a number, got \"0x10\"");
}
END_TEST

START_TEST(test_points_then_capacity_end_to_end)
{
    struct rpt_points p = parse_ok("n\tx\tp99_ms\terrors\n"
                                   "1\t1000\t2\t0\n"
                                   "2\t1950\t2.1\t0\n"
                                   "4\t3700\t2.4\t0\n"
                                   "8\t6500\t3\t0\n"
                                   "16\t9000\t9\t0\n"
                                   "32\t9500\t80\t0.002\n"
                                   "64\t9100\t400\t0.03\n");
    struct rpt_capacity_opts o = slo_opts("p99<100ms");
    struct rpt_capacity c = capacity(p.v, p.n, &o);
    ck_assert_double_eq(c.slo_concurrency, 32);
    ck_assert_double_eq(c.slo_throughput_rps, 9500);
    ck_assert(c.usl.ok);
    ck_assert(c.knee_found);
    ck_assert_double_eq(c.knee_concurrency, 32);
    rpt_points_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports_analysis");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_median_of_odd_even_and_unsorted_sets);
    tcase_add_test(tc, test_spread_is_largest_deviation_from_median_relative_to_it);
    tcase_add_test(tc, test_mw_exact_when_every_value_differs_5_plus_5);
    tcase_add_test(tc, test_mw_exact_matches_hollander_wolfe_example);
    tcase_add_test(tc, test_mw_matches_scipy_exact_and_normal_example);
    tcase_add_test(tc, test_mw_ties_exact_by_enumeration_and_normal_with_tie_correction);
    tcase_add_test(tc, test_mw_with_one_value_per_side_or_all_tied);
    tcase_add_test(tc, test_mw_large_samples_use_the_normal_approximation);
    tcase_add_test(tc, test_mw_refuses_empty_sides_and_nan);
    tcase_add_test(tc, test_mw_min_p_says_which_sizes_can_be_significant);
    tcase_add_test(tc, test_delta_formats_like_benchstat);
    tcase_add_test(tc, test_delta_fields_and_large_samples);
    tcase_add_test(tc, test_delta_refuses_zero_baseline_and_empty_sets);
    suite_add_tcase(s, tc);

    tc = tcase_create("usl");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_usl_reproduces_schwartz_fit_of_cisco_data);
    tcase_add_test(tc, test_usl_linear_fit_reproduces_readme_values);
    tcase_add_test(tc, test_usl_recovers_known_sigma_kappa_within_5_percent_from_noisy_points);
    tcase_add_test(tc, test_usl_exact_points_without_n1_are_recovered_exactly);
    tcase_add_test(tc, test_usl_kappa_zero_has_no_peak);
    tcase_add_test(tc, test_usl_clamps_coefficients_that_want_to_be_negative);
    tcase_add_test(tc, test_usl_needs_three_distinct_concurrencies);
    suite_add_tcase(s, tc);

    tc = tcase_create("capacity");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_capacity_is_highest_throughput_within_slo_not_highest_n);
    tcase_add_test(tc, test_capacity_error_limit_excludes_points);
    tcase_add_test(tc, test_capacity_slo_never_met);
    tcase_add_test(tc, test_capacity_slo_met_everywhere_says_the_sweep_did_not_reach_the_limit);
    tcase_add_test(tc, test_capacity_knee_by_kneedle);
    tcase_add_test(tc, test_capacity_knee_ignores_input_order);
    tcase_add_test(tc, test_capacity_utilization_bound_and_littles_law);
    tcase_add_test(tc, test_capacity_usl_forecast_limit);
    tcase_add_test(tc, test_capacity_open_loop_point_carries_the_offered_rate);
    tcase_add_test(tc, test_capacity_one_point);
    tcase_add_test(tc, test_capacity_refuses_bad_input);
    tcase_add_test(tc, test_points_table_has_a_row_per_point_in_order_of_n);
    tcase_add_test(tc, test_summary_table_states_figures_and_methods);
    suite_add_tcase(s, tc);

    tc = tcase_create("points");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_points_parse_the_cisco_file);
    tcase_add_test(tc, test_points_parse_refuses_values_that_overflow_their_unit);
    tcase_add_test(tc, test_points_parse_csv_with_optional_columns_comments_and_crlf);
    tcase_add_test(tc, test_points_parse_separators_and_latency_headings);
    tcase_add_test(tc, test_points_parse_errors_name_line_and_column);
    tcase_add_test(tc, test_points_then_capacity_end_to_end);
    suite_add_tcase(s, tc);
    return ck_run(s);
}
