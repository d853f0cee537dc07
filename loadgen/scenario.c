/* loadgen/scenario.c: scenario files for `tierbench run` (declared in loadgen.h). Parsing is
 * strict: an unknown key is an error, because a typo such as "durtion" would otherwise silently
 * run the default. */
#include "loadgen/loadgen.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/text.h"
#include "common/units.h"
#include "loadgen/lg_int.h"

#define MAX_THREADS     1024
#define MAX_CONNECTIONS 100000
#define MAX_WEIGHT      1000000
#define MAX_BODY_BYTES  (64u << 20)

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (errlen)
        text_one_line(err); /* messages quote the input, which may hold control characters */
    return -1;
}

/* ---- scenario files ----------------------------------------------------------------------- */

/* "stages[2]" + "duration" -> "stages[2].duration"; a top-level key is its own path. */
static void key_path(char *buf, size_t len, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, len, "%s.%s", parent, key);
    else
        snprintf(buf, len, "%s", key);
}

/* Fails on a key of obj not in allowed (NULL-terminated). */
static int check_keys(const cJSON *obj, const char *const *allowed, const char *path, char *err,
                      size_t errlen)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(item->string, allowed[i]))
                known = true;
        if (known)
            continue;
        char list[256] = "";
        size_t at = 0;
        for (size_t i = 0; allowed[i] && at < sizeof(list); i++) {
            int n = snprintf(list + at, sizeof(list) - at, "%s%s", i ? ", " : "", allowed[i]);
            if (n < 0)
                break;
            at += (size_t)n;
        }
        char kp[300];
        key_path(kp, sizeof(kp), path, item->string);
        return fail(err, errlen, "%s: unknown key (expected one of: %s)", kp, list);
    }
    return 0;
}

/* Reads an optional integer in [lo, hi]; *out is untouched when absent. */
static int get_uint(const cJSON *obj, const char *key, const char *path, unsigned lo, unsigned hi,
                    unsigned *out, bool *present, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    char kp[300];
    key_path(kp, sizeof(kp), path, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return fail(err, errlen, "%s: expected an integer from %u to %u", kp, lo, hi);
    *out = (unsigned)v->valuedouble;
    return 0;
}

static int get_duration(const cJSON *obj, const char *key, const char *path, bool required,
                        uint64_t *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char kp[300];
    key_path(kp, sizeof(kp), path, key);
    if (!v) {
        if (required)
            return fail(err, errlen, "%s: missing; expected a duration like \"10s\"", kp);
        return 0;
    }
    uint64_t us;
    if (!cJSON_IsString(v) || units_duration_parse(v->valuestring, 0, &us) != 0 || us == 0)
        return fail(err, errlen, "%s: expected a duration like \"10s\"", kp);
    *out = us;
    return 0;
}

static int parse_stage(const cJSON *item, size_t i, unsigned default_connections,
                       struct lg_stage *st, char *err, size_t errlen)
{
    static const char *const keys[] = {"duration", "connections", "rate", NULL};
    char path[64];
    snprintf(path, sizeof(path), "stages[%zu]", i);
    if (!cJSON_IsObject(item))
        return fail(err, errlen,
                    "%s: expected an object like {\"duration\": \"10s\", \"connections\": 50}",
                    path);
    if (check_keys(item, keys, path, err, errlen))
        return -1;
    if (get_duration(item, "duration", path, true, &st->duration_us, err, errlen))
        return -1;
    bool present;
    st->connections = default_connections;
    if (get_uint(item, "connections", path, 1, MAX_CONNECTIONS, &st->connections, &present, err,
                 errlen))
        return -1;
    if (!present && default_connections == 0)
        return fail(err, errlen,
                    "%s.connections: missing; expected an integer from 1 to %u (or set a "
                    "top-level \"connections\")",
                    path, MAX_CONNECTIONS);
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(item, "rate");
    st->rate_rps = 0;
    if (rate) {
        if (!cJSON_IsNumber(rate) || !(rate->valuedouble > 0) || rate->valuedouble > 1e9)
            return fail(err, errlen, "%s.rate: expected requests per second, a number > 0", path);
        st->rate_rps = rate->valuedouble;
    }
    return 0;
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return false;
    return true;
}

static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static char *join_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static void request_free(struct lg_request *rq)
{
    free((char *)rq->method);
    free((char *)rq->path);
    for (size_t i = 0; i < rq->nheaders; i++)
        free((char *)rq->headers[i]);
    free((char **)rq->headers);
    free((char *)rq->body);
    memset(rq, 0, sizeof(*rq));
}

static int parse_request(const cJSON *item, size_t i, const char *base_dir, struct lg_request *rq,
                         char *err, size_t errlen)
{
    static const char *const keys[] = {"method", "path",      "weight", "headers",
                                       "body",   "body_file", NULL};
    char path[64];
    snprintf(path, sizeof(path), "requests[%zu]", i);
    memset(rq, 0, sizeof(*rq));
    if (!cJSON_IsObject(item))
        return fail(err, errlen, "%s: expected an object like {\"path\": \"/api/health\"}", path);
    if (check_keys(item, keys, path, err, errlen))
        return -1;

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "method");
    if (v && (!cJSON_IsString(v) || !is_token(v->valuestring)))
        return fail(err, errlen, "%s.method: expected an HTTP method like \"GET\"", path);
    rq->method = strdup(v ? v->valuestring : "GET");

    v = cJSON_GetObjectItemCaseSensitive(item, "path");
    if (v) {
        if (!cJSON_IsString(v) || v->valuestring[0] != '/' || has_ctl(v->valuestring) ||
            strchr(v->valuestring, ' '))
            return fail(err, errlen, "%s.path: expected a path like \"/api/health\"", path);
        rq->path = strdup(v->valuestring);
        if (!rq->path)
            return fail(err, errlen, "out of memory");
    }

    unsigned weight = 1;
    if (get_uint(item, "weight", path, 1, MAX_WEIGHT, &weight, NULL, err, errlen))
        return -1;
    rq->weight = weight;

    const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(item, "headers");
    if (hdrs) {
        if (!cJSON_IsObject(hdrs))
            return fail(err, errlen, "%s.headers: expected an object like {\"X-Name\": \"value\"}",
                        path);
        size_t n = (size_t)cJSON_GetArraySize(hdrs);
        char **lines = calloc(n ? n : 1, sizeof(*lines));
        if (!lines)
            return fail(err, errlen, "out of memory");
        rq->headers = (const char *const *)lines;
        const cJSON *h;
        cJSON_ArrayForEach(h, hdrs)
        {
            if (!is_token(h->string))
                return fail(err, errlen, "%s.headers.%s: not a valid header name", path, h->string);
            if (!cJSON_IsString(h) || has_ctl(h->valuestring))
                return fail(err, errlen, "%s.headers.%s: expected a string value", path, h->string);
            size_t len = strlen(h->string) + strlen(h->valuestring) + 3;
            char *line = malloc(len);
            if (!line)
                return fail(err, errlen, "out of memory");
            snprintf(line, len, "%s: %s", h->string, h->valuestring);
            lines[rq->nheaders++] = line;
        }
    }

    const cJSON *body = cJSON_GetObjectItemCaseSensitive(item, "body");
    const cJSON *body_file = cJSON_GetObjectItemCaseSensitive(item, "body_file");
    if (body && body_file)
        return fail(err, errlen, "%s: use either body or body_file, not both", path);
    if (body) {
        if (!cJSON_IsString(body))
            return fail(err, errlen, "%s.body: expected a string", path);
        rq->body = strdup(body->valuestring);
        rq->body_bytes = strlen(body->valuestring);
    } else if (body_file) {
        if (!cJSON_IsString(body_file) || !body_file->valuestring[0])
            return fail(err, errlen, "%s.body_file: expected a file name", path);
        const char *name = body_file->valuestring;
        char *full = name[0] == '/' || !base_dir ? strdup(name) : join_path(base_dir, name);
        if (!full)
            return fail(err, errlen, "out of memory");
        char ferr[512];
        size_t len = 0;
        char *data = file_read(full, MAX_BODY_BYTES, &len, ferr, sizeof(ferr));
        free(full);
        if (!data)
            return fail(err, errlen, "%s.body_file: %s", path, ferr);
        rq->body = data;
        rq->body_bytes = len;
    }
    if (!rq->method || ((body || body_file) && !rq->body))
        return fail(err, errlen, "out of memory");
    return 0;
}

static int parse_tree(const cJSON *root, const char *base_dir, struct lg_scenario *sc, char *err,
                      size_t errlen)
{
    static const char *const keys[] = {"target",      "threads", "connections", "timeout",
                                       "keep_alive",  "stages",  "requests",    "thresholds",
                                       "description", NULL};
    if (!cJSON_IsObject(root))
        return fail(err, errlen, "expected a JSON object with \"target\" and \"stages\"");
    if (check_keys(root, keys, "", err, errlen))
        return -1;

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "target");
    if (!v)
        return fail(err, errlen, "target: missing; expected a URL like \"http://127.0.0.1:9000\"");
    if (!cJSON_IsString(v) ||
        (strncmp(v->valuestring, "http://", 7) && strncmp(v->valuestring, "https://", 8)) ||
        strlen(v->valuestring) >= sizeof(sc->target) || has_ctl(v->valuestring))
        return fail(err, errlen, "target: expected a URL like \"http://127.0.0.1:9000\"");
    /* The engine's own URL parser, so a bad port or host fails here, before any stage runs. */
    struct lg_url url;
    char uerr[400];
    if (lg_url_parse(v->valuestring, &url, uerr, sizeof(uerr)) != 0)
        return fail(err, errlen, "target: %s", uerr);
    snprintf(sc->target, sizeof(sc->target), "%s", v->valuestring);

    v = cJSON_GetObjectItemCaseSensitive(root, "description");
    if (v && !cJSON_IsString(v))
        return fail(err, errlen, "description: expected a string");

    if (get_uint(root, "threads", "", 1, MAX_THREADS, &sc->threads, NULL, err, errlen))
        return -1;
    unsigned default_connections = 0;
    if (get_uint(root, "connections", "", 1, MAX_CONNECTIONS, &default_connections, NULL, err,
                 errlen))
        return -1;
    if (get_duration(root, "timeout", "", false, &sc->timeout_us, err, errlen))
        return -1;
    sc->keep_alive = true;
    v = cJSON_GetObjectItemCaseSensitive(root, "keep_alive");
    if (v) {
        if (!cJSON_IsBool(v))
            return fail(err, errlen, "keep_alive: expected true or false");
        sc->keep_alive = cJSON_IsTrue(v);
    }

    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    if (!stages)
        return fail(err, errlen,
                    "stages: missing; expected an array like [{\"duration\": \"10s\", "
                    "\"connections\": 50}]");
    if (!cJSON_IsArray(stages) || cJSON_GetArraySize(stages) == 0)
        return fail(err, errlen, "stages: expected a non-empty array of stages");
    size_t n = (size_t)cJSON_GetArraySize(stages);
    sc->stages = calloc(n, sizeof(*sc->stages));
    if (!sc->stages)
        return fail(err, errlen, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, stages)
    {
        if (parse_stage(item, sc->nstages, default_connections, &sc->stages[sc->nstages], err,
                        errlen))
            return -1;
        sc->nstages++;
    }

    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(root, "requests");
    if (reqs) {
        if (!cJSON_IsArray(reqs) || cJSON_GetArraySize(reqs) == 0)
            return fail(err, errlen, "requests: expected a non-empty array of requests");
        n = (size_t)cJSON_GetArraySize(reqs);
        sc->requests = calloc(n, sizeof(*sc->requests));
        if (!sc->requests)
            return fail(err, errlen, "out of memory");
        cJSON_ArrayForEach(item, reqs)
        {
            /* Counted before parsing so a half-built request is freed too. */
            sc->nrequests++;
            if (parse_request(item, sc->nrequests - 1, base_dir, &sc->requests[sc->nrequests - 1],
                              err, errlen))
                return -1;
        }
    }

    const cJSON *ths = cJSON_GetObjectItemCaseSensitive(root, "thresholds");
    if (ths) {
        if (!cJSON_IsArray(ths))
            return fail(err, errlen,
                        "thresholds: expected an array like [\"p99_ms < 200\", \"rps > 1000\"]");
        n = (size_t)cJSON_GetArraySize(ths);
        sc->thresholds = calloc(n ? n : 1, sizeof(*sc->thresholds));
        if (!sc->thresholds)
            return fail(err, errlen, "out of memory");
        cJSON_ArrayForEach(item, ths)
        {
            char terr[400];
            size_t i = sc->nthresholds;
            if (!cJSON_IsString(item))
                return fail(err, errlen, "thresholds[%zu]: expected a string like \"p99_ms < 200\"",
                            i);
            if (metric_threshold_parse(item->valuestring, &sc->thresholds[i], terr, sizeof(terr)))
                return fail(err, errlen, "thresholds[%zu]: %s", i, terr);
            sc->nthresholds++;
        }
    }
    return 0;
}

/* Line and column (1-based) of byte `at` in text. */
static void line_col(const char *text, size_t at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int parse_text(const char *text, const char *base_dir, const char *source,
                      struct lg_scenario *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        const char *e = cJSON_GetErrorPtr();
        if (e && e >= text)
            at = (size_t)(e - text);
        unsigned line, col;
        line_col(text, at, &line, &col);
        return fail(err, errlen, "invalid JSON at line %u, column %u", line, col);
    }
    if (parse_tree(root, base_dir, out, err, errlen))
        goto fail;
    if (source)
        cJSON_AddStringToObject(root, "scenario_file", source);
    out->config_json = cJSON_PrintUnformatted(root);
    if (!out->config_json) {
        fail(err, errlen, "out of memory");
        goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    lg_scenario_free(out);
    return -1;
}

int lg_scenario_parse(const char *text, const char *base_dir, struct lg_scenario *out, char *err,
                      size_t errlen)
{
    return parse_text(text, base_dir, NULL, out, err, errlen);
}

int lg_scenario_load(const char *path, struct lg_scenario *out, char *err, size_t errlen)
{
    char inner[600];
    size_t len;
    memset(out, 0, sizeof(*out));
    char *text = file_read(path, 0, &len, inner, sizeof(inner));
    if (!text)
        return fail(err, errlen, "%s", inner);
    if (strlen(text) != len) {
        free(text);
        return fail(err, errlen, "%s: not a text file", path);
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    int rc = parse_text(text, dir, path, out, inner, sizeof(inner));
    free(text);
    if (rc)
        return fail(err, errlen, "%s: %s", path, inner);
    return 0;
}

void lg_scenario_free(struct lg_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nrequests; i++)
        request_free(&sc->requests[i]);
    free(sc->requests);
    free(sc->stages);
    free(sc->thresholds);
    cJSON_free(sc->config_json);
    memset(sc, 0, sizeof(*sc));
}

int lg_scenario_set_target(struct lg_scenario *sc, const char *url, char *err, size_t errlen)
{
    struct lg_url parsed;
    char uerr[400];
    if (strlen(url) >= sizeof(sc->target) || has_ctl(url))
        return fail(err, errlen, "--target: expected a URL like \"http://127.0.0.1:9000\"");
    if (lg_url_parse(url, &parsed, uerr, sizeof(uerr)) != 0)
        return fail(err, errlen, "--target: %s", uerr);
    cJSON *tree = sc->config_json ? cJSON_Parse(sc->config_json) : cJSON_CreateObject();
    if (!tree)
        return fail(err, errlen, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(tree, "target");
    char *text = cJSON_AddStringToObject(tree, "target", url) ? cJSON_PrintUnformatted(tree) : NULL;
    cJSON_Delete(tree);
    if (!text)
        return fail(err, errlen, "out of memory");
    cJSON_free(sc->config_json);
    sc->config_json = text;
    snprintf(sc->target, sizeof(sc->target), "%s", url);
    return 0;
}

void lg_scenario_stage_config(const struct lg_scenario *sc, size_t i, struct lg_config *cfg)
{
    const struct lg_stage *st = &sc->stages[i];
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = sc->target;
    cfg->requests = sc->nrequests ? sc->requests : NULL;
    cfg->nrequests = sc->nrequests;
    unsigned threads = sc->threads ? sc->threads : 2;
    cfg->threads = threads < st->connections ? threads : st->connections;
    cfg->connections = st->connections;
    cfg->duration_us = st->duration_us;
    cfg->rate_rps = st->rate_rps;
    cfg->timeout_us = sc->timeout_us;
    cfg->keep_alive = sc->keep_alive;
}
