/* server/cache.c: the exchange-rate cache, a fixed-capacity LRU with a TTL (what the seed gets
 * from functools.lru_cache(maxsize=1000), plus expiry so rates can change). Nodes live in one
 * array allocated up front: a hash chain and a recency list thread through them by index, so
 * get/put never allocate. See server_int.h for the contract. */
#include "server/server_int.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct node {
    char key[SRV_CACHE_KEY_MAX];
    double value;
    uint64_t stored_us;
    uint32_t hash_next;  /* next node in the same hash bucket */
    uint32_t prev, next; /* recency list: head = most recently used */
};

struct srv_cache {
    unsigned capacity, len;
    uint64_t ttl_us;
    uint32_t nbuckets; /* a power of two >= 2 * capacity */
    uint32_t head, tail, free_list;
    uint32_t *buckets;
    struct node *nodes;
};

static uint32_t hash_key(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

struct srv_cache *srv_cache_new(unsigned capacity, uint64_t ttl_us)
{
    if (capacity == 0 || capacity > (1u << 24))
        return NULL;
    struct srv_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->capacity = capacity;
    c->ttl_us = ttl_us;
    c->nbuckets = 2;
    while (c->nbuckets < 2 * capacity)
        c->nbuckets *= 2;
    c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
    c->nodes = calloc(capacity, sizeof(*c->nodes));
    if (!c->buckets || !c->nodes)
        goto fail;
    for (uint32_t i = 0; i < c->nbuckets; i++)
        c->buckets[i] = NIL;
    for (uint32_t i = 0; i < capacity; i++)
        c->nodes[i].next = i + 1 < capacity ? i + 1 : NIL;
    c->free_list = 0;
    c->head = c->tail = NIL;
    return c;
fail:
    srv_cache_free(c);
    return NULL;
}

void srv_cache_free(struct srv_cache *c)
{
    if (!c)
        return;
    free(c->buckets);
    free(c->nodes);
    free(c);
}

static void list_unlink(struct srv_cache *c, uint32_t i)
{
    struct node *n = &c->nodes[i];
    if (n->prev != NIL)
        c->nodes[n->prev].next = n->next;
    else
        c->head = n->next;
    if (n->next != NIL)
        c->nodes[n->next].prev = n->prev;
    else
        c->tail = n->prev;
}

static void list_push_front(struct srv_cache *c, uint32_t i)
{
    struct node *n = &c->nodes[i];
    n->prev = NIL;
    n->next = c->head;
    if (c->head != NIL)
        c->nodes[c->head].prev = i;
    c->head = i;
    if (c->tail == NIL)
        c->tail = i;
}

/* Finds key; *link receives the address of the index that points at it (for removal). */
static uint32_t find(struct srv_cache *c, const char *key, uint32_t **link)
{
    uint32_t *l = &c->buckets[hash_key(key) & (c->nbuckets - 1)];
    while (*l != NIL) {
        if (!strcmp(c->nodes[*l].key, key)) {
            if (link)
                *link = l;
            return *l;
        }
        l = &c->nodes[*l].hash_next;
    }
    return NIL;
}

static void remove_node(struct srv_cache *c, uint32_t i)
{
    uint32_t *link = NULL;
    if (find(c, c->nodes[i].key, &link) == i)
        *link = c->nodes[i].hash_next;
    list_unlink(c, i);
    c->nodes[i].next = c->free_list;
    c->free_list = i;
    c->len--;
}

static bool expired(const struct srv_cache *c, const struct node *n, uint64_t now_us)
{
    return c->ttl_us && now_us >= n->stored_us && now_us - n->stored_us >= c->ttl_us;
}

int srv_cache_get(struct srv_cache *c, const char *key, uint64_t now_us, double *value)
{
    uint32_t i = find(c, key, NULL);
    if (i == NIL)
        return 0;
    if (expired(c, &c->nodes[i], now_us)) {
        remove_node(c, i);
        return 0;
    }
    list_unlink(c, i);
    list_push_front(c, i);
    *value = c->nodes[i].value;
    return 1;
}

int srv_cache_put(struct srv_cache *c, const char *key, double value, uint64_t now_us)
{
    size_t key_len = strlen(key);
    if (key_len >= SRV_CACHE_KEY_MAX)
        return -1;
    uint32_t i = find(c, key, NULL);
    if (i != NIL) {
        list_unlink(c, i);
    } else {
        if (c->free_list == NIL)
            remove_node(c, c->tail); /* evict the least recently used */
        i = c->free_list;
        c->free_list = c->nodes[i].next;
        memcpy(c->nodes[i].key, key, key_len + 1);
        uint32_t *bucket = &c->buckets[hash_key(key) & (c->nbuckets - 1)];
        c->nodes[i].hash_next = *bucket;
        *bucket = i;
        c->len++;
    }
    c->nodes[i].value = value;
    c->nodes[i].stored_us = now_us;
    list_push_front(c, i);
    return 0;
}

unsigned srv_cache_len(const struct srv_cache *c)
{
    return c->len;
}

const char *srv_cache_key_at(const struct srv_cache *c, unsigned i)
{
    uint32_t n = c->head;
    while (n != NIL && i > 0) {
        n = c->nodes[n].next;
        i--;
    }
    return n == NIL ? NULL : c->nodes[n].key;
}
