/* loadgen/finish.c: placeholder until the result store lands. */
#include <stdio.h>

#include "loadgen/loadgen.h"

int lg_finish(const struct lg_save_opts *opts, struct run_result *r, char *err, size_t errlen)
{
    (void)opts;
    (void)r;
    snprintf(err, errlen, "result store not built yet");
    return -1;
}
