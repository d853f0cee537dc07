/* tests/it_loadgen_cli.c: `tierbench wrk` and `tierbench ab` as a user runs them ($TIERBENCH).
 * Their output layout is compared line by line with the real tools' output: golden files in
 * tests/data/ (captured from wrk 4.1 and ab 2.3 against nginx) and, when wrk/ab are installed,
 * live runs of both against the same test server. "Same layout" means the same lines in the
 * same order with the same labels, and numbers in the same columns (values differ run to run).
 * Also: bad input fails with one line, SIGINT prints the partial report, and (when `tierbench
 * serve` is built) /api/delay?ms=20 measures a p50 of 20-22 ms. */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"
#include "tests/support/testsrv.h"
#include "tests/support/ck_run.h"

#define MAX_LINES 400

static const char *tb(void)
{
    const char *t = getenv("TIERBENCH");
    return t && *t ? t : "build/tierbench";
}

/* Runs argv with stdout (and stderr, unless err_out is NULL: discarded) captured, for at most
 * timeout_ms; sends SIGINT after sigint_ms when > 0. Returns the exit status, -1 on failure. */
static int run_cmd(char *const argv[], char **out, char **err_out, int sigint_ms, int timeout_ms)
{
    char tmpl_o[] = "/tmp/tb_it_outXXXXXX", tmpl_e[] = "/tmp/tb_it_errXXXXXX";
    int fo = mkstemp(tmpl_o), fe = mkstemp(tmpl_e);
    if (fo < 0 || fe < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = -1;
    uint64_t t0 = clock_now_us();
    bool sent = false;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        uint64_t el_ms = (clock_now_us() - t0) / 1000;
        if (sigint_ms > 0 && !sent && el_ms >= (uint64_t)sigint_ms) {
            kill(pid, SIGINT);
            sent = true;
        }
        if (el_ms >= (uint64_t)timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        clock_sleep_us(5000);
    }
    for (int k = 0; k < 2; k++) {
        int fd = k ? fe : fo;
        char **dst = k ? err_out : out;
        off_t n = lseek(fd, 0, SEEK_END);
        if (dst) {
            *dst = calloc(1, (size_t)n + 1);
            if (*dst && n > 0 && pread(fd, *dst, (size_t)n, 0) < 0)
                (*dst)[0] = '\0';
        }
        close(fd);
    }
    unlink(tmpl_o);
    unlink(tmpl_e);
    if (status < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

/* Lines of a report that the layout is about: from the tool's first report line on, without
 * lines that depend on the data (ab's reliability warnings) or that tierbench adds by design
 * (ab's Threads line). Modifies text in place. */
static size_t report_lines(char *text, const char *first, char **lines)
{
    size_t n = 0;
    bool on = first == NULL;
    bool skip_next = false;
    for (char *l = text, *next; l && *l && n < MAX_LINES; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = '\0';
        if (!on && first && strstr(l, first) == l)
            on = true;
        if (!on)
            continue;
        if (skip_next) {
            skip_next = false;
            continue;
        }
        if (!strncmp(l, "WARNING: ", 9) || !strncmp(l, "ERROR: ", 7)) {
            skip_next = true;
            continue;
        }
        if (!strncmp(l, "Threads: ", 9) || !strncmp(l, "warning: run not saved", 22))
            continue;
        lines[n++] = l;
    }
    return n;
}

struct tok {
    int start, end;
    int nend; /* end of the digits: wrk hangs unit suffixes ("us", "k") past the column */
    bool num;
    const char *s;
    int len;
};

static int tokens(const char *l, struct tok *t, int max)
{
    int n = 0;
    for (int i = 0; l[i] && n < max;) {
        if (l[i] == ' ') {
            i++;
            continue;
        }
        int s = i;
        while (l[i] && l[i] != ' ')
            i++;
        t[n].start = s;
        t[n].end = i;
        t[n].s = l + s;
        t[n].len = i - s;
        int e = i;
        while (e > s && isalpha((unsigned char)l[e - 1]))
            e--;
        t[n].nend = e;
        t[n].num =
            isdigit((unsigned char)l[s]) || (l[s] == '-' && isdigit((unsigned char)l[s + 1]));
        n++;
    }
    return n;
}

/* Lines whose values are free text (host names, paths, server names). */
static bool free_line(const char *l)
{
    static const char *const labels[] = {"Running ",
                                         "Server Software:", "Server Hostname:", "Document Path:"};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (!strncmp(l, labels[i], strlen(labels[i])))
            return true;
    return false;
}

/* Same layout: same tokens count and kinds, equal text tokens, the first token in the same
 * column, and every number in the same column (start or end) until a wider value shifts the
 * rest of the line. */
static bool same_shape(const char *a, const char *b, char *why, size_t whylen)
{
    struct tok ta[64], tb_[64];
    if (free_line(a) || free_line(b)) {
        size_t la = strcspn(a, ":@"), lb = strcspn(b, ":@");
        if (la != lb || strncmp(a, b, la)) {
            snprintf(why, whylen, "label differs");
            return false;
        }
        return true;
    }
    int na = tokens(a, ta, 64), nb = tokens(b, tb_, 64);
    if (na != nb) {
        snprintf(why, whylen, "%d tokens vs %d", na, nb);
        return false;
    }
    bool shifted = false;
    for (int i = 0; i < na; i++) {
        if (ta[i].num != tb_[i].num) {
            snprintf(why, whylen, "token %d: number vs text", i + 1);
            return false;
        }
        if (!ta[i].num &&
            (ta[i].len != tb_[i].len || strncmp(ta[i].s, tb_[i].s, (size_t)ta[i].len))) {
            snprintf(why, whylen, "token %d: '%.*s' vs '%.*s'", i + 1, ta[i].len, ta[i].s,
                     tb_[i].len, tb_[i].s);
            return false;
        }
        if (i == 0 && ta[i].start != tb_[i].start) {
            snprintf(why, whylen, "line starts in column %d vs %d", ta[i].start, tb_[i].start);
            return false;
        }
        if (ta[i].num && !shifted && ta[i].start != tb_[i].start && ta[i].end != tb_[i].end &&
            ta[i].nend != tb_[i].nend) {
            snprintf(why, whylen, "number %d not in the same column", i + 1);
            return false;
        }
        if (ta[i].end != tb_[i].end)
            shifted = true;
    }
    return true;
}

/* Compares two outputs' report sections line by line; fails the test with the first
 * difference. */
static void assert_same_layout(const char *what, char *want_text, char *got_text, const char *first)
{
    char *want[MAX_LINES], *got[MAX_LINES];
    ck_assert_ptr_nonnull(want_text);
    ck_assert_ptr_nonnull(got_text);
    char *got_copy = strdup(got_text);
    size_t nw = report_lines(want_text, first, want);
    size_t ng = report_lines(got_text, first, got);
    ck_assert_msg(nw > 5, "%s: reference has no report", what);
    for (size_t i = 0; i < nw || i < ng; i++) {
        char why[160] = "";
        ck_assert_msg(i < nw && i < ng, "%s: line %zu: %s\n  want: %s\n  got:  %s\n--- got:\n%s",
                      what, i + 1, i < nw ? "missing line" : "extra line", i < nw ? want[i] : "",
                      i < ng ? got[i] : "", got_copy);
        ck_assert_msg(same_shape(want[i], got[i], why, sizeof(why)),
                      "%s: line %zu: %s\n  want: '%s'\n  got:  '%s'\n--- got:\n%s", what, i + 1,
                      why, want[i], got[i], got_copy);
    }
    free(got_copy);
}

static struct testsrv *srv;

static char *url_of(const char *path)
{
    static char u[256];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u%s", testsrv_port(srv), path);
    return u;
}

/* Runs tierbench with args (URL last, on the test server) and compares with a golden file. */
static void golden_run(const char *golden, const char *first, const char *path,
                       const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)tb();
    for (; args[n - 1]; n++)
        argv[n] = (char *)args[n - 1];
    argv[n++] = "--no-save";
    argv[n++] = NULL; /* URL slot */
    argv[n] = NULL;
    srv = testsrv_start(NULL);
    ck_assert_ptr_nonnull(srv);
    argv[n - 1] = url_of(path);
    char file[256];
    snprintf(file, sizeof(file), "tests/data/%s", golden);
    char *want = slurp(file);
    ck_assert_msg(want != NULL, "cannot read %s (run from the source tree)", file);
    char *out = NULL;
    ck_assert_int_eq(run_cmd(argv, &out, NULL, 0, 15000), 0);
    assert_same_layout(golden, want, out, first);
    free(want);
    free(out);
    testsrv_stop(srv);
}

START_TEST(test_wrk_latency_layout_matches_wrk)
{
    const char *args[] = {"wrk", "-t2", "-c10", "-d1s", "--latency", NULL};
    golden_run("wrk_latency.txt", NULL, "/fixed", args);
}
END_TEST

START_TEST(test_wrk_plain_layout_matches_wrk)
{
    const char *args[] = {"wrk", "-t1", "-c10", "-d1s", NULL};
    golden_run("wrk_plain.txt", NULL, "/fixed", args);
}
END_TEST

START_TEST(test_wrk_non2xx_layout_matches_wrk)
{
    const char *args[] = {"wrk", "-t1", "-c10", "-d1s", NULL};
    golden_run("wrk_non2xx.txt", NULL, "/status/404", args);
}
END_TEST

START_TEST(test_ab_keepalive_layout_matches_ab)
{
    const char *args[] = {"ab", "-n", "2000", "-c", "10", "-k", NULL};
    golden_run("ab_keepalive.txt", "Server Software:", "/fixed", args);
}
END_TEST

START_TEST(test_ab_close_layout_matches_ab)
{
    const char *args[] = {"ab", "-n", "500", "-c", "5", NULL};
    golden_run("ab_close.txt", "Server Software:", "/fixed", args);
}
END_TEST

START_TEST(test_ab_non2xx_layout_matches_ab)
{
    const char *args[] = {"ab", "-n", "200", "-c", "2", NULL};
    golden_run("ab_non2xx.txt", "Server Software:", "/status/404", args);
}
END_TEST

START_TEST(test_ab_post_no_confidence_layout_matches_ab)
{
    char body[] = "/tmp/tb_it_bodyXXXXXX";
    int fd = mkstemp(body);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "hello body\n", 11), 11);
    close(fd);
    const char *args[] = {"ab", "-n", "300", "-c", "5",          "-S",
                          "-d", "-p", body,  "-T", "text/plain", NULL};
    golden_run("ab_post_S_d.txt", "Server Software:", "/fixed", args);
    unlink(body);
}
END_TEST

static bool have_tool(const char *path)
{
    return access(path, X_OK) == 0;
}

START_TEST(test_live_wrk_and_tierbench_wrk_same_layout)
{
    if (!have_tool("/usr/bin/wrk")) {
        fprintf(stderr, "SKIP: wrk is not installed; live layout check not run\n");
        return;
    }
    srv = testsrv_start(NULL);
    char *u = url_of("/fixed");
    char *real[] = {"/usr/bin/wrk", "-t1", "-c4", "-d1s", "--latency", u, NULL};
    char *ours[] = {(char *)tb(), "wrk", "-t1", "-c4", "-d1s", "--latency", "--no-save", u, NULL};
    char *want = NULL, *got = NULL;
    ck_assert_int_eq(run_cmd(real, &want, NULL, 0, 15000), 0);
    ck_assert_int_eq(run_cmd(ours, &got, NULL, 0, 15000), 0);
    assert_same_layout("live wrk", want, got, NULL);
    free(want);
    free(got);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_live_ab_and_tierbench_ab_same_layout)
{
    if (!have_tool("/usr/bin/ab")) {
        fprintf(stderr, "SKIP: ab is not installed; live layout check not run\n");
        return;
    }
    srv = testsrv_start(NULL);
    char *u = url_of("/fixed");
    char *real[] = {"/usr/bin/ab", "-n", "400", "-c", "4", u, NULL};
    char *ours[] = {(char *)tb(), "ab", "-n", "400", "-c", "4", "--no-save", u, NULL};
    char *want = NULL, *got = NULL;
    ck_assert_int_eq(run_cmd(real, &want, NULL, 0, 15000), 0);
    ck_assert_int_eq(run_cmd(ours, &got, NULL, 0, 15000), 0);
    assert_same_layout("live ab", want, got, "Server Software:");
    free(want);
    free(got);
    /* Both tools' requests reached the server: 400 each. */
    ck_assert_uint_eq(testsrv_requests(srv), 800);
    testsrv_stop(srv);
}
END_TEST

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* A descriptor limit below what -c needs, that cannot be raised (ulimit -n sets the hard limit
 * too): one line naming the numbers, exit 1, before anything is sent. */
START_TEST(test_fd_limit_below_connections_fails_with_one_line)
{
    static const char *const cmds[] = {
        "ulimit -n 64 && exec \"$0\" wrk -c 100 -d 1s --no-save http://127.0.0.1:1/",
        "ulimit -n 64 && exec \"$0\" ab -n 200 -c 100 --no-save http://127.0.0.1:1/",
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        char *err = NULL;
        char *argv[] = {"sh", "-c", (char *)cmds[i], (char *)tb(), NULL};
        ck_assert_int_eq(run_cmd(argv, NULL, &err, 0, 5000), 1);
        ck_assert_msg(strstr(err, "100 connections need") != NULL, "%s", err);
        ck_assert_ptr_nonnull(strstr(err, "but the limit is 64 (hard limit 64)"));
        ck_assert_int_eq(count_lines(err), 1);
        free(err);
    }
}
END_TEST

START_TEST(test_bad_input_fails_with_one_line)
{
    char *err = NULL;
    char *a1[] = {(char *)tb(), "wrk", "-d1s", "--no-save", "ftp://x/", NULL};
    ck_assert_int_ne(run_cmd(a1, NULL, &err, 0, 5000), 0);
    ck_assert_ptr_nonnull(strstr(err, "invalid URL"));
    ck_assert_int_eq(count_lines(err), 1);
    free(err);
    char *a2[] = {(char *)tb(), "ab", "-n", "10", "--no-save", "http://no-such-host.invalid/",
                  NULL};
    ck_assert_int_ne(run_cmd(a2, NULL, &err, 0, 10000), 0);
    ck_assert_ptr_nonnull(strstr(err, "resolve"));
    ck_assert_int_eq(count_lines(err), 1);
    free(err);
    /* A bad flag value: the error line, then the usage text, and a non-zero exit. */
    char *a3[] = {(char *)tb(), "wrk", "-c", "many", "http://127.0.0.1:1/", NULL};
    ck_assert_int_ne(run_cmd(a3, NULL, &err, 0, 5000), 0);
    ck_assert_ptr_nonnull(strstr(err, "invalid number of connections"));
    ck_assert_ptr_nonnull(strstr(err, "Usage:"));
    free(err);
    char *a4[] = {(char *)tb(), "ab", "-n", "5", "-c", "10", "http://127.0.0.1:1/", NULL};
    ck_assert_int_ne(run_cmd(a4, NULL, &err, 0, 5000), 0);
    ck_assert_ptr_nonnull(strstr(err, "concurrency level greater"));
    free(err);
    char *a5[] = {(char *)tb(), "ab", "-Q", "http://127.0.0.1:1/", NULL};
    ck_assert_int_ne(run_cmd(a5, NULL, &err, 0, 5000), 0);
    ck_assert_ptr_nonnull(strstr(err, "invalid option"));
    free(err);
}
END_TEST

START_TEST(test_wrk_rate_prints_wrk2_percentiles)
{
    srv = testsrv_start(NULL);
    char *argv[] = {(char *)tb(), "wrk",       "-t1", "-c4",       "-d1s",           "-R",
                    "400",        "--latency", "-U",  "--no-save", url_of("/fixed"), NULL};
    char *out = NULL;
    ck_assert_int_eq(run_cmd(argv, &out, NULL, 0, 10000), 0);
    ck_assert_ptr_nonnull(strstr(out, "  Latency Distribution (HdrHistogram - Recorded Latency)\n"
                                      " 50.000%"));
    ck_assert_ptr_nonnull(strstr(out, "\n 99.990%"));
    ck_assert_ptr_nonnull(strstr(out, "\n100.000%"));
    ck_assert_ptr_nonnull(strstr(out, "  Detailed Percentile spectrum:\n"
                                      "       Value   Percentile   TotalCount 1/(1-Percentile)\n"));
    ck_assert_ptr_nonnull(strstr(out, "HdrHistogram - Uncorrected Latency (measured without "
                                      "taking delayed starts into account)"));
    /* About 400 requests in 1 s. */
    const char *p = strstr(out, " requests in ");
    ck_assert_ptr_nonnull(p);
    while (p > out && p[-1] != '\n')
        p--;
    long n = strtol(p, NULL, 10);
    ck_assert_int_ge(n, 380);
    ck_assert_int_le(n, 420);
    free(out);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_ab_writes_csv_and_gnuplot_files)
{
    srv = testsrv_start(NULL);
    char csv[] = "/tmp/tb_it_csvXXXXXX", gp[] = "/tmp/tb_it_gpXXXXXX";
    close(mkstemp(csv));
    close(mkstemp(gp));
    char *argv[] = {
        (char *)tb(),     "ab", "-n", "300", "-c", "3", "-e", csv, "-g", gp, "-q", "--no-save",
        url_of("/fixed"), NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run_cmd(argv, &out, &err, 0, 10000), 0);
    ck_assert_ptr_null(strstr(err, "Completed")); /* -q */
    char *c = slurp(csv), *g = slurp(gp);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(strncmp(c, "Percentage served,Time in ms\n0,", 31), 0);
    ck_assert_ptr_nonnull(strstr(c, "\n99,"));
    ck_assert_int_eq(count_lines(c), 101);
    ck_assert_int_eq(strncmp(g, "starttime\tseconds\tctime\tdtime\tttime\twait\n", 41), 0);
    ck_assert_int_eq(count_lines(g), 301);
    free(c);
    free(g);
    free(out);
    free(err);
    unlink(csv);
    unlink(gp);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_ab_head_and_progress_lines)
{
    srv = testsrv_start(NULL);
    char *argv[] = {(char *)tb(), "ab", "-n",        "1000",           "-c", "4",
                    "-k",         "-i", "--no-save", url_of("/fixed"), NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run_cmd(argv, &out, &err, 0, 10000), 0);
    ck_assert_ptr_nonnull(strstr(out, "Document Length:        0 bytes\n"));
    ck_assert_ptr_nonnull(strstr(out, "Complete requests:      1000\n"));
    ck_assert_ptr_nonnull(strstr(out, "Keep-Alive requests:    1000\n"));
    ck_assert_ptr_nonnull(strstr(err, "Completed 100 requests\nCompleted 200 requests\n"));
    ck_assert_ptr_nonnull(strstr(err, "Completed 1000 requests\nFinished 1000 requests\n"));
    ck_assert_uint_eq(testsrv_requests(srv), 1000);
    free(out);
    free(err);
    testsrv_stop(srv);
}
END_TEST

START_TEST(test_sigint_prints_partial_report)
{
    srv = testsrv_start(NULL);
    char *argv[] = {(char *)tb(),     "wrk", "-t1", "-c2", "-d20s", "--no-save",
                    url_of("/fixed"), NULL};
    char *out = NULL;
    uint64_t t0 = clock_now_us();
    int rc = run_cmd(argv, &out, NULL, 500, 5000);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_lt(clock_now_us() - t0, 3000000);
    ck_assert_ptr_nonnull(strstr(out, " requests in "));
    ck_assert_ptr_nonnull(strstr(out, "Requests/sec:"));
    free(out);
    testsrv_stop(srv);
}
END_TEST

/* A running `tierbench serve` on ephemeral ports (main and admin). */
struct serve {
    pid_t pid;
    int log_fd;
    char log[32];
    unsigned port, admin_port;
};

static unsigned port_after(const char *text, const char *marker)
{
    const char *p = text ? strstr(text, marker) : NULL;
    return p ? (unsigned)strtoul(p + strlen(marker), NULL, 10) : 0;
}

/* Returns false (after printing SKIP) when serve is not built. */
static bool serve_start(struct serve *sv)
{
    char *help[] = {(char *)tb(), "serve", "--help", NULL};
    if (run_cmd(help, NULL, NULL, 0, 5000) != 0) {
        fprintf(stderr, "SKIP: tierbench serve is not built; checks against it not run\n");
        return false;
    }
    memset(sv, 0, sizeof(*sv));
    snprintf(sv->log, sizeof(sv->log), "/tmp/tb_it_serveXXXXXX");
    sv->log_fd = mkstemp(sv->log);
    ck_assert_int_ge(sv->log_fd, 0);
    sv->pid = fork();
    if (sv->pid == 0) {
        dup2(sv->log_fd, 1);
        dup2(sv->log_fd, 2);
        execl(tb(), tb(), "serve", "--port", "0", "--admin-port", "0", "--threads", "16",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && (!sv->port || !sv->admin_port); i++) {
        clock_sleep_us(50000);
        char *t = slurp(sv->log);
        sv->port = port_after(t, "listening on http://127.0.0.1:");
        sv->admin_port = port_after(t, "admin API on http://127.0.0.1:");
        free(t);
    }
    ck_assert_msg(sv->port > 0 && sv->admin_port > 0, "tierbench serve did not report its ports");
    return true;
}

static void serve_stop(struct serve *sv)
{
    kill(sv->pid, SIGTERM);
    waitpid(sv->pid, NULL, 0);
    close(sv->log_fd);
    unlink(sv->log);
}

/* The server's own request count from its admin API ("totals":{"requests":N). */
static long long serve_requests(const struct serve *sv)
{
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/api/stats", sv->admin_port);
    char *argv[] = {"curl", "-s", u, NULL};
    char *out = NULL;
    if (run_cmd(argv, &out, NULL, 0, 5000) != 0) {
        free(out);
        return -1;
    }
    const char *p = out ? strstr(out, "\"totals\":{\"requests\":") : NULL;
    long long n = p ? strtoll(p + strlen("\"totals\":{\"requests\":"), NULL, 10) : -1;
    free(out);
    return n;
}

START_TEST(test_serve_delay_20ms_p50_within_20_to_22ms)
{
    struct serve sv;
    if (!serve_start(&sv))
        return;
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/api/delay?ms=20", sv.port);
    struct lg_config cfg = {
        .url = u, .threads = 2, .connections = 8, .duration_us = 1000000, .keep_alive = true};
    struct run_result r;
    char err[256];
    int rc = lg_run(&cfg, &r, err, sizeof(err));
    serve_stop(&sv);
    ck_assert_msg(rc == 0, "%s", err);
    uint64_t p50 = hist_percentile(r.latency, 50);
    ck_assert_msg(p50 >= 20000 && p50 <= 22000, "p50 %llu us", (unsigned long long)p50);
    ck_assert_uint_eq(run_errors_total(&r), 0);
    run_result_free(&r);
}
END_TEST

START_TEST(test_serve_counts_equal_requests_completed)
{
    if (access("/usr/bin/curl", X_OK) != 0) {
        fprintf(stderr, "SKIP: curl is not installed; serve count check not run\n");
        return;
    }
    struct serve sv;
    if (!serve_start(&sv))
        return;
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/api/health", sv.port);
    struct lg_config cfg = {
        .url = u, .threads = 2, .connections = 10, .max_requests = 5000, .keep_alive = true};
    struct run_result r1, r2;
    char err[256];
    ck_assert_msg(lg_run(&cfg, &r1, err, sizeof(err)) == 0, "%s", err);
    cfg.keep_alive = false;
    cfg.max_requests = 1000;
    ck_assert_msg(lg_run(&cfg, &r2, err, sizeof(err)) == 0, "%s", err);
    long long served = serve_requests(&sv);
    serve_stop(&sv);
    ck_assert_uint_eq(r1.requests, 5000);
    ck_assert_uint_eq(r2.requests, 1000);
    ck_assert_int_eq(served, 6000);
    run_result_free(&r1);
    run_result_free(&r2);
}
END_TEST

/* A free loopback port (bound, read back, released: a small race other tests tolerate too). */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

START_TEST(test_https_runs_on_curl_engine)
{
    const char *nginx = "/usr/sbin/nginx", *openssl = "/usr/bin/openssl";
    if (access(nginx, X_OK) != 0 || access(openssl, X_OK) != 0) {
        fprintf(stderr, "SKIP: nginx or openssl is not installed; https check not run\n");
        return;
    }
    char dir[] = "/tmp/tb_it_tlsXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char key[128], crt[128], conf[128];
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    snprintf(crt, sizeof(crt), "%s/c.pem", dir);
    snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
    char *gen[] = {(char *)openssl, "req",     "-x509", "-newkey",       "rsa:2048",
                   "-nodes",        "-keyout", key,     "-out",          crt,
                   "-days",         "1",       "-subj", "/CN=localhost", NULL};
    ck_assert_int_eq(run_cmd(gen, NULL, NULL, 0, 20000), 0);
    unsigned port = free_port();
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "worker_processes 1; daemon off; pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 256; }\n"
            "http { access_log off; server { listen 127.0.0.1:%u ssl;\n"
            "  ssl_certificate %s; ssl_certificate_key %s;\n"
            "  location / { return 200 'hello'; }\n"
            "  location /a { return 200 'aa'; } location /b { return 200 'bbbb'; } } }\n",
            dir, dir, port, crt, key);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(nul, 2);
        execl(nginx, nginx, "-c", conf, "-p", dir, "-e", "stderr", (char *)NULL);
        _exit(127);
    }
    char u[128];
    snprintf(u, sizeof(u), "https://127.0.0.1:%u/", port);
    /* Wait until nginx accepts. */
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        clock_sleep_us(50000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        up = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
    }
    char *out = NULL, *out2 = NULL;
    int rc1 = -1, rc2 = -1, rc3 = -1;
    /* A weighted mix on the curl engine: both kinds are sent (bodies of 2 and 4 bytes). */
    struct lg_request mix[] = {{.method = "GET", .path = "/a", .weight = 1},
                               {.method = "GET", .path = "/b", .weight = 1}};
    struct lg_config mcfg = {.url = u,
                             .requests = mix,
                             .nrequests = 2,
                             .threads = 1,
                             .connections = 4,
                             .max_requests = 400,
                             .keep_alive = true};
    struct run_result mr;
    memset(&mr, 0, sizeof(mr));
    char merr[256] = "";
    if (up) {
        char *w[] = {(char *)tb(), "wrk", "-t1", "-c4", "-d1s", "--no-save", u, NULL};
        rc1 = run_cmd(w, &out, NULL, 0, 10000);
        char *a[] = {(char *)tb(), "ab", "-n", "200", "-c", "4", "-k", "-q", "--no-save", u, NULL};
        rc2 = run_cmd(a, &out2, NULL, 0, 10000);
        rc3 = lg_run(&mcfg, &mr, merr, sizeof(merr));
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char *rm[] = {"rm", "-rf", dir, NULL};
    run_cmd(rm, NULL, NULL, 0, 5000);
    ck_assert_msg(up, "nginx with TLS did not start");
    ck_assert_int_eq(rc1, 0);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(strstr(out, "  Engine: curl (https), 1 thread\n"));
    ck_assert_ptr_null(strstr(out, "Socket errors"));
    ck_assert_int_eq(rc2, 0);
    ck_assert_ptr_nonnull(out2);
    ck_assert_ptr_nonnull(strstr(out2, "Engine: curl, 1 worker thread"));
    ck_assert_ptr_nonnull(strstr(out2, "Complete requests:      200\n"));
    ck_assert_ptr_nonnull(strstr(out2, "Failed requests:        0\n"));
    ck_assert_ptr_nonnull(strstr(out2, "Document Length:        5 bytes\n"));
    ck_assert_msg(rc3 == 0, "%s", merr);
    ck_assert_str_eq(mr.engine, "curl");
    ck_assert_uint_eq(mr.requests, 400);
    ck_assert_msg(mr.html_bytes > 2 * 400 + 100 && mr.html_bytes < 4 * 400 - 100,
                  "body bytes %llu: the mix was not honoured", (unsigned long long)mr.html_bytes);
    ck_assert_uint_ge(mr.ntimeline, 1);
    ck_assert_uint_gt(mr.timeline[0].p50_us, 0);
    ck_assert_ptr_nonnull(mr.timeline[0].latency);
    run_result_free(&mr);
    free(out);
    free(out2);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("it_loadgen_cli");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_wrk_latency_layout_matches_wrk);
    tcase_add_test(tc, test_wrk_plain_layout_matches_wrk);
    tcase_add_test(tc, test_wrk_non2xx_layout_matches_wrk);
    tcase_add_test(tc, test_ab_keepalive_layout_matches_ab);
    tcase_add_test(tc, test_ab_close_layout_matches_ab);
    tcase_add_test(tc, test_ab_non2xx_layout_matches_ab);
    tcase_add_test(tc, test_ab_post_no_confidence_layout_matches_ab);
    tcase_add_test(tc, test_live_wrk_and_tierbench_wrk_same_layout);
    tcase_add_test(tc, test_live_ab_and_tierbench_ab_same_layout);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("behaviour");
    tcase_set_timeout(te, 30);
    tcase_add_test(te, test_bad_input_fails_with_one_line);
    tcase_add_test(te, test_fd_limit_below_connections_fails_with_one_line);
    tcase_add_test(te, test_sigint_prints_partial_report);
    tcase_add_test(te, test_wrk_rate_prints_wrk2_percentiles);
    tcase_add_test(te, test_ab_writes_csv_and_gnuplot_files);
    tcase_add_test(te, test_ab_head_and_progress_lines);
    tcase_add_test(te, test_serve_delay_20ms_p50_within_20_to_22ms);
    tcase_add_test(te, test_serve_counts_equal_requests_completed);
    tcase_add_test(te, test_https_runs_on_curl_engine);
    suite_add_tcase(s, te);
    return s;
}

int main(void)
{
    return ck_run(cli_suite());
}
