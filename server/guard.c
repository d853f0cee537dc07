/* server/guard.c: the connection guard. CivetWeb is thread-per-connection: a connection holds a
 * worker from accept to close, whether it sends anything or not, so a few hundred slow or idle
 * clients take the whole pool. The guard tracks every connection of one CivetWeb context from
 * the init_connection to the connection_close callback, together with what it is waiting for,
 * and a watchdog thread ends the waits that overstay (by signalling the worker, see kick()):
 *   - a first request head not complete header_timeout after accept (slowloris);
 *   - a request body not complete body_timeout after its head (slow POST);
 *   - when the pool is nearly full, every connection that has waited on its client (for a head,
 *     between keep-alive requests, or for a body) longer than shed_grace, oldest first;
 *   - past per_client_max connections from one address (known from its first request head),
 *     that address's oldest waiting ones.
 * Read next: server_int.h (the contract), srv.c (the callbacks that feed it). */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"

/* A kick that did not end the wait (it landed outside poll) is repeated this much later. */
#define KICK_RETRY_US 20000
/* Pressure must stay off this long before the log says it is over. */
#define PRESSURE_QUIET_US 2000000
/* Why the watchdog sleeps at least this long between passes: a flood of new connections under
 * pressure wakes it for each one, and one pass per connection would cost more than it saves. */
#define PASS_MIN_GAP_US 5000
/* The longest sleep: deadlines are checked at least this often even when nothing wakes it. */
#define PASS_MAX_GAP_US 500000

struct srv_guard_slot {
    pthread_mutex_t lock; /* gen, peer_ip, kicked_*, and the transitions to and from FREE */
    struct srv_guard *g;
    struct srv_guard_slot *next;
    atomic_int state;              /* enum srv_guard_state */
    atomic_uint_fast64_t since_us; /* when the state began */
    atomic_bool first;             /* no request answered yet on this connection */
    uint64_t gen;                  /* bumped for every connection */
    uint32_t peer_ip;              /* network byte order; 0 until the first request head */
    pthread_t thread;              /* the worker that owns the slot */
    uint64_t kicked_us;       /* when the watchdog last signalled it for this connection state */
    uint64_t kicked_since_us; /* the since_us it was kicked for */
};

struct srv_guard {
    struct srv_guard_config cfg;
    pthread_mutex_t lock; /* slots list, wake-up */
    pthread_cond_t cond;
    struct srv_guard_slot *slots;
    unsigned nslots;
    atomic_uint open; /* connections between opened and closed */
    bool wake;        /* under lock: a pass is wanted now */
    bool stop;        /* under lock */
    pthread_t thread;
    bool running;
    atomic_uint_fast64_t shed[SRV_SHED__COUNT];
    bool logged_pressure;   /* watchdog only: said that pressure started, not yet that it ended */
    uint64_t calm_since_us; /* watchdog only: pressure off since, 0: on */
};

/* ---- the policy (pure) --------------------------------------------------------------------- */

static int by_since(const void *a, const void *b)
{
    const struct srv_guard_view *x = a, *y = b;
    return x->since_us < y->since_us ? -1 : x->since_us > y->since_us;
}

static int by_ip_since(const void *a, const void *b)
{
    const struct srv_guard_view *x = a, *y = b;
    if (x->peer_ip != y->peer_ip)
        return x->peer_ip < y->peer_ip ? -1 : 1;
    return by_since(a, b);
}

static bool waiting(const struct srv_guard_view *v)
{
    return v->state == SRV_GUARD_HEAD || v->state == SRV_GUARD_BODY;
}

uint64_t srv_guard_decide(const struct srv_guard_config *cfg, struct srv_guard_view *v, size_t n,
                          uint64_t now_us, bool *pressure)
{
    uint64_t next_us = now_us + PASS_MAX_GAP_US;
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].shed = SRV_SHED_NONE;
        live += v[i].state != SRV_GUARD_FREE;
    }
    *pressure = live >= cfg->busy_high && cfg->busy_high > 0;
    /* Sorted oldest first, each rule below takes the oldest candidates. */
    if (n > 1)
        qsort(v, n, sizeof(*v), by_since);
    for (size_t i = 0; i < n; i++) {
        uint64_t age_us = now_us - v[i].since_us, due_us = UINT64_MAX;
        if (v[i].state == SRV_GUARD_HEAD && v[i].first && cfg->header_timeout_us) {
            if (age_us >= cfg->header_timeout_us)
                v[i].shed = SRV_SHED_HEADER_TIMEOUT;
            else
                due_us = v[i].since_us + cfg->header_timeout_us;
        } else if (v[i].state == SRV_GUARD_BODY && cfg->body_timeout_us) {
            if (age_us >= cfg->body_timeout_us)
                v[i].shed = SRV_SHED_BODY_TIMEOUT;
            else
                due_us = v[i].since_us + cfg->body_timeout_us;
        }
        if (v[i].shed == SRV_SHED_NONE && *pressure && waiting(&v[i])) {
            if (age_us >= cfg->shed_grace_us)
                v[i].shed = SRV_SHED_PRESSURE;
            else if (v[i].since_us + cfg->shed_grace_us < due_us)
                due_us = v[i].since_us + cfg->shed_grace_us;
        }
        if (due_us < next_us)
            next_us = due_us;
    }
    if (cfg->per_client_max) {
        /* Past the cap, the address's oldest waiting connections go first, so that a client
         * which sends its request at once (the operator's probe) is served even when it shares
         * its address with a slow one. Connections inside a handler are never taken. */
        if (n > 1)
            qsort(v, n, sizeof(*v), by_ip_since);
        for (size_t i = 0; i < n;) {
            if (v[i].peer_ip == 0) {
                i++;
                continue;
            }
            size_t j = i, count = 0;
            while (j < n && v[j].peer_ip == v[i].peer_ip) {
                count += v[j].state != SRV_GUARD_FREE && v[j].shed == SRV_SHED_NONE;
                j++;
            }
            for (size_t k = i; k < j && count > cfg->per_client_max; k++)
                if (waiting(&v[k]) && v[k].shed == SRV_SHED_NONE) {
                    v[k].shed = SRV_SHED_PER_CLIENT;
                    count--;
                }
            i = j;
        }
    }
    return next_us;
}

/* ---- worker side ---------------------------------------------------------------------------- */

void srv_guard_opened(struct srv_guard_slot *sl, uint64_t now_us)
{
    struct srv_guard *g = sl->g;
    pthread_mutex_lock(&sl->lock);
    sl->gen++;
    sl->peer_ip = 0;
    sl->kicked_us = sl->kicked_since_us = 0;
    atomic_store(&sl->first, true);
    atomic_store(&sl->since_us, now_us);
    atomic_store(&sl->state, SRV_GUARD_HEAD);
    pthread_mutex_unlock(&sl->lock);
    unsigned open = atomic_fetch_add(&g->open, 1) + 1;
    /* A pass now rather than at the next deadline: the pool just reached its mark. Below the
     * mark this costs one comparison. */
    if (open >= g->cfg.busy_high && g->cfg.busy_high) {
        pthread_mutex_lock(&g->lock);
        g->wake = true;
        pthread_cond_signal(&g->cond);
        pthread_mutex_unlock(&g->lock);
    }
}

void srv_guard_peer(struct srv_guard_slot *sl, const char *remote_addr)
{
    struct in_addr a = {0};
    if (!remote_addr || inet_pton(AF_INET, remote_addr, &a) != 1)
        return;
    pthread_mutex_lock(&sl->lock);
    bool first_seen = sl->peer_ip == 0;
    sl->peer_ip = a.s_addr;
    pthread_mutex_unlock(&sl->lock);
    if (first_seen && sl->g->cfg.per_client_max) {
        /* This address may now be past its cap: a pass now. */
        pthread_mutex_lock(&sl->g->lock);
        sl->g->wake = true;
        pthread_cond_signal(&sl->g->cond);
        pthread_mutex_unlock(&sl->g->lock);
    }
}

void srv_guard_set(struct srv_guard_slot *sl, enum srv_guard_state state, uint64_t now_us)
{
    if (state == SRV_GUARD_HEAD)
        atomic_store_explicit(&sl->first, false, memory_order_relaxed);
    atomic_store_explicit(&sl->since_us, now_us, memory_order_relaxed);
    atomic_store_explicit(&sl->state, (int)state, memory_order_release);
}

void srv_guard_closed(struct srv_guard_slot *sl)
{
    /* The watchdog signals a worker only while it holds this lock and sees the slot's
     * connection (gen) in the state it decided on, so after this no kick meant for this
     * connection can reach the worker's next one. */
    pthread_mutex_lock(&sl->lock);
    bool was_open = atomic_exchange(&sl->state, SRV_GUARD_FREE) != SRV_GUARD_FREE;
    sl->gen++;
    pthread_mutex_unlock(&sl->lock);
    if (was_open)
        atomic_fetch_sub(&sl->g->open, 1);
}

/* ---- watchdog ------------------------------------------------------------------------------ */

static void on_kick(int sig)
{
    (void)sig; /* its only effect is the EINTR it causes */
}

int srv_guard_signal_setup(void)
{
    struct sigaction old;
    if (sigaction(SRV_GUARD_SIGNAL, NULL, &old) < 0)
        return -1;
    /* An application's own handler interrupts poll() just as well (poll is never restarted,
     * whatever SA_RESTART says: signal(7)), so it stays. SIGURG's default is to ignore it,
     * which would not interrupt anything. */
    if (!(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_kick;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SRV_GUARD_SIGNAL, &sa, NULL) < 0)
            return -1;
    }
    return 0;
}

/* CivetWeb never hands out a connection's socket, but a worker serves one connection at a
 * time and waits for its client in poll(): a signal to that thread makes the poll fail with
 * EINTR, which CivetWeb takes for a broken connection (pull_inner returns -2). Waiting for a
 * head, it answers 400 to a half-sent one and closes; in a body read, mg_read returns what came
 * and the handler answers 408. The signal is sent while this slot's lock is held and the slot
 * is seen in the very state the pass decided on, so the connection cannot have closed in the
 * meantime; if the signal lands while the worker runs instead of waiting (a moment before or
 * after its poll), nothing is interrupted and the next pass kicks again. A signal that lands in
 * a handler's own code is harmless: CivetWeb's writes retry after EINTR, and the server's
 * sleeps resume. */
static bool kick(const struct srv_guard_view *v, uint64_t now_us)
{
    struct srv_guard_slot *sl = v->slot;
    bool sent = false;
    pthread_mutex_lock(&sl->lock);
    if (sl->gen == v->gen && atomic_load(&sl->state) == (int)v->state &&
        atomic_load(&sl->since_us) == v->since_us) {
        sent = pthread_kill(sl->thread, SRV_GUARD_SIGNAL) == 0;
        if (sent) {
            sl->kicked_us = now_us;
            sl->kicked_since_us = v->since_us;
        }
    }
    pthread_mutex_unlock(&sl->lock);
    return sent;
}

/* One warning when pressure starts, one when it has been over for PRESSURE_QUIET_US: an attack
 * keeps the pool hovering around its mark, and a line per crossing would flood the log. */
static void log_pressure(struct srv_guard *g, bool pressure, size_t live, uint64_t now_us)
{
    if (!g->cfg.log)
        return;
    char line[256];
    if (pressure) {
        g->calm_since_us = 0;
        if (g->logged_pressure)
            return;
        g->logged_pressure = true;
        snprintf(line, sizeof(line),
                 "%s: %zu of %u workers hold connections: closing connections that wait on "
                 "their client for over %llu ms",
                 g->cfg.name, live, g->cfg.threads,
                 (unsigned long long)(g->cfg.shed_grace_us / 1000));
    } else {
        if (!g->logged_pressure)
            return;
        if (!g->calm_since_us)
            g->calm_since_us = now_us;
        if (now_us - g->calm_since_us < PRESSURE_QUIET_US)
            return;
        g->logged_pressure = false;
        snprintf(line, sizeof(line),
                 "%s: pressure over (%zu of %u workers hold connections); %llu connections "
                 "closed under pressure since start",
                 g->cfg.name, live, g->cfg.threads,
                 (unsigned long long)atomic_load(&g->shed[SRV_SHED_PRESSURE]));
    }
    g->cfg.log(g->cfg.log_arg, SRV_LOG_WARNING, line);
}

/* One pass: reads every slot, decides, signals the workers whose connections go. Returns when
 * the next pass is due. */
static uint64_t pass(struct srv_guard *g, struct srv_guard_slot **slots, size_t n,
                     struct srv_guard_view *v)
{
    uint64_t now_us = clock_now_us();
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        struct srv_guard_slot *sl = slots[i];
        pthread_mutex_lock(&sl->lock);
        int st = atomic_load(&sl->state);
        uint64_t since_us = atomic_load(&sl->since_us);
        /* Kicked for this very state a moment ago: its worker is closing it; leave it out of
         * the count, and kick again only if it is still there after KICK_RETRY_US. */
        bool kicked = sl->kicked_us && sl->kicked_since_us == since_us;
        if (st != SRV_GUARD_FREE && (!kicked || now_us - sl->kicked_us >= KICK_RETRY_US)) {
            v[nv] = (struct srv_guard_view){
                .slot = sl,
                .gen = sl->gen,
                .state = (enum srv_guard_state)st,
                .since_us = since_us,
                .first = atomic_load(&sl->first),
                .peer_ip = sl->peer_ip,
            };
            /* A state change after the clock was read may carry a later time. */
            if (v[nv].since_us > now_us)
                v[nv].since_us = now_us;
            nv++;
        }
        pthread_mutex_unlock(&sl->lock);
    }
    bool pressure;
    uint64_t next_us = srv_guard_decide(&g->cfg, v, nv, now_us, &pressure);
    log_pressure(g, pressure, nv, now_us);
    for (size_t i = 0; i < nv; i++) {
        if (v[i].shed == SRV_SHED_NONE)
            continue;
        struct srv_guard_slot *sl = v[i].slot;
        pthread_mutex_lock(&sl->lock);
        bool again = sl->kicked_us && sl->kicked_since_us == v[i].since_us;
        pthread_mutex_unlock(&sl->lock);
        if (!kick(&v[i], now_us))
            continue;
        if (!again)
            atomic_fetch_add(&g->shed[v[i].shed], 1);
        if (now_us + KICK_RETRY_US < next_us)
            next_us = now_us + KICK_RETRY_US;
    }
    return next_us;
}

static void *watchdog_main(void *arg)
{
    struct srv_guard *g = arg;
    struct srv_guard_slot **slots = NULL;
    struct srv_guard_view *v = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&g->lock);
    while (!g->stop) {
        /* The slot list only grows (a slot per worker thread); copy it under the lock. */
        if (g->nslots > cap) {
            size_t ncap = g->nslots;
            struct srv_guard_slot **ns = realloc(slots, ncap * sizeof(*ns));
            struct srv_guard_view *nv = ns ? realloc(v, ncap * sizeof(*nv)) : NULL;
            if (ns)
                slots = ns;
            if (nv) {
                v = nv;
                cap = ncap;
            }
        }
        size_t n = 0;
        for (struct srv_guard_slot *sl = g->slots; sl && n < cap; sl = sl->next)
            slots[n++] = sl;
        g->wake = false;
        pthread_mutex_unlock(&g->lock);
        uint64_t start_us = clock_now_us();
        uint64_t next_us = pass(g, slots, n, v);
        if (next_us < start_us + PASS_MIN_GAP_US)
            next_us = start_us + PASS_MIN_GAP_US;
        pthread_mutex_lock(&g->lock);
        /* Sleep until the next deadline, or until a worker asks for a pass, but never less
         * than the minimum gap. */
        while (!g->stop) {
            uint64_t now_us = clock_now_us();
            if (now_us >= next_us || (g->wake && now_us >= start_us + PASS_MIN_GAP_US))
                break;
            uint64_t until_us = g->wake ? start_us + PASS_MIN_GAP_US : next_us;
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t wait_ns = (until_us - now_us) * 1000u + (uint64_t)ts.tv_nsec;
            ts.tv_sec += (time_t)(wait_ns / 1000000000u);
            ts.tv_nsec = (long)(wait_ns % 1000000000u);
            pthread_cond_timedwait(&g->cond, &g->lock, &ts);
        }
    }
    pthread_mutex_unlock(&g->lock);
    free(slots);
    free(v);
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

struct srv_guard *srv_guard_new(const struct srv_guard_config *cfg)
{
    struct srv_guard *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->cfg = *cfg;
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &ca);
    pthread_condattr_destroy(&ca);
    return g;
}

int srv_guard_start(struct srv_guard *g)
{
    if (pthread_create(&g->thread, NULL, watchdog_main, g) != 0)
        return -1;
    g->running = true;
    return 0;
}

struct srv_guard_slot *srv_guard_slot_add(struct srv_guard *g)
{
    struct srv_guard_slot *sl = calloc(1, sizeof(*sl));
    if (!sl)
        return NULL;
    pthread_mutex_init(&sl->lock, NULL);
    sl->g = g;
    sl->thread = pthread_self();
    /* The kicks must reach this worker even when the thread that started the server had
     * SRV_GUARD_SIGNAL blocked (workers inherit its mask). */
    sigset_t kick_set;
    sigemptyset(&kick_set);
    sigaddset(&kick_set, SRV_GUARD_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &kick_set, NULL);
    pthread_mutex_lock(&g->lock);
    sl->next = g->slots;
    g->slots = sl;
    g->nslots++;
    pthread_mutex_unlock(&g->lock);
    return sl;
}

void srv_guard_stop(struct srv_guard *g)
{
    if (!g || !g->running)
        return;
    pthread_mutex_lock(&g->lock);
    g->stop = true;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    g->running = false;
}

void srv_guard_free(struct srv_guard *g)
{
    if (!g)
        return;
    srv_guard_stop(g);
    for (struct srv_guard_slot *sl = g->slots, *next; sl; sl = next) {
        next = sl->next;
        pthread_mutex_destroy(&sl->lock);
        free(sl);
    }
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g);
}

void srv_guard_counts(const struct srv_guard *g, uint64_t shed[SRV_SHED__COUNT])
{
    for (int i = 0; i < SRV_SHED__COUNT; i++)
        shed[i] = g ? atomic_load(&((struct srv_guard *)g)->shed[i]) : 0;
}
