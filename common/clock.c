/* common/clock.c: see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

uint64_t clock_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double clock_wall_unix_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void clock_sleep_us(uint64_t sleep_us)
{
    struct timespec ts = {.tv_sec = (time_t)(sleep_us / 1000000u),
                          .tv_nsec = (long)(sleep_us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
