/* loadgen/curl_engine.c: the engine for https:// targets: one libcurl multi handle driving one
 * easy handle per connection on the calling thread. It is slower than the epoll engine (TLS and
 * libcurl's bookkeeping), which is why results say engine "curl". Like wrk and ab it does not
 * verify the server's certificate: load tests run against staging hosts with any certificate.
 * Closed loop only; constant rate (-R) is refused for https. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/hist.h"
#include "loadgen/lg_int.h"

struct cconn {
    CURL *easy;
    uint64_t body_bytes;
    uint64_t header_bytes;
    bool want_server;
    char server[128];
    bool busy;
};

struct cctx {
    const struct lg_config *cfg;
    struct run_result *out;
    uint64_t status[600];
    bool have_first;
};

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

static int easy_setup(struct cconn *c, const struct lg_config *cfg, struct curl_slist *hdrs,
                      const struct lg_request *rq)
{
    c->easy = curl_easy_init();
    if (!c->easy)
        return -1;
    CURL *e = c->easy;
    char url[4096];
    snprintf(url, sizeof(url), "%s", cfg->url);
    if (rq && rq->path) {
        /* Replace the URL's path with the request's. */
        char *p = strstr(url, "://");
        p = p ? strchr(p + 3, '/') : NULL;
        size_t base = p ? (size_t)(p - url) : strlen(url);
        snprintf(url + base, sizeof(url) - base, "%s", rq->path);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
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
    if (hdrs)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    if (rq && rq->method) {
        if (!strcasecmp(rq->method, "HEAD"))
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else if (strcasecmp(rq->method, "GET"))
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    if (rq && rq->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_bytes);
    }
    return 0;
}

static void finish_one(struct cctx *x, struct cconn *c, CURLcode rc, uint64_t now_us,
                       uint64_t t0_us)
{
    struct run_result *out = x->out;
    out->bytes_read += c->header_bytes + c->body_bytes;
    if (rc != CURLE_OK) {
        out->errors[err_class(rc)]++;
        if (x->cfg->detail)
            x->cfg->detail->errno_counts[err_class(rc)][0]++;
        return;
    }
    long code = 0;
    curl_off_t total = 0, conn = 0, ttfb = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(c->easy, CURLINFO_APPCONNECT_TIME_T, &conn);
    curl_easy_getinfo(c->easy, CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
    out->requests++;
    hist_record(out->latency, (uint64_t)total);
    hist_record(out->ttfb_us, (uint64_t)ttfb);
    if (conn > 0)
        hist_record(out->connect_us, (uint64_t)conn);
    if (x->cfg->detail) {
        hist_record(x->cfg->detail->connect_req_us, (uint64_t)conn);
        hist_record(x->cfg->detail->processing_us, (uint64_t)(total - conn));
        x->cfg->detail->keepalive_responses += x->cfg->keep_alive;
    }
    x->status[code > 0 && code < 600 ? code : 0]++;
    if (code >= 400)
        out->errors[RUN_ERR_STATUS]++;
    out->html_bytes += c->body_bytes;
    if (!x->have_first) {
        x->have_first = true;
        out->doc_bytes = c->body_bytes;
        snprintf(out->server_software, sizeof(out->server_software), "%s", c->server);
    } else if (c->body_bytes != out->doc_bytes) {
        out->length_errors++;
    }
    size_t sec = (size_t)((now_us - t0_us) / 1000000u);
    if (sec < out->ntimeline)
        out->timeline[sec].requests++;
    c->want_server = false;
}

int lg_run_curl(const struct lg_config *cfg, const struct lg_url *url, struct run_result *out,
                char *err, size_t errlen)
{
    (void)url;
    if (cfg->rate_rps > 0) {
        snprintf(err, errlen, "constant rate (-R) is not supported for https:// targets");
        return -1;
    }
    struct cctx x = {.cfg = cfg, .out = out};
    struct cconn *conns = NULL;
    struct curl_slist *hdrs = NULL;
    CURLM *multi = NULL;
    int rc = -1;
    const struct lg_request *rq = cfg->requests && cfg->nrequests ? &cfg->requests[0] : NULL;
    unsigned n = cfg->connections;
    if (cfg->max_requests && cfg->max_requests < n)
        n = (unsigned)cfg->max_requests;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl init failed");
        return -1;
    }
    uint64_t dur = cfg->duration_us;
    size_t nsec = dur ? (size_t)(dur / 1000000u) + 2 : 3600;
    out->timeline = calloc(nsec, sizeof(*out->timeline));
    out->ntimeline = out->timeline ? nsec : 0;
    out->latency = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    out->connect_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    out->ttfb_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
    if (cfg->detail) {
        cfg->detail->connect_req_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
        cfg->detail->processing_us = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
        cfg->detail->thread_rps = hist_new(HIST_SIG_BITS_DEFAULT, HIST_MAX_US_DEFAULT);
        if (!cfg->detail->connect_req_us || !cfg->detail->processing_us || !cfg->detail->thread_rps)
            goto nomem;
    }
    conns = calloc(n, sizeof(*conns));
    multi = curl_multi_init();
    if (!out->latency || !out->connect_us || !out->ttfb_us || !conns || !multi)
        goto nomem;
    if (!cfg->keep_alive && !cfg->http10)
        hdrs = curl_slist_append(hdrs, "Connection: close");
    for (size_t i = 0; rq && i < rq->nheaders; i++)
        hdrs = curl_slist_append(hdrs, rq->headers[i]);
    for (unsigned i = 0; i < n; i++) {
        conns[i].want_server = true;
        if (easy_setup(&conns[i], cfg, hdrs, rq) < 0)
            goto nomem;
    }
    uint64_t budget = cfg->max_requests ? cfg->max_requests : UINT64_MAX;
    uint64_t t0 = clock_now_us();
    out->start_unix_s = clock_wall_unix_s();
    uint64_t deadline = dur ? t0 + dur : 0;
    uint64_t next_progress = t0 + 100000, done = 0;
    uint64_t last_sample_us = t0, last_requests = 0;
    for (unsigned i = 0; i < n && budget; i++, budget--) {
        curl_multi_add_handle(multi, conns[i].easy);
        conns[i].busy = true;
    }
    int running = 1;
    uint64_t now = t0;
    while (running > 0 && !lg_stop_requested()) {
        now = clock_now_us();
        if (deadline && now >= deadline)
            break;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct cconn *c = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            CURLcode res = m->data.result;
            curl_multi_remove_handle(multi, c->easy);
            now = clock_now_us();
            finish_one(&x, c, res, now, t0);
            done++;
            c->body_bytes = c->header_bytes = 0;
            c->busy = false;
            if (budget && !(deadline && now >= deadline)) {
                if (budget != UINT64_MAX)
                    budget--;
                curl_multi_add_handle(multi, c->easy);
                c->busy = true;
                running++;
            }
        }
        if (now >= next_progress) {
            /* One thread: its rate every 100 ms is what wrk's Req/Sec line summarizes. */
            if (cfg->detail && cfg->detail->thread_rps && now > last_sample_us)
                hist_record(cfg->detail->thread_rps,
                            (uint64_t)((double)(out->requests - last_requests) * 1e6 /
                                       (double)(now - last_sample_us)));
            last_sample_us = now;
            last_requests = out->requests;
            if (cfg->progress)
                cfg->progress(cfg->progress_arg, done, now - t0);
            next_progress = now + 100000;
        }
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 50, NULL);
    }
    now = clock_now_us();
    if (deadline && now > deadline)
        now = deadline;
    out->duration_s = (double)(now - t0) / 1e6;
    size_t used = (size_t)((now - t0 + 999999u) / 1000000u);
    if (used < out->ntimeline)
        out->ntimeline = used;
    for (size_t s = 0; s < out->ntimeline; s++)
        out->timeline[s].unix_s = (int64_t)out->start_unix_s + (int64_t)s;
    for (int s = 0; s < 600; s++)
        if (x.status[s])
            run_status_add(out, s, x.status[s]);
    snprintf(out->engine, sizeof(out->engine), "curl");
    snprintf(out->target, sizeof(out->target), "%s", cfg->url);
    out->threads = 1;
    out->connections = cfg->connections;
    if (cfg->detail)
        cfg->detail->requests_sent = done;
    rc = 0;
    goto done;
nomem:
    snprintf(err, errlen, "out of memory");
    run_result_free(out);
done:
    if (conns) {
        for (unsigned i = 0; i < n; i++) {
            if (!conns[i].easy)
                continue;
            if (conns[i].busy && multi)
                curl_multi_remove_handle(multi, conns[i].easy);
            curl_easy_cleanup(conns[i].easy);
        }
    }
    free(conns);
    if (multi)
        curl_multi_cleanup(multi);
    curl_slist_free_all(hdrs);
    curl_global_cleanup();
    return rc;
}
