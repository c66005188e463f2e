/*
 * http_anchor: the benchmark ceiling for ServicePlane's HTTP layer.
 *
 * A minimal libmicrohttpd server with the same daemon flags as Sources/HTTPServer (internal polling thread
 * pool of 2, epoll, suspend/resume allowed, keep-alive) that answers every request with a fixed JSON body:
 * a ~380-byte Service by default, or a ~1 MB ServiceList when started with a second argument. It does the
 * least work a real server must do per request: one response object per request (body not copied), one
 * Content-Type header, the usual "headers first, reply on the next call" access-handler dance.
 *
 *   gcc -O2 -o /tmp/http_anchor bench/anchors/http_anchor.c -lmicrohttpd
 *   /tmp/http_anchor PORT [large]     # PORT 0 picks a free port; prints "READY http://127.0.0.1:PORT"
 *   /tmp/http_anchor PORT file:PATH   # serves the bytes of PATH (what the subject serves, e.g. a 1,000-Pod list)
 *
 * Exits cleanly on SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SERVICE_JSON[] =
    "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
    "\"uid\":\"6f1c1b9e-4f7a-4c39-9d7e-2b8f0c1a7e55\",\"resourceVersion\":\"1042\","
    "\"creationTimestamp\":\"2025-01-01T00:00:00Z\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"ports\":"
    "[{\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080}],\"selector\":{\"app\":\"web\"},"
    "\"clusterIP\":\"10.96.0.17\",\"type\":\"ClusterIP\"},\"status\":{\"loadBalancer\":{}}}";

static const char *body;
static size_t body_length;

/* Builds {"kind":"ServiceList",...,"items":[SERVICE, SERVICE, ...]} of at least one megabyte. */
static void build_large_body(void) {
    const char *head = "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1042\"},\"items\":[";
    size_t item = strlen(SERVICE_JSON);
    size_t count = 1000000 / (item + 1) + 1;
    size_t capacity = strlen(head) + count * (item + 1) + 3;
    char *buffer = malloc(capacity);
    if (buffer == NULL) {
        perror("malloc");
        exit(1);
    }
    size_t length = 0;
    memcpy(buffer, head, strlen(head));
    length += strlen(head);
    for (size_t i = 0; i < count; i++) {
        if (i > 0) buffer[length++] = ',';
        memcpy(buffer + length, SERVICE_JSON, item);
        length += item;
    }
    buffer[length++] = ']';
    buffer[length++] = '}';
    body = buffer;
    body_length = length;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **req_cls) {
    static int headers_seen;
    (void) cls;
    (void) url;
    (void) method;
    (void) version;
    (void) upload_data;
    if (*req_cls == NULL) {
        *req_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* discard request bodies */
        return MHD_YES;
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(body_length, (void *) body, MHD_RESPMEM_PERSISTENT);
    if (response == NULL) return MHD_NO;
    MHD_add_response_header(response, "Content-Type", "application/json");
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

int main(int argc, char **argv) {
    unsigned port = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 0;
    if (argc > 2 && strncmp(argv[2], "file:", 5) == 0) {
        /* Serve exactly the bytes the subject serves, so both sides put the same payload on the wire. */
        FILE *file = fopen(argv[2] + 5, "rb");
        if (file == NULL) { perror("anchor body file"); return 1; }
        fseek(file, 0, SEEK_END);
        long size = ftell(file);
        rewind(file);
        char *buffer = malloc(size > 0 ? (size_t) size : 1);
        if (buffer == NULL || size <= 0) { fprintf(stderr, "http_anchor: empty or unreadable body file\n"); return 1; }
        body_length = fread(buffer, 1, (size_t) size, file);
        fclose(file);
        body = buffer;
    } else if (argc > 2) {
        build_large_body();
    } else {
        body = SERVICE_JSON;
        body_length = strlen(SERVICE_JSON);
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    /* Block before MHD starts its threads so only sigwait below receives these signals. */
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t) port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
        (uint16_t) port, NULL, NULL, &answer, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) 2,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 10000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 120,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
        MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "http_anchor: could not start libmicrohttpd on port %u\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    printf("READY http://127.0.0.1:%u\n", info != NULL ? (unsigned) info->port : port);
    fflush(stdout);

    int received = 0;
    sigwait(&signals, &received);
    MHD_stop_daemon(daemon);
    return 0;
}
