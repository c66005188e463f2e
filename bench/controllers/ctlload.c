/*
 * ctlload: load generator for ServicePlane's controller benchmark (issue 5). Driven by
 * scripts/bench-controllers.sh.
 *
 *   gcc -O2 -Wall -o ctlload bench/controllers/ctlload.c -lpthread
 *   ctlload PORT NS SERVICES PODS_PER CONNS ORDER FLIPS [SERVER_PID]
 *
 * Against a serviceplane with its controllers and pod simulator on (127.0.0.1:PORT), in namespace NS:
 *
 *  1. setup: SERVICES Services svc-<i> (selector app=svc-<i>, port http 80 -> 8080), created over CONNS
 *     keep-alive connections; GET /debug/controllers/sync (its resourceVersion is RV0: the placeholder slices
 *     exist). Then two watches: endpointslices of NS and pods of NS, both without a resourceVersion, so they
 *     start with the current state as ADDED events (the placeholders); waits until every Service has its slice.
 *  2. converge: SERVICES x PODS_PER Pods svc-<i>-<j> (label app=svc-<i>, container port http 8080) created
 *     over CONNS connections, ORDER "grouped" (a Service's Pods one after another) or "spread" (round robin
 *     over the Services). The pod watch notes when each Pod becomes Ready (condition Ready=True) and so the
 *     moment the last one did; the slice watch keeps every Service's slices (ready / total endpoints per
 *     slice) and notes the moment every Service is correct: exactly one slice, PODS_PER endpoints, all ready.
 *     As soon as the last Pod is Ready, GET /debug/controllers/sync, then a list of the namespace's
 *     endpointslices checked the same way ("sync then verify", what a test would do). Then QUIET_MS more
 *     of watching, to catch late writes. Writes per Service = slice events with resourceVersion > RV0.
 *  3. flip: FLIPS samples; sample s takes Service (s*379) % SERVICES and its Pod s % PODS_PER, opens a watch on
 *     endpointslices with labelSelector kubernetes.io/service-name=<svc> from the resourceVersion of a list
 *     with that selector, then PATCHes (merge patch) the Pod's annotation serviceplane.dev/ready to "false"
 *     and waits for the MODIFIED event in which that Pod's endpoint has ready=false; then the same back to
 *     "true" (ready=true). Latency = event receipt - arrival of the PATCH response (negative when the event
 *     came first), also from the PATCH sent.
 *
 * Output: "key value" lines on stdout (times in milliseconds); diagnostics on stderr. Every wait has a
 * deadline. Exit status 0 if the run completed (whatever the figures), 1 if it could not run, 2 on usage
 * errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

#define BENCH_NAME "ctlload"
#include "../common/bench_util.h"
#include "../common/bench_net.h"
#include "../common/bench_proc.h"

#define IO_TIMEOUT_S 30           /* blocking socket send/receive timeout */
#define SYNC_TIMEOUT_S 120        /* GET /debug/controllers/sync?timeoutSeconds= */
#define SETUP_DEADLINE_S 60       /* placeholders seen by the slice watch */
#define READY_DEADLINE_S 180      /* after the last Pod create: every Pod Ready, every slice correct */
#define QUIET_MS 1000             /* watching on after sync+verify, for late writes */
#define FLIP_DEADLINE_MS 5000     /* one flip: PATCH response and the matching slice event */
#define MAX_SLICES 8              /* slices remembered per Service */
#define MAX_CONSECUTIVE_ERRORS 5

static int port;
static struct sockaddr_in server_addr;
static const char *ns;
static int nsvc, per, conns_n, flips, server_pid;
static int spread_order;

/* CPU of the server, of ctlload and of the rest of the machine between two snapshots, as "PREFIX_*_cpu_pct" */
struct cpu_snap { long long busy, srv; double self; int64_t t; };
static struct cpu_snap cpu_snap(void) {
    struct cpu_snap s = {machine_busy_ticks(), server_pid ? proc_cpu_ticks(server_pid) : 0, self_cpu_s(), now_ns()};
    return s;
}
static void report_cpu(const char *prefix, struct cpu_snap a, struct cpu_snap b) {
    double secs = (double)(b.t - a.t) / 1e9, clk = (double)sysconf(_SC_CLK_TCK);
    if (secs <= 0) return;
    char key[128];
    double busy = (double)(b.busy - a.busy) / clk / secs, srv = (double)(b.srv - a.srv) / clk / secs,
           self = (b.self - a.self) / secs;
    if (server_pid) {
        snprintf(key, sizeof key, "%s_server_cpu_pct", prefix);
        kv(key, "%.1f", 100 * srv);
    }
    snprintf(key, sizeof key, "%s_loadgen_cpu_pct", prefix);
    kv(key, "%.1f", 100 * self);
    if (server_pid) {
        snprintf(key, sizeof key, "%s_other_cpu_pct", prefix);
        kv(key, "%.1f", busy - srv - self > 0 ? 100 * (busy - srv - self) : 0);
    }
}

/* ---------------------------------------------------------------- blocking keep-alive client ---------- */

struct hconn {
    int fd;
    char *buf;
    size_t cap;
};

struct resp {
    int status;
    char *body; /* NUL-terminated, inside the connection's buffer, chunk framing removed */
    size_t body_len;
};

static void hclose(struct hconn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static int format_request(char *req, size_t cap, const char *method, const char *path, const char *ctype,
                          const char *body) {
    int n = body ? snprintf(req, cap,
                            "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n"
                            "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                            method, path, port, ctype, strlen(body), body)
                 : snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n",
                            method, path, port);
    if (n < 0 || (size_t)n >= cap) die("request too large");
    return n;
}

static int send_all(int fd, const char *p, size_t n) {
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, p + off, n - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* Response parsing over c->buf[0..have): 1 when complete (r filled), 0 when more is needed, -1 on error */
static int parse_response(struct hconn *c, size_t have, struct resp *r, int *conn_close, char *err, size_t errlen) {
    char *e = strstr(c->buf, "\r\n\r\n");
    if (!e) return 0;
    size_t hdr_end = (size_t)(e - c->buf) + 4;
    if (sscanf(c->buf, "HTTP/1.%*d %d", &r->status) != 1) {
        snprintf(err, errlen, "bad status line");
        return -1;
    }
    char *cc = strcasestr(c->buf, "\r\nconnection: close");
    *conn_close = cc && cc < e;
    char *cl = strcasestr(c->buf, "\r\ncontent-length:");
    if (cl && cl < e) {
        size_t need = hdr_end + (size_t)strtoul(cl + 17, NULL, 10);
        if (have < need) return 0;
        r->body = c->buf + hdr_end;
        r->body_len = need - hdr_end;
        r->body[r->body_len] = 0;
        return 1;
    }
    char *te = strcasestr(c->buf, "\r\ntransfer-encoding: chunked");
    if (!te || te > e) {
        snprintf(err, errlen, "response has neither Content-Length nor chunked encoding");
        return -1;
    }
    if (have < hdr_end + 5 || memcmp(c->buf + have - 5, "0\r\n\r\n", 5) != 0) return 0;
    long d = dechunk(c->buf + hdr_end, have - hdr_end);
    if (d < 0) {
        snprintf(err, errlen, "bad chunked framing");
        return -1;
    }
    r->body = c->buf + hdr_end;
    r->body_len = (size_t)d;
    return 1;
}

static void grow(struct hconn *c, size_t have) {
    if (have + 1 < c->cap) return;
    c->cap = c->cap ? c->cap * 2 : 1 << 16;
    c->buf = realloc(c->buf, c->cap);
    if (!c->buf) die("out of memory");
}

static int hreq_once(struct hconn *c, const char *method, const char *path, const char *ctype, const char *body,
                     struct resp *r, char *err, size_t errlen, int timeout_s, int *reused_and_silent);

/* One request/response on a blocking keep-alive connection. 0, or -1 with err (connection then closed).
   A GET on a kept-alive connection the server closed meanwhile (idle timeout) is retried once on a new one. */
static int hreq_t(struct hconn *c, const char *method, const char *path, const char *ctype, const char *body,
                  struct resp *r, char *err, size_t errlen, int timeout_s) {
    int silent = 0;
    int rc = hreq_once(c, method, path, ctype, body, r, err, errlen, timeout_s, &silent);
    if (rc < 0 && silent && strcmp(method, "GET") == 0)
        rc = hreq_once(c, method, path, ctype, body, r, err, errlen, timeout_s, &silent);
    return rc;
}

static int hreq_once(struct hconn *c, const char *method, const char *path, const char *ctype, const char *body,
                     struct resp *r, char *err, size_t errlen, int timeout_s, int *reused_and_silent) {
    int reused = c->fd >= 0;
    *reused_and_silent = 0;
    if (c->fd < 0) {
        c->fd = loopback_connect(&server_addr, timeout_s);
        if (c->fd < 0) {
            snprintf(err, errlen, "connect: %s", strerror(errno));
            return -1;
        }
    }
    char req[8192];
    int n = format_request(req, sizeof req, method, path, ctype, body);
    if (send_all(c->fd, req, (size_t)n) < 0) {
        snprintf(err, errlen, "send: %s", strerror(errno));
        *reused_and_silent = reused;
        hclose(c);
        return -1;
    }
    size_t have = 0;
    int conn_close = 0;
    grow(c, 0);
    c->buf[0] = 0;
    for (;;) {
        grow(c, have);
        ssize_t got = recv(c->fd, c->buf + have, c->cap - 1 - have, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            snprintf(err, errlen, "recv: %s",
                     got == 0 ? "connection closed"
                     : (errno == EAGAIN || errno == EWOULDBLOCK) ? "no answer within the socket timeout"
                                                                 : strerror(errno));
            *reused_and_silent = reused && have == 0 && (got == 0 || errno == ECONNRESET);
            hclose(c);
            return -1;
        }
        have += (size_t)got;
        c->buf[have] = 0;
        int rc = parse_response(c, have, r, &conn_close, err, errlen);
        if (rc < 0) {
            hclose(c);
            return -1;
        }
        if (rc == 1) break;
    }
    if (conn_close) hclose(c);
    return 0;
}

static int hreq(struct hconn *c, const char *method, const char *path, const char *ctype, const char *body,
                struct resp *r, char *err, size_t errlen) {
    return hreq_t(c, method, path, ctype, body, r, err, errlen, IO_TIMEOUT_S);
}

/* value of the first "key":"..." in s, copied into out; 0 if absent */
static int str_field(const char *s, const char *key, char *out, size_t outlen) {
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(s, pat);
    if (!p) return 0;
    p += strlen(pat);
    size_t i = 0;
    while (*p && *p != '"' && i + 1 < outlen) out[i++] = *p++;
    out[i] = 0;
    return 1;
}

static size_t count_occ(const char *s, const char *end, const char *needle) {
    size_t n = 0, l = strlen(needle);
    const char *p = s;
    while ((p = memmem(p, (size_t)(end - p), needle, l))) {
        n++;
        p += l;
    }
    return n;
}

/* ---------------------------------------------------------------- watch streams ------------------------ */

typedef void (*line_fn)(char *line, size_t len, int64_t t);

struct watch {
    char path[768];
    line_fn fn;
    int fd;
    int status;
    atomic_int stop;
    atomic_int ended;            /* the server ended the stream (or it failed) before stop */
    int64_t t_headers;
    pthread_t th;
    /* chunk decoding */
    int cstate;
    size_t chunk_left;
    char *line;
    size_t line_len, line_cap;
    char hdr[8192];
    size_t hdr_len;
};

enum { CS_SIZE, CS_EXT, CS_SIZE_LF, CS_DATA, CS_DATA_CR, CS_DATA_LF, CS_END };

static void w_body(struct watch *w, const char *p, size_t n, int64_t t) {
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (w->line_len + take + 1 > w->line_cap) {
            size_t cap = w->line_cap ? w->line_cap : 1 << 16;
            while (cap < w->line_len + take + 1) cap *= 2;
            w->line = realloc(w->line, cap);
            if (!w->line) die("out of memory");
            w->line_cap = cap;
        }
        memcpy(w->line + w->line_len, p, take);
        w->line_len += take;
        if (!nl) return;
        w->line[w->line_len] = 0;
        if (w->line_len > 0) w->fn(w->line, w->line_len, t);
        w->line_len = 0;
        p += take + 1;
        n -= take + 1;
    }
}

/* chunked transfer decoding; -1 on a framing error, 1 at the terminating chunk */
static int w_chunks(struct watch *w, const char *p, size_t n, int64_t t) {
    size_t i = 0;
    while (i < n) {
        char ch = p[i];
        switch (w->cstate) {
        case CS_SIZE:
            if (ch >= '0' && ch <= '9') w->chunk_left = w->chunk_left * 16 + (size_t)(ch - '0');
            else if (ch >= 'a' && ch <= 'f') w->chunk_left = w->chunk_left * 16 + (size_t)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F') w->chunk_left = w->chunk_left * 16 + (size_t)(ch - 'A' + 10);
            else if (ch == ';') w->cstate = CS_EXT;
            else if (ch == '\r') w->cstate = CS_SIZE_LF;
            else return -1;
            i++;
            break;
        case CS_EXT:
            if (ch == '\r') w->cstate = CS_SIZE_LF;
            i++;
            break;
        case CS_SIZE_LF:
            if (ch != '\n') return -1;
            i++;
            w->cstate = w->chunk_left == 0 ? CS_END : CS_DATA;
            break;
        case CS_DATA: {
            size_t take = n - i < w->chunk_left ? n - i : w->chunk_left;
            w_body(w, p + i, take, t);
            i += take;
            w->chunk_left -= take;
            if (w->chunk_left == 0) w->cstate = CS_DATA_CR;
            break;
        }
        case CS_DATA_CR:
            if (ch != '\r') return -1;
            w->cstate = CS_DATA_LF;
            i++;
            break;
        case CS_DATA_LF:
            if (ch != '\n') return -1;
            w->cstate = CS_SIZE;
            w->chunk_left = 0;
            i++;
            break;
        case CS_END:
            return 1;
        }
    }
    return w->cstate == CS_END ? 1 : 0;
}

/* opens the watch (blocking connect + request + response headers); 0 or -1 */
static int watch_open(struct watch *w, int rcv_timeout_ms) {
    w->fd = loopback_connect(&server_addr, IO_TIMEOUT_S);
    if (w->fd < 0) return -1;
    char req[1024];
    int n = format_request(req, sizeof req, "GET", w->path, NULL, NULL);
    if (send_all(w->fd, req, (size_t)n) < 0) return -1;
    w->hdr_len = 0;
    for (;;) {
        if (w->hdr_len >= sizeof w->hdr - 1) return -1;
        ssize_t got = recv(w->fd, w->hdr + w->hdr_len, sizeof w->hdr - 1 - w->hdr_len, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        w->hdr_len += (size_t)got;
        w->hdr[w->hdr_len] = 0;
        char *e = strstr(w->hdr, "\r\n\r\n");
        if (!e) continue;
        w->t_headers = now_ns();
        if (sscanf(w->hdr, "HTTP/1.%*d %d", &w->status) != 1) return -1;
        if (w->status != 200) {
            fprintf(stderr, "ctlload: watch %s: HTTP %d: %.300s\n", w->path, w->status, e + 4);
            return -1;
        }
        char *te = strcasestr(w->hdr, "\r\ntransfer-encoding: chunked");
        if (!te || te > e) return -1;
        size_t hdr_end = (size_t)(e - w->hdr) + 4;
        w->cstate = CS_SIZE;
        w->chunk_left = 0;
        w->line_len = 0;
        if (w->hdr_len > hdr_end && w_chunks(w, w->hdr + hdr_end, w->hdr_len - hdr_end, w->t_headers) < 0) return -1;
        break;
    }
    struct timeval tv = {rcv_timeout_ms / 1000, (rcv_timeout_ms % 1000) * 1000};
    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

static void *watch_thread(void *arg) {
    struct watch *w = arg;
    static __thread char buf[1 << 16];
    while (!atomic_load(&w->stop)) {
        ssize_t n = recv(w->fd, buf, sizeof buf, 0);
        int64_t t = now_ns();
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (n <= 0) {
            if (!atomic_load(&w->stop)) {
                fprintf(stderr, "ctlload: watch %s ended by the server (%s)\n", w->path, n == 0 ? "EOF" : strerror(errno));
                atomic_store(&w->ended, 1);
            }
            break;
        }
        int rc = w_chunks(w, buf, (size_t)n, t);
        if (rc != 0) {
            if (rc < 0) fprintf(stderr, "ctlload: watch %s: chunked framing error\n", w->path);
            else fprintf(stderr, "ctlload: watch %s: the server ended the stream\n", w->path);
            atomic_store(&w->ended, 1);
            break;
        }
    }
    return NULL;
}

static void watch_start(struct watch *w, const char *path, line_fn fn) {
    snprintf(w->path, sizeof w->path, "%s", path);
    w->fn = fn;
    if (watch_open(w, 100) < 0) die("opening watch %s failed", path);
    if (pthread_create(&w->th, NULL, watch_thread, w)) die("pthread_create: %s", strerror(errno));
}

static void watch_stop(struct watch *w) {
    atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);
    close(w->fd);
    w->fd = -1;
}

/* ---------------------------------------------------------------- slice state (converge) -------------- */

struct slice_ref { char name[96]; int ready, total; };
struct svc_state {
    struct slice_ref s[MAX_SLICES];
    int nslices;
    int correct;
    int writes;          /* slice events with resourceVersion > RV0 */
    int writes_after;    /* ... after the moment every Service was correct (watch view) */
    int overflow;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct svc_state *svcs;
static uint64_t rv0;
static int svcs_with_slice;        /* Services with at least one slice */
static int svcs_correct;
static int64_t t_all_correct;      /* when svcs_correct last reached nsvc (0: not now) */
static int64_t t_first_all_correct;
static long slice_events, slice_added, slice_modified, slice_deleted, slice_other, slice_events_after;
static long slice_bad_lines;
static int converge_phase;         /* 1 once the Pods are being created: "correct" means PODS_PER ready */
static int64_t t_last_slice_write;

static int svc_index(const char *name) {
    if (strncmp(name, "svc-", 4) != 0) return -1;
    char *end;
    long i = strtol(name + 4, &end, 10);
    if (end == name + 4 || i < 0 || i >= nsvc) return -1;
    return (int)i;
}

/* one EndpointSlice as compact JSON [p, end): name, service index, ready and total endpoints; 0 if unusable */
static int parse_slice(const char *p, const char *end, char *name, size_t namelen, int *svc, int *ready, int *total,
                       uint64_t *rv) {
    char tmp[128];
    const char *meta = memmem(p, (size_t)(end - p), "\"metadata\":{", 12);
    if (!meta || !str_field(meta, "name", name, namelen)) return 0;
    const char *rvp = strstr(meta, "\"resourceVersion\":\"");
    *rv = rvp ? strtoull(rvp + 19, NULL, 10) : 0;
    const char *lbl = memmem(p, (size_t)(end - p), "\"kubernetes.io/service-name\":\"", 30);
    if (!lbl) return 0;
    snprintf(tmp, sizeof tmp, "%.100s", lbl + 30);
    char *q = strchr(tmp, '"');
    if (q) *q = 0;
    *svc = svc_index(tmp);
    *ready = (int)count_occ(p, end, "\"conditions\":{\"ready\":true");
    *total = (int)count_occ(p, end, "\"addresses\":[");
    return 1;
}

static int svc_is_correct(const struct svc_state *s) {
    if (!converge_phase) return s->nslices >= 1;
    return s->nslices == 1 && s->s[0].ready == per && s->s[0].total == per;
}

/* applies one slice event (type 'A', 'M', 'D'); called with mu held */
static void apply_slice(int type, const char *name, int svc, int ready, int total, uint64_t rv, int64_t t) {
    struct svc_state *s = &svcs[svc];
    int had = s->nslices > 0, was = s->correct;
    int k;
    for (k = 0; k < s->nslices; k++)
        if (strcmp(s->s[k].name, name) == 0) break;
    if (type == 'D') {
        if (k < s->nslices) s->s[k] = s->s[--s->nslices];
    } else {
        if (k == s->nslices) {
            if (s->nslices == MAX_SLICES) {
                s->overflow++;
                return;
            }
            s->nslices++;
            snprintf(s->s[k].name, sizeof s->s[k].name, "%s", name);
        }
        s->s[k].ready = ready;
        s->s[k].total = total;
    }
    if (rv > rv0) {
        s->writes++;
        slice_events++;
        if (type == 'A') slice_added++;
        else if (type == 'M') slice_modified++;
        else slice_deleted++;
        t_last_slice_write = t;
        if (t_first_all_correct) {
            s->writes_after++;
            slice_events_after++;
        }
    }
    svcs_with_slice += (s->nslices > 0) - had;
    s->correct = svc_is_correct(s);
    svcs_correct += s->correct - was;
    if (converge_phase) {
        if (svcs_correct == nsvc && !t_all_correct) {
            t_all_correct = t;
            if (!t_first_all_correct) t_first_all_correct = t;
        } else if (svcs_correct != nsvc) {
            t_all_correct = 0;
        }
    }
}

static void slice_line(char *line, size_t len, int64_t t) {
    int type;
    if (strncmp(line, "{\"type\":\"ADDED\"", 15) == 0) type = 'A';
    else if (strncmp(line, "{\"type\":\"MODIFIED\"", 18) == 0) type = 'M';
    else if (strncmp(line, "{\"type\":\"DELETED\"", 17) == 0) type = 'D';
    else {
        pthread_mutex_lock(&mu);
        if (strncmp(line, "{\"type\":\"BOOKMARK\"", 18) != 0) {
            if (slice_other++ == 0) fprintf(stderr, "ctlload: unexpected slice watch line: %.200s\n", line);
        }
        pthread_mutex_unlock(&mu);
        return;
    }
    char name[96];
    int svc, ready, total;
    uint64_t rv;
    if (!parse_slice(line, line + len, name, sizeof name, &svc, &ready, &total, &rv) || svc < 0) {
        pthread_mutex_lock(&mu);
        if (slice_bad_lines++ == 0) fprintf(stderr, "ctlload: unparsed slice event: %.200s\n", line);
        pthread_mutex_unlock(&mu);
        return;
    }
    pthread_mutex_lock(&mu);
    apply_slice(type, name, svc, ready, total, rv, t);
    pthread_mutex_unlock(&mu);
}

/* ---------------------------------------------------------------- pod state (converge) ---------------- */

static uint8_t *pod_ready;
static int pods_ready;
static int64_t t_all_ready, t_first_ready;
static long pod_events, pod_bad_lines;
static int npods;

static int pod_index(const char *name) {
    int s = svc_index(name);
    if (s < 0) return -1;
    const char *dash = strchr(name + 4, '-');
    if (!dash) return -1;
    char *end;
    long j = strtol(dash + 1, &end, 10);
    if (end == dash + 1 || *end || j < 0 || j >= per) return -1;
    return s * per + (int)j;
}

static void pod_line(char *line, size_t len, int64_t t) {
    (void)len;
    if (strncmp(line, "{\"type\":\"BOOKMARK\"", 18) == 0) return;
    int deleted = strncmp(line, "{\"type\":\"DELETED\"", 17) == 0;
    char name[96];
    const char *meta = strstr(line, "\"metadata\":{");
    int idx = meta && str_field(meta, "name", name, sizeof name) ? pod_index(name) : -1;
    pthread_mutex_lock(&mu);
    pod_events++;
    if (idx < 0) {
        if (pod_bad_lines++ == 0) fprintf(stderr, "ctlload: unparsed pod event: %.200s\n", line);
    } else {
        int ready = !deleted && strstr(line, "{\"type\":\"Ready\",\"status\":\"True\"") != NULL;
        if (ready && !pod_ready[idx]) {
            pod_ready[idx] = 1;
            if (!t_first_ready) t_first_ready = t;
            if (++pods_ready == npods) t_all_ready = t;
        } else if (!ready && pod_ready[idx]) {
            pod_ready[idx] = 0;
            pods_ready--;
            t_all_ready = 0;
        }
    }
    pthread_mutex_unlock(&mu);
}

/* ---------------------------------------------------------------- parallel creates -------------------- */

typedef void (*body_fn)(long i, char *path, size_t pathlen, char *body, size_t bodylen);

static body_fn cr_body;
static long cr_n;
static atomic_long cr_next;
static atomic_long cr_ok, cr_fail;
static int64_t *cr_lat;
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;
static char cr_first_error[1024];

static void *create_worker(void *arg) {
    (void)arg;
    struct hconn c = {.fd = -1};
    char path[256], body[2048], err[256];
    int consecutive = 0;
    for (;;) {
        long i = atomic_fetch_add(&cr_next, 1);
        if (i >= cr_n) break;
        cr_body(i, path, sizeof path, body, sizeof body);
        struct resp r;
        int64_t t0 = now_ns();
        int rc = hreq(&c, "POST", path, "application/json", body, &r, err, sizeof err);
        if (rc == 0) cr_lat[i] = now_ns() - t0;
        if (rc || r.status != 201) {
            atomic_fetch_add(&cr_fail, 1);
            pthread_mutex_lock(&err_mu);
            if (!cr_first_error[0])
                snprintf(cr_first_error, sizeof cr_first_error, "%s: %s%.300s", path,
                         rc ? err : "HTTP ", rc ? "" : r.body);
            pthread_mutex_unlock(&err_mu);
            if (rc && ++consecutive >= MAX_CONSECUTIVE_ERRORS) break;
            continue;
        }
        consecutive = 0;
        atomic_fetch_add(&cr_ok, 1);
    }
    hclose(&c);
    free(c.buf);
    return NULL;
}

/* creates n objects over conns_n connections; reports PREFIX_{ok,failed,seconds,per_s,latency}; 0 if all 201 */
static int create_all(const char *prefix, long n, body_fn fn) {
    cr_body = fn;
    cr_n = n;
    atomic_store(&cr_next, 0);
    atomic_store(&cr_ok, 0);
    atomic_store(&cr_fail, 0);
    cr_first_error[0] = 0;
    cr_lat = calloc((size_t)n, sizeof *cr_lat);
    pthread_t *th = calloc((size_t)conns_n, sizeof *th);
    int64_t t0 = now_ns();
    for (int i = 0; i < conns_n; i++)
        if (pthread_create(&th[i], NULL, create_worker, NULL)) die("pthread_create: %s", strerror(errno));
    for (int i = 0; i < conns_n; i++) pthread_join(th[i], NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    char key[128];
    snprintf(key, sizeof key, "%s_ok", prefix);
    kv(key, "%ld", atomic_load(&cr_ok));
    snprintf(key, sizeof key, "%s_failed", prefix);
    kv(key, "%ld", atomic_load(&cr_fail));
    snprintf(key, sizeof key, "%s_seconds", prefix);
    kv(key, "%.3f", secs);
    snprintf(key, sizeof key, "%s_per_s", prefix);
    kv(key, "%.1f", secs > 0 ? (double)atomic_load(&cr_ok) / secs : 0);
    snprintf(key, sizeof key, "%s_latency", prefix);
    size_t nl = 0;
    for (long i = 0; i < n; i++)
        if (cr_lat[i]) cr_lat[nl++] = cr_lat[i];
    report_stats(key, cr_lat, nl, 1);
    if (cr_first_error[0]) {
        snprintf(key, sizeof key, "%s_first_error", prefix);
        for (char *p = cr_first_error; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        kv(key, "%s", cr_first_error);
        fprintf(stderr, "ctlload: %s: first error: %s\n", prefix, cr_first_error);
    }
    free(th);
    free(cr_lat);
    return atomic_load(&cr_ok) == n ? 0 : -1;
}

static void service_body(long i, char *path, size_t pl, char *body, size_t bl) {
    snprintf(path, pl, "/api/v1/namespaces/%s/services", ns);
    snprintf(body, bl,
             "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-%ld\"},"
             "\"spec\":{\"selector\":{\"app\":\"svc-%ld\"},\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}",
             i, i);
}

static void pod_body(long k, char *path, size_t pl, char *body, size_t bl) {
    long svc = spread_order ? k % nsvc : k / per;
    long j = spread_order ? k / nsvc : k % per;
    snprintf(path, pl, "/api/v1/namespaces/%s/pods", ns);
    snprintf(body, bl,
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"svc-%ld-%ld\",\"labels\":{\"app\":\"svc-%ld\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.k8s.io/pause:3.10\","
             "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]}}",
             svc, j, svc);
}

/* ---------------------------------------------------------------- helpers ------------------------------ */

/* GET /debug/controllers/sync; its resourceVersion, or 0 (with a message on stderr) if it failed */
static uint64_t controllers_sync(struct hconn *c, int64_t *t_sent, int64_t *t_back) {
    struct resp r;
    char err[256], path[128];
    snprintf(path, sizeof path, "/debug/controllers/sync?timeoutSeconds=%d", SYNC_TIMEOUT_S);
    *t_sent = now_ns();
    if (hreq_t(c, "GET", path, NULL, NULL, &r, err, sizeof err, SYNC_TIMEOUT_S + 10)) {
        fprintf(stderr, "ctlload: sync: %s\n", err);
        return 0;
    }
    *t_back = now_ns();
    if (r.status != 200) {
        fprintf(stderr, "ctlload: sync: HTTP %d: %.300s\n", r.status, r.body);
        return 0;
    }
    const char *p = strstr(r.body, "\"resourceVersion\":\"");
    if (!p) {
        fprintf(stderr, "ctlload: sync: no resourceVersion in %.200s\n", r.body);
        return 0;
    }
    return strtoull(p + 19, NULL, 10);
}

/* list endpointslices of ns and check every Service: exactly one slice with per ready endpoints out of per;
   returns the number of correct Services, *nitems the slices listed */
static int list_and_verify(struct hconn *c, int *nitems, char *first_problem, size_t fplen) {
    struct resp r = {0};
    char err[256], path[256];
    snprintf(path, sizeof path, "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices", ns);
    if (hreq(c, "GET", path, NULL, NULL, &r, err, sizeof err) || r.status != 200) {
        fprintf(stderr, "ctlload: list endpointslices: %s\n", r.status != 200 ? "not HTTP 200" : err);
        return -1;
    }
    int *nsl = calloc((size_t)nsvc, sizeof(int)), *rdy = calloc((size_t)nsvc, sizeof(int)),
        *tot = calloc((size_t)nsvc, sizeof(int));
    const char *p = strstr(r.body, "\"items\":[");
    if (!p) {
        fprintf(stderr, "ctlload: list endpointslices: no items\n");
        return -1;
    }
    p += 9;
    const char *end = r.body + r.body_len;
    *nitems = 0;
    first_problem[0] = 0;
    /* items: top-level objects of the array, found by brace depth (strings skipped) */
    while (p < end && *p != ']') {
        if (*p != '{') {
            p++;
            continue;
        }
        const char *q = p;
        int depth = 0, in_str = 0;
        for (; q < end; q++) {
            if (in_str) {
                if (*q == '\\') q++;
                else if (*q == '"') in_str = 0;
            } else if (*q == '"') in_str = 1;
            else if (*q == '{') depth++;
            else if (*q == '}' && --depth == 0) break;
        }
        if (q >= end) die("list endpointslices: truncated item");
        char name[96];
        int svc, ready, total;
        uint64_t rv;
        (*nitems)++;
        if (parse_slice(p, q + 1, name, sizeof name, &svc, &ready, &total, &rv) && svc >= 0) {
            nsl[svc]++;
            rdy[svc] += ready;
            tot[svc] += total;
        }
        p = q + 1;
    }
    int ok = 0;
    for (int i = 0; i < nsvc; i++) {
        if (nsl[i] == 1 && rdy[i] == per && tot[i] == per) ok++;
        else if (!first_problem[0])
            snprintf(first_problem, fplen, "svc-%d: %d slices, %d ready of %d endpoints", i, nsl[i], rdy[i], tot[i]);
    }
    free(nsl);
    free(rdy);
    free(tot);
    return ok;
}

static void ensure_namespace(void) {
    struct hconn c = {.fd = -1};
    struct resp r;
    char err[256], body[256];
    snprintf(body, sizeof body, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", ns);
    if (hreq(&c, "POST", "/api/v1/namespaces", "application/json", body, &r, err, sizeof err))
        die("creating namespace %s: %s", ns, err);
    if (r.status != 201 && r.status != 409) die("creating namespace %s: HTTP %d: %.300s", ns, r.status, r.body);
    hclose(&c);
    free(c.buf);
}

/* ---------------------------------------------------------------- flip --------------------------------- */

struct flipwatch {
    char pod[96];
    int want_ready;             /* the endpoint state we wait for */
    int64_t t_event;            /* receipt of the matching event */
    long events;                /* events on this watch */
};
static struct flipwatch fw;

/* that Pod's endpoint in the slice event: 1 ready, 0 not ready, -1 absent */
static int endpoint_ready(const char *line, const char *pod) {
    char pat[160];
    snprintf(pat, sizeof pat, "\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"%s\",\"name\":\"%s\"", ns, pod);
    const char *p = strstr(line, pat);
    if (!p) {
        /* field order may differ: fall back to the name alone */
        snprintf(pat, sizeof pat, "\"name\":\"%s\"", pod);
        p = strstr(line, pat);
        if (!p) return -1;
    }
    /* the endpoint's conditions come before its targetRef: the nearest "ready": before p */
    const char *best = NULL;
    for (const char *q = line; (q = strstr(q, "\"ready\":")) && q < p; q += 8) best = q;
    if (!best) return -1;
    return strncmp(best + 8, "true", 4) == 0;
}

static void flip_line(char *line, size_t len, int64_t t) {
    (void)len;
    if (strncmp(line, "{\"type\":\"MODIFIED\"", 18) != 0 && strncmp(line, "{\"type\":\"ADDED\"", 15) != 0) return;
    fw.events++;
    if (fw.t_event) return;
    if (endpoint_ready(line, fw.pod) == fw.want_ready) fw.t_event = t;
}

/* one PATCH of the readiness annotation and the wait for the slice event; latencies in *from_resp / *from_send */
static int flip_once(struct hconn *c, struct watch *w, const char *pod, int make_ready, int64_t *from_resp,
                     int64_t *from_send, char *err, size_t errlen) {
    char path[256], body[256], req[1024];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s", ns, pod);
    snprintf(body, sizeof body, "{\"metadata\":{\"annotations\":{\"serviceplane.dev/ready\":\"%s\"}}}",
             make_ready ? "true" : "false");
    snprintf(fw.pod, sizeof fw.pod, "%s", pod);
    fw.want_ready = make_ready;
    fw.t_event = 0;
    if (c->fd < 0 && (c->fd = loopback_connect(&server_addr, IO_TIMEOUT_S)) < 0) {
        snprintf(err, errlen, "connect: %s", strerror(errno));
        return -1;
    }
    int n = format_request(req, sizeof req, "PATCH", path, "application/merge-patch+json", body);
    int64_t t_send = now_ns(), t_resp = 0;
    if (send_all(c->fd, req, (size_t)n) < 0) {
        snprintf(err, errlen, "send: %s", strerror(errno));
        hclose(c);
        return -1;
    }
    size_t have = 0;
    grow(c, 0);
    c->buf[0] = 0;
    int64_t deadline = t_send + (int64_t)FLIP_DEADLINE_MS * 1000000LL;
    static char wbuf[1 << 16];
    struct resp r = {0};
    int conn_close = 0;
    while (!t_resp || !fw.t_event) {
        int64_t left = deadline - now_ns();
        if (left <= 0) {
            snprintf(err, errlen, "%s", !t_resp ? "no PATCH response in time" : "no slice event in time");
            if (!t_resp) hclose(c);
            return -1;
        }
        struct pollfd pf[2] = {{.fd = t_resp ? -1 : c->fd, .events = POLLIN}, {.fd = w->fd, .events = POLLIN}};
        int pr = poll(pf, 2, (int)(left / 1000000) + 1);
        if (pr < 0 && errno != EINTR) die("poll: %s", strerror(errno));
        if (pf[1].revents) {
            ssize_t got = recv(w->fd, wbuf, sizeof wbuf, MSG_DONTWAIT);
            int64_t t = now_ns();
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                snprintf(err, errlen, "watch closed");
                return -1;
            }
            if (got > 0 && w_chunks(w, wbuf, (size_t)got, t) != 0) {
                snprintf(err, errlen, "watch stream ended or broken");
                return -1;
            }
        }
        if (!t_resp && pf[0].revents) {
            grow(c, have);
            ssize_t got = recv(c->fd, c->buf + have, c->cap - 1 - have, MSG_DONTWAIT);
            int64_t t = now_ns();
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                snprintf(err, errlen, "PATCH connection closed");
                hclose(c);
                return -1;
            }
            if (got > 0) {
                have += (size_t)got;
                c->buf[have] = 0;
                int rc = parse_response(c, have, &r, &conn_close, err, errlen);
                if (rc < 0) {
                    hclose(c);
                    return -1;
                }
                if (rc == 1) {
                    t_resp = t;
                    if (r.status != 200) {
                        snprintf(err, errlen, "PATCH %s: HTTP %d: %.200s", pod, r.status, r.body);
                        return -1;
                    }
                    if (conn_close) hclose(c);
                }
            }
        }
    }
    *from_resp = fw.t_event - t_resp;
    *from_send = fw.t_event - t_send;
    return 0;
}

static void run_flips(void) {
    struct hconn c = {.fd = -1}, lc = {.fd = -1};
    int64_t *down = calloc((size_t)flips + 1, sizeof(int64_t)), *up = calloc((size_t)flips + 1, sizeof(int64_t));
    int64_t *down_s = calloc((size_t)flips + 1, sizeof(int64_t)), *up_s = calloc((size_t)flips + 1, sizeof(int64_t));
    int64_t *both = calloc(2 * (size_t)flips + 1, sizeof(int64_t));
    size_t nd = 0, nu = 0, nb = 0;
    int failures = 0;
    char first_failure[1024] = "";
    struct cpu_snap c0 = cpu_snap();
    for (int s = 0; s < flips; s++) {
        int svc = (int)(((long)s * 379) % nsvc), j = s % per;
        char pod[96], path[512], err[512];
        snprintf(pod, sizeof pod, "svc-%d-%d", svc, j);
        snprintf(path, sizeof path,
                 "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?labelSelector=kubernetes.io%%2Fservice-name%%3Dsvc-%d",
                 ns, svc);
        struct resp r;
        if (hreq(&lc, "GET", path, NULL, NULL, &r, err, sizeof err) || r.status != 200)
            die("list %s: %s", path, err);
        const char *rvp = strstr(r.body, "\"resourceVersion\":\"");
        if (!rvp) die("list %s: no resourceVersion", path);
        uint64_t rv = strtoull(rvp + 19, NULL, 10);
        struct watch w;
        memset(&w, 0, sizeof w);
        snprintf(w.path, sizeof w.path,
                 "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?watch=1&resourceVersion=%llu"
                 "&labelSelector=kubernetes.io%%2Fservice-name%%3Dsvc-%d",
                 ns, (unsigned long long)rv, svc);
        w.fn = flip_line;
        fw.events = 0;
        if (watch_open(&w, 100) < 0) die("opening watch %s failed", w.path);
        for (int dir = 0; dir < 2; dir++) {
            int64_t fr, fs;
            if (flip_once(&c, &w, pod, dir == 1, &fr, &fs, err, sizeof err) < 0) {
                if (failures++ == 0) snprintf(first_failure, sizeof first_failure, "%s %s: %s", pod,
                                              dir ? "ready" : "not ready", err);
                /* leave the Pod ready for the next samples whatever happened */
                if (dir == 0) {
                    flip_once(&c, &w, pod, 1, &fr, &fs, err, sizeof err);
                }
                break;
            }
            if (dir == 0) {
                down[nd] = fr;
                down_s[nd++] = fs;
            } else {
                up[nu] = fr;
                up_s[nu++] = fs;
            }
            both[nb++] = fr;
        }
        close(w.fd);
        free(w.line);
    }
    report_cpu("flip", c0, cpu_snap());
    kv("flip_samples", "%d", flips);
    kv("flip_failures", "%d", failures);
    if (first_failure[0]) {
        kv("flip_first_failure", "%s", first_failure);
        fprintf(stderr, "ctlload: flip: first failure: %s\n", first_failure);
    }
    report_stats("flip_not_ready", down, nd, 1);
    report_stats("flip_ready", up, nu, 1);
    report_stats("flip_both", both, nb, 1);
    report_stats("flip_not_ready_from_send", down_s, nd, 1);
    report_stats("flip_ready_from_send", up_s, nu, 1);
    hclose(&c);
    hclose(&lc);
}

/* ---------------------------------------------------------------- main --------------------------------- */

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: ctlload PORT NS SERVICES PODS_PER CONNS grouped|spread FLIPS [SERVER_PID]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    port = atoi(argv[1]);
    ns = argv[2];
    nsvc = atoi(argv[3]);
    per = atoi(argv[4]);
    conns_n = atoi(argv[5]);
    spread_order = strcmp(argv[6], "spread") == 0;
    flips = atoi(argv[7]);
    server_pid = argc > 8 ? atoi(argv[8]) : 0;
    if (port <= 0 || port > 65535 || nsvc < 1 || per < 1 || per > 100 || conns_n < 1 || conns_n > 256 || flips < 0 ||
        server_pid < 0 || (!spread_order && strcmp(argv[6], "grouped") != 0))
        return 2;
    npods = nsvc * per;
    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)port);
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    svcs = calloc((size_t)nsvc, sizeof *svcs);
    pod_ready = calloc((size_t)npods, 1);
    kv("services", "%d", nsvc);
    kv("pods_per_service", "%d", per);
    kv("pods", "%d", npods);
    kv("connections", "%d", conns_n);
    kv("order", "%s", spread_order ? "spread" : "grouped");

    /* 1. setup */
    ensure_namespace();
    if (create_all("service_creates", nsvc, service_body) < 0) die("not every Service was created");
    struct hconn sc = {.fd = -1};
    int64_t ts0, ts1;
    rv0 = controllers_sync(&sc, &ts0, &ts1);
    if (!rv0) die("the setup sync failed");
    kv("rv0", "%llu", (unsigned long long)rv0);
    kv("setup_sync_ms", "%.3f", ms(ts1 - ts0));
    char path[512];
    struct watch sw, pw;
    memset(&sw, 0, sizeof sw);
    memset(&pw, 0, sizeof pw);
    snprintf(path, sizeof path, "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?watch=1", ns);
    watch_start(&sw, path, slice_line);
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods?watch=1&resourceVersion=%llu", ns, (unsigned long long)rv0);
    watch_start(&pw, path, pod_line);
    int64_t deadline = now_ns() + (int64_t)SETUP_DEADLINE_S * 1000000000LL;
    for (;;) {
        pthread_mutex_lock(&mu);
        int n = svcs_with_slice;
        pthread_mutex_unlock(&mu);
        if (n == nsvc) break;
        if (now_ns() > deadline || atomic_load(&sw.ended)) die("only %d of %d Services have a slice (placeholder) after setup", n, nsvc);
        usleep(1000);
    }
    pthread_mutex_lock(&mu);
    long placeholder_writes = slice_events; /* slice writes after RV0 before any Pod exists: should be none */
    converge_phase = 1;
    svcs_correct = 0;
    for (int i = 0; i < nsvc; i++) svcs[i].correct = svc_is_correct(&svcs[i]), svcs_correct += svcs[i].correct;
    pthread_mutex_unlock(&mu);
    kv("slice_writes_before_pods", "%ld", placeholder_writes);

    /* 2. converge */
    struct cpu_snap cc0 = cpu_snap();
    int64_t t_create0 = now_ns();
    int creates_ok = create_all("pod_creates", npods, pod_body) == 0;
    int64_t t_create1 = now_ns();
    int ready_deadline_s = getenv("READY_DEADLINE_S") ? atoi(getenv("READY_DEADLINE_S")) : READY_DEADLINE_S;
    deadline = t_create1 + (int64_t)ready_deadline_s * 1000000000LL;
    int64_t t_saw_ready = 0, next_progress = t_create1 + 10000000000LL;
    for (;;) {
        pthread_mutex_lock(&mu);
        int64_t tr = t_all_ready;
        int r = pods_ready, sc_ = svcs_correct;
        pthread_mutex_unlock(&mu);
        if (tr) {
            t_saw_ready = now_ns();
            break;
        }
        int64_t t = now_ns();
        if (t > deadline || atomic_load(&pw.ended)) {
            fprintf(stderr, "ctlload: only %d of %d Pods Ready %.0f s after the last create\n", r, npods,
                    (double)(t - t_create1) / 1e9);
            break;
        }
        if (t > next_progress) {
            fprintf(stderr, "ctlload: %.0f s after the last create: %d of %d Pods Ready, %d of %d Services correct\n",
                    (double)(t - t_create1) / 1e9, r, npods, sc_, nsvc);
            next_progress += 10000000000LL;
        }
        usleep(200);
    }
    uint64_t rv_sync = 0;
    int64_t t_sync_sent = 0, t_sync_back = 0, t_list_back = 0;
    int list_ok = -1, list_items = 0;
    char problem[256] = "";
    if (t_saw_ready) {
        rv_sync = controllers_sync(&sc, &t_sync_sent, &t_sync_back);
        if (rv_sync) {
            list_ok = list_and_verify(&sc, &list_items, problem, sizeof problem);
            t_list_back = now_ns();
        }
    }
    kv("sync_ok", "%d", rv_sync != 0);
    /* the watch view must converge too; then QUIET_MS more for late writes */
    for (;;) {
        pthread_mutex_lock(&mu);
        int64_t tc = t_all_correct;
        pthread_mutex_unlock(&mu);
        if (tc || now_ns() > deadline || atomic_load(&sw.ended)) break;
        usleep(1000);
    }
    usleep(QUIET_MS * 1000);
    struct cpu_snap cc1 = cpu_snap();
    pthread_mutex_lock(&mu);
    kv("pod_creates_all_ok", "%d", creates_ok);
    kv("pods_ready", "%d", pods_ready);
    kv("pod_events", "%ld", pod_events);
    kv("pod_unparsed_events", "%ld", pod_bad_lines);
    kv("pod_creates_span_ms", "%.3f", ms(t_create1 - t_create0));
    if (t_all_ready) {
        kv("last_ready_after_first_create_ms", "%.3f", ms(t_all_ready - t_create0));
        kv("last_ready_after_last_create_ms", "%.3f", ms(t_all_ready - t_create1));
    }
    kv("services_correct_watch", "%d", svcs_correct);
    if (t_all_correct && t_all_ready) {
        kv("converge_watch_ms", "%.3f", ms(t_all_correct - t_all_ready));
        kv("converge_watch_first_ms", "%.3f", ms(t_first_all_correct - t_all_ready));
        kv("all_correct_after_first_create_ms", "%.3f", ms(t_all_correct - t_create0));
    }
    if (rv_sync) {
        kv("sync_rv", "%llu", (unsigned long long)rv_sync);
        kv("sync_call_ms", "%.3f", ms(t_sync_back - t_sync_sent));
        kv("sync_sent_after_last_ready_ms", "%.3f", ms(t_sync_sent - t_all_ready));
        kv("converge_sync_ms", "%.3f", ms(t_sync_back - t_all_ready));
        kv("converge_sync_list_ms", "%.3f", ms(t_list_back - t_all_ready));
        kv("list_services_correct", "%d", list_ok);
        kv("list_slices", "%d", list_items);
        if (problem[0]) kv("list_first_problem", "%s", problem);
    }
    if (t_last_slice_write && t_all_ready)
        kv("last_slice_write_after_last_ready_ms", "%.3f", ms(t_last_slice_write - t_all_ready));
    kv("slice_writes", "%ld", slice_events);
    kv("slice_writes_added", "%ld", slice_added);
    kv("slice_writes_modified", "%ld", slice_modified);
    kv("slice_writes_deleted", "%ld", slice_deleted);
    kv("slice_writes_after_converged", "%ld", slice_events_after);
    kv("slice_unparsed_events", "%ld", slice_bad_lines + slice_other);
    kv("slice_writes_needed", "%d", nsvc); /* one update of each placeholder to the full endpoint set */
    int64_t *wv = malloc((size_t)nsvc * sizeof *wv);
    int overflow = 0;
    for (int i = 0; i < nsvc; i++) {
        wv[i] = svcs[i].writes;
        overflow += svcs[i].overflow;
    }
    pthread_mutex_unlock(&mu);
    report_stats("writes_per_service", wv, (size_t)nsvc, 0);
    kv("slice_overflow", "%d", overflow);
    report_cpu("converge", cc0, cc1);
    watch_stop(&sw);
    watch_stop(&pw);

    /* 3. flips (only on a converged cluster: every flip needs its Pod Ready) */
    if (flips > 0 && t_saw_ready && t_all_correct) run_flips();
    else if (flips > 0) fprintf(stderr, "ctlload: no flips: the cluster did not converge\n");
    hclose(&sc);
    return 0;
}
