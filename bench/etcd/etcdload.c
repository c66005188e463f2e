/*
 * etcdload: load generator for the etcd peer anchor of `make bench` (scripts/bench-store.sh, bench-watch.sh,
 * bench-restart.sh). It speaks to etcd 3.4 through its JSON gateway (/v3/kv/put, /v3/kv/txn, /v3/kv/range,
 * /v3/watch) over plain HTTP/1.1 keep-alive, from C, so that the client costs far less than etcd's own work
 * per request (etcdctl, a Go client, would start a process per call; a Python client would be the bottleneck).
 * Keys are PREFIX/00000000 .. PREFIX/N-1, values VALUE_BYTES of Pod-like JSON; both base64 as the gateway wants.
 *
 *   gcc -O2 -Wall -o etcdload bench/etcd/etcdload.c -lpthread
 *   etcdload put   PORT PREFIX N CONC VALUE_BYTES [ETCD_PID]  N puts at concurrency CONC (one thread and
 *                  keep-alive connection each); puts/s, latency; then verifies: every put 200 with its own
 *                  revision (no duplicate), and a count-only range over the prefix finds exactly N keys.
 *   etcdload fill  PORT PREFIX N VALUE_BYTES                   N keys in transactions of 100 puts (etcd's
 *                  --max-txn-ops is 128), then the same count check: the fast way to store 100k keys.
 *   etcdload watch PORT PREFIX K N VALUE_BYTES                 K watchers (POST /v3/watch, one thread and
 *                  streaming connection each) on the prefix, then N puts at concurrency 1; every watcher must
 *                  get every revision exactly once and in order; delivery latency = watcher receipt - arrival
 *                  of the put's response (the definition bench/watch/watchload.c uses for serviceplane).
 *
 * Output: "key value" lines on stdout, diagnostics on stderr. Exit status 0 if the run completed and verified,
 * 1 if it could not run or a check failed (the reason on stderr), 2 on usage errors. Every wait has a deadline.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "etcdload"
#include "../common/bench_util.h"
#include "../common/bench_http.h"

#define TXN_OPS 100              /* puts per transaction in fill mode */
#define WATCH_SETUP_S 30         /* all watchers created within this */
#define EVENT_DEADLINE_S 60      /* after the last put, every event within this */

static const char *g_prefix;
static long g_n;
static int g_value_bytes;
static char *g_value_b64;        /* the same value for every key (etcd stores it whole; the content is irrelevant) */

/* ---------------------------------------------------------------- base64 and request bodies ----------- */

static void b64(const unsigned char *in, size_t n, char *out) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
}

static void b64s(const char *s, char *out) { b64((const unsigned char *)s, strlen(s), out); }

static void make_value(int bytes) {
    char *v = malloc((size_t)bytes + 1);
    if (!v) die("out of memory");
    const char *pod = "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"bench\",\"namespace\":\"bench\"},"
                      "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.k8s.io/pause:3.10\"}]},\"note\":\"";
    size_t pl = strlen(pod);
    for (int i = 0; i < bytes; i++) v[i] = (size_t)i < pl ? pod[i] : 'x';
    if (bytes > 2) {
        v[bytes - 2] = '"';
        v[bytes - 1] = '}';
    }
    v[bytes] = 0;
    g_value_b64 = malloc((size_t)bytes * 4 / 3 + 8);
    if (!g_value_b64) die("out of memory");
    b64((const unsigned char *)v, (size_t)bytes, g_value_b64);
    free(v);
}

static void key_b64(long i, char *out) {
    char key[256];
    snprintf(key, sizeof key, "%s/%08ld", g_prefix, i);
    b64s(key, out);
}

/* the JSON field "revision":"N" (the response header's) or 0 */
static uint64_t header_revision(const char *body) {
    const char *p = strstr(body, "\"revision\":\"");
    return p ? strtoull(p + 12, NULL, 10) : 0;
}

/* Counts the keys under PREFIX/ with a count-only range; -1 on error. If rev is not NULL, also the store's
 * current revision (the response header's). */
static long count_keys_at(uint64_t *rev) {
    char start[512], end[512], body[1200], key[300], err[256];
    snprintf(key, sizeof key, "%s/", g_prefix);
    b64s(key, start);
    snprintf(key, sizeof key, "%s0", g_prefix);   /* '0' follows '/': the end of the prefix range */
    b64s(key, end);
    snprintf(body, sizeof body, "{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true}", start, end);
    struct hconn c = {.fd = -1};
    struct resp r;
    long count = -1;
    if (hreq(&c, "POST", "/v3/kv/range", "application/json", body, &r, err, sizeof err) == 0 && r.status == 200) {
        const char *p = strstr(r.body, "\"count\":\"");
        count = p ? atol(p + 9) : 0;   /* the gateway omits a zero count */
        if (rev) *rev = header_revision(r.body);
    } else {
        fprintf(stderr, "etcdload: count: %s\n", err);
    }
    hclose(&c);
    free(c.buf);
    return count;
}

static long count_keys(void) { return count_keys_at(NULL); }

/* ---------------------------------------------------------------- put --------------------------------- */

static atomic_long next_index;
static int64_t *lat;
static uint64_t *rev_of;
static atomic_long put_errors;

static int put_one(struct hconn *c, long i, char *body, size_t cap, uint64_t *rev) {
    char k[512], err[256];
    struct resp r;
    key_b64(i, k);
    snprintf(body, cap, "{\"key\":\"%s\",\"value\":\"%s\"}", k, g_value_b64);
    if (hreq(c, "POST", "/v3/kv/put", "application/json", body, &r, err, sizeof err)) {
        if (atomic_fetch_add(&put_errors, 1) == 0) fprintf(stderr, "etcdload: put %ld: %s\n", i, err);
        return -1;
    }
    if (r.status != 200) {
        if (atomic_fetch_add(&put_errors, 1) == 0) fprintf(stderr, "etcdload: put %ld: HTTP %d %.200s\n", i, r.status, r.body);
        return -1;
    }
    *rev = header_revision(r.body);
    return 0;
}

static void *put_worker(void *arg) {
    (void)arg;
    struct hconn c = {.fd = -1};
    size_t cap = (size_t)g_value_bytes * 2 + 1024;
    char *body = malloc(cap);
    if (!body) die("out of memory");
    for (;;) {
        long i = atomic_fetch_add(&next_index, 1);
        if (i >= g_n) break;
        int64_t t0 = now_ns();
        if (put_one(&c, i, body, cap, &rev_of[i]) == 0) lat[i] = now_ns() - t0;
    }
    hclose(&c);
    free(c.buf);
    free(body);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* every put answered with a revision of its own, and the prefix holds exactly N keys */
static int verify_puts(long ok) {
    uint64_t *r = malloc((size_t)g_n * sizeof *r);
    long nr = 0, dup = 0;
    for (long i = 0; i < g_n; i++)
        if (rev_of[i]) r[nr++] = rev_of[i];
    qsort(r, (size_t)nr, sizeof *r, cmp_u64);
    for (long i = 1; i < nr; i++) dup += r[i] == r[i - 1];
    free(r);
    long count = count_keys();
    kv("puts_with_revision", "%ld", nr);
    kv("revision_duplicates", "%ld", dup);
    kv("keys_counted", "%ld", count);
    int ok_all = ok == g_n && nr == g_n && dup == 0 && count == g_n;
    kv("verified", "%d", ok_all);
    if (!ok_all) fprintf(stderr, "etcdload: verification failed: %ld of %ld puts ok, %ld revisions, %ld duplicate, %ld keys\n",
                         ok, g_n, nr, dup, count);
    return ok_all ? 0 : 1;
}

static int run_put(int conc, int etcd_pid) {
    lat = calloc((size_t)g_n, sizeof *lat);
    rev_of = calloc((size_t)g_n, sizeof *rev_of);
    if (!lat || !rev_of) die("out of memory");
    long long srv0 = etcd_pid ? proc_cpu_ticks(etcd_pid) : 0, busy0 = machine_busy_ticks();
    double self0 = self_cpu_s();
    pthread_t *th = calloc((size_t)conc, sizeof *th);
    int64_t t0 = now_ns();
    for (int i = 0; i < conc; i++)
        if (pthread_create(&th[i], NULL, put_worker, NULL)) die("pthread_create failed");
    for (int i = 0; i < conc; i++) pthread_join(th[i], NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    long clk = sysconf(_SC_CLK_TCK);
    long long srv1 = etcd_pid ? proc_cpu_ticks(etcd_pid) : 0, busy1 = machine_busy_ticks();
    double self1 = self_cpu_s();
    long ok = g_n - atomic_load(&put_errors);
    int64_t *v = malloc((size_t)g_n * sizeof *v);
    size_t nv = 0;
    for (long i = 0; i < g_n; i++)
        if (rev_of[i]) v[nv++] = lat[i];
    kv("mode", "put");
    kv("concurrency", "%d", conc);
    kv("value_bytes", "%d", g_value_bytes);
    kv("puts_requested", "%ld", g_n);
    kv("puts_ok", "%ld", ok);
    kv("seconds", "%.3f", secs);
    kv("puts_per_s", "%.1f", secs > 0 ? (double)ok / secs : 0);
    report_dist("put_latency", v, nv);
    if (etcd_pid) {
        double srv = (double)(srv1 - srv0) / (double)clk / secs, self = (self1 - self0) / secs;
        double other = (double)(busy1 - busy0) / (double)clk / secs - srv - self;
        kv("server_cpu_pct", "%.1f", 100 * srv);
        kv("loadgen_cpu_pct", "%.1f", 100 * self);
        kv("other_cpu_pct", "%.1f", other > 0 ? 100 * other : 0);
    }
    free(v);
    free(th);
    return verify_puts(ok);
}

/* ---------------------------------------------------------------- fill -------------------------------- */

static int run_fill(void) {
    size_t cap = (size_t)TXN_OPS * ((size_t)g_value_bytes * 2 + 600) + 64;
    char *body = malloc(cap), k[512], err[256];
    if (!body) die("out of memory");
    struct hconn c = {.fd = -1};
    long done = 0;
    int64_t t0 = now_ns();
    while (done < g_n) {
        size_t o = (size_t)snprintf(body, cap, "{\"success\":[");
        long end = done + TXN_OPS < g_n ? done + TXN_OPS : g_n;
        for (long i = done; i < end; i++) {
            key_b64(i, k);
            o += (size_t)snprintf(body + o, cap - o, "%s{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\"}}",
                                  i > done ? "," : "", k, g_value_b64);
        }
        snprintf(body + o, cap - o, "]}");
        struct resp r;
        if (hreq(&c, "POST", "/v3/kv/txn", "application/json", body, &r, err, sizeof err)) die("txn: %s", err);
        if (r.status != 200) die("txn: HTTP %d %.300s", r.status, r.body);
        done = end;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    hclose(&c);
    free(c.buf);
    free(body);
    long count = count_keys();
    kv("mode", "fill");
    kv("keys", "%ld", g_n);
    kv("seconds", "%.3f", secs);
    kv("keys_counted", "%ld", count);
    kv("verified", "%d", count == g_n);
    if (count != g_n) fprintf(stderr, "etcdload: fill: %ld keys counted, %ld expected\n", count, g_n);
    return count == g_n ? 0 : 1;
}

/* ---------------------------------------------------------------- watch ------------------------------- */

struct watcher {
    pthread_t thread;
    int index;
    int64_t *recv;               /* per put index: receipt time, 0 = not yet */
    long received, duplicates, out_of_order, unexpected;
    uint64_t last_rev;
    int created, failed;
};

static struct watcher *watchers;
static int g_k;
static atomic_int watchers_created, stop_watchers;
static atomic_long events_total;
static _Atomic uint64_t first_rev;  /* revision of put 0; events map to put index rev - first_rev */
static int64_t *put_back;           /* per put index: arrival of the put's response */

static void watch_line(struct watcher *w, const char *line, int64_t t) {
    if (strstr(line, "\"created\":true")) {
        w->created = 1;
        atomic_fetch_add(&watchers_created, 1);
    }
    for (const char *p = strstr(line, "\"mod_revision\":\""); p; p = strstr(p + 16, "\"mod_revision\":\"")) {
        uint64_t rev = strtoull(p + 16, NULL, 10), base = atomic_load(&first_rev);
        if (rev <= w->last_rev) w->out_of_order++;
        w->last_rev = rev;
        if (base == 0 || rev < base || rev - base >= (uint64_t)g_n) {
            w->unexpected++;
            continue;
        }
        long idx = (long)(rev - base);
        if (w->recv[idx]) {
            w->duplicates++;
            continue;
        }
        w->recv[idx] = t;
        w->received++;
        atomic_fetch_add(&events_total, 1);
    }
}

static void *watch_thread(void *arg) {
    struct watcher *w = arg;
    struct hconn c = {.fd = -1};
    char start[512], end[512], key[300], req[2048], err[256];
    if (hconnect(&c) < 0) {
        fprintf(stderr, "etcdload: watcher %d: connect failed\n", w->index);
        w->failed = 1;
        return NULL;
    }
    struct timeval tv = {0, 200000};   /* wake every 200 ms to see stop_watchers */
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    snprintf(key, sizeof key, "%s/", g_prefix);
    b64s(key, start);
    snprintf(key, sizeof key, "%s0", g_prefix);
    b64s(key, end);
    char body[1200];
    int bl = snprintf(body, sizeof body, "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\"}}", start, end);
    int n = snprintf(req, sizeof req, "POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                     "Content-Length: %d\r\n\r\n%s", http_port, bl, body);
    if (send_all(&c, req, (size_t)n, err, sizeof err)) {
        fprintf(stderr, "etcdload: watcher %d: %s\n", w->index, err);
        w->failed = 1;
        return NULL;
    }
    /* raw: bytes read, not yet decoded; line: decoded body bytes up to the next '\n' */
    size_t rawcap = 1 << 16, raw = 0, pos = 0, linecap = 1 << 16, line = 0;
    char *rb = malloc(rawcap), *lb = malloc(linecap);
    int headers_done = 0;
    long chunk_left = -1;   /* -1: expecting a chunk-size line; >0: data bytes left; -2: expecting its CRLF */
    while (!atomic_load(&stop_watchers)) {
        if (raw == rawcap) {
            rb = realloc(rb, rawcap *= 2);
        }
        ssize_t got = recv(c.fd, rb + raw, rawcap - raw, 0);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (got <= 0) {
            if (!atomic_load(&stop_watchers)) {
                fprintf(stderr, "etcdload: watcher %d: stream ended\n", w->index);
                w->failed = 1;
            }
            break;
        }
        int64_t t = now_ns();
        raw += (size_t)got;
        if (!headers_done) {
            char *e = memmem(rb, raw, "\r\n\r\n", 4);
            if (!e) continue;
            int status = 0;
            sscanf(rb, "HTTP/1.%*d %d", &status);
            if (status != 200) {
                fprintf(stderr, "etcdload: watcher %d: HTTP %d\n", w->index, status);
                w->failed = 1;
                break;
            }
            pos = (size_t)(e - rb) + 4;
            headers_done = 1;
        }
        for (;;) {
            if (chunk_left == -2) {  /* the CRLF after a chunk's data */
                if (raw - pos < 2) break;
                pos += 2;
                chunk_left = -1;
            } else if (chunk_left == -1) {
                char *crlf = memmem(rb + pos, raw - pos, "\r\n", 2);
                if (!crlf) break;
                chunk_left = strtol(rb + pos, NULL, 16);
                pos = (size_t)(crlf - rb) + 2;
                if (chunk_left == 0) goto done;   /* the stream's last chunk */
            } else if (chunk_left > 0) {
                size_t take = raw - pos < (size_t)chunk_left ? raw - pos : (size_t)chunk_left;
                if (take == 0) break;
                for (size_t i = 0; i < take; i++) {
                    char ch = rb[pos + i];
                    if (ch == '\n') {
                        lb[line] = 0;
                        watch_line(w, lb, t);
                        line = 0;
                    } else {
                        if (line + 1 >= linecap) lb = realloc(lb, linecap *= 2);
                        lb[line++] = ch;
                    }
                }
                pos += take;
                chunk_left -= (long)take;
                if (chunk_left == 0) chunk_left = -2;
            } else {
                break;
            }
        }
        memmove(rb, rb + pos, raw - pos);
        raw -= pos;
        pos = 0;
    }
done:
    hclose(&c);
    free(c.buf);
    free(rb);
    free(lb);
    return NULL;
}

static int run_watch(int k) {
    g_k = k;
    watchers = calloc((size_t)k, sizeof *watchers);
    put_back = calloc((size_t)g_n, sizeof *put_back);
    rev_of = calloc((size_t)g_n, sizeof *rev_of);
    if (!watchers || !put_back || !rev_of) die("out of memory");
    for (int i = 0; i < k; i++) {
        watchers[i].index = i;
        watchers[i].recv = calloc((size_t)g_n, sizeof(int64_t));
        if (!watchers[i].recv) die("out of memory");
        if (pthread_create(&watchers[i].thread, NULL, watch_thread, &watchers[i])) die("pthread_create failed");
    }
    int64_t deadline = now_ns() + (int64_t)WATCH_SETUP_S * 1000000000LL;
    while (atomic_load(&watchers_created) < k && now_ns() < deadline) usleep(10000);
    int created = atomic_load(&watchers_created);
    if (created < k) fprintf(stderr, "etcdload: only %d of %d watchers created within %d s\n", created, k, WATCH_SETUP_S);

    struct hconn c = {.fd = -1};
    size_t cap = (size_t)g_value_bytes * 2 + 1024;
    char *body = malloc(cap);
    int64_t *rtt = malloc((size_t)g_n * sizeof *rtt);
    long ok = 0;
    uint64_t current = 0;
    if (count_keys_at(&current) < 0 || current == 0) die("could not read the current revision");
    atomic_store(&first_rev, current + 1);   /* no other writer: put i gets revision current + 1 + i */
    int64_t t0 = now_ns();
    for (long i = 0; i < g_n && created == k; i++) {
        int64_t a = now_ns();
        uint64_t rev;
        if (put_one(&c, i, body, cap, &rev)) break;
        put_back[i] = now_ns();
        rtt[ok++] = put_back[i] - a;
        rev_of[i] = rev;
        if (rev != current + 1 + (uint64_t)i) die("put %ld got revision %llu, expected %llu: another writer?", i,
                                                  (unsigned long long)rev, (unsigned long long)(current + 1 + (uint64_t)i));
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    long want = (long)k * ok;
    deadline = now_ns() + (int64_t)EVENT_DEADLINE_S * 1000000000LL;
    while (atomic_load(&events_total) < want && now_ns() < deadline) usleep(10000);
    usleep(200000);   /* a moment for duplicates to show */
    atomic_store(&stop_watchers, 1);
    for (int i = 0; i < k; i++) pthread_join(watchers[i].thread, NULL);

    int64_t *dl = malloc((size_t)want * sizeof *dl + 8);
    size_t nd = 0;
    long missing = 0, dup = 0, ooo = 0, unexpected = 0, failed = 0;
    for (int i = 0; i < k; i++) {
        struct watcher *w = &watchers[i];
        dup += w->duplicates;
        ooo += w->out_of_order;
        unexpected += w->unexpected;
        failed += w->failed;
        for (long j = 0; j < ok; j++) {
            if (!w->recv[j]) missing++;
            else dl[nd++] = w->recv[j] - put_back[j];
        }
    }
    kv("mode", "watch");
    kv("watchers_requested", "%d", k);
    kv("watchers_created", "%d", created);
    kv("watchers_failed", "%ld", failed);
    kv("puts_ok", "%ld", ok);
    kv("puts_per_s", "%.1f", secs > 0 ? (double)ok / secs : 0);
    kv("events_expected", "%ld", (long)k * g_n);
    kv("events_received", "%zu", nd);
    kv("events_missing", "%ld", missing + (long)k * (g_n - ok));
    kv("events_duplicate", "%ld", dup);
    kv("events_out_of_order", "%ld", ooo);
    kv("events_unexpected", "%ld", unexpected);
    report_dist("delivery", dl, nd);
    report_dist("put_rtt", rtt, (size_t)ok);
    int verified = created == k && ok == g_n && missing == 0 && dup == 0 && ooo == 0 && unexpected == 0 && failed == 0;
    kv("verified", "%d", verified);
    if (!verified) fprintf(stderr, "etcdload: watch verification failed (see the figures)\n");
    hclose(&c);
    free(c.buf);
    return verified ? 0 : 1;
}

int main(int argc, char **argv) {
    const char *usage = "usage: etcdload put PORT PREFIX N CONC VALUE_BYTES [ETCD_PID] | fill PORT PREFIX N VALUE_BYTES |"
                        " watch PORT PREFIX K N VALUE_BYTES\n";
    if (argc < 6) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = atoi(argv[2]);
    if (port <= 0 || port > 65535) return 2;
    http_target(port);
    g_prefix = argv[3];
    if (strcmp(argv[1], "put") == 0 && argc >= 7) {
        g_n = atol(argv[4]);
        int conc = atoi(argv[5]);
        g_value_bytes = atoi(argv[6]);
        int pid = argc > 7 ? atoi(argv[7]) : 0;
        if (g_n < 1 || conc < 1 || conc > 1024 || g_value_bytes < 16) return 2;
        make_value(g_value_bytes);
        return run_put(conc, pid);
    }
    if (strcmp(argv[1], "fill") == 0) {
        g_n = atol(argv[4]);
        g_value_bytes = atoi(argv[5]);
        if (g_n < 1 || g_value_bytes < 16) return 2;
        make_value(g_value_bytes);
        return run_fill();
    }
    if (strcmp(argv[1], "watch") == 0 && argc >= 7) {
        int k = atoi(argv[4]);
        g_n = atol(argv[5]);
        g_value_bytes = atoi(argv[6]);
        if (k < 1 || k > 10000 || g_n < 1 || g_value_bytes < 16) return 2;
        make_value(g_value_bytes);
        return run_watch(k);
    }
    fputs(usage, stderr);
    return 2;
}
