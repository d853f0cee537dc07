/* reports/usl.c: the Universal Scalability Law (Gunther) fitted to sweep points: non-linear least
 * squares on X by Levenberg-Marquardt, started from two linear fits. The contract is reports.h;
 * README.md ("Capacity: the math") shows the fit against Schwartz's published one. */
#include "reports/reports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define USL_MAX_ITERATIONS 1000
/* An accepted step that lowers the squared error by less than this fraction ends the fit: the
 * parameters then agree with the minimum to about 8 digits, far below any measurement's noise. */
#define USL_REL_TOL 1e-15
/* Marquardt's damping past this means no step, however short, lowers the error: a minimum. */
#define USL_MU_MAX 1e20

/* The points the law is fitted to: N and X, both positive and finite. */
struct usl_data {
    double *n, *x;
    size_t m;
};

enum { P_LAMBDA, P_SIGMA, P_KAPPA };

static double law(const double p[3], double n)
{
    return p[P_LAMBDA] * n / (1 + p[P_SIGMA] * (n - 1) + p[P_KAPPA] * n * (n - 1));
}

double rpt_usl_x(const struct rpt_usl *u, double n)
{
    if (!u->ok)
        return NAN;
    double p[3] = {u->lambda, u->sigma, u->kappa};
    return law(p, n);
}

static double sum_sq(const struct usl_data *d, const double p[3])
{
    double s = 0;
    for (size_t i = 0; i < d->m; i++) {
        double r = d->x[i] - law(p, d->n[i]);
        s += r * r;
    }
    return s;
}

/* Solves a x = b (3 x 3) by Gaussian elimination with partial pivoting; a and b are destroyed.
 * Returns -1 when a is singular. */
static int solve3(double a[3][3], double b[3], double x[3])
{
    for (int c = 0; c < 3; c++) {
        int piv = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (!(fabs(a[piv][c]) > 0))
            return -1;
        if (piv != c) {
            for (int k = 0; k < 3; k++) {
                double t = a[c][k];
                a[c][k] = a[piv][k];
                a[piv][k] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < 3; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k < 3; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = 2; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < 3; k++)
            s -= a[r][k] * x[k];
        x[r] = s / a[r][r];
    }
    return isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]) ? 0 : -1;
}

/* The damped Gauss-Newton step (J'J + mu diag(J'J)) delta = J'r with the parameters in `active`
 * only (the others stay put). The system is solved in units of sqrt(diag(J'J)), so lambda
 * (~1e3) and kappa (~1e-4) are equally well resolved. */
static int lm_step(double jtj[3][3], const double jtr[3], const bool active[3], double mu,
                   double delta[3])
{
    double a[3][3], b[3], y[3], scale[3];
    for (int i = 0; i < 3; i++)
        scale[i] = jtj[i][i] > 0 ? sqrt(jtj[i][i]) : 1;
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3; k++)
            a[i][k] = active[i] && active[k] ? jtj[i][k] / (scale[i] * scale[k]) : 0;
        a[i][i] = active[i] ? a[i][i] * (1 + mu) : 1;
        b[i] = active[i] ? jtr[i] / scale[i] : 0;
    }
    if (solve3(a, b, y) < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        delta[i] = active[i] ? y[i] / scale[i] : 0;
    return 0;
}

/* Levenberg-Marquardt from p (changed in place to the end point). Sigma and kappa stay >= 0: a
 * coefficient at 0 whose step points below it leaves the step (its bound is active), and any
 * other step that crosses 0 is cut at 0 (projection). Returns the squared error at the end, or
 * NAN when the fit failed (no valid start, no convergence). */
static double lm_fit(const struct usl_data *d, double p[3])
{
    if (!(p[P_LAMBDA] > 0) || !isfinite(p[P_LAMBDA]))
        return NAN;
    p[P_SIGMA] = fmax(0, p[P_SIGMA]);
    p[P_KAPPA] = fmax(0, p[P_KAPPA]);
    double err = sum_sq(d, p), mu = 1e-3;
    if (!isfinite(err))
        return NAN;
    for (int iter = 0; iter < USL_MAX_ITERATIONS; iter++) {
        double jtj[3][3] = {{0}}, jtr[3] = {0};
        for (size_t i = 0; i < d->m; i++) {
            double n = d->n[i];
            double den = 1 + p[P_SIGMA] * (n - 1) + p[P_KAPPA] * n * (n - 1);
            double f = p[P_LAMBDA] * n / den;
            double j[3] = {n / den, -f * (n - 1) / den, -f * n * (n - 1) / den};
            double r = d->x[i] - f;
            for (int a = 0; a < 3; a++) {
                jtr[a] += j[a] * r;
                for (int b = 0; b < 3; b++)
                    jtj[a][b] += j[a] * j[b];
            }
        }
        bool improved = false;
        while (!improved) {
            bool active[3] = {true, true, true};
            double delta[3];
            if (lm_step(jtj, jtr, active, mu, delta) < 0)
                return NAN;
            bool again = false;
            for (int k = P_SIGMA; k <= P_KAPPA; k++)
                if (p[k] == 0 && delta[k] < 0) {
                    active[k] = false;
                    again = true;
                }
            if (again && lm_step(jtj, jtr, active, mu, delta) < 0)
                return NAN;
            double trial[3] = {p[0] + delta[0], fmax(0, p[1] + delta[1]), fmax(0, p[2] + delta[2])};
            double trial_err = trial[P_LAMBDA] > 0 ? sum_sq(d, trial) : INFINITY;
            if (trial_err < err) {
                double gain = err - trial_err;
                memcpy(p, trial, sizeof(trial));
                err = trial_err;
                mu = fmax(mu / 10, 1e-12);
                improved = true;
                if (gain <= USL_REL_TOL * err)
                    return err;
            } else {
                mu *= 10;
                if (mu > USL_MU_MAX)
                    return err;
            }
        }
    }
    return NAN;
}

/* Fills u from parameters p fitted to d. */
static void usl_fill(struct rpt_usl *u, const struct usl_data *d, const double p[3])
{
    u->ok = true;
    u->lambda = p[P_LAMBDA];
    u->sigma = p[P_SIGMA];
    u->kappa = p[P_KAPPA];
    u->npoints = (unsigned)d->m;
    double mean = 0, sst = 0;
    for (size_t i = 0; i < d->m; i++)
        mean += d->x[i];
    mean /= (double)d->m;
    for (size_t i = 0; i < d->m; i++)
        sst += (d->x[i] - mean) * (d->x[i] - mean);
    u->r2 = sst > 0 ? 1 - sum_sq(d, p) / sst : NAN;
    if (u->kappa > 0) {
        u->n_peak = u->sigma < 1 ? sqrt((1 - u->sigma) / u->kappa) : 1;
        u->x_peak_rps = law(p, u->n_peak);
    } else {
        u->n_peak = INFINITY;
        u->x_peak_rps = u->sigma > 0 ? u->lambda / u->sigma : INFINITY;
    }
}

/* Copies the usable points (N and X positive and finite) and checks there are 3 distinct N.
 * Returns 0, or -1 with a reason in err. */
static int usl_data_load(struct usl_data *d, const struct rpt_point *pts, size_t n, char *err,
                         size_t errlen)
{
    memset(d, 0, sizeof(*d));
    d->n = malloc((n ? n : 1) * sizeof(double));
    d->x = malloc((n ? n : 1) * sizeof(double));
    if (!d->n || !d->x) {
        snprintf(err, errlen, "USL fit: out of memory");
        return -1;
    }
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        double c = pts[i].concurrency, x = pts[i].throughput_rps;
        if (!(c > 0) || !(x > 0) || !isfinite(c) || !isfinite(x))
            continue;
        bool seen = false;
        for (size_t k = 0; k < d->m; k++)
            seen = seen || d->n[k] == c;
        distinct += !seen;
        d->n[d->m] = c;
        d->x[d->m] = x;
        d->m++;
    }
    if (distinct < 3) {
        snprintf(err, errlen,
                 "USL fit: needs points at 3 different concurrencies with throughput > 0; "
                 "got %zu",
                 distinct);
        return -1;
    }
    return 0;
}

static void usl_data_free(struct usl_data *d)
{
    free(d->n);
    free(d->x);
}

/* Least squares of y = a u^2 + b u (no intercept). Returns -1 when degenerate. */
static int fit_through_origin(const double *u, const double *y, size_t m, double *a, double *b)
{
    double s4 = 0, s3 = 0, s2 = 0, s2y = 0, s1y = 0;
    for (size_t i = 0; i < m; i++) {
        double u2 = u[i] * u[i];
        s4 += u2 * u2;
        s3 += u2 * u[i];
        s2 += u2;
        s2y += u2 * y[i];
        s1y += u[i] * y[i];
    }
    double det = s4 * s2 - s3 * s3;
    if (!(fabs(det) > 1e-12 * s4 * s2))
        return -1;
    *a = (s2y * s2 - s3 * s1y) / det;
    *b = (s4 * s1y - s3 * s2y) / det;
    return 0;
}

/* Schwartz's linearisation (see rpt_usl_fit_linear) into p. Returns -1 when degenerate. */
static int start_linear(const struct usl_data *d, double p[3], double *n_min_out)
{
    size_t imin = 0;
    for (size_t i = 1; i < d->m; i++)
        if (d->n[i] < d->n[imin])
            imin = i;
    double n_min = d->n[imin], lambda = d->x[imin] / n_min;
    double *u = malloc(d->m * sizeof(*u)), *y = malloc(d->m * sizeof(*y));
    int rc = -1;
    if (!u || !y)
        goto out;
    /* x = N - 1 scaled to 0..1 keeps the normal equations well conditioned at large N. */
    double x_max = 0;
    for (size_t i = 0; i < d->m; i++)
        x_max = fmax(x_max, d->n[i] - 1);
    if (!(x_max > 0))
        goto out;
    for (size_t i = 0; i < d->m; i++) {
        u[i] = (d->n[i] - 1) / x_max;
        y[i] = d->n[i] * lambda / d->x[i] - 1;
    }
    double a, b;
    if (fit_through_origin(u, y, d->m, &a, &b) < 0)
        goto out;
    double kappa = a / (x_max * x_max), sigma = b / x_max - kappa;
    /* A negative coefficient is refitted at 0, the other alone, rather than clamped: a clamp
     * would leave the other fitted for a term that is gone. */
    double suu = 0, suy = 0, sww = 0, swy = 0;
    for (size_t i = 0; i < d->m; i++) {
        double x = d->n[i] - 1, w = x * x + x;
        suu += x * x;
        suy += x * y[i];
        sww += w * w;
        swy += w * y[i];
    }
    if (kappa < 0) {
        kappa = 0;
        sigma = suy / suu;
    }
    if (sigma < 0) {
        sigma = 0;
        kappa = fmax(0, swy / sww);
    }
    p[P_LAMBDA] = lambda;
    p[P_SIGMA] = sigma;
    p[P_KAPPA] = kappa;
    *n_min_out = n_min;
    rc = isfinite(sigma) && isfinite(kappa) ? 0 : -1;
out:
    free(u);
    free(y);
    return rc;
}

/* N/X = (1 - sigma)/lambda + (sigma - kappa)/lambda N + kappa/lambda N^2: a quadratic in N whose
 * least squares fit needs no lambda measured at N = 1. Returns -1 when degenerate. */
static int start_quadratic(const struct usl_data *d, double p[3])
{
    double n_max = 0;
    for (size_t i = 0; i < d->m; i++)
        n_max = fmax(n_max, d->n[i]);
    double a[3][3] = {{0}}, b[3] = {0}, c[3];
    for (size_t i = 0; i < d->m; i++) {
        double t = d->n[i] / n_max, v[3] = {1, t, t * t}, y = d->n[i] / d->x[i];
        for (int r = 0; r < 3; r++) {
            b[r] += v[r] * y;
            for (int k = 0; k < 3; k++)
                a[r][k] += v[r] * v[k];
        }
    }
    if (solve3(a, b, c) < 0)
        return -1;
    double c1 = c[1] / n_max, c2 = c[2] / (n_max * n_max);
    double lambda = 1 / (c[0] + c1 + c2);
    if (!(lambda > 0) || !isfinite(lambda))
        return -1;
    p[P_LAMBDA] = lambda;
    p[P_SIGMA] = fmax(0, lambda * (c1 + c2));
    p[P_KAPPA] = fmax(0, lambda * c2);
    return 0;
}

static void usl_reset(struct rpt_usl *out)
{
    memset(out, 0, sizeof(*out));
    out->lambda = out->sigma = out->kappa = out->r2 = NAN;
    out->n_peak = out->x_peak_rps = NAN;
}

int rpt_usl_fit_linear(const struct rpt_point *pts, size_t n, struct rpt_usl *out, char *err,
                       size_t errlen)
{
    struct usl_data d;
    usl_reset(out);
    if (usl_data_load(&d, pts, n, err, errlen) < 0)
        goto fail;
    double p[3], n_min;
    if (start_linear(&d, p, &n_min) < 0) {
        snprintf(err, errlen, "USL fit: the linearised fit is degenerate for these points");
        goto fail;
    }
    usl_fill(out, &d, p);
    snprintf(out->method, sizeof(out->method),
             "linearised (Schwartz): lambda = X/N at N=%g, least squares of N lambda/X - 1", n_min);
    usl_data_free(&d);
    return 0;
fail:
    usl_data_free(&d);
    return -1;
}

int rpt_usl_fit(const struct rpt_point *pts, size_t n, struct rpt_usl *out, char *err,
                size_t errlen)
{
    struct usl_data d;
    usl_reset(out);
    if (usl_data_load(&d, pts, n, err, errlen) < 0)
        goto fail;
    double best[3] = {0}, best_err = NAN, n_min;
    double starts[2][3];
    bool have[2] = {start_quadratic(&d, starts[0]) == 0, start_linear(&d, starts[1], &n_min) == 0};
    for (int s = 0; s < 2; s++) {
        if (!have[s])
            continue;
        double e = lm_fit(&d, starts[s]);
        if (isfinite(e) && (isnan(best_err) || e < best_err)) {
            best_err = e;
            memcpy(best, starts[s], sizeof(best));
        }
    }
    if (isnan(best_err)) {
        snprintf(err, errlen, "USL fit: did not converge from any starting point");
        goto fail;
    }
    usl_fill(out, &d, best);
    snprintf(out->method, sizeof(out->method),
             "nonlinear least squares on X (Levenberg-Marquardt), sigma, kappa >= 0");
    usl_data_free(&d);
    return 0;
fail:
    usl_data_free(&d);
    return -1;
}
