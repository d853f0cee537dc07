/* reports/capacity.c: what a sweep says about capacity: the highest throughput within an SLO,
 * the knee of the latency curve, the USL fit (usl.c), the utilization-law bound and the users
 * Little's law supports; then the two tables a report renders (points and summary). The
 * contract is reports.h; README.md ("Capacity: the math") explains the methods. */
#include "reports/reports.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void rpt_capacity_opts_init(struct rpt_capacity_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_error_rate = 0.01;
}

static void warn(struct rpt_capacity *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct rpt_capacity *c, const char *fmt, ...)
{
    if (c->nwarnings >= RPT_CAP_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->warnings[c->nwarnings++], RPT_CAP_WARNING_BYTES, fmt, ap);
    va_end(ap);
}

/* v with thousands separators and `decimals` decimals: "12,345", "995.6". */
static void fmt_num(char *buf, size_t cap, double v, int decimals)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? "-" : v > 0 ? "inf" : "-inf");
        return;
    }
    char raw[64];
    snprintf(raw, sizeof(raw), "%.*f", decimals, fabs(v));
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    char out[96];
    size_t o = 0;
    if (v < 0 && strspn(raw, "0.") != strlen(raw))
        out[o++] = '-';
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    snprintf(buf, cap, "%s%s", out, dot ? dot : "");
}

/* Latency in ms with 3 significant digits: "0.412", "45.1", "1,234". */
static void fmt_ms(char *buf, size_t cap, double us)
{
    double ms = us / 1000;
    fmt_num(buf, cap, ms, ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3);
}

/* "p99" for p99_ms: the name latency is shown under. */
static void latency_name(const struct rpt_capacity_opts *o, char *buf, size_t cap)
{
    if (!o->has_slo) {
        snprintf(buf, cap, "latency");
        return;
    }
    const char *name = metric_name(o->slo.metric);
    size_t len = strlen(name);
    if (len > 3 && strcmp(name + len - 3, "_ms") == 0)
        len -= 3;
    snprintf(buf, cap, "%.*s", (int)len, name);
}

static bool point_passes(const struct rpt_point *p, const struct rpt_capacity_opts *o)
{
    if (p->error_rate > o->max_error_rate) /* NAN (unknown) counts as no error */
        return false;
    if (!o->has_slo)
        return true;
    if (!isfinite(p->latency_us))
        return false;
    double limit_us = o->slo.limit * 1000;
    return o->slo.cmp == METRIC_LT ? p->latency_us < limit_us : p->latency_us <= limit_us;
}

/* Point indexes in order of concurrency; NULL when out of memory. qsort has no context argument
 * in C11, so a small insertion sort keeps this free of globals (sweeps have tens of points). */
static size_t *order_by_n(const struct rpt_point *pts, size_t n)
{
    size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
    if (!idx)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        while (k > 0 && pts[idx[k - 1]].concurrency > pts[i].concurrency) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = i;
    }
    return idx;
}

/* Kneedle, offline (Satopaa, Albrecht, Irwin, Raghavan 2011): scale N and latency to 0..1; for
 * a convex rising curve (flat, then a wall) the knee is the point that lies furthest below the
 * diagonal, where scaled N minus scaled latency is largest. */
static void find_knee(struct rpt_capacity *c, const struct rpt_point *pts, const size_t *order,
                      size_t n)
{
    c->knee_diff = NAN;
    double n_lo = INFINITY, n_hi = -INFINITY, l_lo = INFINITY, l_hi = -INFINITY;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        const struct rpt_point *p = &pts[order[k]];
        if (!isfinite(p->latency_us))
            continue;
        m++;
        n_lo = fmin(n_lo, p->concurrency);
        n_hi = fmax(n_hi, p->concurrency);
        l_lo = fmin(l_lo, p->latency_us);
        l_hi = fmax(l_hi, p->latency_us);
    }
    if (m < 3 || !(n_hi > n_lo))
        return;
    if (!(l_hi > l_lo)) {
        c->knee_diff = 0; /* latency flat across the sweep */
        return;
    }
    double best = -INFINITY;
    size_t best_i = 0;
    for (size_t k = 0; k < n; k++) {
        const struct rpt_point *p = &pts[order[k]];
        if (!isfinite(p->latency_us))
            continue;
        double d = (p->concurrency - n_lo) / (n_hi - n_lo) - (p->latency_us - l_lo) / (l_hi - l_lo);
        if (d > best) {
            best = d;
            best_i = order[k];
        }
    }
    c->knee_diff = best;
    if (best < RPT_KNEE_MIN_DIFF)
        return;
    c->knee_found = true;
    c->knee_index = best_i;
    c->knee_concurrency = pts[best_i].concurrency;
    c->knee_throughput_rps = pts[best_i].throughput_rps;
    c->knee_latency_us = pts[best_i].latency_us;
}

/* The server's CPU time per request: the median over the points that know it, since one step's
 * figure is noisy (at low load a request shares the server's idle overhead with few others). */
static double cpu_per_request(const struct rpt_point *pts, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (pts[i].server_cpu_us_per_req > 0 && isfinite(pts[i].server_cpu_us_per_req))
            v[m++] = pts[i].server_cpu_us_per_req;
    double med = rpt_median(v, m);
    free(v);
    return med;
}

static int validate(const struct rpt_point *pts, size_t n, const struct rpt_capacity_opts *o,
                    char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "capacity: no points");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(pts[i].concurrency > 0) || !isfinite(pts[i].concurrency)) {
            snprintf(err, errlen, "capacity: point %zu: concurrency must be a number > 0", i + 1);
            return -1;
        }
        if (!(pts[i].throughput_rps >= 0) || !isfinite(pts[i].throughput_rps)) {
            snprintf(err, errlen, "capacity: point %zu: throughput must be a number >= 0", i + 1);
            return -1;
        }
    }
    if (o->has_slo && metric_percentile(o->slo.metric) < 0) {
        snprintf(err, errlen,
                 "capacity: the SLO must bound a latency percentile (p99<100ms), not %s",
                 metric_name(o->slo.metric));
        return -1;
    }
    if (o->has_slo && o->slo.cmp != METRIC_LT && o->slo.cmp != METRIC_LE) {
        snprintf(err, errlen, "capacity: the SLO must bound latency from above (< or <=), not %s",
                 metric_cmp_name(o->slo.cmp));
        return -1;
    }
    return 0;
}

int rpt_capacity_compute(const struct rpt_point *pts, size_t n, const struct rpt_capacity_opts *o,
                         struct rpt_capacity *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->npoints = n;
    out->slo_throughput_rps = out->slo_concurrency = out->slo_rate_rps = NAN;
    out->slo_latency_us = out->slo_error_rate = NAN;
    out->knee_concurrency = out->knee_throughput_rps = out->knee_latency_us = NAN;
    out->knee_diff = NAN;
    out->usl_forecast_max_n = NAN;
    out->cores = out->cpu_us_per_req = out->util_bound_rps = NAN;
    out->users = out->response_time_s = NAN;
    out->think_time_s = o->think_time_s;
    if (validate(pts, n, o, err, errlen) < 0)
        return -1;
    latency_name(o, out->latency_name, sizeof(out->latency_name));
    size_t *order = order_by_n(pts, n);
    if (!order) {
        snprintf(err, errlen, "capacity: out of memory");
        return -1;
    }
    if (o->has_slo)
        snprintf(out->slo_text, sizeof(out->slo_text), "%s %s %g, error_rate <= %g",
                 metric_name(o->slo.metric), metric_cmp_name(o->slo.cmp), o->slo.limit,
                 o->max_error_rate);
    else
        snprintf(out->slo_text, sizeof(out->slo_text), "error_rate <= %g", o->max_error_rate);

    /* The SLO point. */
    size_t no_latency = 0;
    double n_max = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const struct rpt_point *p = &pts[i];
        n_max = fmax(n_max, p->concurrency);
        no_latency += !isfinite(p->latency_us);
        if (!point_passes(p, o))
            continue;
        out->npassing++;
        if (!out->slo_met || p->throughput_rps > out->slo_throughput_rps) {
            out->slo_met = true;
            out->slo_index = i;
            out->slo_throughput_rps = p->throughput_rps;
        }
    }
    if (n < 6)
        warn(out, "%zu point%s: the USL fit and the knee want 6 or more", n, n == 1 ? "" : "s");
    if (o->has_slo && no_latency > 0)
        warn(out, "%zu of %zu points have no latency and cannot meet the SLO", no_latency, n);
    char num[48];
    if (out->slo_met) {
        const struct rpt_point *p = &pts[out->slo_index];
        out->slo_concurrency = p->concurrency;
        out->slo_rate_rps = p->rate_rps;
        out->slo_latency_us = p->latency_us;
        out->slo_error_rate = isnan(p->error_rate) ? 0 : p->error_rate;
        out->slo_all_met = out->npassing == n;
        fmt_num(num, sizeof(num), out->slo_throughput_rps, 0);
        if (out->slo_all_met)
            warn(out,
                 "every point meets %s: the sweep did not reach the limit; capacity is at "
                 "least %s req/s",
                 out->slo_text, num);
    } else {
        warn(out, "no point meets %s: capacity is below the smallest step (N=%g)", out->slo_text,
             pts[order[0]].concurrency);
    }

    find_knee(out, pts, order, n);

    char usl_err[160];
    out->usl_forecast_max_n = 2 * n_max;
    if (rpt_usl_fit(pts, n, &out->usl, usl_err, sizeof(usl_err)) < 0) {
        warn(out, "no %s", usl_err);
    } else {
        out->usl_peak_forecast = out->usl.n_peak <= out->usl_forecast_max_n;
        if (isinf(out->usl.n_peak))
            warn(out, "the USL finds no coherency cost (kappa = 0): no peak, throughput levels off "
                      "towards lambda/sigma");
        else if (!out->usl_peak_forecast)
            warn(out,
                 "the USL peak (N=%.0f) is past 2x the largest measured N (%g): not a forecast",
                 out->usl.n_peak, n_max);
    }

    /* Utilization law: each request holds a core for D seconds, so X <= cores / D. */
    out->cores = o->cores > 0 ? o->cores : NAN;
    out->cpu_us_per_req = cpu_per_request(pts, n);
    if (o->cores > 0 && out->cpu_us_per_req > 0) {
        out->util_known = true;
        out->util_bound_rps = o->cores / (out->cpu_us_per_req / 1e6);
        double x_max = 0;
        for (size_t i = 0; i < n; i++)
            x_max = fmax(x_max, pts[i].throughput_rps);
        if (x_max > 1.05 * out->util_bound_rps) {
            fmt_num(num, sizeof(num), x_max, 0);
            warn(out,
                 "%s req/s measured is over the utilization bound: check the cores (%g) and "
                 "the CPU per request",
                 num, o->cores);
        }
    } else if (o->cores > 0) {
        warn(out, "no point has the server's CPU per request: no utilization bound");
    }

    /* Little's law at the SLO point. */
    if (out->slo_met && out->slo_throughput_rps > 0) {
        out->users_known = true;
        out->response_time_s = out->slo_concurrency / out->slo_throughput_rps;
        out->users = out->slo_throughput_rps * (out->response_time_s + o->think_time_s);
    }
    free(order);
    return 0;
}

/* ---- tables ------------------------------------------------------------------------------ */

/* Appends a column spec to cols and returns its index. */
static int add_col(const char **cols, size_t *nc, const char *spec)
{
    cols[*nc] = spec;
    return (int)(*nc)++;
}

int rpt_capacity_points_table(struct rpt_table *t, const struct rpt_point *pts, size_t n,
                              const struct rpt_capacity *c)
{
    bool any_rate = false, any_latency = false, any_cpu = false;
    for (size_t i = 0; i < n; i++) {
        any_rate = any_rate || pts[i].rate_rps > 0;
        any_latency = any_latency || isfinite(pts[i].latency_us);
        any_cpu = any_cpu || isfinite(pts[i].server_cpu_us_per_req);
    }
    char lat_col[RPT_CELL_BYTES];
    snprintf(lat_col, sizeof(lat_col), "%s ms|%s_us|r", c->latency_name, c->latency_name);
    const char *cols[RPT_TABLE_COLS];
    size_t nc = 0;
    int c_n = add_col(cols, &nc, "N|concurrency|r");
    int c_rate = any_rate ? add_col(cols, &nc, "Rate req/s|rate_rps|r") : -1;
    int c_x = add_col(cols, &nc, "req/s|throughput_rps|r");
    int c_lat = any_latency ? add_col(cols, &nc, lat_col) : -1;
    int c_err = add_col(cols, &nc, "Errors|error_rate|r");
    int c_cpu = any_cpu ? add_col(cols, &nc, "CPU us/req|server_cpu_us_per_req|r") : -1;
    int c_usl = c->usl.ok ? add_col(cols, &nc, "USL req/s|usl_rps|r") : -1;
    int c_note = add_col(cols, &nc, "Note|note");
    if (rpt_table_init(t, "points", "Sweep points", cols, nc) < 0)
        return -1;
    size_t *order = order_by_n(pts, n);
    if (!order)
        goto fail;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const struct rpt_point *p = &pts[i];
        struct rpt_cell *row = rpt_table_row(t);
        if (!row)
            goto fail;
        char num[48];
        fmt_num(num, sizeof(num), p->concurrency, p->concurrency == floor(p->concurrency) ? 0 : 1);
        rpt_cell_set(&row[c_n], p->concurrency, "%s", num);
        if (c_rate >= 0 && p->rate_rps > 0) {
            fmt_num(num, sizeof(num), p->rate_rps, 0);
            rpt_cell_set(&row[c_rate], p->rate_rps, "%s", num);
        }
        fmt_num(num, sizeof(num), p->throughput_rps, p->throughput_rps < 100 ? 1 : 0);
        rpt_cell_set(&row[c_x], p->throughput_rps, "%s", num);
        if (c_lat >= 0 && isfinite(p->latency_us)) {
            fmt_ms(num, sizeof(num), p->latency_us);
            rpt_cell_set(&row[c_lat], p->latency_us, "%s", num);
        }
        double e = isnan(p->error_rate) ? 0 : p->error_rate;
        rpt_cell_set(&row[c_err], e, "%.1f%%", e * 100);
        if (c_cpu >= 0 && isfinite(p->server_cpu_us_per_req)) {
            fmt_num(num, sizeof(num), p->server_cpu_us_per_req, 0);
            rpt_cell_set(&row[c_cpu], p->server_cpu_us_per_req, "%s", num);
        }
        if (c_usl >= 0) {
            double x = rpt_usl_x(&c->usl, p->concurrency);
            fmt_num(num, sizeof(num), x, x < 100 ? 1 : 0);
            rpt_cell_set(&row[c_usl], x, "%s", num);
        }
        bool cap_pt = c->slo_met && i == c->slo_index, knee = c->knee_found && i == c->knee_index;
        if (cap_pt || knee)
            rpt_cell_set(&row[c_note], NAN, "%s%s%s", cap_pt ? "capacity" : "",
                         cap_pt && knee ? ", " : "", knee ? "knee" : "");
    }
    rpt_table_note(t, "capacity: the highest req/s that meets %s", c->slo_text);
    if (c->knee_found)
        rpt_table_note(t, "knee: where latency turns up (Kneedle)");
    if (c_usl >= 0)
        rpt_table_note(t, "USL req/s: the fitted law at that N");
    free(order);
    return 0;
fail:
    free(order);
    rpt_table_free(t);
    return -1;
}

/* Appends a figure row: label, value (text and number), detail (printf-style). Returns -1 when
 * out of memory. */
static int figure(struct rpt_table *t, const char *label, double value, const char *value_text,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int figure(struct rpt_table *t, const char *label, double value, const char *value_text,
                  const char *fmt, ...)
{
    struct rpt_cell *row = rpt_table_row(t);
    if (!row)
        return -1;
    char detail[RPT_CELL_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    rpt_cell_set(&row[0], NAN, "%s", label);
    rpt_cell_set(&row[1], value, "%s", value_text);
    rpt_cell_set(&row[2], NAN, "%s", detail);
    return 0;
}

/* A value cell's text: printf-style into buf. */
static const char *vtext(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *vtext(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return buf;
}

int rpt_capacity_summary_table(struct rpt_table *t, const struct rpt_capacity *c)
{
    static const char *const cols[] = {"Figure|figure", "Value|value|r", "Detail|detail"};
    if (rpt_table_init(t, "capacity", "Capacity", cols, 3) < 0)
        return -1;
    const char *lat = c->latency_name;
    char v[RPT_CELL_BYTES], a[48], b[48];
    int rc = 0;

    if (c->slo_met) {
        fmt_num(a, sizeof(a), c->slo_throughput_rps, 0);
        vtext(v, sizeof(v), "%s req/s", a);
        snprintf(b, sizeof(b), "-");
        if (isfinite(c->slo_latency_us))
            fmt_ms(b, sizeof(b), c->slo_latency_us);
        if (c->slo_rate_rps > 0) {
            fmt_num(a, sizeof(a), c->slo_rate_rps, 0);
            rc |= figure(t, "Capacity within SLO", c->slo_throughput_rps, v,
                         "offered %s req/s, %s %s ms, errors %.1f%%", a, lat, b,
                         c->slo_error_rate * 100);
        } else {
            rc |= figure(t, "Capacity within SLO", c->slo_throughput_rps, v,
                         "at N=%g, %s %s ms, errors %.1f%%", c->slo_concurrency, lat, b,
                         c->slo_error_rate * 100);
        }
    } else {
        rc |= figure(t, "Capacity within SLO", NAN, "none", "no point meets the SLO");
    }

    if (c->knee_found) {
        fmt_num(a, sizeof(a), c->knee_throughput_rps, 0);
        fmt_ms(b, sizeof(b), c->knee_latency_us);
        rc |= figure(t, "Knee of latency", c->knee_concurrency,
                     vtext(v, sizeof(v), "N=%g", c->knee_concurrency), "%s req/s, %s %s ms", a, lat,
                     b);
    } else {
        rc |= figure(t, "Knee of latency", NAN, "none", "%s",
                     isnan(c->knee_diff) ? "needs 3 points with latency"
                                         : "latency grows about in proportion to N");
    }

    if (c->usl.ok) {
        fmt_num(a, sizeof(a), c->usl.lambda, 1);
        rc |= figure(t, "USL lambda", c->usl.lambda, vtext(v, sizeof(v), "%s req/s", a),
                     "throughput of one client");
        rc |= figure(t, "USL sigma", c->usl.sigma, vtext(v, sizeof(v), "%.4g", c->usl.sigma),
                     "contention (serial fraction)");
        rc |= figure(t, "USL kappa", c->usl.kappa, vtext(v, sizeof(v), "%.4g", c->usl.kappa),
                     "coherency (crosstalk)");
        fmt_num(a, sizeof(a), c->usl.x_peak_rps, 0);
        if (isinf(c->usl.n_peak))
            rc |= figure(t, "USL peak", INFINITY, "none", "kappa = 0: levels off towards %s req/s",
                         a);
        else if (c->usl_peak_forecast)
            rc |= figure(t, "USL peak", c->usl.n_peak, vtext(v, sizeof(v), "N=%.1f", c->usl.n_peak),
                         "%s req/s predicted", a);
        else
            rc |= figure(t, "USL peak", c->usl.n_peak, vtext(v, sizeof(v), "N=%.0f", c->usl.n_peak),
                         "past 2x the largest N (%g): not a forecast", c->usl_forecast_max_n / 2);
        rc |= figure(t, "USL fit", c->usl.r2, vtext(v, sizeof(v), "%.4f", c->usl.r2),
                     "R² on X, %u points", c->usl.npoints);
    } else {
        rc |= figure(t, "USL fit", NAN, "none", "too few points or no convergence");
    }

    if (c->util_known) {
        fmt_num(a, sizeof(a), c->util_bound_rps, 0);
        fmt_num(b, sizeof(b), c->cpu_us_per_req, 0);
        rc |= figure(t, "Utilization bound", c->util_bound_rps, vtext(v, sizeof(v), "%s req/s", a),
                     "%g cores / %s us CPU per request", c->cores, b);
    } else {
        rc |= figure(t, "Utilization bound", NAN, "unknown",
                     "needs the cores and the server's CPU per request");
    }

    if (c->users_known) {
        fmt_num(a, sizeof(a), c->users, 0);
        fmt_ms(b, sizeof(b), c->response_time_s * 1e6);
        rc |= figure(t, "Users at capacity", c->users, a,
                     "X (R + Z): R = %s ms mean (N/X), Z = %g s", b, c->think_time_s);
    } else {
        rc |= figure(t, "Users at capacity", NAN, "unknown", "no point meets the SLO");
    }
    if (rc < 0)
        goto fail;

    rpt_table_note(t,
                   "Capacity: the highest req/s among points meeting %s. Users: Little's "
                   "law, users = X (R + Z), R the mean response time N/X there.",
                   c->slo_text);
    rpt_table_note(t, "Knee: Kneedle (Satopaa et al. 2011), the point furthest below the diagonal "
                      "of latency against N, both scaled to 0..1.");
    if (c->usl.ok)
        rpt_table_note(t, "USL: X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)), %s.",
                       c->usl.method);
    for (size_t i = 0; i < c->nwarnings && t->nnotes < 8; i++) {
        if (t->nnotes == 7 && c->nwarnings - i > 1) {
            rpt_table_note(t, "warning: %s (and %zu more)", c->warnings[i], c->nwarnings - i - 1);
            break;
        }
        rpt_table_note(t, "warning: %s", c->warnings[i]);
    }
    return 0;
fail:
    rpt_table_free(t);
    return -1;
}
