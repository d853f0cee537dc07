/* db/db_int.h: internals of the result store shared by its files (db.c, db_run.c) and its tests
 * (tests/check_db*.c). */
#ifndef TB_DB_INT_H
#define TB_DB_INT_H

#include <sqlite3.h>

#include "db/db.h"

struct db {
    sqlite3 *sql;
    char path[4096];
    char err[512];
};

/* Sets db's error message (db_errmsg); the _sql form appends SQLite's message for `what`. */
void db_set_err(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void db_set_sql_err(struct db *db, const char *what);
/* Runs SQL without results; -1 with the error set (naming `what`). */
int db_exec(struct db *db, const char *sql, const char *what);
/* Binds text, or NULL for a NULL string. Returns SQLite's code. */
int db_bind_text(sqlite3_stmt *st, int col, const char *s);
/* Copies a text column into dst (truncated, NUL-terminated; "" for NULL). */
void db_copy_text(char *dst, size_t len, sqlite3_stmt *st, int col);
/* A prepared statement, or NULL with the error set. */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);
/* Steps a statement that returns no rows, then resets it for the next bindings. bind_rc is what
 * the caller's binds returned (OR-ed): a failed bind fails the step with the same message.
 * Returns 0 or -1 (error set). */
int db_step_done(struct db *db, sqlite3_stmt *st, int bind_rc, const char *what);

/* PRAGMA application_id of a tierbench store ("TBRS"): tells our files from other SQLite files. */
#define DB_APPLICATION_ID 0x54425253

/* db_open, but migrates only up to schema version `version` (1..DB_SCHEMA_VERSION), so tests can
 * build an old-format file and check that db_open upgrades it. */
struct db *db_open_version(const char *path, int version, char *err, size_t errlen);

/* PRAGMA user_version of the open file, or -1. */
int db_schema_version(struct db *db);

#endif
