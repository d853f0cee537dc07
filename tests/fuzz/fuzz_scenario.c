/* tests/fuzz/fuzz_scenario.c: libFuzzer target for scenario files (lg_scenario_parse), the JSON
 * that `tierbench run` reads. A scenario may name a body_file: reads go through file_read, which
 * this target wraps (-Wl,--wrap=file_read) so that only files inside its own temporary directory
 * can be read (it holds one, "body.txt"); any other path is refused as missing. An accepted
 * scenario must be within the documented limits, build requests whose head ends where it should
 * (no header or path can inject a line), survive --target and parse again from its own
 * config_json to the same scenario. Build and run: make fuzz (clang, libFuzzer). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "loadgen/lg_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
char *__real_file_read(const char *path, size_t max_bytes, size_t *len, char *err, size_t errlen);
char *__wrap_file_read(const char *path, size_t max_bytes, size_t *len, char *err, size_t errlen);

static char base_dir[PATH_MAX];

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_scenario: %s\n", what);
    abort();
}

static char body_path[PATH_MAX + 16];

static void remove_base_dir(void)
{
    unlink(body_path);
    rmdir(base_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char tmpl[] = "/tmp/tb-fuzz-scenario-XXXXXX";
    if (!mkdtemp(tmpl))
        fail("cannot create the temporary directory");
    snprintf(base_dir, sizeof(base_dir), "%s", tmpl);
    snprintf(body_path, sizeof(body_path), "%s/body.txt", base_dir);
    FILE *f = fopen(body_path, "w");
    if (!f || fputs("{\"hello\":\"world\"}", f) < 0 || fclose(f) != 0)
        fail("cannot write body.txt");
    atexit(remove_base_dir);
    return 0;
}

/* Only regular files under base_dir: the fuzzer must never read /dev/zero, a FIFO or /etc. */
char *__wrap_file_read(const char *path, size_t max_bytes, size_t *len, char *err, size_t errlen)
{
    char real[PATH_MAX];
    size_t n = strlen(base_dir);
    if (!realpath(path, real) || strncmp(real, base_dir, n) != 0 || real[n] != '/') {
        snprintf(err, errlen, "cannot read %s: No such file or directory", path);
        return NULL;
    }
    return __real_file_read(real, max_bytes, len, err, errlen);
}

/* The request's head must end exactly before its body: one "\r\n\r\n", at the end of the head. */
static void check_request(const struct lg_url *url, const struct lg_request *rq, bool keep_alive)
{
    static char buf[1 << 16];
    long n = lg_request_build(url, rq, keep_alive, false, buf, sizeof(buf));
    if (n < 0)
        return; /* too large for this buffer: refused, not overflowed */
    if ((size_t)n > sizeof(buf))
        fail("lg_request_build says it wrote more than the buffer");
    size_t body = rq->body ? rq->body_bytes : 0;
    if ((size_t)n < body + 4)
        fail("request shorter than its body");
    size_t head = (size_t)n - body;
    if (memcmp(buf + head - 4, "\r\n\r\n", 4) != 0)
        fail("the request head does not end with a blank line");
    for (size_t i = 0; i + 4 < head; i++)
        if (!memcmp(buf + i, "\r\n\r\n", 4))
            fail("a blank line inside the request head (header injection)");
    for (size_t i = 0; i + 1 < head; i++)
        if ((buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')) ||
            (buf[i] == '\r' && buf[i + 1] != '\n'))
            fail("a bare CR or LF in the request head");
}

static void check_limits(const struct lg_scenario *sc)
{
    struct lg_url url;
    char err[512];
    if (lg_url_parse(sc->target, &url, err, sizeof(err)) != 0)
        fail("accepted a target lg_url_parse refuses");
    if (sc->nstages < 1 || sc->threads > 1024)
        fail("no stages, or threads out of range");
    for (size_t i = 0; i < sc->nstages; i++) {
        const struct lg_stage *st = &sc->stages[i];
        if (st->duration_us == 0 || st->connections < 1 || st->connections > 100000 ||
            !(st->rate_rps >= 0) || !isfinite(st->rate_rps))
            fail("a stage out of range");
        struct lg_config cfg;
        lg_scenario_stage_config(sc, i, &cfg);
        if (cfg.threads < 1 || cfg.threads > cfg.connections)
            fail("a stage's threads out of 1..connections");
    }
    for (size_t i = 0; i < sc->nrequests; i++) {
        const struct lg_request *rq = &sc->requests[i];
        if (!rq->method || rq->weight < 1 || rq->weight > 1000000)
            fail("a request without a method, or its weight out of range");
        if (rq->body && rq->body_bytes > (64u << 20))
            fail("a body over 64 MiB");
        check_request(&url, rq, sc->keep_alive);
        check_request(&url, rq, !sc->keep_alive);
    }
    if (!sc->config_json)
        fail("no config_json");
}

static void check_same(const struct lg_scenario *a, const struct lg_scenario *b)
{
    bool same = !strcmp(a->target, b->target) && a->threads == b->threads &&
                a->timeout_us == b->timeout_us && a->keep_alive == b->keep_alive &&
                a->nstages == b->nstages && a->nrequests == b->nrequests &&
                a->nthresholds == b->nthresholds;
    for (size_t i = 0; same && i < a->nstages; i++)
        same = a->stages[i].duration_us == b->stages[i].duration_us &&
               a->stages[i].connections == b->stages[i].connections &&
               a->stages[i].rate_rps == b->stages[i].rate_rps;
    for (size_t i = 0; same && i < a->nrequests; i++) {
        const struct lg_request *x = &a->requests[i], *y = &b->requests[i];
        same = !strcmp(x->method, y->method) && !x->path == !y->path &&
               (!x->path || !strcmp(x->path, y->path)) && x->weight == y->weight &&
               x->nheaders == y->nheaders && !x->body == !y->body &&
               x->body_bytes == y->body_bytes &&
               (!x->body || !memcmp(x->body, y->body, x->body_bytes));
        for (size_t k = 0; same && k < x->nheaders; k++)
            same = !strcmp(x->headers[k], y->headers[k]);
    }
    for (size_t i = 0; same && i < a->nthresholds; i++)
        same = a->thresholds[i].metric == b->thresholds[i].metric &&
               a->thresholds[i].cmp == b->thresholds[i].cmp &&
               a->thresholds[i].limit == b->thresholds[i].limit;
    if (!same)
        fail("config_json parses to a different scenario");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, data, len);
    text[len] = '\0';
    struct lg_scenario sc, again;
    char err[1024];
    int rc = lg_scenario_parse(text, base_dir, &sc, err, sizeof(err));
    free(text);
    if (rc != 0) {
        if (!err[0] || strchr(err, '\n'))
            fail("a refused scenario without a one-line reason");
        return 0;
    }
    check_limits(&sc);
    if (lg_scenario_parse(sc.config_json, base_dir, &again, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_scenario: config_json refused: %s\n", err);
        abort();
    }
    check_same(&sc, &again);
    lg_scenario_free(&again);
    char target[sizeof(sc.target)];
    memcpy(target, sc.target, sizeof(target));
    if (lg_scenario_set_target(&sc, target, err, sizeof(err)) != 0)
        fail("--target refuses the scenario's own target");
    lg_scenario_free(&sc);
    return 0;
}
