/* tests/fuzz/fuzz_query.c: libFuzzer target for what the server takes from the network before
 * any handler runs: query-string lookup and bounds, and mapping a URI path into the docroot. The
 * input is split at its first NUL into a query string and a path. A resolved path must stay under
 * the docroot. Build and run: make fuzz (clang, libFuzzer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char buf[4096];
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, data, len);
    buf[len] = '\0';
    const char *qs = buf;
    const char *path = buf + strlen(buf) + (strlen(buf) < len ? 1 : 0);
    char out[256];
    uint64_t v;
    srv_query_get(qs, "base", out, sizeof(out));
    srv_query_get(qs, "", out, 1);
    if (srv_query_u64(qs, "ms", 0, 10000, &v) == 0 && v > 10000)
        abort();
    char resolved[4096];
    static const char root[] = "/tmp";
    if (path[0] && srv_static_resolve(root, path, resolved, sizeof(resolved)) == 0 &&
        (strncmp(resolved, root, sizeof(root) - 1) != 0 ||
         (resolved[sizeof(root) - 1] != '/' && resolved[sizeof(root) - 1] != '\0')))
        abort();
    return 0;
}
