/* loadgen/cmd_ab.c: `tierbench ab` (placeholder until it lands). */
#include <stdio.h>

#include "loadgen/loadgen.h"

int lg_cmd_ab(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "tierbench %s: not built yet\n", argv[0]);
    return 2;
}
