/* common/jsonw.h: a small JSON writer into a caller's buffer, for the hot-ish paths (server stats,
 * load generator results) where building a cJSON tree is wasteful. Commas and string escaping are
 * handled; nesting is tracked up to JSONW_MAX_DEPTH. Output is truncated, never overflowed:
 * jsonw_finish tells whether it all fit. Not thread-safe per writer. */
#ifndef TB_COMMON_JSONW_H
#define TB_COMMON_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
    char *buf;
    size_t cap;
    size_t len; /* bytes that would have been written; > cap - 1 means truncated */
    int depth;
    bool first[JSONW_MAX_DEPTH]; /* no element written yet at this depth */
};

void jsonw_init(struct jsonw *w, char *buf, size_t cap);
/* key is NULL inside arrays and at the top level. */
void jsonw_obj_begin(struct jsonw *w, const char *key);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w, const char *key);
void jsonw_arr_end(struct jsonw *w);
void jsonw_str(struct jsonw *w, const char *key, const char *value); /* NULL value -> null */
void jsonw_u64(struct jsonw *w, const char *key, uint64_t value);
void jsonw_i64(struct jsonw *w, const char *key, int64_t value);
/* Non-finite doubles are written as null; `decimals` digits after the point. */
void jsonw_double(struct jsonw *w, const char *key, double value, int decimals);
void jsonw_bool(struct jsonw *w, const char *key, bool value);
void jsonw_null(struct jsonw *w, const char *key);
/* Writes `raw`, which must already be one complete JSON value (e.g. a stored config object), as
 * is. The caller vouches for its validity; a NULL raw writes null. */
void jsonw_raw(struct jsonw *w, const char *key, const char *raw);
/* Returns the output length, or -1 when it did not fit in cap - 1 bytes or nesting is unbalanced.
 */
long jsonw_finish(struct jsonw *w);

#endif
