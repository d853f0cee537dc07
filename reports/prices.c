/* reports/prices.c: price tables for the tier picker (declared in reports.h, "tiers"). The
 * format is in README.md ("The tier picker"); the defaults are data/prices-*.json, compiled in by
 * prices_data.c. Parsing is strict, and every message names the JSON path, because a price file
 * is edited by hand and a typo ("vpcu") must not silently become a default. */
#include "reports/reports.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/text.h"

/* Limits that only catch mistakes (a price in cents, a memory size in MB), not real offers. */
#define MAX_VCPU       1024.0
#define MAX_MEMORY_GB  (64.0 * 1024.0)
#define MAX_PRICE      1e12
#define MAX_USERS      1e12
#define MAX_INSTANCES  100000u
#define MAX_DIFFICULTY 5u

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

/* "tiers[2]" + "vcpu" -> "tiers[2].vcpu"; a top-level key is its own path. */
static void key_path(char *buf, size_t len, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, len, "%s.%s", parent, key);
    else
        snprintf(buf, len, "%s", key);
}

/* Fails on a key of obj that is not in allowed (NULL-terminated), or that is given twice (cJSON
 * keeps both and would read the first). */
static int check_keys(const cJSON *obj, const char *const *allowed, const char *path, char *err,
                      size_t errlen)
{
    const cJSON *item;
    char kp[300];
    cJSON_ArrayForEach(item, obj)
    {
        key_path(kp, sizeof(kp), path, item->string);
        for (const cJSON *prev = obj->child; prev != item; prev = prev->next)
            if (!strcmp(prev->string, item->string))
                return fail(err, errlen, "%s: given twice", kp);
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
        return fail(err, errlen, "%s: unknown key (expected one of: %s)", kp, list);
    }
    return 0;
}

/* A number in [lo, hi]. A missing optional one leaves *out untouched. */
static int get_number(const cJSON *obj, const char *key, const char *path, bool required, double lo,
                      double hi, double *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char kp[300];
    key_path(kp, sizeof(kp), path, key);
    if (!v) {
        if (required)
            return fail(err, errlen, "%s: missing (required)", kp);
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return fail(err, errlen, "%s: expected a number", kp);
    if (!(v->valuedouble >= lo && v->valuedouble <= hi))
        return fail(err, errlen, "%s: expected a number from %g to %g, got %g", kp, lo, hi,
                    v->valuedouble);
    *out = v->valuedouble;
    return 0;
}

static int get_uint(const cJSON *obj, const char *key, const char *path, bool required, unsigned lo,
                    unsigned hi, unsigned *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char kp[300];
    key_path(kp, sizeof(kp), path, key);
    if (!v) {
        if (required)
            return fail(err, errlen, "%s: missing (required)", kp);
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return fail(err, errlen, "%s: expected an integer from %u to %u", kp, lo, hi);
    *out = (unsigned)v->valuedouble;
    return 0;
}

/* A non-empty string that fits buf (cap bytes with the NUL) and has no control characters. */
static int get_string(const cJSON *obj, const char *key, const char *path, bool required, char *buf,
                      size_t cap, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char kp[300];
    key_path(kp, sizeof(kp), path, key);
    if (!v) {
        if (required)
            return fail(err, errlen, "%s: missing (required)", kp);
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(err, errlen, "%s: expected a non-empty string", kp);
    size_t n = strlen(v->valuestring);
    if (n >= cap)
        return fail(err, errlen, "%s: longer than %zu bytes", kp, cap - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v->valuestring[i] < 0x20)
            return fail(err, errlen, "%s: control character in the string", kp);
    memcpy(buf, v->valuestring, n + 1);
    return 0;
}

/* "YYYY-MM-DD" with a plausible month and day. */
static int get_date(const cJSON *obj, const char *path, char *buf, char *err, size_t errlen)
{
    if (get_string(obj, "date", path, true, buf, RPT_PRICE_DATE_BYTES, err, errlen) != 0) {
        char kp[300];
        key_path(kp, sizeof(kp), path, "date");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "date");
        if (v)
            return fail(err, errlen, "%s: expected a date like \"2026-12-03\"", kp);
        return -1;
    }
    bool ok = strlen(buf) == 10 && buf[4] == '-' && buf[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)buf[i]))
            ok = false;
    if (ok) {
        int month = (buf[5] - '0') * 10 + (buf[6] - '0');
        int day = (buf[8] - '0') * 10 + (buf[9] - '0');
        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (!ok) {
        char kp[300];
        key_path(kp, sizeof(kp), path, "date");
        return fail(err, errlen, "%s: expected a date like \"2026-12-03\"", kp);
    }
    return 0;
}

static int parse_tier(const cJSON *item, const char *path, struct rpt_price_tier *t, char *err,
                      size_t errlen)
{
    static const char *const keys[] = {"name",      "vcpu",      "cpu_baseline_pct",
                                       "memory_gb", "per_month", "difficulty",
                                       "source",    "date",      NULL};
    if (!cJSON_IsObject(item))
        return fail(err, errlen, "%s: expected an object like {\"name\": \"Compact\", ...}", path);
    if (check_keys(item, keys, path, err, errlen))
        return -1;
    t->cpu_baseline_pct = 100;
    if (get_string(item, "name", path, true, t->name, sizeof(t->name), err, errlen) ||
        get_number(item, "vcpu", path, true, 0.01, MAX_VCPU, &t->vcpu, err, errlen) ||
        get_number(item, "cpu_baseline_pct", path, false, 1, 100, &t->cpu_baseline_pct, err,
                   errlen) ||
        get_number(item, "memory_gb", path, true, 0.01, MAX_MEMORY_GB, &t->memory_gb, err,
                   errlen) ||
        get_number(item, "per_month", path, true, 0, MAX_PRICE, &t->per_month, err, errlen) ||
        get_uint(item, "difficulty", path, true, 1, MAX_DIFFICULTY, &t->difficulty, err, errlen) ||
        get_string(item, "source", path, true, t->source, sizeof(t->source), err, errlen) ||
        get_date(item, path, t->date, err, errlen))
        return -1;
    return 0;
}

static int parse_when(const cJSON *when, const char *path, struct rpt_price_extra *x, char *err,
                      size_t errlen)
{
    static const char *const keys[] = {"min_instances", "min_users", "below_users", NULL};
    if (!cJSON_IsObject(when))
        return fail(err, errlen,
                    "%s: expected an object like {\"min_instances\": 2} ({} for always)", path);
    if (check_keys(when, keys, path, err, errlen) ||
        get_uint(when, "min_instances", path, false, 0, MAX_INSTANCES, &x->min_instances, err,
                 errlen) ||
        get_number(when, "min_users", path, false, 0, MAX_USERS, &x->min_users, err, errlen) ||
        get_number(when, "below_users", path, false, 1, MAX_USERS, &x->below_users, err, errlen))
        return -1;
    if (!isnan(x->min_users) && !isnan(x->below_users) && !(x->below_users > x->min_users))
        return fail(err, errlen, "%s.below_users: expected more than min_users (%g), got %g", path,
                    x->min_users, x->below_users);
    return 0;
}

static int parse_extra(const cJSON *item, const char *path, struct rpt_price_extra *x, char *err,
                       size_t errlen)
{
    static const char *const keys[] = {
        "name", "per_month", "per_1000_rps_month", "when", "difficulty", "source", "date", NULL};
    if (!cJSON_IsObject(item))
        return fail(err, errlen, "%s: expected an object like {\"name\": \"CDN\", ...}", path);
    if (check_keys(item, keys, path, err, errlen))
        return -1;
    x->per_1000_rps_month = 0;
    x->min_instances = 0;
    x->min_users = NAN;
    x->below_users = NAN;
    x->difficulty = 0;
    if (get_string(item, "name", path, true, x->name, sizeof(x->name), err, errlen) ||
        get_number(item, "per_month", path, true, 0, MAX_PRICE, &x->per_month, err, errlen) ||
        get_number(item, "per_1000_rps_month", path, false, 0, MAX_PRICE, &x->per_1000_rps_month,
                   err, errlen) ||
        get_uint(item, "difficulty", path, false, 1, MAX_DIFFICULTY, &x->difficulty, err, errlen) ||
        get_string(item, "source", path, true, x->source, sizeof(x->source), err, errlen) ||
        get_date(item, path, x->date, err, errlen))
        return -1;
    /* "when" is required so that a file says when each cost applies; {} means always. */
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(item, "when");
    char kp[300];
    key_path(kp, sizeof(kp), path, "when");
    if (!when)
        return fail(err, errlen, "%s: missing (required; {} for always)", kp);
    return parse_when(when, kp, x, err, errlen);
}

/* "line 3, column 7" of the byte at p in json. */
static void position(const char *json, size_t len, const char *p, char *buf, size_t cap)
{
    unsigned line = 1, col = 1;
    for (const char *c = json; c < p && c < json + len; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(buf, cap, "line %u, column %u", line, col);
}

int rpt_prices_parse(const char *json, size_t len, struct rpt_prices *out, char *err, size_t errlen)
{
    static const char *const keys[] = {"schema", "name",  "currency", "source",
                                       "date",   "tiers", "extras",   NULL};
    memset(out, 0, sizeof(*out));
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!doc) {
        char at[64];
        position(json, len, end ? end : json, at, sizeof(at));
        return fail(err, errlen, "%s: not valid JSON", at);
    }
    int rc = -1;
    char schema[64];
    if (!cJSON_IsObject(doc)) {
        fail(err, errlen, "(top level): expected an object with \"schema\": \"%s\"",
             RPT_PRICES_SCHEMA);
        goto fail;
    }
    if (check_keys(doc, keys, "", err, errlen) ||
        get_string(doc, "schema", "", true, schema, sizeof(schema), err, errlen))
        goto fail;
    if (strcmp(schema, RPT_PRICES_SCHEMA) != 0) {
        fail(err, errlen, "schema: expected \"%s\", got \"%s\"", RPT_PRICES_SCHEMA, schema);
        goto fail;
    }
    if (get_string(doc, "name", "", true, out->name, sizeof(out->name), err, errlen) ||
        get_string(doc, "currency", "", true, out->currency, sizeof(out->currency), err, errlen) ||
        get_string(doc, "source", "", true, out->source, sizeof(out->source), err, errlen) ||
        get_date(doc, "", out->date, err, errlen))
        goto fail;
    for (int i = 0; i < 3; i++)
        if (strlen(out->currency) != 3 || !isupper((unsigned char)out->currency[i])) {
            fail(err, errlen, "currency: expected an ISO 4217 code like \"KRW\", got \"%s\"",
                 out->currency);
            goto fail;
        }

    const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(doc, "tiers");
    if (!tiers) {
        fail(err, errlen, "tiers: missing (required)");
        goto fail;
    }
    if (!cJSON_IsArray(tiers) || cJSON_GetArraySize(tiers) < 1) {
        fail(err, errlen, "tiers: expected an array of at least one tier");
        goto fail;
    }
    if (cJSON_GetArraySize(tiers) > RPT_PRICES_MAX_TIERS) {
        fail(err, errlen, "tiers: at most %d tiers, got %d", RPT_PRICES_MAX_TIERS,
             cJSON_GetArraySize(tiers));
        goto fail;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, tiers)
    {
        char path[32];
        snprintf(path, sizeof(path), "tiers[%zu]", out->ntiers);
        struct rpt_price_tier *t = &out->tiers[out->ntiers];
        if (parse_tier(item, path, t, err, errlen))
            goto fail;
        for (size_t j = 0; j < out->ntiers; j++)
            if (!strcmp(out->tiers[j].name, t->name)) {
                fail(err, errlen, "%s.name: \"%s\" is already the name of tiers[%zu]", path,
                     t->name, j);
                goto fail;
            }
        out->ntiers++;
    }

    const cJSON *extras = cJSON_GetObjectItemCaseSensitive(doc, "extras");
    if (extras && !cJSON_IsArray(extras)) {
        fail(err, errlen, "extras: expected an array (may be empty)");
        goto fail;
    }
    if (extras && cJSON_GetArraySize(extras) > RPT_PRICES_MAX_EXTRAS) {
        fail(err, errlen, "extras: at most %d extras, got %d", RPT_PRICES_MAX_EXTRAS,
             cJSON_GetArraySize(extras));
        goto fail;
    }
    cJSON_ArrayForEach(item, extras)
    {
        char path[32];
        snprintf(path, sizeof(path), "extras[%zu]", out->nextras);
        if (parse_extra(item, path, &out->extras[out->nextras], err, errlen))
            goto fail;
        out->nextras++;
    }
    rc = 0;
fail:
    cJSON_Delete(doc);
    return rc;
}

int rpt_prices_default(const char *name, struct rpt_prices *out, char *err, size_t errlen)
{
    const char *json = name ? rpt_prices_builtin(name) : NULL;
    if (!json)
        return fail(err, errlen, "no built-in price table \"%s\" (built in: naver, aws)",
                    name ? name : "(null)");
    return rpt_prices_parse(json, strlen(json), out, err, errlen);
}

int rpt_currency_decimals(const char *currency)
{
    /* ISO 4217 minor units of the currencies without cents that a team is likely to use. */
    static const char *const whole[] = {"KRW", "JPY", "VND", "CLP", "ISK", NULL};
    for (size_t i = 0; whole[i]; i++)
        if (currency && !strcmp(currency, whole[i]))
            return 0;
    return 2;
}
