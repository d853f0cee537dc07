/* loadgen/fetch.c: lg_fetch, one GET through libcurl for the commands that read a server's own
 * figures (a sweep reading tierbench serve's /api/stats before and after each step). Not part
 * of a load test: it runs on the caller's thread, with a hard timeout. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/loadgen.h"

struct buf {
    char *data;
    size_t len;
    bool too_big;
};

/* /api/stats with its timeline is ~60 KiB; anything much larger is not what we asked for. */
#define FETCH_MAX_BYTES (8u << 20)

static size_t on_write(char *ptr, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t add = size * n;
    if (b->len + add > FETCH_MAX_BYTES) {
        b->too_big = true;
        return 0;
    }
    char *d = realloc(b->data, b->len + add + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, ptr, add);
    b->data = d;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

int lg_fetch(const char *url, const char *bearer_token, uint64_t timeout_us, char **body,
             long *status, char *err, size_t errlen)
{
    *body = NULL;
    *status = 0;
    struct buf b = {NULL, 0, false};
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char auth[512];
    if (!c) {
        snprintf(err, errlen, "libcurl init failed");
        return -1;
    }
    if (bearer_token && *bearer_token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer_token);
        hdrs = curl_slist_append(hdrs, auth);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    long ms = (long)(timeout_us / 1000u);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url,
                 b.too_big ? "answer larger than 8 MiB" : curl_easy_strerror(rc));
        free(b.data);
        return -1;
    }
    *body = b.data ? b.data : strdup("");
    return *body ? 0 : -1;
}
