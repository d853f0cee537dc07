/* bench/naive_civetweb.c: the baseline tierbench serve is measured against in bench/server.sh
 * --naive: CivetWeb used the textbook way, a request handler registered with
 * mg_set_request_handler for /api/health that writes headers with mg_printf and the body with
 * mg_write, 50 threads, a document root, tcp_nodelay and keep-alive on (without those two it
 * would not be a fair baseline at all). Every request then goes through CivetWeb's URI
 * interpretation, handler lookup and authorization check (a failed stat of /.htpasswd).
 *
 * build: cc -O2 -o naive bench/naive_civetweb.c -lcivetweb -lpthread
 * usage: naive PORT DOCROOT */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"status\":\"ok\",\"service\":\"tierbench\"}";

static int health(struct mg_connection *c, void *cbdata)
{
    (void)cbdata;
    mg_printf(c,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
              "Connection: keep-alive\r\n\r\n",
              sizeof(body) - 1);
    mg_write(c, body, sizeof(body) - 1);
    return 200;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: naive PORT DOCROOT\n");
        return 2;
    }
    char listen[64];
    snprintf(listen, sizeof(listen), "127.0.0.1:%s", argv[1]);
    const char *opts[] = {"listening_ports",
                          listen,
                          "num_threads",
                          "50",
                          "document_root",
                          argv[2],
                          "enable_keep_alive",
                          "yes",
                          "tcp_nodelay",
                          "1",
                          NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct mg_context *ctx = mg_start(&cb, NULL, opts);
    if (!ctx) {
        fprintf(stderr, "naive: cannot listen on %s\n", listen);
        return 1;
    }
    mg_set_request_handler(ctx, "/api/health", health, NULL);
    int sig;
    sigwait(&stop, &sig);
    mg_stop(ctx);
    return 0;
}
