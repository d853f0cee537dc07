/* reports/points.c: the points file of `tierbench capacity --points FILE`: a TSV or CSV of
 * concurrency and throughput (optionally latency, errors, offered rate, server CPU) measured
 * elsewhere. The caller reads the file (common/file.h); this parses the text. Contract and the
 * column names: reports.h, rpt_points_parse. */
#include "common/text.h"
#include "reports/reports.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* More columns than this is not a points file. */
#define POINTS_MAX_COLS 64

enum pcol { PC_IGNORE = -1, PC_N, PC_X, PC_LATENCY, PC_ERRORS, PC_RATE, PC_CPU, PC__COUNT };

static const char *const pcol_names[PC__COUNT] = {"concurrency", "throughput", "latency",
                                                  "errors",      "rate",       "cpu"};

/* One column of the file: what it holds and the factor into struct rpt_point's unit. */
struct col {
    enum pcol kind;
    double scale;
    char heading[48]; /* as written, for messages */
};

struct field {
    const char *p;
    size_t len;
};

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* "99" -> 99, "999" -> 99.9, "99.9" and "99_9" -> 99.9, "100" -> 100: the percentile a "pNN"
 * heading names (metric.h's p999_ms is 99.9). NAN when s is not one. */
static double parse_pct(const char *s)
{
    char digits[16];
    size_t nd = 0, int_digits = 0;
    bool sep = false;
    for (const char *c = s; *c; c++) {
        if (isdigit((unsigned char)*c)) {
            if (nd + 1 >= sizeof(digits))
                return NAN;
            digits[nd++] = *c;
            int_digits += !sep;
        } else if ((*c == '.' || *c == '_') && !sep && nd > 0) {
            sep = true;
        } else {
            return NAN;
        }
    }
    if (nd == 0)
        return NAN;
    digits[nd] = '\0';
    if (!sep)
        int_digits = strcmp(digits, "100") == 0 ? 3 : nd < 2 ? nd : 2;
    double v = 0;
    for (size_t i = 0; i < nd; i++)
        v = v * 10 + (digits[i] - '0');
    v /= pow(10, (double)(nd - int_digits));
    return v > 0 && v <= 100 ? v : NAN;
}

/* What a (lower-cased) heading names. Latency headings get their unit's factor into us and the
 * percentile they name (NAN for "latency", "mean", ...). */
static enum pcol classify(const char *h, double *scale, double *pct)
{
    static const char *const n_names[] = {"concurrency", "n",   "size", "clients", "connections",
                                          "users",       "vus", "c",    NULL};
    static const char *const x_names[] = {
        "throughput", "throughput_rps",   "x", "rps", "tput", "tps", "qps", "req/s",
        "requests/s", "requests_per_sec", NULL};
    static const char *const err_names[] = {"error_rate", "errors", "error_ratio", NULL};
    static const char *const err_pct_names[] = {
        "error_pct", "errors_pct", "error_%", "errors_%", "error_rate_pct", "error_rate_%", NULL};
    static const char *const rate_names[] = {"rate",         "rate_rps",   "offered_rps",
                                             "offered_rate", "target_rps", NULL};
    static const char *const cpu_us_names[] = {"cpu_us_per_req", "server_cpu_us_per_req", NULL};
    static const char *const cpu_ms_names[] = {"cpu_ms_per_req", "server_cpu_ms_per_req", NULL};
    static const char *const lat_names[] = {"latency", "lat", "response_time", "rt",
                                            "mean",    "avg", "max",           NULL};
    *scale = 1;
    *pct = NAN;
    if (name_in(h, n_names))
        return PC_N;
    if (name_in(h, x_names))
        return PC_X;
    if (name_in(h, err_names))
        return PC_ERRORS;
    if (name_in(h, err_pct_names)) {
        *scale = 0.01;
        return PC_ERRORS;
    }
    if (name_in(h, rate_names))
        return PC_RATE;
    if (name_in(h, cpu_us_names))
        return PC_CPU;
    if (name_in(h, cpu_ms_names)) {
        *scale = 1000;
        return PC_CPU;
    }
    /* Latency: [latency_]BASE[_us|_ms|_s], a bare one in ms. */
    char base[48];
    snprintf(base, sizeof(base), "%s", h);
    size_t len = strlen(base);
    double unit = 1000;
    if (len > 3 && strcmp(base + len - 3, "_us") == 0) {
        unit = 1;
        base[len - 3] = '\0';
    } else if (len > 3 && strcmp(base + len - 3, "_ms") == 0) {
        base[len - 3] = '\0';
    } else if (len > 2 && strcmp(base + len - 2, "_s") == 0) {
        unit = 1e6;
        base[len - 2] = '\0';
    }
    const char *b = base;
    if (strncmp(b, "latency_", 8) == 0 && b[8])
        b += 8;
    double p = b[0] == 'p' ? parse_pct(b + 1) : NAN;
    if (name_in(b, lat_names) || !isnan(p)) {
        *scale = unit;
        *pct = strcmp(b, "max") == 0 ? 100 : p;
        return PC_LATENCY;
    }
    return PC_IGNORE;
}

/* Splits line[0..len-1] at sep (' ': runs of blanks), trimming blanks and one pair of double
 * quotes from each field. Returns the number of fields, or POINTS_MAX_COLS + 1 when there are
 * more than f can hold. */
static size_t split(const char *line, size_t len, char sep, struct field *f)
{
    size_t nf = 0, i = 0;
    if (sep == ' ') {
        while (i < len) {
            while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i == len)
                break;
            size_t start = i;
            while (i < len && line[i] != ' ' && line[i] != '\t')
                i++;
            if (nf == POINTS_MAX_COLS)
                return POINTS_MAX_COLS + 1;
            f[nf].p = line + start;
            f[nf++].len = i - start;
        }
    } else {
        for (;;) {
            size_t start = i;
            while (i < len && line[i] != sep)
                i++;
            if (nf == POINTS_MAX_COLS)
                return POINTS_MAX_COLS + 1;
            f[nf].p = line + start;
            f[nf++].len = i - start;
            if (i == len)
                break;
            i++; /* past the separator */
        }
    }
    for (size_t k = 0; k < nf; k++) {
        while (f[k].len && (f[k].p[0] == ' ' || f[k].p[0] == '\t')) {
            f[k].p++;
            f[k].len--;
        }
        while (f[k].len && (f[k].p[f[k].len - 1] == ' ' || f[k].p[f[k].len - 1] == '\t'))
            f[k].len--;
        if (f[k].len >= 2 && f[k].p[0] == '"' && f[k].p[f[k].len - 1] == '"') {
            f[k].p++;
            f[k].len -= 2;
        }
    }
    return nf;
}

/* A finite decimal number filling the whole field. Returns 0, or -1. */
static int parse_number(const struct field *f, double *out)
{
    char buf[64];
    if (f->len == 0 || f->len >= sizeof(buf) || memchr(f->p, 'x', f->len) ||
        memchr(f->p, 'X', f->len))
        return -1;
    memcpy(buf, f->p, f->len);
    buf[f->len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static bool blank_or_comment(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i == len || line[i] == '#';
}

/* Reads the header into cols. Returns 0, or -1 with a message in err. */
static int parse_header(const char *name, size_t lineno, const struct field *f, size_t nf,
                        struct col *cols, struct rpt_points *out, char *err, size_t errlen)
{
    int seen[PC__COUNT];
    for (int k = 0; k < PC__COUNT; k++)
        seen[k] = -1;
    double num;
    if (parse_number(&f[0], &num) == 0) {
        snprintf(err, errlen,
                 "%s:%zu: the first line must be a header naming the columns (concurrency, "
                 "throughput, ...), got \"%.*s\"",
                 name, lineno, (int)(f[0].len < 32 ? f[0].len : 32), f[0].p);
        return -1;
    }
    for (size_t i = 0; i < nf; i++) {
        struct col *c = &cols[i];
        snprintf(c->heading, sizeof(c->heading), "%.*s", (int)f[i].len, f[i].p);
        char lower[48];
        size_t k;
        for (k = 0; k < f[i].len && k + 1 < sizeof(lower); k++)
            lower[k] = (char)tolower((unsigned char)f[i].p[k]);
        lower[k] = '\0';
        double pct;
        c->kind = f[i].len < sizeof(lower) ? classify(lower, &c->scale, &pct) : PC_IGNORE;
        if (c->kind == PC_IGNORE)
            continue;
        if (seen[c->kind] >= 0) {
            snprintf(err, errlen, "%s:%zu: two %s columns: \"%s\" and \"%s\"", name, lineno,
                     pcol_names[c->kind], cols[seen[c->kind]].heading, c->heading);
            return -1;
        }
        seen[c->kind] = (int)i;
        if (c->kind == PC_LATENCY) {
            snprintf(out->latency_col, sizeof(out->latency_col), "%s", c->heading);
            out->latency_pct = pct;
        }
    }
    if (seen[PC_N] < 0) {
        snprintf(err, errlen,
                 "%s:%zu: no concurrency column (concurrency, n, size, clients, connections, "
                 "users, vus, c)",
                 name, lineno);
        return -1;
    }
    if (seen[PC_X] < 0) {
        snprintf(err, errlen,
                 "%s:%zu: no throughput column (throughput, throughput_rps, x, rps, tput, tps, "
                 "qps, req/s)",
                 name, lineno);
        return -1;
    }
    return 0;
}

/* Fills p from one data line's fields. Returns 0, or -1 with a message in err. */
static int parse_row(const char *name, size_t lineno, const struct field *f, const struct col *cols,
                     size_t ncols, struct rpt_point *p, char *err, size_t errlen)
{
    p->concurrency = p->throughput_rps = NAN;
    p->rate_rps = 0;
    p->latency_us = NAN;
    p->error_rate = 0;
    p->server_cpu_us_per_req = NAN;
    for (size_t i = 0; i < ncols; i++) {
        const struct col *c = &cols[i];
        if (c->kind == PC_IGNORE)
            continue;
        bool required = c->kind == PC_N || c->kind == PC_X;
        if (f[i].len == 0 && !required)
            continue; /* unknown: the defaults above */
        double v;
        const char *want = NULL;
        if (parse_number(&f[i], &v) < 0) {
            want = "a number";
        } else {
            v *= c->scale;
            if (!isfinite(v)) /* "1e306" seconds is finite, in microseconds it is not */
                want = "a number";
            else if (c->kind == PC_N && !(v > 0))
                want = "a number > 0";
            else if (c->kind == PC_ERRORS && !(v >= 0 && v <= 1))
                want = c->scale == 1 ? "a fraction from 0 to 1" : "a percentage from 0 to 100";
            else if (!(v >= 0))
                want = "a number >= 0";
        }
        if (want) {
            if (f[i].len == 0)
                snprintf(err, errlen, "%s:%zu: %s: expected %s, got an empty field", name, lineno,
                         c->heading, want);
            else
                snprintf(err, errlen, "%s:%zu: %s: expected %s, got \"%.*s\"", name, lineno,
                         c->heading, want, (int)(f[i].len < 32 ? f[i].len : 32), f[i].p);
            return -1;
        }
        switch (c->kind) {
        case PC_N:
            p->concurrency = v;
            break;
        case PC_X:
            p->throughput_rps = v;
            break;
        case PC_LATENCY:
            p->latency_us = v;
            break;
        case PC_ERRORS:
            p->error_rate = v;
            break;
        case PC_RATE:
            p->rate_rps = v;
            break;
        case PC_CPU:
            p->server_cpu_us_per_req = v;
            break;
        default:
            break;
        }
    }
    return 0;
}

static const char *sep_name(char sep)
{
    return sep == '\t' ? "tab" : sep == ',' ? "comma" : sep == ';' ? "semicolon" : "blank";
}

int rpt_points_parse(const char *text, size_t len, const char *name, struct rpt_points *out,
                     char *err, size_t errlen)
{
    struct field f[POINTS_MAX_COLS];
    struct col cols[POINTS_MAX_COLS];
    size_t ncols = 0, cap = 0, lineno = 0, header_line = 0;
    char sep = 0;
    memset(out, 0, sizeof(*out));
    out->latency_pct = NAN;
    if (!name)
        name = "points";
    /* A UTF-8 byte order mark, as spreadsheets write, is not part of the first heading. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + (nl != NULL);
        lineno++;
        if (llen && line[llen - 1] == '\r')
            llen--;
        if (blank_or_comment(line, llen))
            continue;
        if (!sep) {
            sep = memchr(line, '\t', llen)  ? '\t'
                  : memchr(line, ',', llen) ? ','
                  : memchr(line, ';', llen) ? ';'
                                            : ' ';
            ncols = split(line, llen, sep, f);
            header_line = lineno;
            if (ncols > POINTS_MAX_COLS) {
                snprintf(err, errlen, "%s:%zu: more than %d columns", name, lineno,
                         POINTS_MAX_COLS);
                goto fail;
            }
            if (parse_header(name, lineno, f, ncols, cols, out, err, errlen) < 0)
                goto fail;
            continue;
        }
        size_t nf = split(line, llen, sep, f);
        if (nf > POINTS_MAX_COLS) {
            snprintf(err, errlen, "%s:%zu: more than %d fields", name, lineno, POINTS_MAX_COLS);
            goto fail;
        }
        if (nf != ncols) {
            snprintf(err, errlen,
                     "%s:%zu: %zu fields, the header (line %zu) has %zu (%s-separated)", name,
                     lineno, nf, header_line, ncols, sep_name(sep));
            goto fail;
        }
        if (out->n == cap) {
            size_t ncap = cap ? 2 * cap : 32;
            struct rpt_point *v = realloc(out->v, ncap * sizeof(*v));
            if (!v) {
                snprintf(err, errlen, "%s: out of memory", name);
                goto fail;
            }
            out->v = v;
            cap = ncap;
        }
        if (parse_row(name, lineno, f, cols, ncols, &out->v[out->n], err, errlen) < 0)
            goto fail;
        out->n++;
    }
    if (!sep) {
        snprintf(err, errlen, "%s: no header and no points", name);
        goto fail;
    }
    if (out->n == 0) {
        snprintf(err, errlen, "%s: no points after the header (line %zu)", name, header_line);
        goto fail;
    }
    return 0;
fail:
    if (errlen)
        text_one_line(err); /* headings and fields are quoted as written */
    rpt_points_free(out);
    return -1;
}

void rpt_points_free(struct rpt_points *p)
{
    if (!p)
        return;
    free(p->v);
    memset(p, 0, sizeof(*p));
    p->latency_pct = NAN;
}
