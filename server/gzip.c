/* server/gzip.c: gzip for static text files (the seed's "gzip" quick win; CivetWeb's Debian
 * build has no zlib support of its own). Files are compressed once and kept in a small cache
 * keyed by path, mtime and size, so a hot index.html costs one memcpy, not one deflate, per
 * request. Blobs are reference-counted: a reader keeps its blob while sending even if the entry
 * is evicted meanwhile. See server_int.h. */
#include "server/server_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct srv_gzblob {
    atomic_int refs;
    size_t len;
    unsigned char data[];
};

struct gz_entry {
    char path[PATH_MAX];
    uint64_t mtime_ns, size;
    struct srv_gzblob *blob; /* NULL: empty slot */
};

struct srv_gzcache {
    pthread_mutex_t lock;
    unsigned nentries, next_victim;
    struct gz_entry *entries;
};

int srv_gzip(const void *in, size_t len, struct srv_gzblob **out)
{
    *out = NULL;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* windowBits 15 + 16: a gzip header and trailer rather than zlib's. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, (uLong)len);
    struct srv_gzblob *b = malloc(sizeof(*b) + cap);
    if (!b) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = b->data;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    b->len = cap - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(b);
        return -1;
    }
    atomic_init(&b->refs, 1);
    *out = b;
    return 0;
}

const unsigned char *srv_gzblob_data(const struct srv_gzblob *b, size_t *len)
{
    *len = b->len;
    return b->data;
}

void srv_gzblob_release(struct srv_gzblob *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

struct srv_gzcache *srv_gzcache_new(unsigned entries)
{
    struct srv_gzcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->entries = calloc(entries ? entries : 1, sizeof(*c->entries));
    if (!c->entries) {
        free(c);
        return NULL;
    }
    c->nentries = entries ? entries : 1;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void srv_gzcache_free(struct srv_gzcache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->nentries; i++)
        srv_gzblob_release(c->entries[i].blob);
    pthread_mutex_destroy(&c->lock);
    free(c->entries);
    free(c);
}

struct srv_gzblob *srv_gzcache_get(struct srv_gzcache *c, const char *path, uint64_t mtime_ns,
                                   uint64_t size, const void *content)
{
    struct srv_gzblob *b = NULL;
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->nentries; i++) {
        struct gz_entry *e = &c->entries[i];
        if (e->blob && e->mtime_ns == mtime_ns && e->size == size && !strcmp(e->path, path)) {
            b = e->blob;
            atomic_fetch_add(&b->refs, 1);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (b || !content)
        return b;
    /* Compress outside the lock; two threads may both compress a cold file, which is fine. */
    if (srv_gzip(content, size, &b) < 0)
        return NULL;
    if (strlen(path) < sizeof(c->entries[0].path)) {
        pthread_mutex_lock(&c->lock);
        struct gz_entry *e = &c->entries[c->next_victim];
        c->next_victim = (c->next_victim + 1) % c->nentries;
        srv_gzblob_release(e->blob);
        memcpy(e->path, path, strlen(path) + 1);
        e->mtime_ns = mtime_ns;
        e->size = size;
        e->blob = b;
        atomic_fetch_add(&b->refs, 1); /* the cache's reference */
        pthread_mutex_unlock(&c->lock);
    }
    return b;
}
