/*
 * svcload: load generator for ServicePlane's Service-creation benchmark (issue 4). Driven by
 * scripts/bench-services.sh.
 *
 *   gcc -O2 -Wall -o svcload bench/services/svcload.c -lpthread
 *   svcload create PORT NS PREFIX N CONC [TYPE [SERVER_PID]]
 *       N Services PREFIX-0 .. PREFIX-(N-1) of TYPE (default NodePort; TYPE "Pod" creates ~1 KiB Pods instead,
 *       for the storage benchmark scripts/bench-store.sh and the restart benchmark) created in namespace NS (created if
 *       missing) by CONC threads, each with its own blocking HTTP/1.1 keep-alive connection to
 *       127.0.0.1:PORT, taking the next index from a shared counter. Reports the creates per second over
 *       the whole storm (first send to last response), per-create latency, status counts, and the CPU of
 *       the server (SERVER_PID, from /proc), of svcload itself and of the rest of the machine.
 *   svcload fill PORT NS PREFIX MAX
 *       ClusterIP Services PREFIX-0, PREFIX-1, ... created one at a time until a create does not return 201
 *       (or MAX were created); reports how many were created, how long it took, the failing status and
 *       message, and the status of one more attempt.
 *
 * Every Service gets selector app=PREFIX-i and one port (http 80 -> 8080). Output: "key value" lines on
 * stdout (times in milliseconds unless the key says otherwise, strings with spaces quoted by nothing: the
 * value is the rest of the line); diagnostics on stderr. Every socket operation has a timeout. Exit status
 * 0 if the run completed (whatever the figures), 1 if it could not run, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define BENCH_NAME "svcload"
#include "../common/bench_util.h"
#include "../common/bench_http.h"

#define MAX_CONSECUTIVE_ERRORS 5 /* a thread gives up after this many transport errors in a row */

static void ensure_namespace(const char *name) {
    struct hconn c = {.fd = -1};
    struct resp r;
    char err[256], body[256];
    snprintf(body, sizeof body, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", name);
    if (hreq(&c, "POST", "/api/v1/namespaces", "application/json", body, &r, err, sizeof err))
        die("creating namespace %s: %s", name, err);
    if (r.status != 201 && r.status != 409) die("creating namespace %s: HTTP %d: %.300s", name, r.status, r.body);
    hclose(&c);
    free(c.buf);
}

/* A Pod for TYPE "Pod": ~1 KiB once stored with its defaults, like the storage anchor's rows and etcd's values. */
static void pod_body(char *out, size_t outlen, const char *prefix, long i) {
    snprintf(out, outlen,
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s-%ld\",\"labels\":{\"bench\":\"%s\","
             "\"app\":\"%s-%ld\"},\"annotations\":{\"bench.serviceplane.dev/note\":\"%.*s\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.k8s.io/pause:3.10\","
             "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]}}",
             prefix, i, prefix, prefix, i, 256,
             "padding padding padding padding padding padding padding padding padding padding padding padding "
             "padding padding padding padding padding padding padding padding padding padding padding padding "
             "padding padding padding padding padding padding padding padding padding padding padding padding ");
}

/* The request body of object i: a Pod for TYPE "Pod", else a Service of that type. */
static void object_body(char *out, size_t outlen, const char *prefix, long i, const char *type) {
    if (strcmp(type, "Pod") == 0) {
        pod_body(out, outlen, prefix, i);
        return;
    }
    snprintf(out, outlen,
             "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s-%ld\",\"labels\":{\"bench\":\"%s\"}},"
             "\"spec\":{\"type\":\"%s\",\"selector\":{\"app\":\"%s-%ld\"},"
             "\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}",
             prefix, i, prefix, type, prefix, i);
}

/* ---------------------------------------------------------------- create ------------------------------- */

static const char *g_ns, *g_prefix, *g_type;
static long g_n;
static atomic_long next_index;
static int64_t *lat;            /* per index */
static int *status_of;          /* per index; -1 transport error, 0 not attempted */
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;
static char first_error[512];

static void note_error(const char *fmt, ...) {
    pthread_mutex_lock(&err_mu);
    if (!first_error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_error, sizeof first_error, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&err_mu);
}

static void *create_worker(void *arg) {
    (void)arg;
    struct hconn c = {.fd = -1};
    char path[256], body[2048], err[256];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/%s", g_ns, strcmp(g_type, "Pod") == 0 ? "pods" : "services");
    int consecutive = 0;
    for (;;) {
        long i = atomic_fetch_add(&next_index, 1);
        if (i >= g_n) break;
        object_body(body, sizeof body, g_prefix, i, g_type);
        struct resp r;
        int64_t t0 = now_ns();
        if (hreq(&c, "POST", path, "application/json", body, &r, err, sizeof err)) {
            status_of[i] = -1;
            note_error("create %s-%ld: %s", g_prefix, i, err);
            if (++consecutive >= MAX_CONSECUTIVE_ERRORS) {
                fprintf(stderr, "svcload: a worker gave up after %d transport errors in a row\n", consecutive);
                break;
            }
            continue;
        }
        consecutive = 0;
        lat[i] = now_ns() - t0;
        status_of[i] = r.status;
        if (r.status != 201) {
            char msg[300];
            status_message(r.body, msg, sizeof msg);
            note_error("create %s-%ld: HTTP %d: %s", g_prefix, i, r.status, msg);
        }
    }
    hclose(&c);
    free(c.buf);
    return NULL;
}

static int run_create(const char *ns, const char *prefix, long n, int conc, const char *type, int server_pid) {
    g_ns = ns;
    g_prefix = prefix;
    g_type = type;
    g_n = n;
    lat = calloc((size_t)n, sizeof *lat);
    status_of = calloc((size_t)n, sizeof *status_of);
    ensure_namespace(ns);
    long clk = sysconf(_SC_CLK_TCK);
    long long busy0 = machine_busy_ticks(), srv0 = server_pid ? proc_cpu_ticks(server_pid) : 0;
    double self0 = self_cpu_s();
    pthread_t *th = calloc((size_t)conc, sizeof *th);
    int64_t t0 = now_ns();
    for (int i = 0; i < conc; i++)
        if (pthread_create(&th[i], NULL, create_worker, NULL)) die("pthread_create: %s", strerror(errno));
    for (int i = 0; i < conc; i++) pthread_join(th[i], NULL);
    int64_t t1 = now_ns();
    long long busy1 = machine_busy_ticks(), srv1 = server_pid ? proc_cpu_ticks(server_pid) : 0;
    double self1 = self_cpu_s();
    double secs = (double)(t1 - t0) / 1e9;

    long ok = 0, transport = 0, other = 0, not_attempted = 0;
    int counts[600] = {0};
    int64_t *v = malloc((size_t)n * sizeof *v);
    size_t nv = 0;
    for (long i = 0; i < n; i++) {
        if (status_of[i] == 201) ok++;
        else if (status_of[i] == -1) transport++;
        else if (status_of[i] == 0) not_attempted++;
        else other++;
        if (status_of[i] > 0 && status_of[i] < 600) counts[status_of[i]]++;
        if (status_of[i] > 0) v[nv++] = lat[i];
    }
    kv("mode", "create");
    kv("type", "%s", type);
    kv("concurrency", "%d", conc);
    kv("creates_requested", "%ld", n);
    kv("creates_ok", "%ld", ok);
    kv("creates_other_status", "%ld", other);
    kv("creates_transport_errors", "%ld", transport);
    kv("creates_not_attempted", "%ld", not_attempted);
    for (int s = 0; s < 600; s++)
        if (counts[s]) {
            char key[32];
            snprintf(key, sizeof key, "status_%d", s);
            kv(key, "%d", counts[s]);
        }
    kv("seconds", "%.3f", secs);
    kv("creates_per_s", "%.1f", secs > 0 ? (double)ok / secs : 0);
    report_dist("create_latency", v, nv);
    double busy_cpus = (double)(busy1 - busy0) / (double)clk / secs;
    double srv_cpus = server_pid ? (double)(srv1 - srv0) / (double)clk / secs : 0;
    double self_cpus = (self1 - self0) / secs;
    if (server_pid) kv("server_cpu_pct", "%.1f", 100 * srv_cpus);
    kv("loadgen_cpu_pct", "%.1f", 100 * self_cpus);
    if (server_pid) {
        double other_cpus = busy_cpus - srv_cpus - self_cpus;
        kv("other_cpu_pct", "%.1f", other_cpus > 0 ? 100 * other_cpus : 0);
    }
    if (first_error[0]) {
        kv("first_error", "%s", first_error);
        fprintf(stderr, "svcload: first error: %s\n", first_error);
    }
    free(v);
    free(th);
    return 0;
}

/* ---------------------------------------------------------------- fill --------------------------------- */

static int run_fill(const char *ns, const char *prefix, long max) {
    ensure_namespace(ns);
    struct hconn c = {.fd = -1};
    char path[256], body[1024], err[256], msg[512];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/services", ns);
    int64_t *v = malloc((size_t)(max + 2) * sizeof *v);
    size_t nv = 0;
    long created = 0;
    int fail_status = 0;
    msg[0] = 0;
    int64_t t0 = now_ns(), t_fail = 0;
    long i;
    for (i = 0; i < max; i++) {
        struct resp r;
        object_body(body, sizeof body, prefix, i, "ClusterIP");
        int64_t a = now_ns();
        if (hreq(&c, "POST", path, "application/json", body, &r, err, sizeof err)) die("create %s-%ld: %s", prefix, i, err);
        v[nv++] = now_ns() - a;
        if (r.status != 201) {
            fail_status = r.status;
            status_message(r.body, msg, sizeof msg);
            t_fail = now_ns();
            break;
        }
        created++;
    }
    int64_t t1 = now_ns();
    kv("mode", "fill");
    kv("created", "%ld", created);
    kv("fill_seconds", "%.3f", (double)((t_fail ? t_fail : t1) - t0) / 1e9);
    if (t_fail) {
        kv("failed_index", "%ld", i);
        kv("fail_status", "%d", fail_status);
        kv("fail_message", "%s", msg);
        /* one more attempt, with another name: still full? */
        struct resp r;
        object_body(body, sizeof body, prefix, max + 1, "ClusterIP");
        if (hreq(&c, "POST", path, "application/json", body, &r, err, sizeof err)) die("extra create: %s", err);
        status_message(r.body, msg, sizeof msg);
        kv("again_status", "%d", r.status);
        kv("again_message", "%s", msg);
    } else {
        kv("fail_status", "0");
    }
    report_dist("create_latency", v, nv);
    hclose(&c);
    free(c.buf);
    free(v);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: svcload create PORT NS PREFIX N CONC [TYPE [SERVER_PID]] | svcload fill PORT NS PREFIX MAX\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = atoi(argv[2]);
    if (port <= 0 || port > 65535) return 2;
    http_target(port);
    if (strcmp(argv[1], "create") == 0 && argc >= 7) {
        long n = atol(argv[5]);
        int conc = atoi(argv[6]);
        const char *type = argc > 7 ? argv[7] : "NodePort";
        int pid = argc > 8 ? atoi(argv[8]) : 0;
        if (n < 1 || conc < 1 || conc > 1024 || pid < 0) return 2;
        return run_create(argv[3], argv[4], n, conc, type, pid);
    }
    if (strcmp(argv[1], "fill") == 0) {
        long max = atol(argv[5]);
        if (max < 1) return 2;
        return run_fill(argv[3], argv[4], max);
    }
    fprintf(stderr, "svcload: unknown mode %s\n", argv[1]);
    return 2;
}
