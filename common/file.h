/* common/file.h: the one file reader: scenario files and their body files (loadgen), POST bodies
 * (ab -p), price tables. */
#ifndef TB_COMMON_FILE_H
#define TB_COMMON_FILE_H

#include <stddef.h>

/* Reads the whole file at path into a new NUL-terminated buffer (*len excludes the NUL; the
 * caller frees it). max_bytes > 0 refuses larger files. Returns NULL with one line in err:
 * "cannot read PATH: No such file or directory", "PATH: larger than 64 MiB", ... */
char *file_read(const char *path, size_t max_bytes, size_t *len, char *err, size_t errlen);

#endif
