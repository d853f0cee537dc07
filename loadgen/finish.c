/* loadgen/finish.c: what every load command does with a finished run (lg_finish in loadgen.h):
 * save it in the result store (db/db.h), then write its JSON form (reports/reports.h) so the
 * JSON carries the store id. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "loadgen/loadgen.h"
#include "reports/reports.h"

static int save(const struct lg_save_opts *opts, struct run_result *r, char *err, size_t errlen)
{
    char path[4096];
    if (opts->db_path && *opts->db_path) {
        snprintf(path, sizeof(path), "%s", opts->db_path);
    } else if (db_default_path(path, sizeof(path)) != 0) {
        snprintf(err, errlen,
                 "no place for the result store: set TIERBENCH_DB, XDG_DATA_HOME or HOME, "
                 "or pass --db FILE (or --no-save)");
        return -1;
    }
    struct db *db = db_open(path, err, errlen);
    if (!db)
        return -1;
    if (db_run_insert(db, r) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(db));
        db_close(db);
        return -1;
    }
    db_close(db);
    fprintf(stderr, "Run %lld saved to %s\n", (long long)r->id, path);
    return 0;
}

static int write_json(const char *json_path, const struct run_result *r, char *err, size_t errlen)
{
    if (!strcmp(json_path, "-")) {
        if (rpt_run_json_write(r, stdout) != 0 || fflush(stdout) != 0) {
            snprintf(err, errlen, "cannot write the JSON result to stdout");
            return -1;
        }
        return 0;
    }
    FILE *f = fopen(json_path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", json_path, strerror(errno));
        return -1;
    }
    int rc = rpt_run_json_write(r, f);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot write the JSON result", json_path);
    return rc;
}

int lg_finish(const struct lg_save_opts *opts, struct run_result *r, char *err, size_t errlen)
{
    static const struct lg_save_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    int rc = 0;
    char json_err[512] = "";
    if (!opts->no_save)
        rc = save(opts, r, err, errlen);
    /* The JSON is written even when saving failed: the run's numbers must not be lost. */
    if (opts->json_path && write_json(opts->json_path, r, json_err, sizeof(json_err)) != 0) {
        if (rc == 0)
            snprintf(err, errlen, "%s", json_err);
        rc = -1;
    }
    return rc;
}
