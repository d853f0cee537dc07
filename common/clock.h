/* common/clock.h: the two clocks tierbench uses. Monotonic time is uint64_t microseconds
 * (clock_now_us) and is what every latency and interval is measured with; wall time
 * (clock_wall_unix_s) only labels things for people. Thread-safe. */
#ifndef TB_COMMON_CLOCK_H
#define TB_COMMON_CLOCK_H

#include <stdint.h>

/* Microseconds since an arbitrary fixed point (CLOCK_MONOTONIC); never goes backwards. */
uint64_t clock_now_us(void);

/* Seconds since the Unix epoch (CLOCK_REALTIME), with a fractional part. */
double clock_wall_unix_s(void);

/* Sleeps at least sleep_us microseconds, resuming after signals. */
void clock_sleep_us(uint64_t sleep_us);

#endif
