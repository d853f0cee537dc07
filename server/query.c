/* server/query.c: query-string lookup with URL decoding, and bounded integer parameters for
 * /api/delay, /api/work and /api/exchange-rate. See server_int.h. */
#include "server/server_int.h"

#include <string.h>

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [s, s+n) into out. Returns the length or -2. */
static int decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -2;
            int hi = hex_val(s[i + 1]), lo = hex_val(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -2;
            c = (char)(hi * 16 + lo);
            i += 2;
            if (c == '\0')
                return -2;
        }
        if (o + 1 >= outlen)
            return -2;
        out[o++] = c;
    }
    if (outlen)
        out[o] = '\0';
    return (int)o;
}

int srv_query_get(const char *qs, const char *name, char *out, size_t outlen)
{
    if (!qs || !name)
        return -1;
    size_t name_len = strlen(name);
    const char *p = qs;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        if (key_len == name_len && !memcmp(p, name, name_len)) {
            if (!eq)
                return decode("", 0, out, outlen);
            return decode(eq + 1, len - key_len - 1, out, outlen);
        }
        if (!end)
            break;
        p = end + 1;
    }
    return -1;
}

int srv_query_u64(const char *qs, const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
    char buf[24];
    int n = srv_query_get(qs, name, buf, sizeof(buf));
    if (n == -1)
        return -1;
    if (n <= 0 || n > 19)
        return -2;
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return -2;
        v = v * 10 + (uint64_t)(buf[i] - '0');
    }
    if (v < min || v > max)
        return -2;
    *out = v;
    return 0;
}
