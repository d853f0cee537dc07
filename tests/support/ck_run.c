/* tests/support/ck_run.c: see ck_run.h. */
#include "tests/support/ck_run.h"

#include <stdlib.h>

int ck_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
