/* db/db_run.c: one run in the store: db_run_insert writes every field of a struct run_result
 * (histograms serialized, the timeline with a histogram per second, errors by class and errno,
 * status counts) in one transaction; db_run_load reads it all back exactly; db_run_delete.
 * The schema is in db.c's migrations; shared helpers in db_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"

static int bind_hist(sqlite3_stmt *st, int col, const struct hist *h)
{
    if (!h)
        return sqlite3_bind_null(st, col);
    uint8_t *buf;
    size_t len;
    if (hist_serialize_alloc(h, &buf, &len) != 0)
        return SQLITE_NOMEM;
    return sqlite3_bind_blob64(st, col, buf, (sqlite3_uint64)len, free);
}

/* Counters are uint64_t and SQLite integers int64: values above INT64_MAX are stored as their
 * two's-complement bit pattern and read back the same way, so every value round-trips. */
static int bind_u64(sqlite3_stmt *st, int col, uint64_t v)
{
    return sqlite3_bind_int64(st, col, (int64_t)v);
}

static const char insert_run_sql[] =
    "INSERT INTO runs (group_id, tool, engine, cmdline, config_json, target, label, tier,"
    " start_unix_s, duration_s, threads, connections, rate_rps, requests, bytes_read,"
    " bytes_written, errors_total, length_errors, server_software, doc_bytes, html_bytes, rps,"
    " min_us, mean_us, stdev_us, p50_us, p75_us, p90_us, p99_us, p999_us, max_us,"
    " hist_latency, hist_latency_uncorrected, hist_connect, hist_ttfb, requests_sent,"
    " body_bytes_sent, connections_opened, keepalive_responses, hist_connect_req,"
    " hist_processing, hist_thread_rps, server_requests, server_cpu_s)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,"
    " ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44)";

static int bind_run(sqlite3_stmt *st, const struct run_result *r)
{
    struct sample_latency l;
    sample_latency_of(r->latency, &l); /* zeroes when there is no latency histogram */
    int rc = 0;
    rc |= r->group_id > 0 ? sqlite3_bind_int64(st, 1, r->group_id) : sqlite3_bind_null(st, 1);
    rc |= db_bind_text(st, 2, r->tool);
    rc |= db_bind_text(st, 3, r->engine);
    rc |= db_bind_text(st, 4, r->cmdline);
    rc |= db_bind_text(st, 5, r->config_json);
    rc |= db_bind_text(st, 6, r->target);
    rc |= db_bind_text(st, 7, r->label);
    rc |= db_bind_text(st, 8, r->tier);
    rc |= sqlite3_bind_double(st, 9, r->start_unix_s);
    rc |= sqlite3_bind_double(st, 10, r->duration_s);
    rc |= sqlite3_bind_int64(st, 11, r->threads);
    rc |= sqlite3_bind_int64(st, 12, r->connections);
    rc |= sqlite3_bind_double(st, 13, r->rate_rps);
    rc |= bind_u64(st, 14, r->requests);
    rc |= bind_u64(st, 15, r->bytes_read);
    rc |= bind_u64(st, 16, r->bytes_written);
    rc |= bind_u64(st, 17, run_errors_total(r));
    rc |= bind_u64(st, 18, r->length_errors);
    rc |= db_bind_text(st, 19, r->server_software);
    rc |= bind_u64(st, 20, r->doc_bytes);
    rc |= bind_u64(st, 21, r->html_bytes);
    rc |= sqlite3_bind_double(st, 22, run_rps(r));
    rc |= bind_u64(st, 23, l.min_us);
    rc |= sqlite3_bind_double(st, 24, l.mean_us);
    rc |= sqlite3_bind_double(st, 25, l.stdev_us);
    rc |= bind_u64(st, 26, l.p50_us);
    rc |= bind_u64(st, 27, l.p75_us);
    rc |= bind_u64(st, 28, l.p90_us);
    rc |= bind_u64(st, 29, l.p99_us);
    rc |= bind_u64(st, 30, l.p999_us);
    rc |= bind_u64(st, 31, l.max_us);
    rc |= bind_hist(st, 32, r->latency);
    rc |= bind_hist(st, 33, r->latency_uncorrected);
    rc |= bind_hist(st, 34, r->connect_us);
    rc |= bind_hist(st, 35, r->ttfb_us);
    rc |= bind_u64(st, 36, r->requests_sent);
    rc |= bind_u64(st, 37, r->body_bytes_sent);
    rc |= bind_u64(st, 38, r->connections_opened);
    rc |= bind_u64(st, 39, r->keepalive_responses);
    rc |= bind_hist(st, 40, r->connect_req_us);
    rc |= bind_hist(st, 41, r->processing_us);
    rc |= bind_hist(st, 42, r->thread_rps);
    rc |= r->server_requests ? bind_u64(st, 43, r->server_requests) : sqlite3_bind_null(st, 43);
    rc |= r->server_requests ? sqlite3_bind_double(st, 44, r->server_cpu_s)
                             : sqlite3_bind_null(st, 44);
    return rc;
}

/* Prepares sql, binds nothing; on failure sets db->err. */
static int insert_errors(struct db *db, int64_t id, const struct run_result *r)
{
    sqlite3_stmt *st =
        db_prepare(db, "INSERT INTO run_errors (run_id, class, count) VALUES (?1, ?2, ?3)");
    if (!st)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < RUN_ERR__COUNT; i++) {
        if (!r->errors[i])
            continue;
        int b = sqlite3_bind_int64(st, 1, id);
        b |= sqlite3_bind_text(st, 2, run_err_names[i], -1, SQLITE_STATIC);
        b |= bind_u64(st, 3, r->errors[i]);
        rc = db_step_done(db, st, b, "cannot insert errors");
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_errnos(struct db *db, int64_t id, const struct run_result *r)
{
    sqlite3_stmt *st = db_prepare(
        db, "INSERT INTO run_errnos (run_id, class, errno, count) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < RUN_ERR__COUNT; i++) {
        for (int e = 0; rc == 0 && e < RUN_ERRNO_MAX; e++) {
            if (!r->errno_counts[i][e])
                continue;
            int b = sqlite3_bind_int64(st, 1, id);
            b |= sqlite3_bind_text(st, 2, run_err_names[i], -1, SQLITE_STATIC);
            b |= sqlite3_bind_int(st, 3, e);
            b |= bind_u64(st, 4, r->errno_counts[i][e]);
            rc = db_step_done(db, st, b, "cannot insert errno counts");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_status(struct db *db, int64_t id, const struct run_result *r)
{
    sqlite3_stmt *st =
        db_prepare(db, "INSERT INTO run_status (run_id, code, count) VALUES (?1, ?2, ?3)");
    if (!st)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->nstatus; i++) {
        int b = sqlite3_bind_int64(st, 1, id);
        b |= sqlite3_bind_int(st, 2, r->status[i].code);
        b |= bind_u64(st, 3, r->status[i].count);
        rc = db_step_done(db, st, b, "cannot insert status counts");
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_timeline(struct db *db, int64_t id, const struct run_result *r)
{
    sqlite3_stmt *st = db_prepare(db, "INSERT INTO run_seconds (run_id, unix_s, duration_us,"
                                      " requests, errors, bytes, p50_us, p90_us, p99_us, max_us,"
                                      " latency) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                                      " ?11)");
    if (!st)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->ntimeline; i++) {
        const struct run_second *s = &r->timeline[i];
        int b = sqlite3_bind_int64(st, 1, id);
        b |= sqlite3_bind_int64(st, 2, s->unix_s);
        b |= bind_u64(st, 3, s->duration_us);
        b |= bind_u64(st, 4, s->requests);
        b |= bind_u64(st, 5, s->errors);
        b |= bind_u64(st, 6, s->bytes);
        b |= bind_u64(st, 7, s->p50_us);
        b |= bind_u64(st, 8, s->p90_us);
        b |= bind_u64(st, 9, s->p99_us);
        b |= bind_u64(st, 10, s->max_us);
        /* The blob is stored as it is (no re-encoding), so it loads back byte for byte. */
        b |= s->latency ? sqlite3_bind_blob64(st, 11, s->latency, (sqlite3_uint64)s->latency_len,
                                              SQLITE_STATIC)
                        : sqlite3_bind_null(st, 11);
        rc = db_step_done(db, st, b, "cannot insert the timeline");
    }
    sqlite3_finalize(st);
    return rc;
}

int db_run_insert(struct db *db, struct run_result *r)
{
    if (db_exec(db, "BEGIN IMMEDIATE", "cannot start a transaction"))
        return -1;
    sqlite3_stmt *st = db_prepare(db, insert_run_sql);
    if (!st)
        goto fail;
    int rc = db_step_done(db, st, bind_run(st, r), "cannot insert the run");
    sqlite3_finalize(st);
    if (rc)
        goto fail;
    int64_t id = sqlite3_last_insert_rowid(db->sql);
    if (insert_errors(db, id, r) || insert_errnos(db, id, r) || insert_status(db, id, r) ||
        insert_timeline(db, id, r))
        goto fail;
    if (db_exec(db, "COMMIT", "cannot commit the run"))
        goto fail;
    r->id = id;
    return 0;
fail:
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static char *dup_text(sqlite3_stmt *st, int col, int *nomem)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    if (!s)
        return NULL;
    char *d = strdup((const char *)s);
    if (!d)
        *nomem = 1;
    return d;
}

static uint64_t column_u64(sqlite3_stmt *st, int col)
{
    return (uint64_t)sqlite3_column_int64(st, col); /* NULL reads as 0 */
}

/* NULL column -> NULL; a malformed blob sets *bad. hist_deserialize validates the whole blob
 * (shape, bucket order, counts against the total), so a damaged file gives an error here rather
 * than wrong figures later. */
static struct hist *load_hist(sqlite3_stmt *st, int col, int *bad)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const void *blob = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    struct hist *h = blob && n > 0 ? hist_deserialize(blob, (size_t)n) : NULL;
    if (!h)
        *bad = 1;
    return h;
}

static const char load_run_sql[] =
    "SELECT id, group_id, tool, engine, cmdline, config_json, target, label, tier,"
    " start_unix_s, duration_s, threads, connections, rate_rps, requests, bytes_read,"
    " bytes_written, length_errors, server_software, doc_bytes, html_bytes,"
    " hist_latency, hist_latency_uncorrected, hist_connect, hist_ttfb, requests_sent,"
    " body_bytes_sent, connections_opened, keepalive_responses, hist_connect_req,"
    " hist_processing, hist_thread_rps, server_requests, server_cpu_s FROM runs WHERE id = ?1";

static int load_main_row(struct db *db, int64_t id, struct run_result *out)
{
    sqlite3_stmt *st = db_prepare(db, load_run_sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return 1;
    }
    if (rc != SQLITE_ROW) {
        db_set_sql_err(db, "cannot read the run");
        sqlite3_finalize(st);
        return -1;
    }
    int nomem = 0, bad = 0;
    out->id = sqlite3_column_int64(st, 0);
    out->group_id = sqlite3_column_int64(st, 1); /* NULL reads as 0 */
    db_copy_text(out->tool, sizeof(out->tool), st, 2);
    db_copy_text(out->engine, sizeof(out->engine), st, 3);
    out->cmdline = dup_text(st, 4, &nomem);
    out->config_json = dup_text(st, 5, &nomem);
    db_copy_text(out->target, sizeof(out->target), st, 6);
    db_copy_text(out->label, sizeof(out->label), st, 7);
    db_copy_text(out->tier, sizeof(out->tier), st, 8);
    out->start_unix_s = sqlite3_column_double(st, 9);
    out->duration_s = sqlite3_column_double(st, 10);
    out->threads = (unsigned)sqlite3_column_int64(st, 11);
    out->connections = (unsigned)sqlite3_column_int64(st, 12);
    out->rate_rps = sqlite3_column_double(st, 13);
    out->requests = column_u64(st, 14);
    out->bytes_read = column_u64(st, 15);
    out->bytes_written = column_u64(st, 16);
    out->length_errors = column_u64(st, 17);
    db_copy_text(out->server_software, sizeof(out->server_software), st, 18);
    out->doc_bytes = column_u64(st, 19);
    out->html_bytes = column_u64(st, 20);
    out->latency = load_hist(st, 21, &bad);
    out->latency_uncorrected = load_hist(st, 22, &bad);
    out->connect_us = load_hist(st, 23, &bad);
    out->ttfb_us = load_hist(st, 24, &bad);
    out->requests_sent = column_u64(st, 25);
    out->body_bytes_sent = column_u64(st, 26);
    out->connections_opened = column_u64(st, 27);
    out->keepalive_responses = column_u64(st, 28);
    out->connect_req_us = load_hist(st, 29, &bad);
    out->processing_us = load_hist(st, 30, &bad);
    out->thread_rps = load_hist(st, 31, &bad);
    out->server_requests = column_u64(st, 32);
    out->server_cpu_s = sqlite3_column_double(st, 33);
    sqlite3_finalize(st);
    if (nomem) {
        db_set_err(db, "%s: out of memory loading run %lld", db->path, (long long)id);
        return -1;
    }
    if (bad) {
        db_set_err(db, "%s: run %lld has a malformed histogram", db->path, (long long)id);
        return -1;
    }
    return 0;
}

/* The index of a class name, or -1 for a class this binary does not know (a newer writer's). */
static int err_class_of(const unsigned char *name)
{
    for (int i = 0; name && i < RUN_ERR__COUNT; i++)
        if (!strcmp((const char *)name, run_err_names[i]))
            return i;
    return -1;
}

static int load_errors(struct db *db, int64_t id, struct run_result *out)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT class, count FROM run_errors WHERE run_id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int cls = err_class_of(sqlite3_column_text(st, 0));
        if (cls >= 0)
            out->errors[cls] = column_u64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot read errors");
        return -1;
    }
    return 0;
}

static int load_errnos(struct db *db, int64_t id, struct run_result *out)
{
    sqlite3_stmt *st =
        db_prepare(db, "SELECT class, errno, count FROM run_errnos WHERE run_id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int cls = err_class_of(sqlite3_column_text(st, 0));
        int64_t e = sqlite3_column_int64(st, 1);
        /* run.h: errno values this binary does not count one by one count under 0. */
        if (cls >= 0)
            out->errno_counts[cls][e > 0 && e < RUN_ERRNO_MAX ? e : 0] += column_u64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot read errno counts");
        return -1;
    }
    return 0;
}

static int load_status(struct db *db, int64_t id, struct run_result *out)
{
    sqlite3_stmt *st =
        db_prepare(db, "SELECT code, count FROM run_status WHERE run_id = ?1 ORDER BY code");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (run_status_add(out, sqlite3_column_int(st, 0), column_u64(st, 1))) {
            sqlite3_finalize(st);
            db_set_err(db, "%s: out of memory", db->path);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot read status counts");
        return -1;
    }
    return 0;
}

/* Copies a second's latency blob into s. A blob that does not deserialize is refused here, at
 * load, so no caller mistakes it for a pre-schema-3 second (latency NULL). Returns 0, -1 (no
 * memory) or 1 (malformed). */
static int load_second_latency(sqlite3_stmt *st, int col, struct run_second *s)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    const uint8_t *blob = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!blob || n <= 0)
        return 1;
    struct hist *h = hist_deserialize(blob, (size_t)n);
    if (!h)
        return 1;
    hist_free(h);
    s->latency = malloc((size_t)n);
    if (!s->latency)
        return -1;
    memcpy(s->latency, blob, (size_t)n);
    s->latency_len = (size_t)n;
    return 0;
}

static int load_timeline(struct db *db, int64_t id, struct run_result *out)
{
    sqlite3_stmt *st = db_prepare(
        db, "SELECT unix_s, duration_us, requests, errors, bytes, p50_us, p90_us,"
            " p99_us, max_us, latency FROM run_seconds WHERE run_id = ?1 ORDER BY unix_s");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->ntimeline == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct run_second *t = realloc(out->timeline, ncap * sizeof(*t));
            if (!t)
                goto nomem;
            out->timeline = t;
            cap = ncap;
        }
        struct run_second *s = &out->timeline[out->ntimeline++];
        memset(s, 0, sizeof(*s));
        s->unix_s = sqlite3_column_int64(st, 0);
        s->duration_us = column_u64(st, 1);
        s->requests = column_u64(st, 2);
        s->errors = column_u64(st, 3);
        s->bytes = column_u64(st, 4);
        s->p50_us = column_u64(st, 5);
        s->p90_us = column_u64(st, 6); /* NULL (a pre-schema-3 second) reads as 0 */
        s->p99_us = column_u64(st, 7);
        s->max_us = column_u64(st, 8);
        int lrc = load_second_latency(st, 9, s);
        if (lrc < 0)
            goto nomem;
        if (lrc > 0) {
            db_set_err(db, "%s: run %lld has a malformed histogram in second %lld", db->path,
                       (long long)id, (long long)s->unix_s);
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_set_sql_err(db, "cannot read the timeline");
        return -1;
    }
    return 0;
nomem:
    sqlite3_finalize(st);
    db_set_err(db, "%s: out of memory", db->path);
    return -1;
}

int db_run_load(struct db *db, int64_t id, struct run_result *out)
{
    memset(out, 0, sizeof(*out));
    /* One read transaction so the run's rows are a consistent snapshot. */
    if (db_exec(db, "BEGIN", "cannot start a transaction"))
        return -1;
    int rc = load_main_row(db, id, out);
    if (rc == 0)
        rc = load_errors(db, id, out);
    if (rc == 0)
        rc = load_errnos(db, id, out);
    if (rc == 0)
        rc = load_status(db, id, out);
    if (rc == 0)
        rc = load_timeline(db, id, out);
    sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
    if (rc != 0)
        run_result_free(out);
    return rc;
}

int db_run_delete(struct db *db, int64_t id)
{
    sqlite3_stmt *st = db_prepare(db, "DELETE FROM runs WHERE id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = db_step_done(db, st, SQLITE_OK, "cannot delete the run");
    sqlite3_finalize(st);
    if (rc)
        return -1;
    return sqlite3_changes(db->sql) ? 0 : 1;
}

int db_run_set_label(struct db *db, int64_t id, const char *label)
{
    sqlite3_stmt *st = db_prepare(db, "UPDATE runs SET label = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = db_step_done(db, st, db_bind_text(st, 2, label ? label : ""), "cannot label the run");
    sqlite3_finalize(st);
    if (rc)
        return -1;
    return sqlite3_changes(db->sql) ? 0 : 1;
}
