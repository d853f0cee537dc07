/* server/cmd.c: `tierbench serve` (placeholder until the server lands). */
#include <stdio.h>

#include "server/server.h"

int srv_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tierbench serve: not built yet\n");
    return 2;
}
