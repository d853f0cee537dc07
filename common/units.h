/* common/units.h: the one grammar for durations and counts on command lines and in scenario
 * files: "10s", "500ms", "1m30s", "1.5h", "250us"; "10k", "2M", "1G" (powers of 1000, like
 * wrk). Used by cli/ (flags) and loadgen/ (scenario files). */
#ifndef TB_COMMON_UNITS_H
#define TB_COMMON_UNITS_H

#include <stdint.h>

/* A duration: one or more number+unit pieces (us, ms, s, m, h), e.g. "1m30s". A bare number
 * means default_unit_us of it ("-d 10" is ten seconds in wrk); default_unit_us 0 refuses a bare
 * number, because "10" could mean seconds or milliseconds. Negative, empty and absurd (> ~30
 * years) values are refused. Returns 0, or -1. */
int units_duration_parse(const char *s, uint64_t default_unit_us, uint64_t *out_us);

/* A count with an optional SI suffix: "10", "1.5k", "2M", "1G". Returns 0, or -1. */
int units_si_parse(const char *s, uint64_t *out);

/* Formats a duration the shortest exact way: "10s", "1500ms", "250us". */
void units_duration_format(char *buf, unsigned long cap, uint64_t us);

#endif
