/* loadgen/engine.c: placeholder until the epoll engine lands. */
#include <stdio.h>

#include "loadgen/loadgen.h"

int lg_run(const struct lg_config *cfg, struct run_result *out, char *err, size_t errlen)
{
    (void)cfg;
    (void)out;
    snprintf(err, errlen, "load generator not built yet");
    return -1;
}

void lg_stop(void)
{
}
