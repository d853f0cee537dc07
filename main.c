/* main.c: tierbench's entry point. It only dispatches subcommands; cli/ parses their flags. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef int cmd_fn(int argc, char **argv);

static const struct cmd {
    const char *name;
    cmd_fn *fn;
    const char *help;
} cmds[] = {
    {"serve", cli_serve, "run the mock-API server (default :9000, admin :9001)"},
    {"console", cli_console, "the server with its live dashboard, or --connect to one"},
    {"ab", cli_ab, "ApacheBench-compatible load test, saved to the result store"},
    {"wrk", cli_wrk, "wrk/wrk2-compatible load test, saved to the result store"},
    {"run", cli_run, "run a JSON scenario: stages, endpoint mix, thresholds"},
    {"runs", cli_runs, "stored runs: list, show, label, delete, export, import"},
    {"sweep", cli_sweep, "a ladder of load steps (connections or rates), saved as a group"},
    {"capacity", cli_capacity, "capacity from a sweep: max req/s at the SLO, knee, USL, users"},
    {"tier", cli_tier, "the cheapest tier and monthly cost for a target, from a sweep"},
    {"report", cli_report, "comparison tables of runs, and the guide's table measured"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: tierbench <command> [options]   (tierbench <command> --help)\n\n"
                 "How much load does your HTTP server take, and which tier do you need?\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].help);
    fprintf(out, "\n  --version  print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("tierbench %s\n", TB_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "tierbench: unknown command '%s' (try tierbench --help)\n", argv[1]);
    return 2;
}
