/* common/jsonw.c: see jsonw.h. */
#include "common/jsonw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void put(struct jsonw *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, w->len++)
        if (w->len + 1 < w->cap)
            w->buf[w->len] = s[i];
    if (w->cap)
        w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
}

static void putf(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct jsonw *w, const char *fmt, ...)
{
    char tmp[400];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_string(struct jsonw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put(w, esc, 2);
        } else if (*p < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put(w, esc, 6);
        } else {
            put(w, (const char *)p, 1);
        }
    }
    put(w, "\"", 1);
}

static void element(struct jsonw *w, const char *key)
{
    if (w->depth > 0 && w->depth <= JSONW_MAX_DEPTH) {
        if (!w->first[w->depth - 1])
            put(w, ",", 1);
        w->first[w->depth - 1] = false;
    }
    if (key) {
        put_string(w, key);
        put(w, ":", 1);
    }
}

void jsonw_init(struct jsonw *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->depth = 0;
    if (cap)
        buf[0] = '\0';
}

static void open_(struct jsonw *w, const char *key, const char *c)
{
    element(w, key);
    put(w, c, 1);
    if (w->depth < JSONW_MAX_DEPTH)
        w->first[w->depth] = true;
    w->depth++;
}

static void close_(struct jsonw *w, const char *c)
{
    put(w, c, 1);
    w->depth--;
}

void jsonw_obj_begin(struct jsonw *w, const char *key)
{
    open_(w, key, "{");
}

void jsonw_obj_end(struct jsonw *w)
{
    close_(w, "}");
}

void jsonw_arr_begin(struct jsonw *w, const char *key)
{
    open_(w, key, "[");
}

void jsonw_arr_end(struct jsonw *w)
{
    close_(w, "]");
}

void jsonw_str(struct jsonw *w, const char *key, const char *value)
{
    element(w, key);
    if (value)
        put_string(w, value);
    else
        put(w, "null", 4);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t value)
{
    element(w, key);
    putf(w, "%llu", (unsigned long long)value);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t value)
{
    element(w, key);
    putf(w, "%lld", (long long)value);
}

void jsonw_double(struct jsonw *w, const char *key, double value, int decimals)
{
    element(w, key);
    if (isfinite(value))
        putf(w, "%.*f", decimals, value);
    else
        put(w, "null", 4);
}

void jsonw_bool(struct jsonw *w, const char *key, bool value)
{
    element(w, key);
    put(w, value ? "true" : "false", value ? 4 : 5);
}

void jsonw_null(struct jsonw *w, const char *key)
{
    element(w, key);
    put(w, "null", 4);
}

void jsonw_raw(struct jsonw *w, const char *key, const char *raw)
{
    element(w, key);
    if (raw)
        put(w, raw, strlen(raw));
    else
        put(w, "null", 4);
}

long jsonw_finish(struct jsonw *w)
{
    if (w->depth != 0 || w->len + 1 > w->cap)
        return -1;
    return (long)w->len;
}
