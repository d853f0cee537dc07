/* tests/support/ck_run.h: runs a Check suite the way every test binary does and turns the result
 * into the process exit status. */
#ifndef TB_TESTS_CK_RUN_H
#define TB_TESTS_CK_RUN_H

#include <check.h>

/* Runs every test of s (forking per test unless CK_FORK=no), frees the runner, and returns
 * EXIT_SUCCESS when none failed, else EXIT_FAILURE. */
int ck_run(Suite *s);

#endif
