/* console/form.c: the load form (key l) as a load test: its options checked into a plan, and the
 * plan described the way the command it imitates describes a run (the command line and its
 * configuration JSON), so a run started from the console is stored like any other and
 * `tierbench runs show` prints it in that tool's layout. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "common/units.h"
#include "console/console_int.h"

/* The next space-separated word of *p into word (cut to cap); false at the end. */
static bool next_word(const char **p, char *word, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    size_t n = 0;
    while (*s && *s != ' ' && *s != '\t') {
        if (n + 1 < cap)
            word[n++] = *s;
        s++;
    }
    word[n] = '\0';
    *p = s;
    return true;
}

static int count_arg(const char *flag, const char *v, uint64_t min, uint64_t max, uint64_t *out,
                     char *err, size_t errlen)
{
    uint64_t x;
    if (!v || units_si_parse(v, &x) != 0 || x < min || x > max) {
        snprintf(err, errlen, "%s %s: expected a number from %llu to %llu", flag, v ? v : "",
                 (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

/* The flags each preset takes, for the error message. */
static const char *const preset_flags[CONS_PRESET__COUNT] = {"-n -c -k -W", "-c -d -t",
                                                             "-R -c -d -t", ""};

static int parse_options(const char *text, struct cons_load_plan *p, char *err, size_t errlen)
{
    const char *s = text;
    char word[128];
    while (next_word(&s, word, sizeof(word))) {
        if (word[0] != '-' || !word[1] || word[2] == '-') {
            snprintf(err, errlen, "%s: not an option (the %s preset takes %s)", word,
                     cons_preset_names[p->preset], preset_flags[p->preset]);
            return -1;
        }
        char flag[3] = {'-', word[1], '\0'};
        bool ab = p->preset == CONS_PRESET_AB;
        if (word[1] == 'k' && ab && !word[2]) {
            p->keep_alive = true;
            continue;
        }
        const char *allowed = preset_flags[p->preset];
        if (!strstr(allowed, flag)) {
            snprintf(err, errlen, "%s: not an option of the %s preset (it takes %s)", flag,
                     cons_preset_names[p->preset], allowed);
            return -1;
        }
        char value[128];
        if (word[2])
            snprintf(value, sizeof(value), "%s", word + 2);
        else if (!next_word(&s, value, sizeof(value))) {
            snprintf(err, errlen, "%s needs a value", flag);
            return -1;
        }
        uint64_t x = 0;
        switch (word[1]) {
        case 'n':
            if (count_arg(flag, value, 1, 1000000000, &x, err, errlen))
                return -1;
            p->max_requests = x;
            break;
        case 'c':
            if (count_arg(flag, value, 1, 100000, &x, err, errlen))
                return -1;
            p->connections = (unsigned)x;
            break;
        case 't':
        case 'W':
            if (count_arg(flag, value, 1, 256, &x, err, errlen))
                return -1;
            p->threads = (unsigned)x;
            break;
        case 'R':
            if (count_arg(flag, value, 1, 10000000, &x, err, errlen))
                return -1;
            p->rate_rps = (double)x;
            break;
        case 'd':
            if (units_duration_parse(value, 1000000, &x) != 0 || x < 100000 ||
                x > 24ull * 3600 * 1000000) {
                snprintf(err, errlen, "-d %s: expected a duration from 100ms to 24h", value);
                return -1;
            }
            p->duration_us = x;
            break;
        default:
            snprintf(err, errlen, "%s: not an option", flag);
            return -1;
        }
    }
    return 0;
}

int cons_plan_from_form(const struct cons_form *f, struct cons_load_plan *p, char *err,
                        size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->preset = f->preset;
    p->connections = 50;
    p->keep_alive = p->preset != CONS_PRESET_AB;
    p->duration_us = 10000000;
    p->max_requests = p->preset == CONS_PRESET_AB ? 10000 : 0;
    snprintf(p->label, sizeof(p->label), "%s", f->label);
    const char *t = f->target;
    while (*t == ' ')
        t++;
    snprintf(p->url, sizeof(p->url), "%s", t);
    char *end = p->url + strlen(p->url);
    while (end > p->url && end[-1] == ' ')
        *--end = '\0';
    if (p->preset == CONS_PRESET_SCENARIO) {
        const char *s = f->options;
        if (!next_word(&s, p->scenario, sizeof(p->scenario))) {
            snprintf(err, errlen, "scenario: give a scenario file (e.g. examples/api-mix.json)");
            return -1;
        }
        char extra[8];
        if (next_word(&s, extra, sizeof(extra))) {
            snprintf(err, errlen, "scenario: one file name, no options");
            return -1;
        }
    } else if (parse_options(f->options, p, err, errlen) != 0) {
        return -1;
    }
    if (p->url[0] || p->preset != CONS_PRESET_SCENARIO) {
        struct lg_url u;
        char uerr[256];
        if (lg_url_parse(p->url, &u, uerr, sizeof(uerr)) != 0) {
            snprintf(err, errlen, "target: %s", uerr);
            return -1;
        }
    }
    if (p->preset == CONS_PRESET_RATE && p->rate_rps <= 0) {
        snprintf(err, errlen, "constant rate: give the rate with -R (requests per second)");
        return -1;
    }
    if (p->threads > p->connections && p->preset != CONS_PRESET_SCENARIO) {
        snprintf(err, errlen, "threads (%u) must not exceed connections (%u)", p->threads,
                 p->connections);
        return -1;
    }
    /* The title may be cut: the screen shows at most a line of it. */
    char title[2048];
    if (p->preset == CONS_PRESET_SCENARIO)
        snprintf(title, sizeof(title), "scenario %s%s%s", p->scenario, p->url[0] ? " " : "",
                 p->url);
    else
        snprintf(title, sizeof(title), "%s %s %s", cons_preset_names[p->preset], f->options,
                 p->url);
    snprintf(p->title, sizeof(p->title), "%.*s", (int)sizeof(p->title) - 1, title);
    return 0;
}

const char *cons_plan_tool(const struct cons_load_plan *p)
{
    return p->preset == CONS_PRESET_AB ? "ab" : p->preset == CONS_PRESET_SCENARIO ? "run" : "wrk";
}

/* Appends arg to s (size cap, used *len), quoted for a POSIX shell when it needs it. */
static void add_arg(char *s, size_t cap, size_t *len, const char *arg)
{
    bool plain = *arg != '\0';
    for (const char *c = arg; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%?&",
                    *c))
            plain = false;
    if (*len + 1 < cap)
        s[(*len)++] = ' ';
    if (plain) {
        for (const char *c = arg; *c && *len + 1 < cap; c++)
            s[(*len)++] = *c;
    } else {
        if (*len + 1 < cap)
            s[(*len)++] = '\'';
        for (const char *c = arg; *c; c++) {
            const char *piece = *c == '\'' ? "'\\''" : NULL;
            char one[2] = {*c, '\0'};
            for (const char *q = piece ? piece : one; *q && *len + 1 < cap; q++)
                s[(*len)++] = *q;
        }
        if (*len + 1 < cap)
            s[(*len)++] = '\'';
    }
    s[*len] = '\0';
}

unsigned cons_plan_threads(const struct cons_load_plan *p)
{
    if (p->threads)
        return p->threads;
    return p->connections < 2 ? p->connections : 2;
}

char *cons_plan_cmdline(const struct cons_load_plan *p)
{
    size_t cap = 2048 + strlen(p->url) * 4 + strlen(p->label) * 4 + strlen(p->scenario) * 4;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "tierbench %s", cons_plan_tool(p));
    char num[64];
    switch (p->preset) {
    case CONS_PRESET_AB:
        snprintf(num, sizeof(num), "-n%llu", (unsigned long long)p->max_requests);
        add_arg(s, cap, &len, num);
        snprintf(num, sizeof(num), "-c%u", p->connections);
        add_arg(s, cap, &len, num);
        if (p->keep_alive)
            add_arg(s, cap, &len, "-k");
        snprintf(num, sizeof(num), "-W%u", cons_plan_threads(p));
        add_arg(s, cap, &len, num);
        break;
    case CONS_PRESET_WRK:
    case CONS_PRESET_RATE: {
        char d[32];
        units_duration_format(d, sizeof(d), p->duration_us);
        snprintf(num, sizeof(num), "-t%u", cons_plan_threads(p));
        add_arg(s, cap, &len, num);
        snprintf(num, sizeof(num), "-c%u", p->connections);
        add_arg(s, cap, &len, num);
        snprintf(num, sizeof(num), "-d%s", d);
        add_arg(s, cap, &len, num);
        if (p->preset == CONS_PRESET_RATE) {
            snprintf(num, sizeof(num), "-R%.0f", p->rate_rps);
            add_arg(s, cap, &len, num);
        }
        break;
    }
    default:
        add_arg(s, cap, &len, p->scenario);
        if (p->url[0]) {
            add_arg(s, cap, &len, "--target");
            add_arg(s, cap, &len, p->url);
        }
        break;
    }
    if (p->label[0]) {
        add_arg(s, cap, &len, "--label");
        add_arg(s, cap, &len, p->label);
    }
    if (p->preset != CONS_PRESET_SCENARIO)
        add_arg(s, cap, &len, p->url);
    return s;
}

char *cons_plan_config_json(const struct cons_load_plan *p, const struct lg_config *cfg)
{
    if (p->preset == CONS_PRESET_SCENARIO)
        return NULL;
    size_t cap = 4096 + strlen(p->url) * 6;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct jsonw w;
    jsonw_init(&w, buf, cap);
    jsonw_obj_begin(&w, NULL);
    /* The keys of cli/ab.c's and cli/wrk.c's configuration JSON, which `runs show` reads. */
    if (p->preset == CONS_PRESET_AB) {
        jsonw_str(&w, "tool", "ab");
        jsonw_str(&w, "url", p->url);
        jsonw_str(&w, "method", "GET");
        jsonw_u64(&w, "requests", p->max_requests);
        jsonw_u64(&w, "concurrency", cfg->connections);
        jsonw_u64(&w, "threads", cfg->threads);
        jsonw_double(&w, "timelimit_s", 0, 3);
        jsonw_double(&w, "timeout_s", (double)cfg->timeout_us / 1e6, 3);
        jsonw_bool(&w, "keepalive", cfg->keep_alive);
        jsonw_bool(&w, "http10", false);
        jsonw_bool(&w, "nolength", false);
        jsonw_bool(&w, "no_confidence", false);
        jsonw_bool(&w, "no_percentile", false);
        jsonw_bool(&w, "quiet", true);
        jsonw_u64(&w, "verbosity", 0);
        jsonw_str(&w, "postfile", NULL);
        jsonw_str(&w, "content_type", NULL);
    } else {
        jsonw_str(&w, "tool", "wrk");
        jsonw_str(&w, "url", p->url);
        jsonw_u64(&w, "threads", cfg->threads);
        jsonw_u64(&w, "connections", cfg->connections);
        jsonw_double(&w, "duration_s", (double)cfg->duration_us / 1e6, 3);
        jsonw_double(&w, "timeout_s", (double)cfg->timeout_us / 1e6, 3);
        jsonw_double(&w, "rate_rps", cfg->rate_rps, 1);
        jsonw_bool(&w, "latency", true);
        jsonw_bool(&w, "u_latency", false);
        jsonw_bool(&w, "verbose", false);
    }
    jsonw_arr_begin(&w, "headers");
    jsonw_arr_end(&w);
    jsonw_str(&w, "started_from", "console");
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
