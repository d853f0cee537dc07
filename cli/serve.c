/* cli/serve.c: `tierbench serve`: flags into a struct srv_config, srv_start, then wait for
 * signals: SIGINT/SIGTERM stop gracefully (exit 0), SIGHUP reopens the access log, SIGUSR1
 * prints a status line, SIGQUIT is logged and ignored. Everything else lives behind
 * server/server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "server/server.h"

void cli_serve_flags_usage(FILE *out)
{
    struct srv_config d;
    srv_config_default(&d);
    fprintf(out,
            "  --bind ADDR              IPv4 address to listen on (default %s)\n"
            "  --port N                 port, 0 = any free port (default %d)\n"
            "  --threads N              worker threads (default %u); each open keep-alive\n"
            "                           connection holds one thread, so use at least as many\n"
            "                           threads as concurrent clients\n"
            "  --docroot DIR            static files (default: $TIERBENCH_DOCROOT, else the\n"
            "                           bundled public/ site that documents the API)\n"
            "  --admin-bind ADDR        admin API address (default %s)\n"
            "  --admin-port N           admin API port, 0 = any free port (default %d)\n"
            "  --no-admin               no admin API\n"
            "  --admin-token TOKEN      require 'Authorization: Bearer TOKEN' on the admin API\n"
            "                           (default: $TIERBENCH_ADMIN_TOKEN, else none)\n"
            "  --access-log FILE        append an access log line per request (default none)\n"
            "  --keep-alive-ms N        idle keep-alive timeout (default %u)\n"
            "  --request-timeout-ms N   time to receive a request / send a response (default %u)\n"
            "  --max-body-bytes N       larger request bodies get 413 (default %llu)\n"
            "  --cache-ttl-s N          exchange-rate cache TTL, 0 = never expire (default %u)\n"
            "  --no-cache               no exchange-rate cache\n"
            "  --exchange-work-us N     CPU cost of an uncached exchange-rate lookup (default %u)\n"
            "  --no-stats               record no stats (to measure what recording costs)\n"
            "  --no-sched-batch         run workers as normal threads, not SCHED_BATCH\n",
            d.bind_addr, d.port, d.threads, d.admin_bind_addr, d.admin_port, d.keep_alive_ms,
            d.request_timeout_ms, (unsigned long long)d.max_body_bytes, d.cache_ttl_s,
            d.exchange_work_us);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: tierbench serve [options]\n\n"
                 "The mock-API server: /api/health, /api/exchange-rate, /api/echo, /api/delay,\n"
                 "/api/work and static files; live stats on a separate admin port.\n\n");
    cli_serve_flags_usage(out);
    fprintf(out, "  --help                   this text\n\n"
                 "SIGINT/SIGTERM stop accepting, let in-flight requests finish, and exit 0.\n"
                 "SIGHUP reopens the access log (log rotation); SIGUSR1 prints a status line;\n"
                 "SIGQUIT is ignored (logged). Each is logged on stderr.\n");
}

/* cmd names the command whose flags these are ("serve", "console") in the messages. */
static int bad(const char *cmd, const char *flag, const char *value, const char *why)
{
    fprintf(stderr, "tierbench %s: %s %s: %s\n", cmd, flag, value ? value : "", why);
    return -1;
}

static int parse_u64(const char *cmd, const char *flag, const char *v, uint64_t min, uint64_t max,
                     uint64_t *out)
{
    if (!v || !*v)
        return bad(cmd, flag, v, "a number is required");
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
            return bad(cmd, flag, v, "not a non-negative integer");
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x < min || x > max) {
        char why[96];
        snprintf(why, sizeof(why), "must be between %llu and %llu", (unsigned long long)min,
                 (unsigned long long)max);
        return bad(cmd, flag, v, why);
    }
    *out = x;
    return 0;
}

static int parse_addr(const char *cmd, const char *flag, const char *v)
{
    struct in_addr a;
    if (!v || inet_pton(AF_INET, v, &a) != 1)
        return bad(cmd, flag, v, "not an IPv4 address (this CivetWeb build has no IPv6)");
    return 0;
}

/* Flags that take a value. */
static const char *const valued[] = {
    "--bind",
    "--port",
    "--threads",
    "--docroot",
    "--admin-bind",
    "--admin-port",
    "--admin-token",
    "--access-log",
    "--keep-alive-ms",
    "--request-timeout-ms",
    "--max-body-bytes",
    "--cache-ttl-s",
    "--exchange-work-us",
};

int cli_serve_parse(const char *cmd, int argc, char **argv, struct srv_config *cfg)
{
    uint64_t u;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *val = NULL;
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nlen >= sizeof(name))
            nlen = sizeof(name) - 1;
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        bool takes = false;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            takes |= !strcmp(name, valued[k]);
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return bad(cmd, name, NULL, "needs a value");
        } else if (eq) {
            return bad(cmd, name, eq + 1, "takes no value");
        }
        if (!strcmp(name, "--bind")) {
            if (parse_addr(cmd, name, val) < 0)
                return -1;
            cfg->bind_addr = val;
        } else if (!strcmp(name, "--port")) {
            if (parse_u64(cmd, name, val, 0, 65535, &u) < 0)
                return -1;
            cfg->port = (int)u;
        } else if (!strcmp(name, "--threads")) {
            if (parse_u64(cmd, name, val, 1, 4096, &u) < 0)
                return -1;
            cfg->threads = (unsigned)u;
        } else if (!strcmp(name, "--docroot")) {
            struct stat st;
            if (stat(val, &st) < 0 || !S_ISDIR(st.st_mode))
                return bad(cmd, name, val, "not a directory");
            cfg->docroot = val;
        } else if (!strcmp(name, "--admin-bind")) {
            if (parse_addr(cmd, name, val) < 0)
                return -1;
            cfg->admin_bind_addr = val;
        } else if (!strcmp(name, "--admin-port")) {
            if (parse_u64(cmd, name, val, 0, 65535, &u) < 0)
                return -1;
            cfg->admin_port = (int)u;
        } else if (!strcmp(name, "--no-admin")) {
            cfg->admin_port = -1;
        } else if (!strcmp(name, "--admin-token")) {
            if (!*val)
                return bad(cmd, name, val, "must not be empty");
            cfg->admin_token = val;
        } else if (!strcmp(name, "--access-log")) {
            if (!*val)
                return bad(cmd, name, val, "needs a file name");
            FILE *f = fopen(val, "a");
            if (!f)
                return bad(cmd, name, val, strerror(errno));
            fclose(f);
            cfg->access_log_path = val;
        } else if (!strcmp(name, "--keep-alive-ms")) {
            if (parse_u64(cmd, name, val, 1, 3600000, &u) < 0)
                return -1;
            cfg->keep_alive_ms = (unsigned)u;
        } else if (!strcmp(name, "--request-timeout-ms")) {
            if (parse_u64(cmd, name, val, 1, 3600000, &u) < 0)
                return -1;
            cfg->request_timeout_ms = (unsigned)u;
        } else if (!strcmp(name, "--max-body-bytes")) {
            if (parse_u64(cmd, name, val, 0, 1ull << 30, &u) < 0)
                return -1;
            cfg->max_body_bytes = u;
        } else if (!strcmp(name, "--cache-ttl-s")) {
            if (parse_u64(cmd, name, val, 0, 86400 * 365, &u) < 0)
                return -1;
            cfg->cache_ttl_s = (unsigned)u;
        } else if (!strcmp(name, "--no-cache")) {
            cfg->cache_enabled = false;
        } else if (!strcmp(name, "--exchange-work-us")) {
            if (parse_u64(cmd, name, val, 0, 1000000, &u) < 0)
                return -1;
            cfg->exchange_work_us = (unsigned)u;
        } else if (!strcmp(name, "--no-stats")) {
            cfg->stats_enabled = false;
        } else if (!strcmp(name, "--no-sched-batch")) {
            cfg->sched_batch = false;
        } else {
            char why[96];
            snprintf(why, sizeof(why), "unknown option (see tierbench %s --help)", cmd);
            return bad(cmd, name, NULL, why);
        }
    }
    return 0;
}

void cli_serve_config_default(struct srv_config *cfg)
{
    srv_config_default(cfg);
    const char *env_token = getenv("TIERBENCH_ADMIN_TOKEN");
    if (env_token && *env_token)
        cfg->admin_token = env_token;
}

/* The server's log lines (server.h): warnings and errors go to stderr as one line each, like
 * every other message of this command. SRV_LOG_DEBUG is CivetWeb's start-up detail, which
 * srv_start already folds into its one-line error. stdio locks the stream per call, so lines
 * from several server threads do not interleave. */
static void log_to_stderr(void *arg, enum srv_log_level level, const char *msg)
{
    (void)arg;
    if (level >= SRV_LOG_WARNING)
        fprintf(stderr, "tierbench serve: %s\n", msg);
}

/* The signals that do not stop the server: one line on stderr each. */
static void on_signal(struct srv *s, int sig)
{
    if (sig == SIGHUP) {
        char err[256];
        bool reopened;
        if (srv_reopen_logs(s, &reopened, err, sizeof(err)) < 0)
            fprintf(stderr, "tierbench serve: SIGHUP: cannot reopen the access log: %s\n", err);
        else
            fprintf(stderr, "tierbench serve: SIGHUP: %s\n",
                    reopened ? "access log reopened" : "no access log to reopen");
    } else if (sig == SIGUSR1) {
        struct srv_stats *st = srv_stats_new();
        if (!st)
            return;
        srv_stats_snapshot(s, st);
        fprintf(stderr,
                "tierbench serve: SIGUSR1: %llu requests, %llu connections open, %u of %u "
                "threads busy; closed by the guard: %llu head timeouts, %llu body timeouts, "
                "%llu under pressure\n",
                (unsigned long long)st->total.requests, (unsigned long long)st->connections_open,
                st->threads_busy, st->threads_total, (unsigned long long)st->shed_header_timeout,
                (unsigned long long)st->shed_body_timeout, (unsigned long long)st->shed_pressure);
        srv_stats_free(st);
    } else {
        fprintf(stderr, "tierbench serve: SIGQUIT ignored (SIGINT or SIGTERM stops the server)\n");
    }
}

int cli_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    struct srv_config cfg;
    cli_serve_config_default(&cfg);
    cfg.log = log_to_stderr;
    if (cli_serve_parse("serve", argc, argv, &cfg) < 0)
        return 2;

    /* Block the handled signals before any thread exists, so every CivetWeb thread inherits
     * the mask and sigwait below is the only place they arrive. SIGHUP, SIGQUIT and SIGUSR1
     * would otherwise end the process at once, skipping the graceful stop. */
    sigset_t sigs;
    sigemptyset(&sigs);
    static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1};
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&sigs, handled[i]);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct srv *s;
    char err[256];
    if (srv_start(&cfg, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "tierbench serve: %s\n", err);
        return 1;
    }
    printf("tierbench serve: listening on http://%s:%d/ (%u threads, docroot %s)\n", cfg.bind_addr,
           srv_port(s), cfg.threads, srv_docroot(s));
    if (srv_admin_port(s) >= 0)
        printf("tierbench serve: admin API on http://%s:%d/api/stats and /metrics%s\n",
               cfg.admin_bind_addr, srv_admin_port(s), cfg.admin_token ? " (token required)" : "");
    fflush(stdout);

    int sig = 0;
    while (sigwait(&sigs, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
        on_signal(s, sig);
    fprintf(stderr, "tierbench serve: %s received, finishing in-flight requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv_stop(s);
    fprintf(stderr, "tierbench serve: stopped\n");
    return 0;
}
