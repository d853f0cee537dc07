/* db/db_int.h: internals of the result store shared with its tests only (tests/check_db*.c). */
#ifndef TB_DB_INT_H
#define TB_DB_INT_H

#include "db/db.h"

/* PRAGMA application_id of a tierbench store ("TBRS"): tells our files from other SQLite files. */
#define DB_APPLICATION_ID 0x54425253

/* db_open, but migrates only up to schema version `version` (1..DB_SCHEMA_VERSION), so tests can
 * build an old-format file and check that db_open upgrades it. */
struct db *db_open_version(const char *path, int version, char *err, size_t errlen);

/* PRAGMA user_version of the open file, or -1. */
int db_schema_version(struct db *db);

#endif
