/* server/static.c: static files from the docroot, with the seed's nginx cache rule (public,
 * max-age=3600, must-revalidate for html/css/js and images), ETag/Last-Modified and 304s.
 * CivetWeb's own file serving is never used (no CGI, SSI, listing or .htpasswd lookups): every
 * path is checked here, and the realpath of the file must stay under the docroot's realpath. */
#include "server/server_int.h"

#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"

#define CACHE_RULE "Cache-Control: public, max-age=3600, must-revalidate\r\n"

/* Text smaller than this gains less from gzip than the header costs. */
#define GZIP_MIN_BYTES 256
/* Larger files are sent as they are rather than compressed in memory. */
#define GZIP_MAX_BYTES (1024 * 1024)

static const struct mime {
    const char *ext;
    const char *type;
    bool cacheable;    /* the seed's rule: html|css|js|png|jpg|jpeg|gif|ico */
    bool compressible; /* text: gzip it */
} mimes[] = {
    {"html", "text/html; charset=utf-8", true, true},
    {"htm", "text/html; charset=utf-8", true, true},
    {"css", "text/css; charset=utf-8", true, true},
    {"js", "text/javascript; charset=utf-8", true, true},
    {"png", "image/png", true, false},
    {"jpg", "image/jpeg", true, false},
    {"jpeg", "image/jpeg", true, false},
    {"gif", "image/gif", true, false},
    {"ico", "image/x-icon", true, false},
    {"svg", "image/svg+xml", false, true},
    {"json", "application/json", false, true},
    {"txt", "text/plain; charset=utf-8", false, true},
    {"md", "text/markdown; charset=utf-8", false, true},
};

const char *srv_static_mime(const char *path, bool *cacheable, bool *compressible)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    *cacheable = *compressible = false;
    if (!dot)
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
        if (!strcasecmp(dot + 1, mimes[i].ext)) {
            *cacheable = mimes[i].cacheable;
            *compressible = mimes[i].compressible;
            return mimes[i].type;
        }
    return "application/octet-stream";
}

bool srv_static_accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    for (const char *p = ae; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *item = p;
        while (*p && *p != ',')
            p++;
        if (strncasecmp(item, "gzip", 4) || (item[4] != ';' && item[4] != ' ' && item[4] != ',' &&
                                             item[4] != '\0' && item + 4 != p))
            continue;
        /* "gzip;q=0" (or q=0.0...) refuses it. */
        const char *q = item + 4;
        while (q < p && (*q == ' ' || *q == ';'))
            q++;
        if (q + 2 <= p && !strncasecmp(q, "q=", 2)) {
            double v = strtod(q + 2, NULL);
            return v > 0.0;
        }
        return true;
    }
    return false;
}

/* Rejects "..", hidden names (".htpasswd", ".git") and backslashes, segment by segment. */
static bool path_is_clean(const char *p)
{
    if (p[0] != '/' || strchr(p, '\\'))
        return false;
    while (*p) {
        while (*p == '/')
            p++;
        if (*p == '.')
            return false;
        while (*p && *p != '/')
            p++;
    }
    return true;
}

static bool under(const char *root, const char *path)
{
    size_t n = strlen(root);
    return !strncmp(root, path, n) && (path[n] == '/' || path[n] == '\0');
}

int srv_static_resolve(const char *docroot_real, const char *uri_path, char *out, size_t outlen)
{
    char joined[PATH_MAX], real[PATH_MAX];
    if (!uri_path || !path_is_clean(uri_path))
        return -1;
    int n = snprintf(joined, sizeof(joined), "%s%s", docroot_real, uri_path);
    if (n < 0 || (size_t)n >= sizeof(joined))
        return -1;
    for (int round = 0; round < 2; round++) {
        if (!realpath(joined, real))
            return -2;
        if (!under(docroot_real, real))
            return -1; /* a symlink pointing out of the docroot */
        struct stat st;
        if (stat(real, &st) < 0)
            return -2;
        if (S_ISREG(st.st_mode)) {
            n = snprintf(out, outlen, "%s", real);
            return n < 0 || (size_t)n >= outlen ? -1 : 0;
        }
        if (!S_ISDIR(st.st_mode) || round == 1)
            return -2;
        n = snprintf(joined, sizeof(joined), "%s/index.html", real);
        if (n < 0 || (size_t)n >= sizeof(joined))
            return -1;
    }
    return -2;
}

/* Whether an If-None-Match value lists etag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!strcmp(inm, "*"))
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag))
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

/* The gzip form of an open file, from the cache or compressed now. NULL on any failure (the
 * caller then sends the file as it is). */
static struct srv_gzblob *gzip_file(struct srv *s, int fd, const char *path, uint64_t mtime_ns,
                                    size_t size)
{
    struct srv_gzblob *b = srv_gzcache_get(s->gzcache, path, mtime_ns, size, NULL);
    if (b)
        return b;
    char *content = malloc(size);
    if (!content)
        return NULL;
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, content + got, size - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == size)
        b = srv_gzcache_get(s->gzcache, path, mtime_ns, size, content);
    free(content);
    return b;
}

void srv_static_handle(struct srv *s, struct mg_connection *c, const struct mg_request_info *ri,
                       struct srv_reply *rep)
{
    char path[PATH_MAX];
    const char *uri = ri->local_uri_raw ? ri->local_uri_raw : ri->local_uri;
    int rc = srv_static_resolve(s->docroot_real, uri, path, sizeof(path));
    if (rc == -1) {
        /* ".." segments, backslashes, hidden names and symlinks out of the docroot: refused
         * whether or not something is there, so the answer tells nothing about the disk. */
        srv_http_error(c, ri, 403, "forbidden path", NULL, rep);
        return;
    }
    int fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        srv_http_error(c, ri, 404, "not found", NULL, rep);
        return;
    }
    uint64_t mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    size_t size = (size_t)st.st_size;
    bool cacheable, compressible;
    const char *ctype = srv_static_mime(path, &cacheable, &compressible);
    struct srv_gzblob *gz = NULL;
    if (compressible && size >= GZIP_MIN_BYTES && size <= GZIP_MAX_BYTES &&
        srv_static_accepts_gzip(srv_http_header(ri, "Accept-Encoding")))
        gz = gzip_file(s, fd, path, mtime_ns, size);

    /* Each representation gets its own strong ETag, so caches never mix them up. */
    char etag[64], modified[32], headers[512];
    snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "%s\"", mtime_ns, (uint64_t)size,
             gz ? "-gz" : "");
    srv_http_date((int64_t)st.st_mtim.tv_sec, modified, sizeof(modified));
    snprintf(headers, sizeof(headers), "ETag: %s\r\nLast-Modified: %s\r\n%s%s%s", etag, modified,
             cacheable ? CACHE_RULE : "", compressible ? "Vary: Accept-Encoding\r\n" : "",
             gz ? "Content-Encoding: gzip\r\n" : "");
    const char *inm = srv_http_header(ri, "If-None-Match");
    const char *ims = srv_http_header(ri, "If-Modified-Since");
    char buf[16384];
    if ((inm && etag_matches(inm, etag)) || (!inm && ims && !strcmp(ims, modified))) {
        srv_http_reply(c, ri, 304, NULL, headers, NULL, 0, false, rep);
    } else if (gz) {
        size_t gz_len;
        const unsigned char *data = srv_gzblob_data(gz, &gz_len);
        srv_http_reply(c, ri, 200, ctype, headers, data, gz_len, false, rep);
    } else if (size <= sizeof(buf) && pread(fd, buf, size, 0) == (ssize_t)size) {
        /* Small files go out with the headers in one send. */
        srv_http_reply(c, ri, 200, ctype, headers, buf, size, false, rep);
    } else {
        srv_http_reply(c, ri, 200, ctype, headers, NULL, size, false, rep);
        if (strcmp(ri->request_method, "HEAD")) {
            off_t off = 0;
            while ((size_t)off < size) {
                ssize_t n = pread(fd, buf, sizeof(buf), off);
                if (n <= 0 || mg_write(c, buf, (size_t)n) <= 0)
                    break;
                off += n;
                rep->bytes_out += (uint64_t)n;
            }
            if (rep->timed)
                rep->ready_us = clock_now_us();
        }
    }
    srv_gzblob_release(gz);
    close(fd);
}
