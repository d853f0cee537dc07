/* tests/fuzz/fuzz_query.c: libFuzzer target for what the server takes from the network before
 * and inside its handlers, endpoint by endpoint, with the same calls and buffer sizes the
 * handlers use: the route and method check of every path; /api/exchange-rate's base and quote
 * (decoded into 8 bytes, upper-cased, looked up, written as JSON); /api/delay's ms and
 * /api/work's us bounds; /api/echo's JSON of method, path, query and a header (it must be valid
 * JSON that gives back exactly those strings); the admin API's bearer token and timeline=0;
 * static files: the docroot path mapping (a resolved path must stay under the docroot), the MIME
 * type and Accept-Encoding. The input is split at NULs into query, path, method and a header
 * value. Build and run: make fuzz (clang, libFuzzer). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "server/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_query: %s\n", what);
    abort();
}

/* The next NUL-terminated field of buf[*at..len), or "" past the end. */
static const char *next_field(char *buf, size_t len, size_t *at)
{
    if (*at > len)
        return "";
    const char *f = buf + *at;
    *at += strlen(f) + 1;
    return f;
}

static void exchange_rate(const char *qs)
{
    char base[8], quote[8], key[SRV_CACHE_KEY_MAX], body[256];
    if (srv_query_get(qs, "base", base, sizeof(base)) < 0 ||
        srv_query_get(qs, "quote", quote, sizeof(quote)) < 0)
        return;
    if (strlen(base) >= sizeof(base) || strlen(quote) >= sizeof(quote))
        fail("srv_query_get wrote past its bound");
    for (char *p = base; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    for (char *p = quote; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    double rate;
    if (srv_rate_lookup(base, quote, &rate) < 0)
        return;
    if (!(rate > 0))
        fail("a rate that is not positive");
    snprintf(key, sizeof(key), "%s:%s", base, quote);
    struct jsonw w;
    jsonw_init(&w, body, sizeof(body));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "base", base);
    jsonw_str(&w, "quote", quote);
    jsonw_double(&w, "rate", rate, 6);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) < 0)
        fail("an exchange-rate answer does not fit its buffer");
}

/* /api/echo (GET) answers with these strings as JSON: it must parse and give them back. */
static void echo(const char *method, const char *path, const char *qs, const char *value)
{
    static char body[8192];
    struct jsonw w;
    jsonw_init(&w, body, sizeof(body));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "method", method);
    jsonw_str(&w, "path", path);
    jsonw_str(&w, "query", qs);
    jsonw_obj_begin(&w, "headers");
    jsonw_str(&w, "X-Fuzz", value);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    long n = jsonw_finish(&w);
    if (n < 0)
        return; /* the handler answers 431 */
    if ((size_t)n != strlen(body))
        fail("jsonw_finish's length is not the output's");
    cJSON *doc = cJSON_Parse(body);
    if (!doc)
        fail("/api/echo's JSON does not parse");
    const char *keys[] = {"method", "path", "query"}, *want[] = {method, path, qs};
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);
        if (!cJSON_IsString(v) || strcmp(v->valuestring, want[i]) != 0)
            fail("/api/echo's JSON does not give back what was sent");
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "headers");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "X-Fuzz");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, value) != 0)
        fail("/api/echo's JSON does not give back the header");
    cJSON_Delete(doc);
}

static void admin(const char *qs, const char *value)
{
    /* The token check must accept exactly "Bearer <token>". */
    static const char *const tokens[] = {"s3cret", "", "a", "Bearer"};
    char want[64];
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        snprintf(want, sizeof(want), "Bearer %s", tokens[i]);
        bool ok = srv_admin_token_ok(tokens[i], value);
        if (tokens[i][0] && ok != !strcmp(value, want))
            fail("srv_admin_token_ok disagrees with \"Bearer <token>\"");
        if (!tokens[i][0] && !ok)
            fail("an empty token must accept anything");
    }
    volatile bool timeline = !(qs && strstr(qs, "timeline=0"));
    (void)timeline;
}

static void static_file(const char *path, const char *accept_encoding)
{
    static const char root[] = "/tmp";
    char resolved[4096];
    if (path[0] && srv_static_resolve(root, path, resolved, sizeof(resolved)) == 0 &&
        (strncmp(resolved, root, sizeof(root) - 1) != 0 ||
         (resolved[sizeof(root) - 1] != '/' && resolved[sizeof(root) - 1] != '\0')))
        fail("a resolved path outside the docroot");
    bool cacheable, compressible;
    if (!srv_static_mime(path, &cacheable, &compressible))
        fail("no MIME type");
    srv_static_accepts_gzip(accept_encoding);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static char buf[4096];
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, data, len);
    buf[len] = '\0';
    size_t at = 0;
    const char *qs = next_field(buf, len, &at);
    const char *path = next_field(buf, len, &at);
    const char *method = next_field(buf, len, &at);
    const char *value = next_field(buf, len, &at);

    enum srv_route route = srv_route_find(path);
    if ((unsigned)route >= SRV_ROUTE__COUNT)
        fail("a route out of range");
    if (!srv_route_allow(route))
        fail("no Allow header value");
    srv_route_allows(route, method);

    char out[256];
    uint64_t v;
    srv_query_get(qs, "base", out, sizeof(out));
    srv_query_get(qs, "", out, 1);
    if (srv_query_u64(qs, "ms", 0, 10000, &v) == 0 && v > 10000)
        fail("/api/delay: ms out of 0..10000 accepted");
    if (srv_query_u64(qs, "us", 0, 1000000, &v) == 0 && v > 1000000)
        fail("/api/work: us out of 0..1000000 accepted");
    exchange_rate(qs);
    echo(method, path, qs, value);
    admin(qs, value);
    static_file(path, value);
    return 0;
}
