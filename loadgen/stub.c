/* loadgen/stub.c: placeholders until the load generator lands. */
#include <stdio.h>

#include "loadgen/loadgen.h"

int lg_cmd_ab(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "tierbench %s: not built yet\n", argv[0]);
    return 2;
}

int lg_cmd_wrk(int argc, char **argv)
{
    return lg_cmd_ab(argc, argv);
}

int lg_cmd_run(int argc, char **argv)
{
    return lg_cmd_ab(argc, argv);
}
