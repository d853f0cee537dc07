/* server/http.c: writing HTTP responses for every handler of server/. Headers and body go out in
 * one mg_write (one send) when they fit, because CivetWeb otherwise sends them separately and
 * the client waits for the second segment. See server_int.h. */
#include "server/server_int.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/clock.h"
#include "common/jsonw.h"

#define REPLY_BUF_BYTES 16384

/* Debian's libcivetweb adds mg_disable_keep_alive (its patch "webdav-uploads"); upstream 1.15
 * has no public way to make CivetWeb close a connection after a handler's answer. Weak, so the
 * server also links against an upstream build: there a request whose body was left unread
 * still closes (CivetWeb will not parse what follows it), and the client is told to close. */
void mg_disable_keep_alive(struct mg_connection *conn) __attribute__((weak));

const char *srv_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

const char *srv_http_header(const struct mg_request_info *ri, const char *name)
{
    for (int i = 0; i < ri->num_headers; i++)
        if (!strcasecmp(ri->http_headers[i].name, name))
            return ri->http_headers[i].value;
    return NULL;
}

/* True when the comma-separated header value lists token (case-insensitive). */
static bool has_token(const char *value, const char *token)
{
    size_t n = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == n && !strncasecmp(start, token, n))
            return true;
    }
    return false;
}

/* A plain decimal number of at most 18 digits (so it fits an int64 with room). */
static bool plain_decimal(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++)
        if (v[n] < '0' || v[n] > '9')
            return false;
    return n > 0 && n <= 18;
}

const char *srv_http_framing_error(const struct mg_request_info *ri)
{
    const char *cl = NULL, *te = NULL;
    int ncl = 0, nte = 0;
    for (int i = 0; i < ri->num_headers; i++) {
        if (!strcasecmp(ri->http_headers[i].name, "Content-Length")) {
            cl = ri->http_headers[i].value;
            ncl++;
        } else if (!strcasecmp(ri->http_headers[i].name, "Transfer-Encoding")) {
            te = ri->http_headers[i].value;
            nte++;
        }
    }
    /* CivetWeb reads the first Content-Length with strtoll (so "12abc" is 12 and a second
     * header is ignored) and lets chunked win over Content-Length: a proxy that reads either
     * differently would see another request boundary. RFC 9112 6.3 says reject both. */
    if (ncl > 1)
        return "more than one Content-Length";
    if (cl && !plain_decimal(cl))
        return "Content-Length is not a plain decimal number";
    if (te && cl)
        return "Transfer-Encoding with Content-Length";
    if (nte > 1 || (te && strcasecmp(te, "chunked")))
        return "only one Transfer-Encoding, chunked, is supported";
    return NULL;
}

bool srv_http_keep_alive(const struct mg_request_info *ri)
{
    const char *conn = srv_http_header(ri, "Connection");
    if (conn)
        return has_token(conn, "keep-alive");
    return ri->http_version && !strcmp(ri->http_version, "1.1");
}

void srv_http_date(int64_t unix_s, char *out, size_t outlen)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The Date header changes once a second; each worker formats it at most that often. */
static const char *date_now(void)
{
    static _Thread_local char date[32];
    static _Thread_local time_t date_s = -1;
    time_t now = time(NULL);
    if (now != date_s) {
        srv_http_date((int64_t)now, date, sizeof(date));
        date_s = now;
    }
    return date;
}

static void write_out(struct mg_connection *c, const void *buf, size_t len, struct srv_reply *rep)
{
    if (len == 0)
        return;
    int n = mg_write(c, buf, len);
    if (n > 0)
        rep->bytes_out += (uint64_t)n;
}

/* Appends to a header buffer; `ok` turns false once something did not fit. snprintf cost
 * about 0.4 us per response here (a few percent of the whole request at 50k req/s). */
struct hdr {
    char *p, *end;
    bool ok;
};

static void hdr_str(struct hdr *h, const char *s)
{
    size_t n = strlen(s);
    if (!h->ok || (size_t)(h->end - h->p) < n) {
        h->ok = false;
        return;
    }
    memcpy(h->p, s, n);
    h->p += n;
}

static void hdr_u64(struct hdr *h, uint64_t v)
{
    char digits[24];
    char *d = digits + sizeof(digits);
    *--d = '\0';
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    hdr_str(h, d);
}

void srv_http_reply(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *content_type, const char *extra_headers, const void *body,
                    size_t body_len, bool close, struct srv_reply *rep)
{
    char buf[REPLY_BUF_BYTES];
    close = close || rep->close;
    bool keep = !close && srv_http_keep_alive(ri);
    if (close && mg_disable_keep_alive)
        mg_disable_keep_alive(c);
    bool no_body = status == 304 || status == 204 || status < 200;
    bool head = ri->request_method && !strcmp(ri->request_method, "HEAD");
    if (status < 100 || status > 999)
        status = 500;
    struct hdr h = {buf, buf + sizeof(buf), true};
    hdr_str(&h, "HTTP/1.1 ");
    hdr_u64(&h, (uint64_t)status);
    hdr_str(&h, " ");
    hdr_str(&h, srv_http_reason(status));
    hdr_str(&h, "\r\nDate: ");
    hdr_str(&h, date_now());
    hdr_str(&h, "\r\nServer: tierbench\r\n");
    if (!no_body) {
        hdr_str(&h, "Content-Type: ");
        hdr_str(&h, content_type ? content_type : "application/octet-stream");
        hdr_str(&h, "\r\nContent-Length: ");
        hdr_u64(&h, body_len);
        hdr_str(&h, "\r\n");
    }
    if (extra_headers)
        hdr_str(&h, extra_headers);
    /* HTTP/1.0 clients (ab -k) keep a connection only when the response says so. */
    hdr_str(&h, keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    if (!h.ok) {
        h.p = buf;
        h.ok = true;
        hdr_str(&h, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n");
        status = 500;
        no_body = true;
    }
    rep->status = status;
    size_t hlen = (size_t)(h.p - buf);
    /* The clock is read before the send: the send wakes the client, which may preempt this
     * thread for milliseconds on a busy machine, and that is not time the server spent. */
    if (rep->timed)
        rep->ready_us = clock_now_us();
    if (no_body || head || body_len == 0 || !body) {
        write_out(c, buf, hlen, rep);
    } else if (hlen + body_len <= sizeof(buf)) {
        memcpy(buf + hlen, body, body_len);
        write_out(c, buf, hlen + body_len, rep);
    } else {
        write_out(c, buf, hlen, rep);
        write_out(c, body, body_len, rep);
    }
}

void srv_http_error(struct mg_connection *c, const struct mg_request_info *ri, int status,
                    const char *msg, const char *extra_headers, struct srv_reply *rep)
{
    char body[512];
    struct jsonw w;
    jsonw_init(&w, body, sizeof(body));
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "error", msg);
    jsonw_obj_end(&w);
    long n = jsonw_finish(&w);
    if (n < 0) {
        n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", srv_http_reason(status));
    }
    srv_http_reply(c, ri, status, "application/json", extra_headers, body, (size_t)n, false, rep);
}
