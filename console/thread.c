/* console/thread.c: the thread helpers the console's threads share: signals go to the drawing
 * thread only, and waits are measured on the monotonic clock. */
#include <signal.h>
#include <time.h>

#include "console/console_int.h"

int cons_thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        pthread_setname_np(*t, name);
    return rc;
}

void cons_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

void cons_cond_wait_us(pthread_cond_t *c, pthread_mutex_t *lock, uint64_t wait_us)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(wait_us / 1000000);
    ts.tv_nsec += (long)(wait_us % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(c, lock, &ts);
}
