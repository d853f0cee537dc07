#!/bin/sh
# scripts/tsan.sh BUILD_DIR COMMAND...: runs COMMAND (make's ThreadSanitizer test run) where TSan
# can start. TSan puts its shadow memory at fixed addresses, and kernels that randomise mmap with
# more than 28 bits (vm.mmap_rnd_bits=32, the default of some distributions since 2023) make the
# TSan of GCC 12 and clang 14 abort with "FATAL: ThreadSanitizer: unexpected memory mapping" or
# hang. A probe built with $CC decides, trying in order: COMMAND as is; COMMAND under
# `setarch -R` (no address randomisation for that process tree; refused where a seccomp profile
# blocks personality(), as Docker's default does); as root, vm.mmap_rnd_bits lowered to 28 for
# the run and restored afterwards. Called by `make tsan`.
set -eu
build=$1
shift
cc=${CC:-cc}
mkdir -p "$build"
probe="$build/tsan-probe"
cat >"$probe.c" <<'EOF'
#include <pthread.h>
static int n;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *bump(void *arg)
{
    pthread_mutex_lock(&mu);
    n++;
    pthread_mutex_unlock(&mu);
    return arg;
}
int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], 0, bump, 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], 0);
    return n != 4;
}
EOF
"$cc" -fsanitize=thread -g -O1 "$probe.c" -o "$probe" -lpthread

# Address layout is random, so one lucky start proves little: five in a row.
probe_ok() {
    for _ in 1 2 3 4 5; do
        timeout 20 "$@" "$probe" >/dev/null 2>&1 || return 1
    done
}

arch=$(uname -m)
if probe_ok; then
    exec "$@"
fi
echo "tsan: ThreadSanitizer cannot start here (vm.mmap_rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits \
2>/dev/null || echo '?')); trying setarch -R" >&2
if probe_ok setarch "$arch" -R; then
    exec setarch "$arch" -R "$@"
fi
knob=/proc/sys/vm/mmap_rnd_bits
if [ "$(id -u)" -eq 0 ] && [ -w "$knob" ]; then
    old=$(cat "$knob")
    echo "tsan: setarch -R is refused; lowering vm.mmap_rnd_bits from $old to 28 for this run" >&2
    trap 'echo "$old" >"$knob"' EXIT
    trap 'exit 130' INT TERM
    echo 28 >"$knob"
    if probe_ok; then
        status=0
        "$@" || status=$?
        exit "$status"
    fi
fi
echo "tsan: ThreadSanitizer cannot start on this machine; as root: sysctl vm.mmap_rnd_bits=28," \
    "or allow personality(ADDR_NO_RANDOMIZE) for setarch -R" >&2
exit 1
