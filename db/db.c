/* db/db.c: the SQLite result store (see db.h and README.md): opening a file, its schema, listings
 * and groups. The schema lives in the migrations[] table below: migrations[i] takes a file from
 * user_version i to i + 1, inside one transaction, so a file is always at some whole version.
 * One run's insert and load: db_run.c. Only db/ includes <sqlite3.h>. */
#include "db/db.h"
#include "db/db_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const migrations[DB_SCHEMA_VERSION] = {
    /* 0 -> 1: runs, their status counts, errors by class and per-second timeline; groups. */
    "CREATE TABLE groups ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  created_unix_s REAL NOT NULL);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,"
    "  tool TEXT NOT NULL,"
    "  engine TEXT NOT NULL DEFAULT '',"
    "  cmdline TEXT,"
    "  config_json TEXT,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  label TEXT NOT NULL DEFAULT '',"
    "  tier TEXT NOT NULL DEFAULT '',"
    "  start_unix_s REAL NOT NULL,"
    "  duration_s REAL NOT NULL,"
    "  threads INTEGER NOT NULL,"
    "  connections INTEGER NOT NULL,"
    "  rate_rps REAL NOT NULL,"
    "  requests INTEGER NOT NULL,"
    "  bytes_read INTEGER NOT NULL,"
    "  bytes_written INTEGER NOT NULL,"
    "  errors_total INTEGER NOT NULL,"
    "  length_errors INTEGER NOT NULL,"
    "  server_software TEXT NOT NULL DEFAULT '',"
    "  doc_bytes INTEGER NOT NULL,"
    "  html_bytes INTEGER NOT NULL,"
    "  rps REAL NOT NULL,"
    "  min_us INTEGER NOT NULL,"
    "  mean_us REAL NOT NULL,"
    "  stdev_us REAL NOT NULL,"
    "  p50_us INTEGER NOT NULL,"
    "  p75_us INTEGER NOT NULL,"
    "  p90_us INTEGER NOT NULL,"
    "  p99_us INTEGER NOT NULL,"
    "  p999_us INTEGER NOT NULL,"
    "  max_us INTEGER NOT NULL,"
    "  hist_latency BLOB,"
    "  hist_latency_uncorrected BLOB,"
    "  hist_connect BLOB,"
    "  hist_ttfb BLOB);"
    "CREATE INDEX runs_start ON runs(start_unix_s);"
    "CREATE TABLE run_errors ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  class TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, class)) WITHOUT ROWID;"
    "CREATE TABLE run_status ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  code INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, code)) WITHOUT ROWID;"
    "CREATE TABLE run_seconds ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  second INTEGER NOT NULL,"
    "  requests INTEGER NOT NULL,"
    "  errors INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  p50_us INTEGER NOT NULL,"
    "  p99_us INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, second)) WITHOUT ROWID;",
    /* 1 -> 2: indexes for the listing filters (label, tier, tool, group). */
    "CREATE INDEX runs_label ON runs(label);"
    "CREATE INDEX runs_tier ON runs(tier);"
    "CREATE INDEX runs_tool ON runs(tool);"
    "CREATE INDEX runs_group ON runs(group_id);",
    /* 2 -> 3: everything in struct run_result, so a stored run prints again in its ab or wrk
     * layout: the request counters and three more histograms on runs, errors by class and errno,
     * and a timeline keyed by wall-clock second with its duration and a latency histogram.
     * Counters of older runs stay NULL (never measured), not 0. Old timeline rows were keyed by
     * the offset from the start; they become whole seconds after floor(start_unix_s) with no
     * histogram, and p90_us/max_us NULL since they were never recorded. A `second` that already
     * looks like a Unix time (>= 10^9; no run lasts 31 years) came from the build between
     * schema 2 and 3, which stored unix_s there, and is kept. */
    "ALTER TABLE runs ADD COLUMN requests_sent INTEGER;"
    "ALTER TABLE runs ADD COLUMN body_bytes_sent INTEGER;"
    "ALTER TABLE runs ADD COLUMN connections_opened INTEGER;"
    "ALTER TABLE runs ADD COLUMN keepalive_responses INTEGER;"
    "ALTER TABLE runs ADD COLUMN hist_connect_req BLOB;"
    "ALTER TABLE runs ADD COLUMN hist_processing BLOB;"
    "ALTER TABLE runs ADD COLUMN hist_thread_rps BLOB;"
    "CREATE TABLE run_errnos ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  class TEXT NOT NULL,"
    "  errno INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, class, errno)) WITHOUT ROWID;"
    "ALTER TABLE run_seconds RENAME TO run_seconds_v2;"
    /* A rowid table, unlike the small-row tables: a second's row carries a ~1.5 KB histogram,
     * and WITHOUT ROWID rows over ~1 KB spill into overflow pages (measured with bench/store.sh:
     * twice the file size, 1.1 ms instead of 0.6 ms per insert). */
    "CREATE TABLE run_seconds ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  unix_s INTEGER NOT NULL,"
    "  duration_us INTEGER NOT NULL,"
    "  requests INTEGER NOT NULL,"
    "  errors INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  p50_us INTEGER NOT NULL,"
    "  p90_us INTEGER,"
    "  p99_us INTEGER NOT NULL,"
    "  max_us INTEGER,"
    "  latency BLOB,"
    "  PRIMARY KEY (run_id, unix_s));"
    "INSERT INTO run_seconds (run_id, unix_s, duration_us, requests, errors, bytes, p50_us,"
    "  p99_us)"
    " SELECT s.run_id,"
    "  CASE WHEN s.second >= 1000000000 THEN s.second"
    "  ELSE CAST(r.start_unix_s AS INTEGER)"
    "    - (r.start_unix_s < CAST(r.start_unix_s AS INTEGER)) + s.second END,"
    "  1000000, s.requests, s.errors, s.bytes, s.p50_us, s.p99_us"
    " FROM run_seconds_v2 s JOIN runs r ON r.id = s.run_id;"
    "DROP TABLE run_seconds_v2;",
    /* 3 -> 4: the server's own count and CPU time during a run (sweep --server-stats), so
     * reports can show the server's CPU time per request next to the client's view. */
    "ALTER TABLE runs ADD COLUMN server_requests INTEGER;"
    "ALTER TABLE runs ADD COLUMN server_cpu_s REAL;"
    "CREATE INDEX runs_group_start ON runs(group_id, start_unix_s);",
};

void db_set_err(struct db *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof(db->err), fmt, ap);
    va_end(ap);
}

/* True when path exists and this process may not write it (as root only a read-only file
 * system says so). */
static bool not_writable(const char *path)
{
    return access(path, F_OK) == 0 && access(path, W_OK) != 0;
}

/* What SQLite's message leaves out for the errors a user can fix, as " (...)", or "": which
 * file or directory cannot be written, or the system's reason ("No space left on device")
 * behind a "disk I/O error". The store writes the file and, in WAL mode, PATH-wal and
 * PATH-shm beside it, so the directory must be writable too. */
static void sql_err_cause(const struct db *db, char *buf, size_t len)
{
    int code = sqlite3_errcode(db->sql) & 0xff;
    int sys = sqlite3_system_errno(db->sql);
    buf[0] = '\0';
    if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN && code != SQLITE_IOERR &&
        code != SQLITE_FULL && code != SQLITE_PERM)
        return;
    char dir[sizeof(db->path)], shm[sizeof(db->path) + 8];
    snprintf(dir, sizeof(dir), "%s", db->path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        *(slash == dir ? slash + 1 : slash) = '\0';
    snprintf(shm, sizeof(shm), "%s-shm", db->path);
    if (code == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
        snprintf(buf, len, " (%s)", strerror(sys ? sys : ENOSPC));
    else if (not_writable(db->path))
        snprintf(buf, len, " (the file is read-only)");
    else if (not_writable(dir))
        snprintf(buf, len,
                 " (the directory %s is not writable; the store needs its -wal and "
                 "-shm files beside it)",
                 dir);
    else if (not_writable(shm))
        snprintf(buf, len, " (%s is read-only, left by a read-only open: delete it)", shm);
    else if (sys)
        snprintf(buf, len, " (%s)", strerror(sys));
}

void db_set_sql_err(struct db *db, const char *what)
{
    char cause[sizeof(db->path) + 128];
    sql_err_cause(db, cause, sizeof(cause));
    db_set_err(db, "%s: %s: %s%s", db->path, what, sqlite3_errmsg(db->sql), cause);
}

int db_default_path(char *buf, size_t len)
{
    const char *env = getenv("TIERBENCH_DB");
    int n;
    if (env && *env) {
        n = snprintf(buf, len, "%s", env);
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        /* The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored. */
        if (xdg && xdg[0] == '/')
            n = snprintf(buf, len, "%s/tierbench/results.db", xdg);
        else if (home && *home)
            n = snprintf(buf, len, "%s/.local/share/tierbench/results.db", home);
        else
            return -1;
    }
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    int n = snprintf(dir, sizeof(dir), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(dir)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create directory %s: %s", path, dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create directory %s: %s", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

int db_exec(struct db *db, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char cause[sizeof(db->path) + 128];
        sql_err_cause(db, cause, sizeof(cause));
        db_set_err(db, "%s: %s: %s%s", db->path, what, msg ? msg : sqlite3_errmsg(db->sql), cause);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Runs a one-row integer query (a PRAGMA); -1 on error with db->err set. */
static int query_int(struct db *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
        goto fail;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = 0;
    else
        goto fail;
    sqlite3_finalize(st);
    return 0;
fail:
    db_set_sql_err(db, "cannot read the file");
    sqlite3_finalize(st);
    return -1;
}

/* Checks that the file is empty or ours, and not newer than this binary. The three reads share
 * one read transaction: another process creating the store between them would otherwise show a
 * file with tables and a version but no application_id yet. */
static int check_identity(struct db *db)
{
    int64_t app_id, version, ntables;
    int rc = db_exec(db, "BEGIN", "cannot read the file");
    if (rc == 0)
        rc = query_int(db, "PRAGMA application_id", &app_id) ||
             query_int(db, "PRAGMA user_version", &version) ||
             query_int(db, "SELECT count(*) FROM sqlite_master", &ntables);
    if (rc == 0)
        rc = db_exec(db, "COMMIT", "cannot read the file");
    if (rc != 0) {
        if (sqlite3_errcode(db->sql) == SQLITE_NOTADB)
            db_set_err(db, "%s: not a tierbench result store (not a SQLite database)", db->path);
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (app_id == 0 && version == 0 && ntables == 0)
        return 0; /* a new, empty file */
    if (app_id != DB_APPLICATION_ID) {
        db_set_err(db, "%s: not a tierbench result store (a SQLite file of another application)",
                   db->path);
        return -1;
    }
    if (version > DB_SCHEMA_VERSION) {
        db_set_err(db,
                   "%s: schema version %lld is newer than this tierbench knows (%d); "
                   "use a newer tierbench or another --db",
                   db->path, (long long)version, DB_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

static int migrate(struct db *db, int target)
{
    char sql[128];
    int64_t version;
    /* IMMEDIATE takes the write lock first, so two processes opening a new file at once
     * migrate it once: the second waits, then sees the new user_version. */
    if (db_exec(db, "BEGIN IMMEDIATE", "cannot lock the file"))
        return -1;
    if (query_int(db, "PRAGMA user_version", &version))
        goto fail;
    if (version > DB_SCHEMA_VERSION) {
        db_set_err(db, "%s: schema version %lld is newer than this tierbench knows (%d)", db->path,
                   (long long)version, DB_SCHEMA_VERSION);
        goto fail;
    }
    for (int64_t v = version; v < target; v++)
        if (db_exec(db, migrations[v], "schema migration failed"))
            goto fail;
    if (version < target) {
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d", target,
                 DB_APPLICATION_ID);
        if (db_exec(db, sql, "schema migration failed"))
            goto fail;
    }
    if (db_exec(db, "COMMIT", "cannot commit the migration"))
        goto fail;
    return 0;
fail:
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Removes path and its -wal and -shm when path is empty (nothing was stored in it). */
static void remove_if_empty(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size != 0)
        return;
    char side[4096 + 8];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    unlink(path);
}

struct db *db_open_version(const char *path, int version, char *err, size_t errlen)
{
    if (version < 1 || version > DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: bad schema version %d", path, version);
        return NULL;
    }
    struct db *db = calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    snprintf(db->path, sizeof(db->path), "%s", path);
    if (make_parent_dirs(path, err, errlen))
        goto fail_quiet;
    /* A file this open creates and then cannot make a store of (a full disk) is removed, so a
     * failed save leaves nothing behind. */
    bool existed = access(path, F_OK) == 0;
    int rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        if (db->sql)
            db_set_sql_err(db, "cannot open");
        else
            db_set_err(db, "%s: cannot open: %s", path, sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(db->sql, DB_BUSY_TIMEOUT_MS);
    if (check_identity(db))
        goto fail;
    /* WAL: readers never block the writer, and a killed writer leaves a WAL that the next open
     * rolls back or forward; NORMAL sync is safe against corruption in WAL mode. */
    if (db_exec(db, "PRAGMA journal_mode = WAL", "cannot turn on WAL") ||
        db_exec(db, "PRAGMA synchronous = NORMAL", "cannot set synchronous") ||
        db_exec(db, "PRAGMA foreign_keys = ON", "cannot turn on foreign keys"))
        goto fail;
    if (migrate(db, version))
        goto fail;
    return db;
fail:
    snprintf(err, errlen, "%s", db->err);
    db_close(db);
    if (!existed)
        remove_if_empty(path);
    return NULL;
fail_quiet:
    db_close(db);
    return NULL;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
    return db_open_version(path, DB_SCHEMA_VERSION, err, errlen);
}

void db_close(struct db *db)
{
    if (!db)
        return;
    sqlite3_close(db->sql);
    free(db);
}

const char *db_errmsg(const struct db *db)
{
    return db && db->err[0] ? db->err : "no error";
}

const char *db_path(const struct db *db)
{
    return db->path;
}

int db_schema_version(struct db *db)
{
    int64_t v;
    return query_int(db, "PRAGMA user_version", &v) ? -1 : (int)v;
}

/* ---- runs ---- */

/* Binds a serialized histogram (NULL h: SQL NULL). The buffer is handed to SQLite, which frees
 * it when the statement is done with it. */
int db_bind_text(sqlite3_stmt *st, int col, const char *s)
{
    return s ? sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, col);
}

void db_copy_text(char *dst, size_t len, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", s ? (const char *)s : "");
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
        db_set_sql_err(db, "cannot prepare a statement");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Steps a statement that returns no rows, then resets it for the next bindings. bind_rc is what
 * the caller's binds returned (OR-ed): a failed bind fails the step with the same message. */
int db_step_done(struct db *db, sqlite3_stmt *st, int bind_rc, const char *what)
{
    if (bind_rc != SQLITE_OK) {
        db_set_err(db, "%s: %s: %s", db->path, what, sqlite3_errstr(bind_rc));
        sqlite3_reset(st);
        return -1;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, what);
        return -1;
    }
    return 0;
}

static const char list_sql[] =
    "SELECT id, group_id, tool, engine, target, label, tier, start_unix_s, duration_s, threads,"
    " connections, rate_rps, requests, errors_total, rps, min_us, p50_us, p75_us, p90_us,"
    " p99_us, p999_us, max_us, mean_us, stdev_us, server_requests, server_cpu_s,"
    " (SELECT count FROM run_errors e WHERE e.run_id = runs.id AND e.class = 'status')"
    " FROM runs"
    " WHERE (?1 IS NULL OR label = ?1) AND (?2 IS NULL OR tier = ?2)"
    " AND (?3 IS NULL OR tool = ?3) AND (?4 IS NULL OR group_id = ?4)"
    " AND (?6 IS NULL OR start_unix_s >= ?6)"
    " ORDER BY start_unix_s DESC, id DESC LIMIT ?5";
static const char list_oldest_sql[] =
    "SELECT id, group_id, tool, engine, target, label, tier, start_unix_s, duration_s, threads,"
    " connections, rate_rps, requests, errors_total, rps, min_us, p50_us, p75_us, p90_us,"
    " p99_us, p999_us, max_us, mean_us, stdev_us, server_requests, server_cpu_s,"
    " (SELECT count FROM run_errors e WHERE e.run_id = runs.id AND e.class = 'status')"
    " FROM runs"
    " WHERE (?1 IS NULL OR label = ?1) AND (?2 IS NULL OR tier = ?2)"
    " AND (?3 IS NULL OR tool = ?3) AND (?4 IS NULL OR group_id = ?4)"
    " AND (?6 IS NULL OR start_unix_s >= ?6)"
    " ORDER BY start_unix_s, id LIMIT ?5";

int db_run_list(struct db *db, const struct db_run_filter *f, struct db_run_summary **out,
                size_t *n)
{
    static const struct db_run_filter all = {0};
    if (!f)
        f = &all;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_prepare(db, f->oldest_first ? list_oldest_sql : list_sql);
    if (!st)
        return -1;
    db_bind_text(st, 1, f->label);
    db_bind_text(st, 2, f->tier);
    db_bind_text(st, 3, f->tool);
    if (f->group_id > 0)
        sqlite3_bind_int64(st, 4, f->group_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, f->limit ? (int64_t)f->limit : -1); /* -1: no limit */
    if (f->since_unix_s > 0)
        sqlite3_bind_double(st, 6, f->since_unix_s);
    else
        sqlite3_bind_null(st, 6);
    struct db_run_summary *rows = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct db_run_summary *t = realloc(rows, ncap * sizeof(*t));
            if (!t) {
                db_set_err(db, "%s: out of memory", db->path);
                goto fail;
            }
            rows = t;
            cap = ncap;
        }
        struct db_run_summary *s = &rows[(*n)++];
        memset(s, 0, sizeof(*s));
        s->id = sqlite3_column_int64(st, 0);
        s->group_id = sqlite3_column_int64(st, 1);
        db_copy_text(s->tool, sizeof(s->tool), st, 2);
        db_copy_text(s->engine, sizeof(s->engine), st, 3);
        db_copy_text(s->target, sizeof(s->target), st, 4);
        db_copy_text(s->label, sizeof(s->label), st, 5);
        db_copy_text(s->tier, sizeof(s->tier), st, 6);
        s->start_unix_s = sqlite3_column_double(st, 7);
        s->duration_s = sqlite3_column_double(st, 8);
        s->threads = (unsigned)sqlite3_column_int64(st, 9);
        s->connections = (unsigned)sqlite3_column_int64(st, 10);
        s->rate_rps = sqlite3_column_double(st, 11);
        s->requests = (uint64_t)sqlite3_column_int64(st, 12);
        s->errors = (uint64_t)sqlite3_column_int64(st, 13);
        s->rps = sqlite3_column_double(st, 14);
        s->min_us = (uint64_t)sqlite3_column_int64(st, 15);
        s->p50_us = (uint64_t)sqlite3_column_int64(st, 16);
        s->p75_us = (uint64_t)sqlite3_column_int64(st, 17);
        s->p90_us = (uint64_t)sqlite3_column_int64(st, 18);
        s->p99_us = (uint64_t)sqlite3_column_int64(st, 19);
        s->p999_us = (uint64_t)sqlite3_column_int64(st, 20);
        s->max_us = (uint64_t)sqlite3_column_int64(st, 21);
        s->mean_us = sqlite3_column_double(st, 22);
        s->stdev_us = sqlite3_column_double(st, 23);
        s->server_requests = (uint64_t)sqlite3_column_int64(st, 24);
        s->server_cpu_s = sqlite3_column_double(st, 25);
        s->status_errors = (uint64_t)sqlite3_column_int64(st, 26);
    }
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot list runs");
        goto fail;
    }
    sqlite3_finalize(st);
    *out = rows;
    return 0;
fail:
    sqlite3_finalize(st);
    free(rows);
    *n = 0;
    return -1;
}

/* ---- groups ---- */

int db_group_create(struct db *db, const char *kind, const char *name, int64_t *id)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sqlite3_stmt *st =
        db_prepare(db, "INSERT INTO groups (kind, name, created_unix_s) VALUES (?1, ?2, ?3)");
    if (!st)
        return -1;
    int b = db_bind_text(st, 1, kind ? kind : "");
    b |= db_bind_text(st, 2, name ? name : "");
    b |= sqlite3_bind_double(st, 3, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
    int rc = db_step_done(db, st, b, "cannot create the group");
    sqlite3_finalize(st);
    if (rc)
        return -1;
    *id = sqlite3_last_insert_rowid(db->sql);
    return 0;
}

int db_group_get(struct db *db, int64_t id, struct db_group *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st =
        db_prepare(db, "SELECT id, kind, name, created_unix_s FROM groups WHERE id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        db_copy_text(out->kind, sizeof(out->kind), st, 1);
        db_copy_text(out->name, sizeof(out->name), st, 2);
        out->created_unix_s = sqlite3_column_double(st, 3);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 1;
    if (rc != SQLITE_ROW) {
        db_set_sql_err(db, "cannot read the group");
        return -1;
    }
    return 0;
}

int db_group_list(struct db *db, const char *kind, size_t limit, struct db_group_summary **out,
                  size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_prepare(
        db, "SELECT g.id, g.kind, g.name, g.created_unix_s, count(r.id), min(r.start_unix_s)"
            " FROM groups g LEFT JOIN runs r ON r.group_id = g.id"
            " WHERE (?1 IS NULL OR g.kind = ?1) GROUP BY g.id ORDER BY g.id DESC LIMIT ?2");
    if (!st)
        return -1;
    db_bind_text(st, 1, kind);
    sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct db_group_summary *t = realloc(*out, ncap * sizeof(*t));
            if (!t) {
                db_set_err(db, "%s: out of memory", db->path);
                goto fail;
            }
            *out = t;
            cap = ncap;
        }
        struct db_group_summary *g = &(*out)[(*n)++];
        memset(g, 0, sizeof(*g));
        g->group.id = sqlite3_column_int64(st, 0);
        db_copy_text(g->group.kind, sizeof(g->group.kind), st, 1);
        db_copy_text(g->group.name, sizeof(g->group.name), st, 2);
        g->group.created_unix_s = sqlite3_column_double(st, 3);
        g->runs = (size_t)sqlite3_column_int64(st, 4);
        g->first_unix_s = sqlite3_column_double(st, 5);
    }
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot list the groups");
        goto fail;
    }
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    free(*out);
    *out = NULL;
    *n = 0;
    return -1;
}
