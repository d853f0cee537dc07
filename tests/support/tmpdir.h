/* tests/support/tmpdir.h: scratch directories for tests that write files (result stores,
 * scenario files). */
#ifndef TB_TESTS_TMPDIR_H
#define TB_TESTS_TMPDIR_H

/* Removes dir and everything below it, without following symlinks. Returns 0 or -1. */
int tmpdir_remove(const char *dir);

#endif
