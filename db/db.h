/* db/db.h: the result store. One SQLite file holds every run (struct run_result, common/run.h),
 * all of it, so a stored run can be printed again in its ab or wrk layout: its settings, totals,
 * errors by class and errno, status counts, summary latencies as columns, every histogram
 * serialized (so later merges and percentiles stay exact) and the per-second timeline with a
 * latency histogram per second.
 * Runs may belong to a group (a sweep, a comparison). WAL, a busy timeout and one transaction per
 * run keep the file consistent when a process is killed or two processes write at once.
 * A handle is used by one thread at a time. See README.md for the schema. */
#ifndef TB_DB_H
#define TB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/run.h"

struct db;

/* Schema version this binary writes (PRAGMA user_version). Older files are migrated on open;
 * newer ones are refused. */
#define DB_SCHEMA_VERSION 4
/* How long a writer waits for another process's transaction before giving up. */
#define DB_BUSY_TIMEOUT_MS 5000

/* Fills buf with the store path: $TIERBENCH_DB, else $XDG_DATA_HOME/tierbench/results.db, else
 * $HOME/.local/share/tierbench/results.db. Returns 0, or -1 when no variable gives a path or
 * it does not fit in len. */
int db_default_path(char *buf, size_t len);

/* Opens (creating if needed, with its parent directories) the store at path, turns on WAL and
 * the busy timeout, and migrates an older schema. Returns NULL with a one-line reason in err
 * (naming the path) when the file is not a SQLite database, belongs to another application,
 * has a newer schema than DB_SCHEMA_VERSION, or cannot be created. */
struct db *db_open(const char *path, char *err, size_t errlen);
/* Closes the handle; accepts NULL. */
void db_close(struct db *db);
/* The reason the last failing call on db failed (a static string when none). */
const char *db_errmsg(const struct db *db);
/* The path db was opened with. */
const char *db_path(const struct db *db);

/* Saves r as a new run in one transaction and sets r->id. A group_id of 0 means no group.
 * Returns 0, or -1 (see db_errmsg); on failure nothing is saved and r->id is left alone. */
int db_run_insert(struct db *db, struct run_result *r);

/* Loads run `id` into *out (zeroed first; the caller frees it with run_result_free): every field
 * db_run_insert saved, histograms rebuilt exactly, timeline histograms byte for byte. A run saved
 * before schema 3 comes back with the fields that schema lacked at 0 or NULL: counters and
 * errno counts 0, no connect_req_us/processing_us/thread_rps, timeline seconds whole (1 s) with
 * p90_us and max_us 0 and no latency histogram. Returns 0, 1 when there is no such run, or -1 on
 * error (see db_errmsg), including a histogram in the file that does not deserialize. */
int db_run_load(struct db *db, int64_t id, struct run_result *out);

/* Deletes run `id` with its error, errno and status counts and its timeline. Returns 0, 1 when
 * there is no such run, or -1 on error. */
int db_run_delete(struct db *db, int64_t id);

/* One row of a run listing: what a table of runs shows, read from columns (no histogram). */
struct db_run_summary {
    int64_t id;
    int64_t group_id; /* 0: none */
    char tool[16];
    char engine[16];
    char target[1024];
    char label[128];
    char tier[64];
    double start_unix_s;
    double duration_s;
    unsigned threads;
    unsigned connections;
    double rate_rps; /* 0: closed loop */
    uint64_t requests;
    uint64_t errors;        /* all classes */
    uint64_t status_errors; /* of which responses with status >= 400 (also in requests) */
    double rps;             /* requests / duration_s */
    uint64_t min_us, p50_us, p75_us, p90_us, p99_us, p999_us, max_us;
    double mean_us;
    double stdev_us;
    uint64_t server_requests; /* the server's own count (sweep --server-stats); 0: unknown */
    double server_cpu_s;      /* the server's CPU seconds during the run; 0: unknown */
};

/* What db_run_list returns. NULL/0 members do not filter. */
struct db_run_filter {
    const char *label;   /* exact match */
    const char *tier;    /* exact match */
    const char *tool;    /* exact match: "ab", "wrk", "run", ... */
    int64_t group_id;    /* > 0: only runs of this group */
    double since_unix_s; /* > 0: only runs that started at or after it */
    size_t limit;        /* 0: no limit */
    bool oldest_first;   /* a group's steps in the order they ran */
};

/* Lists runs matching f (NULL: all), newest first (by start time, then id). *out is a malloc'd
 * array of *n rows (NULL when none) that the caller frees with free(). Returns 0 or -1. */
int db_run_list(struct db *db, const struct db_run_filter *f, struct db_run_summary **out,
                size_t *n);

struct db_group {
    int64_t id;
    char kind[32];  /* "sweep", "compare", ... */
    char name[256]; /* free text */
    double created_unix_s;
};

/* Creates a group and returns its id in *id; runs join it through run_result.group_id.
 * Returns 0 or -1. */
int db_group_create(struct db *db, const char *kind, const char *name, int64_t *id);
/* Loads group `id`. Returns 0, 1 when there is no such group, or -1. */
int db_group_get(struct db *db, int64_t id, struct db_group *out);

/* One row of a group listing. */
struct db_group_summary {
    struct db_group group;
    size_t runs;         /* runs in it */
    double first_unix_s; /* start of its first run; 0 when it has none */
};
/* Lists groups, newest first; kind NULL: every kind; limit 0: all. *out is malloc'd (the caller
 * frees it). Returns 0 or -1. */
int db_group_list(struct db *db, const char *kind, size_t limit, struct db_group_summary **out,
                  size_t *n);

/* Sets run `id`'s label. Returns 0, 1 when there is no such run, or -1. */
int db_run_set_label(struct db *db, int64_t id, const char *label);

#endif
