/* cli/tier.c: `tierbench tier`: the cheapest tier (and instance count, and monthly bill) that
 * meets a target, from a measured sweep: capacity per instance at the SLO (reports/capacity.c)
 * into the picker (reports/tiers.c) with a price table (the guide's Naver Cloud prices by
 * default, AWS, or a file). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/units.h"
#include "db/db.h"
#include "reports/reports.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: tierbench tier --users N [--think-time T] [options]\n"
               "       tierbench tier --rps R [options]\n"
               "\n"
               "The cheapest tier, instance count and monthly cost that meet the target, from a\n"
               "measured sweep (tierbench sweep), with the reasoning shown.\n"
               "\n"
               "  --users N          concurrent users to serve (with --think-time: their pause\n"
               "                     between requests; Little's law gives the req/s)\n"
               "  --rps R            or a target rate in requests per second\n"
               "  --slo SLO          the SLO the capacity is read at (default 'p99<200ms')\n"
               "  --from g:GROUP     the sweep to read (default: the latest)\n"
               "  --prices P         naver (default: the guide's Naver Cloud prices, KRW), aws\n"
               "                     (USD), or a JSON price file (README: The tier picker)\n"
               "  --headroom PCT     plan at this share of capacity (default 70)\n"
               "  --cores N          vCPUs of the machine the sweep's server ran on (default:\n"
               "                     this machine's)\n"
               "  --max-instances N  per tier; beyond it auto scaling is advised (default 20)\n"
               "  --min-memory GB    refuse tiers with less memory\n"
               "  --format F         text, md, csv or json (default text); -o FILE\n"
               "  --db FILE          result store\n");
}

struct tier_opts {
    const char *db_path, *from, *prices, *out_path;
    struct metric_threshold slo;
    struct rpt_tier_input in;
    enum rpt_format format;
    double cores;
};

static int number(const char *flag, const char *v, double min, double max, double *out)
{
    char *end;
    double x = strtod(v, &end);
    uint64_t si;
    if (end == v || *end) {
        if (units_si_parse(v, &si) != 0) /* "5k" users */
            goto bad;
        x = (double)si;
    }
    if (!(x >= min && x <= max))
        goto bad;
    *out = x;
    return 0;
bad:
    fprintf(stderr, "tierbench tier: %s %s: expected a number from %g to %g\n", flag, v, min, max);
    return -1;
}

/* The defaults of every option but the target. Returns 0, or -1. */
static int tier_defaults(struct tier_opts *o)
{
    rpt_tier_input_init(&o->in);
    o->format = RPT_TEXT;
    char err[256] = "";
    return cli_slo_parse("p99<200ms", &o->slo, err, sizeof(err));
}

static int parse_args(int argc, char **argv, struct tier_opts *o)
{
    char err[256] = "";
    if (tier_defaults(o) != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        double x;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", NULL, &missing))) {
            o->db_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--from", NULL, &missing))) {
            o->from = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--prices", NULL, &missing))) {
            o->prices = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "-o", NULL, &missing))) {
            o->out_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--users", NULL, &missing))) {
            if (number(a, v, 1, 1e12, &o->in.users) != 0)
                return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--rps", NULL, &missing))) {
            if (number(a, v, 1e-3, 1e12, &o->in.rate_rps) != 0)
                return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--think-time", NULL, &missing))) {
            uint64_t us;
            if (units_duration_parse(v, 1000000, &us) != 0) {
                fprintf(stderr, "tierbench tier: --think-time %s: expected a duration\n", v);
                return -1;
            }
            o->in.think_time_s = (double)us / 1e6;
        } else if ((v = cli_opt_value(argc, argv, &i, "--slo", NULL, &missing))) {
            if (cli_slo_parse(v, &o->slo, err, sizeof(err)) != 0) {
                fprintf(stderr, "tierbench tier: --slo %s: %s\n", v, err);
                return -1;
            }
        } else if ((v = cli_opt_value(argc, argv, &i, "--headroom", NULL, &missing))) {
            if (number(a, v, 10, 100, &o->in.headroom_pct) != 0)
                return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--cores", NULL, &missing))) {
            if (number(a, v, 0.1, 4096, &o->cores) != 0)
                return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--max-instances", NULL, &missing))) {
            if (number(a, v, 1, 1000, &x) != 0)
                return -1;
            o->in.max_instances = (unsigned)x;
        } else if ((v = cli_opt_value(argc, argv, &i, "--min-memory", NULL, &missing))) {
            if (number(a, v, 0, 1e6, &o->in.min_memory_gb) != 0)
                return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format", NULL, &missing))) {
            if (rpt_format_parse(v, &o->format) != 0 || o->format == RPT_HTML) {
                fprintf(stderr, "tierbench tier: --format %s: expected text, md, csv or json\n", v);
                return -1;
            }
        } else if (missing) {
            fprintf(stderr, "tierbench tier: %s needs a value\n", a);
            return -1;
        } else {
            fprintf(stderr, "tierbench tier: unknown argument %s (try --help)\n", a);
            return -1;
        }
    }
    if (isnan(o->in.users) == isnan(o->in.rate_rps)) {
        fprintf(stderr, "tierbench tier: give a target: --users N or --rps R (one of them)\n");
        return -1;
    }
    return 0;
}

int cli_prices_load(const char *spec, struct rpt_prices *p, char *err, size_t errlen)
{
    if (!spec || rpt_prices_builtin(spec))
        return rpt_prices_default(spec ? spec : "naver", p, err, errlen);
    size_t len;
    char ferr[400];
    char *text = file_read(spec, 4u << 20, &len, ferr, sizeof(ferr));
    if (!text) {
        snprintf(err, errlen, "%s", ferr);
        return -1;
    }
    char perr[400];
    int rc = rpt_prices_parse(text, len, p, perr, sizeof(perr));
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", spec, perr);
    return rc;
}

/* The answer for o from the store db: the four tables in o->format into out. Returns 0, or -1
 * with one line in err (no sweep yet, no step meets the SLO, ...). */
static int tier_answer(struct tier_opts *o, struct db *db, const struct rpt_prices *prices,
                       FILE *out, char *err, size_t errlen)
{
    struct rpt_point *pts = NULL;
    size_t n = 0;
    int64_t group = 0;
    if (cli_group_points(db, o->from, metric_percentile(o->slo.metric), &pts, &n, &group, err,
                         errlen) != 0)
        return -1;
    struct rpt_capacity_opts copts;
    rpt_capacity_opts_init(&copts);
    copts.has_slo = true;
    copts.slo = o->slo;
    copts.think_time_s = o->in.think_time_s;
    struct rpt_capacity cap;
    int status = -1;
    char cerr[400];
    if (rpt_capacity_compute(pts, n, &copts, &cap, cerr, sizeof(cerr)) != 0) {
        snprintf(err, errlen, "g:%lld: %s", (long long)group, cerr);
        goto done;
    }
    if (!cap.slo_met) {
        snprintf(err, errlen,
                 "no step of sweep g:%lld meets %s: sweep lower (fewer connections or lower "
                 "--rates) or relax --slo",
                 (long long)group, o->slo.text);
        goto done;
    }
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    o->in.measured_vcpu = o->cores > 0 ? o->cores : nproc > 0 ? (double)nproc : 1;
    o->in.capacity_rps = cap.slo_throughput_rps;
    o->in.response_time_s =
        cap.users_known ? cap.response_time_s : cap.slo_concurrency / cap.slo_throughput_rps;
    o->in.cpu_us_per_req = pts[cap.slo_index].server_cpu_us_per_req;
    snprintf(o->in.slo, sizeof(o->in.slo), "%.63s", o->slo.text);
    struct rpt_tier_result res;
    if (rpt_tier_pick(prices, &o->in, &res, err, errlen) != 0)
        goto done;
    struct rpt_table t[RPT_TIER_TABLES];
    if (rpt_tier_tables(prices, &o->in, &res, t) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rpt_table_note(&t[0], "capacity from sweep g:%lld: %.0f req/s at %s on %g vCPU%s%s",
                   (long long)group, cap.slo_throughput_rps, o->slo.text, o->in.measured_vcpu,
                   o->in.measured_vcpu == 1 ? "" : "s",
                   o->cores > 0 ? "" : " (this machine's; --cores N if the server ran elsewhere)");
    if (rpt_tables_write(out, o->format, t, RPT_TIER_TABLES) == 0)
        status = 0;
    else
        snprintf(err, errlen, "cannot write the answer");
    for (int i = 0; i < RPT_TIER_TABLES; i++)
        rpt_table_free(&t[i]);
done:
    free(pts);
    return status;
}

int cli_tier(int argc, char **argv)
{
    struct tier_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[600];
    struct rpt_prices prices;
    if (cli_prices_load(o.prices, &prices, err, sizeof(err)) != 0) {
        fprintf(stderr, "tierbench tier: --prices %s\n", err);
        return 2;
    }
    struct db *db = cli_store_open(o.db_path, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "tierbench tier: %s\n", err);
        return 1;
    }
    /* The answer is made in memory first, so -o FILE is written only when there is one. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int status = 1;
    if (!mem) {
        fprintf(stderr, "tierbench tier: out of memory\n");
        db_close(db);
        return 1;
    }
    rc = tier_answer(&o, db, &prices, mem, err, sizeof(err));
    db_close(db);
    if (fclose(mem) != 0 && rc == 0) {
        rc = -1;
        snprintf(err, sizeof(err), "out of memory");
    }
    FILE *out = stdout;
    if (rc != 0)
        fprintf(stderr, "tierbench tier: %s\n", err);
    else if (o.out_path && !(out = fopen(o.out_path, "w")))
        fprintf(stderr, "tierbench tier: -o %s: cannot write\n", o.out_path);
    else
        status = fwrite(text, 1, len, out) == len ? 0 : 1;
    if (out && out != stdout && fclose(out) != 0)
        status = 1;
    free(text);
    return status;
}

int cli_tier_users_text(struct db *db, double users, char *text, size_t cap)
{
    struct tier_opts o;
    memset(&o, 0, sizeof(o));
    char err[600] = "";
    /* `tierbench tier --users N` with every other option at its default. */
    if (tier_defaults(&o) != 0)
        return -1;
    o.in.users = users;
    struct rpt_prices prices;
    if (cli_prices_load(NULL, &prices, err, sizeof(err)) != 0) {
        snprintf(text, cap, "%s", err);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(text, cap, "out of memory");
        return -1;
    }
    int rc = tier_answer(&o, db, &prices, f, err, sizeof(err));
    if (fclose(f) != 0)
        rc = -1;
    snprintf(text, cap, "%s", rc == 0 && buf ? buf : err);
    free(buf);
    return rc;
}
