/* loadgen/curl_engine.c: the engine for https:// targets (lg_curl_ops): one thread drives a
 * libcurl multi handle with one easy handle per connection, recording through rec.h like the
 * epoll engine, so per-second figures, snapshots and the request mix work the same. It is
 * slower (TLS and libcurl's bookkeeping), which is why results say engine "curl". Like wrk and
 * ab it does not verify the server's certificate: load tests run against staging hosts with any
 * certificate. Closed loop only; constant rate (-R) is refused for https. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "loadgen/lg_int.h"

/* One kind of request, as libcurl wants it: a full URL and a header list. */
struct ckind {
    char *url;
    struct curl_slist *headers;
    const struct lg_request *rq;
};

struct cconn {
    CURL *easy;
    struct rec *rec;
    uint64_t body_bytes, header_bytes;
    uint64_t t_start_us;
    bool want_server;
    char server[128];
    bool busy;
};

struct cengine {
    CURLM *multi;
    struct ckind *kinds;
    uint64_t *weight_end;
    size_t nkinds;
    struct cconn *conns;
    unsigned nconns;
    uint32_t rng;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

/* curl_global_init is not thread-safe: done once per process, never undone. */
static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_write(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr;
    struct cconn *c = arg;
    c->body_bytes += size * n;
    return size * n;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *arg)
{
    struct cconn *c = arg;
    size_t len = size * n;
    c->header_bytes += len;
    if (c->want_server && len > 7 && !strncasecmp(ptr, "Server:", 7)) {
        size_t off = 7;
        while (off < len && ptr[off] == ' ')
            off++;
        size_t vlen = len - off;
        while (vlen > 0 && (ptr[off + vlen - 1] == '\r' || ptr[off + vlen - 1] == '\n'))
            vlen--;
        if (vlen >= sizeof(c->server))
            vlen = sizeof(c->server) - 1;
        memcpy(c->server, ptr + off, vlen);
        c->server[vlen] = '\0';
    }
    return len;
}

static int err_class(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
        return RUN_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return RUN_ERR_TIMEOUT;
    case CURLE_SEND_ERROR:
        return RUN_ERR_WRITE;
    default:
        return RUN_ERR_READ;
    }
}

static int kinds_build(struct cengine *x, const struct lg_run *run)
{
    const struct lg_config *cfg = &run->cfg;
    static const struct lg_request def = {.method = "GET"};
    size_t n = cfg->requests && cfg->nrequests ? cfg->nrequests : 1;
    x->kinds = calloc(n, sizeof(*x->kinds));
    x->weight_end = calloc(n, sizeof(*x->weight_end));
    if (!x->kinds || !x->weight_end)
        return -1;
    x->nkinds = n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct ckind *k = &x->kinds[i];
        k->rq = cfg->requests && cfg->nrequests ? &cfg->requests[i] : &def;
        /* The URL's scheme and authority, with the request's path when it has one. */
        const char *path = k->rq->path ? k->rq->path : run->url.path;
        size_t len = strlen(cfg->url) + strlen(path) + 1;
        if (!(k->url = malloc(len)))
            return -1;
        const char *slash = strchr(strstr(cfg->url, "://") + 3, '/');
        int base = slash ? (int)(slash - cfg->url) : (int)strlen(cfg->url);
        snprintf(k->url, len, "%.*s%s", base, cfg->url, path);
        if (!cfg->keep_alive && !cfg->http10 &&
            !(k->headers = curl_slist_append(k->headers, "Connection: close")))
            return -1;
        for (size_t h = 0; h < k->rq->nheaders; h++) {
            struct curl_slist *l = curl_slist_append(k->headers, k->rq->headers[h]);
            if (!l)
                return -1;
            k->headers = l;
        }
        total += k->rq->weight ? k->rq->weight : 1;
        x->weight_end[i] = total;
    }
    return 0;
}

static int easy_setup(struct cconn *c, const struct lg_config *cfg)
{
    if (!(c->easy = curl_easy_init()))
        return -1;
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     (long)((cfg->timeout_us ? cfg->timeout_us : 2000000u) / 1000u));
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     cfg->http10 ? CURL_HTTP_VERSION_1_0 : CURL_HTTP_VERSION_1_1);
    if (!cfg->keep_alive)
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    c->want_server = true;
    return 0;
}

/* Points c's easy handle at kind k for its next request. */
static void easy_kind(struct cconn *c, const struct ckind *k)
{
    CURL *e = c->easy;
    const struct lg_request *rq = k->rq;
    curl_easy_setopt(e, CURLOPT_URL, k->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->headers);
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (rq->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_bytes);
    }
    if (rq->method && !strcasecmp(rq->method, "HEAD"))
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                     rq->method && strcasecmp(rq->method, "GET") && strcasecmp(rq->method, "HEAD")
                         ? rq->method
                         : NULL);
}

static void release(struct lg_run *run)
{
    struct cengine *x = run->engine;
    if (!x)
        return;
    for (unsigned i = 0; x->conns && i < x->nconns; i++) {
        if (!x->conns[i].easy)
            continue;
        if (x->conns[i].busy && x->multi)
            curl_multi_remove_handle(x->multi, x->conns[i].easy);
        curl_easy_cleanup(x->conns[i].easy);
    }
    free(x->conns);
    if (x->multi)
        curl_multi_cleanup(x->multi);
    for (size_t i = 0; x->kinds && i < x->nkinds; i++) {
        free(x->kinds[i].url);
        curl_slist_free_all(x->kinds[i].headers);
    }
    free(x->kinds);
    free(x->weight_end);
    free(x);
    run->engine = NULL;
}

static int prepare(struct lg_run *run, char *err, size_t errlen)
{
    const struct lg_config *cfg = &run->cfg;
    if (cfg->rate_rps > 0) {
        snprintf(err, errlen, "constant rate (-R) is not supported for https:// targets");
        return -1;
    }
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl init failed");
        return -1;
    }
    struct cengine *x = calloc(1, sizeof(*x));
    if (!x)
        goto nomem;
    run->engine = x;
    unsigned n = cfg->connections;
    if (cfg->max_requests && cfg->max_requests < n)
        n = (unsigned)cfg->max_requests;
    x->rng = 2463534242u;
    x->multi = curl_multi_init();
    x->conns = calloc(n, sizeof(*x->conns));
    if (!x->multi || !x->conns || kinds_build(x, run) != 0)
        goto nomem;
    x->nconns = n;
    for (unsigned i = 0; i < n; i++)
        if (easy_setup(&x->conns[i], cfg) != 0)
            goto nomem;
    run->nthreads = 1;
    run->connections_used = n;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Starts c's next request. */
static void issue(struct cengine *x, struct cconn *c, uint64_t now_us)
{
    size_t k = x->nkinds > 1 ? lg_kind_pick(&x->rng, x->weight_end, x->nkinds) : 0;
    easy_kind(c, &x->kinds[k]);
    c->body_bytes = c->header_bytes = 0;
    c->t_start_us = now_us;
    c->rec->requests_sent++;
    curl_multi_add_handle(x->multi, c->easy);
    c->busy = true;
}

static void finish_one(const struct lg_run *run, struct cconn *c, CURLcode rc, uint64_t now_us)
{
    struct rec *r = c->rec;
    rec_bytes_read(r, now_us, c->header_bytes + c->body_bytes);
    long code = 0, oserr = 0, connects = 0;
    curl_off_t total = 0, pre = 0, appconn = 0, start = 0;
    long uploaded = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(c->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(c->easy, CURLINFO_APPCONNECT_TIME_T, &appconn);
    curl_easy_getinfo(c->easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &uploaded);
    rec_bump(&r->bytes_written, (uint64_t)uploaded);
    r->connections_opened += (uint64_t)connects;
    uint64_t connect_us = connects > 0 ? (uint64_t)appconn : 0;
    /* wrk's rule unless asked for ab's: latency starts when the request is sent. */
    uint64_t latency = (uint64_t)(run->cfg.connect_in_latency ? total : total - pre);
    const struct lg_config *cfg = &run->cfg;
    if (rc != CURLE_OK) {
        rec_failure(r, now_us, err_class(rc), (int)oserr);
    } else {
        rec_response(r, now_us, latency, latency, (int)code);
        hist_record(r->ttfb_us, (uint64_t)(start - pre));
        if (connect_us)
            hist_record(r->connect_us, connect_us);
        if (r->connect_req_us) {
            hist_record(r->connect_req_us, connect_us);
            hist_record(r->processing_us, (uint64_t)total - connect_us);
        }
        r->html_bytes += c->body_bytes;
        if (cfg->keep_alive)
            r->keepalive_responses++;
        if (!r->have_first) {
            r->have_first = true;
            r->first_t_us = now_us;
            r->first_body_bytes = c->body_bytes;
            memcpy(r->server, c->server, sizeof(r->server));
            c->want_server = false;
        } else if (c->body_bytes != r->first_body_bytes) {
            r->length_errors++;
        }
    }
    if (cfg->on_sample) {
        const struct rec_clock *k = &run->clock;
        struct lg_sample s = {
            .start_unix_s = ((double)k->t0_unix_us + (double)(c->t_start_us - k->t0_us)) / 1e6,
            .connect_us = connect_us,
            .ttfb_us = (uint64_t)start,
            .total_us = (uint64_t)total,
            .status = rc == CURLE_OK ? (int)code : 0,
        };
        cfg->on_sample(cfg->on_sample_arg, &s);
    }
}

static void *thread_main(void *arg)
{
    const struct lg_thread *th = arg;
    struct lg_run *run = th->run;
    struct cengine *x = run->engine;
    struct rec *r = &run->recs[0];
    uint64_t deadline = run->clock.deadline_us;
    uint64_t budget = run->cfg.max_requests ? run->cfg.max_requests : UINT64_MAX;
    uint64_t now = clock_now_us();
    for (unsigned i = 0; i < x->nconns && budget; i++, budget -= budget != UINT64_MAX) {
        x->conns[i].rec = r;
        issue(x, &x->conns[i], now);
    }
    int running = 1;
    while (running > 0 && !lg_stopping(run)) {
        now = clock_now_us();
        if (deadline && now >= deadline)
            break;
        rec_tick(r, now);
        curl_multi_perform(x->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(x->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct cconn *c = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            CURLcode res = m->data.result;
            curl_multi_remove_handle(x->multi, c->easy);
            c->busy = false;
            now = clock_now_us();
            finish_one(run, c, res, now);
            if (budget && !lg_stopping(run) && !(deadline && now >= deadline)) {
                if (budget != UINT64_MAX)
                    budget--;
                issue(x, c, now);
                running++;
            }
        }
        if (running > 0)
            curl_multi_poll(x->multi, NULL, 0, 50, NULL);
    }
    now = clock_now_us();
    if (deadline && now > deadline)
        now = deadline;
    rec_finish(r, now);
    return NULL;
}

const struct lg_engine_ops lg_curl_ops = {
    .name = "curl",
    .prepare = prepare,
    .thread_main = thread_main,
    .release = release,
};
