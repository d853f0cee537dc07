/* server/server.h: the CivetWeb mock-API server (the only code that includes <civetweb.h>). */
#ifndef TB_SERVER_H
#define TB_SERVER_H

/* Subcommand `tierbench serve`, called by main.c with argv[0] = "serve". Returns exit status. */
int srv_cmd_serve(int argc, char **argv);

#endif
