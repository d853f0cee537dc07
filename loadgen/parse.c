/* loadgen/parse.c: the wire side of the load generator: URL parsing, building a request's bytes
 * once before a run, and the response parser (http_parser, the parser wrk uses, with the rules
 * a client needs on top: skip 1xx, no body for HEAD/204/304, close-delimited bodies).
 * Read lg_int.h for the contracts; engine.c drives these per connection. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "loadgen/lg_int.h"

/* No space, control character or DEL: what may stand in a request line or a Host header. */
static bool url_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

int lg_url_parse(const char *url, struct lg_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p, *why;
    if (!strncasecmp(url, "http://", 7)) {
        p = url + 7;
        out->port = 80;
    } else if (!strncasecmp(url, "https://", 8)) {
        p = url + 8;
        out->https = true;
        out->port = 443;
    } else {
        why = "expected http://host[:port]/path";
        goto bad;
    }
    size_t hlen = strcspn(p, ":/?#");
    if (hlen == 0 || hlen >= sizeof(out->host)) {
        why = "missing or too long host";
        goto bad;
    }
    if (!url_chars_ok(p, hlen)) {
        why = "space or control character in host";
        goto bad;
    }
    memcpy(out->host, p, hlen);
    out->host[hlen] = '\0';
    p += hlen;
    if (*p == ':') {
        p++;
        char *end;
        unsigned long port = strtoul(p, &end, 10);
        if (end == p || port == 0 || port > 65535 || (*end && *end != '/' && *end != '?')) {
            why = "bad port";
            goto bad;
        }
        out->port = (unsigned)port;
        out->port_explicit = true;
        p = end;
    }
    if (*p == '#')
        p += strlen(p);
    const char *frag = strchr(p, '#');
    size_t plen = frag ? (size_t)(frag - p) : strlen(p);
    if (plen + 2 > sizeof(out->path)) {
        why = "path too long";
        goto bad;
    }
    if (!url_chars_ok(p, plen)) {
        why = "space or control character in path";
        goto bad;
    }
    if (plen == 0 || p[0] == '?') {
        out->path[0] = '/';
        memcpy(out->path + 1, p, plen);
        out->path[plen + 1] = '\0';
    } else {
        memcpy(out->path, p, plen);
        out->path[plen] = '\0';
    }
    unsigned def = out->https ? 443 : 80;
    if (out->port == def)
        snprintf(out->hostport, sizeof(out->hostport), "%s", out->host);
    else
        snprintf(out->hostport, sizeof(out->hostport), "%s:%u", out->host, out->port);
    return 0;
bad:
    /* The URL is quoted as given, less its control characters: the message stays one line. */
    snprintf(err, errlen, "invalid URL '%s': %s", url, why);
    if (errlen)
        text_one_line(err);
    return -1;
}

/* Appends to buf; returns false when it does not fit. */
static bool buf_put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n > cap)
        return false;
    memcpy(buf + *len, s, n);
    *len += n;
    return true;
}

/* True when one of rq's headers has this name. */
static bool rq_has(const struct lg_request *rq, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < rq->nheaders; i++)
        if (!strncasecmp(rq->headers[i], name, n) && rq->headers[i][n] == ':')
            return true;
    return false;
}

long lg_request_build(const struct lg_url *url, const struct lg_request *rq, bool keep_alive,
                      bool http10, char *buf, size_t cap)
{
    size_t len = 0;
    char line[2400];
    const char *method = rq->method ? rq->method : "GET";
    const char *path = rq->path ? rq->path : url->path;
    int n = snprintf(line, sizeof(line), "%s %s HTTP/1.%c\r\n", method, path, http10 ? '0' : '1');
    if (n < 0 || (size_t)n >= sizeof(line) || !buf_put(buf, cap, &len, line, (size_t)n))
        return -1;
    if (!rq_has(rq, "Host")) {
        n = snprintf(line, sizeof(line), "Host: %s\r\n", url->hostport);
        if (n < 0 || (size_t)n >= sizeof(line) || !buf_put(buf, cap, &len, line, (size_t)n))
            return -1;
    }
    const char *conn = NULL;
    if (!keep_alive && !http10)
        conn = "Connection: close\r\n";
    else if (keep_alive && http10)
        conn = "Connection: Keep-Alive\r\n";
    if (conn && !rq_has(rq, "Connection") && !buf_put(buf, cap, &len, conn, strlen(conn)))
        return -1;
    if (rq->body && !rq_has(rq, "Content-Length")) {
        n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n", rq->body_bytes);
        if (n < 0 || (size_t)n >= sizeof(line) || !buf_put(buf, cap, &len, line, (size_t)n))
            return -1;
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        const char *h = rq->headers[i];
        if (!buf_put(buf, cap, &len, h, strlen(h)) || !buf_put(buf, cap, &len, "\r\n", 2))
            return -1;
    }
    if (!buf_put(buf, cap, &len, "\r\n", 2))
        return -1;
    if (rq->body && !buf_put(buf, cap, &len, rq->body, rq->body_bytes))
        return -1;
    return (long)len;
}

/* ---- response parser ---- */

static int on_headers_complete(http_parser *hp)
{
    struct lg_parse *p = hp->data;
    p->in_server = false;
    p->hdr_in_name = false;
    /* This client never asks to switch protocols: a 101 is not HTTP it can follow (and
     * http_parser would stop parsing at it, leaving the rest of the stream unread). */
    if (hp->status_code == 101)
        return -1;
    /* 1 tells http_parser the response has no body whatever its headers say: true of
     * interim (1xx), 204 and 304 responses and of any answer to HEAD (RFC 9112 6.3);
     * http_parser itself would read a 304's Content-Length worth of body. */
    if (hp->status_code / 100 == 1)
        return 1;
    p->status = hp->status_code;
    p->headers_done = true;
    return p->head || p->status == 204 || p->status == 304 ? 1 : 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    (void)at;
    struct lg_parse *p = hp->data;
    p->body_bytes += len;
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct lg_parse *p = hp->data;
    if (hp->status_code / 100 == 1 && hp->status_code != 101) {
        p->body_bytes = 0; /* a 100 Continue or 103: the final response follows */
        return 0;
    }
    p->done = true;
    p->keep_alive = http_should_keep_alive(hp) != 0;
    if (p->want_server)
        p->want_server = false;
    /* Pausing makes http_parser_execute return here, so any bytes after the response are
     * left unconsumed and the caller can tell. */
    http_parser_pause(hp, 1);
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct lg_parse *p = hp->data;
    /* A name may come in pieces when a read ends inside it: match "Server" across them, so
     * the capture does not depend on where the reads split the response. */
    if (!p->hdr_in_name) {
        p->hdr_in_name = true;
        p->in_server = false;
        p->hdr_name_len = 0;
        p->hdr_name_ok = p->want_server;
    }
    for (size_t i = 0; i < len && p->hdr_name_ok; i++) {
        if (p->hdr_name_len >= 6 || tolower((unsigned char)at[i]) != "server"[p->hdr_name_len])
            p->hdr_name_ok = false;
        else
            p->hdr_name_len++;
    }
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct lg_parse *p = hp->data;
    if (p->hdr_in_name) {
        p->hdr_in_name = false;
        p->in_server = p->want_server && p->hdr_name_ok && p->hdr_name_len == 6;
    }
    if (!p->in_server)
        return 0;
    /* Control bytes (a NUL among them) become '?': the value is printed (ab's Server Software)
     * and measured with strlen, so a NUL would make the capture depend on where reads split. */
    size_t have = strlen(p->server);
    size_t room = sizeof(p->server) - 1 - have;
    if (len > room)
        len = room;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)at[i];
        p->server[have + i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    p->server[have + len] = '\0';
    return 0;
}

/* Two settings: the header callbacks cost a call per header, so they run only while a
 * Server header is wanted. */
static const http_parser_settings settings_fast = {
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};
static const http_parser_settings settings_hdr = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void lg_parse_init(struct lg_parse *p)
{
    bool want = p->want_server;
    char keep[sizeof(p->server)];
    memcpy(keep, p->server, sizeof(keep));
    memset(p, 0, sizeof(*p));
    http_parser_init(&p->hp, HTTP_RESPONSE);
    p->hp.data = p;
    p->want_server = want;
    memcpy(p->server, keep, sizeof(keep));
}

void lg_parse_next(struct lg_parse *p, bool head)
{
    http_parser_pause(&p->hp, 0);
    p->status = 0;
    p->head = head;
    p->headers_done = false;
    p->done = false;
    p->keep_alive = false;
    p->body_bytes = 0;
    /* http_parser reads the HEAD flag only through on_headers_complete's return value. */
}

long lg_parse_feed(struct lg_parse *p, const char *data, size_t len)
{
    const http_parser_settings *s = p->want_server ? &settings_hdr : &settings_fast;
    size_t n = http_parser_execute(&p->hp, s, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    if (e == HPE_PAUSED)
        return (long)n;
    if (e != HPE_OK)
        return -1;
    return (long)n;
}

int lg_parse_eof(struct lg_parse *p)
{
    if (p->done)
        return 0;
    const http_parser_settings *s = p->want_server ? &settings_hdr : &settings_fast;
    http_parser_execute(&p->hp, s, NULL, 0);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    if (p->done && (e == HPE_OK || e == HPE_PAUSED)) {
        p->keep_alive = false;
        return 0;
    }
    return -1;
}
