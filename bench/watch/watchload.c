/*
 * watchload: load generator for ServicePlane's watch benchmark (issue 3). Driven by scripts/bench-watch.sh.
 *
 *   gcc -O2 -Wall -o watchload bench/watch/watchload.c -lpthread
 *   watchload fanout PORT K N [WARMUP [SERVER_PID]]  K watchers on namespace "bench" pods, then N pod creates
 *   watchload scale  PORT W SERVER_PID [GETS] W idle service watchers held open; RSS and GET latency
 *
 * Watchers: one thread, level-triggered epoll over non-blocking sockets to 127.0.0.1:PORT, each reading a
 * chunked HTTP/1.1 response, splitting the decoded body on '\n' and taking the first "resourceVersion":"N"
 * of each event line (the event object's metadata). Every receipt is stamped with CLOCK_MONOTONIC at the
 * read() that completed the line.
 *
 * Loader (fanout): a second thread with one blocking keep-alive connection sends the creates at
 * concurrency 1 and stamps the arrival of each 201 (same clock), keyed by the resourceVersion in its body.
 * Checks per watcher: all its events (ADDED/MODIFIED/DELETED: the server's controllers follow a create with
 * MODIFIED events) in strictly increasing resourceVersion order; the ADDED ones exactly the created
 * resourceVersions, each once; and every resourceVersion any watcher got, since all watch the same thing
 * from the same resourceVersion. Delivery latency (ADDED) = watcher receipt - arrival of the create's 201.
 * Warm-up creates go to namespace bench-warmup, which no watcher sees.
 *
 * Output: "key value" lines on stdout (times in milliseconds); diagnostics on stderr. Every wait has a
 * deadline; exit status 0 if the run completed (whatever the figures), 2 on usage errors, 1 on failure to
 * run at all (server unreachable, setup request failed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <signal.h>

#define BENCH_NAME "watchload"
#include "../common/bench_util.h"
#include "../common/bench_net.h"
#include "../common/bench_proc.h"

#define MAX_PENDING 256          /* watch connections at once that are connecting or awaiting headers */
#define OPEN_DEADLINE_S 120      /* to open all watchers */
#define OPEN_STALL_S 15          /* ... and at most this long without any watcher answered or failed */
#define IO_TIMEOUT_S 10          /* blocking socket send/receive timeout */
#define EVENT_DEADLINE_S 60      /* after the last create's 201, at most this long for events to arrive */
#define QUIET_MS 1000            /* the fan-out run ends once no event arrived for this long */

static int port;
static struct sockaddr_in server_addr;

/* ---------------------------------------------------------------- blocking client ---------------------- */

static int blocking_connect(void) { return loopback_connect(&server_addr, IO_TIMEOUT_S); }

struct resp {
    int status;
    char *body;       /* NUL-terminated; raw (chunk framing left in) for chunked responses */
    size_t body_len;
};

/* One request/response on a blocking keep-alive connection. Returns 0, or -1 (errno-ish message in err). */
static char rt_buf[1 << 20];
static int roundtrip(int fd, const char *req, size_t req_len, struct resp *r, char *err, size_t errlen) {
    size_t off = 0;
    while (off < req_len) {
        ssize_t w = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            snprintf(err, errlen, "send: %s", strerror(errno));
            return -1;
        }
        off += (size_t)w;
    }
    size_t have = 0, hdr_end = 0, need = 0;
    int chunked = 0;
    for (;;) {
        if (have >= sizeof rt_buf - 1) {
            snprintf(err, errlen, "response larger than %zu bytes", sizeof rt_buf);
            return -1;
        }
        ssize_t n = recv(fd, rt_buf + have, sizeof rt_buf - 1 - have, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            snprintf(err, errlen, "recv: %s", n == 0 ? "connection closed"
                                               : (errno == EAGAIN || errno == EWOULDBLOCK) ? "no answer within the socket timeout"
                                                                                           : strerror(errno));
            return -1;
        }
        have += (size_t)n;
        rt_buf[have] = 0;
        if (!hdr_end) {
            char *e = strstr(rt_buf, "\r\n\r\n");
            if (!e) continue;
            hdr_end = (size_t)(e - rt_buf) + 4;
            if (sscanf(rt_buf, "HTTP/1.%*d %d", &r->status) != 1) {
                snprintf(err, errlen, "bad status line");
                return -1;
            }
            char *cl = strcasestr(rt_buf, "\r\ncontent-length:");
            if (cl && cl < e) {
                need = hdr_end + (size_t)strtoul(cl + 17, NULL, 10);
            } else {
                char *te = strcasestr(rt_buf, "\r\ntransfer-encoding: chunked");
                if (te && te < e) chunked = 1;
                else {
                    snprintf(err, errlen, "response has neither Content-Length nor chunked encoding");
                    return -1;
                }
            }
        }
        if (!chunked && have >= need) break;
        if (chunked && have >= hdr_end + 5 && memcmp(rt_buf + have - 5, "0\r\n\r\n", 5) == 0) break;
    }
    r->body = rt_buf + hdr_end;
    r->body_len = have - hdr_end;
    return 0;
}

/* first "resourceVersion" : "N" in s (pretty-printed or compact); 0 if none */
static uint64_t find_rv(const char *s) {
    const char *p = strstr(s, "\"resourceVersion\"");
    if (!p) return 0;
    p += 17;
    while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    if (*p != '"') return 0;
    return strtoull(p + 1, NULL, 10);
}

static int simple_request(int fd, const char *method, const char *path, const char *body, struct resp *r,
                          char *err, size_t errlen) {
    char req[4096];
    int n;
    if (body)
        n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, port, strlen(body), body);
    else
        n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n",
                     method, path, port);
    return roundtrip(fd, req, (size_t)n, r, err, errlen);
}

static void ensure_namespace(int fd, const char *name) {
    struct resp r;
    char err[256], body[256];
    snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"%s\"}}", name);
    if (simple_request(fd, "POST", "/api/v1/namespaces", body, &r, err, sizeof err))
        die("creating namespace %s: %s", name, err);
    if (r.status != 201 && r.status != 409) die("creating namespace %s: HTTP %d: %.300s", name, r.status, r.body);
}

/* ---------------------------------------------------------------- watch connections -------------------- */

enum { C_IDLE, C_CONNECTING, C_HEADERS, C_BODY, C_CLOSED };
enum { CS_SIZE, CS_EXT, CS_SIZE_LF, CS_DATA, CS_DATA_CR, CS_DATA_LF, CS_END };

struct conn {
    int fd;
    int state;
    int status;            /* HTTP status, 0 until headers arrived */
    int chunked;
    int cstate;
    size_t chunk_left;
    int clean_end;         /* saw the terminating 0-size chunk */
    int close_errno;       /* errno of a failed connect/read, 0 for EOF */
    char *hdr;             /* header accumulation until "\r\n\r\n" */
    size_t hdr_len;
    char *line;            /* partial event line */
    size_t line_len, line_cap;
    int64_t t_headers;     /* when the headers were complete */
    /* events (fanout): every ADDED/MODIFIED/DELETED event, in arrival order */
    uint32_t nev, ncap;
    uint64_t *rv;
    int64_t *t;
    uint8_t *ty;           /* EV_ADDED, EV_MODIFIED, EV_DELETED */
    uint32_t nadded;
    uint32_t unexpected;   /* lines that are no object event (BOOKMARK, ERROR, unparseable) */
    char first_other[160];
};

static struct conn *conns;
static int nconns;
static int epfd;
static char watch_req[1024];
static size_t watch_req_len;
static int record_events;   /* fanout: store every event */
static int64_t last_event_at; /* when any watcher last received an event line */
enum { EV_ADDED, EV_MODIFIED, EV_DELETED };
static const char *const EV_NAMES[] = {"ADDED", "MODIFIED", "DELETED"};
static int pending;         /* connections connecting or awaiting headers */
static int accepted, rejected;
static int closed_after_accept;
static int status_counts[600];
static int connect_failures;
static int closed_before_headers;
static int unanswered;      /* connected, request sent, no response headers by the deadline */
static int not_attempted;   /* never opened: the open phase gave up first */
static int64_t last_progress;

static void conn_close(struct conn *c, int err) {
    if (c->state == C_CLOSED) return;
    if (c->state == C_CONNECTING || c->state == C_HEADERS) {
        pending--;
        rejected++;
        last_progress = now_ns();
        if (err == ETIMEDOUT) unanswered++;
        else if (c->state == C_CONNECTING && err) connect_failures++;
        else closed_before_headers++;
    } else if (c->state == C_BODY && c->status == 200) {
        closed_after_accept++;
    }
    c->close_errno = err;
    c->state = C_CLOSED;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    free(c->hdr);
    c->hdr = NULL;
}

static int conn_open(struct conn *c, int idx) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket (watcher %d): %s", idx, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = C_CONNECTING;
    c->hdr = malloc(8192);
    c->hdr_len = 0;
    c->cstate = CS_SIZE;
    pending++;
    int r = connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr);
    if (r < 0 && errno != EINPROGRESS) {
        int e = errno;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)idx};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        conn_close(c, e);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)idx};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
    return 0;
}

static void handle_line(struct conn *c, const char *line, size_t len, int64_t t) {
    (void)len;
    if (!record_events) return;
    last_event_at = t;
    const char *ty = strstr(line, "\"type\":\"");
    int type = -1;
    if (ty) {
        ty += 8;
        if (strncmp(ty, "ADDED\"", 6) == 0) type = EV_ADDED;
        else if (strncmp(ty, "MODIFIED\"", 9) == 0) type = EV_MODIFIED;
        else if (strncmp(ty, "DELETED\"", 8) == 0) type = EV_DELETED;
    }
    const char *p = strstr(line, "\"resourceVersion\":\"");
    uint64_t rv = p ? strtoull(p + 19, NULL, 10) : 0;
    if (type < 0 || rv == 0) {
        if (c->unexpected++ == 0) snprintf(c->first_other, sizeof c->first_other, "%.150s", line);
        return;
    }
    if (c->nev == c->ncap) {
        c->ncap = c->ncap ? 2 * c->ncap : 1024;
        c->rv = realloc(c->rv, c->ncap * sizeof *c->rv);
        c->t = realloc(c->t, c->ncap * sizeof *c->t);
        c->ty = realloc(c->ty, c->ncap * sizeof *c->ty);
        if (!c->rv || !c->t || !c->ty) die("out of memory for events");
    }
    c->rv[c->nev] = rv;
    c->t[c->nev] = t;
    c->ty[c->nev] = (uint8_t)type;
    c->nev++;
    if (type == EV_ADDED) c->nadded++;
}

static void body_bytes(struct conn *c, const char *p, size_t n, int64_t t) {
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (c->line_len + take + 1 > c->line_cap) {
            size_t cap = c->line_cap ? c->line_cap : 2048;
            while (cap < c->line_len + take + 1) cap *= 2;
            c->line = realloc(c->line, cap);
            c->line_cap = cap;
        }
        memcpy(c->line + c->line_len, p, take);
        c->line_len += take;
        if (!nl) return;
        c->line[c->line_len] = 0;
        if (c->line_len > 0) handle_line(c, c->line, c->line_len, t);
        c->line_len = 0;
        p += take + 1;
        n -= take + 1;
    }
}

/* chunked transfer decoding; returns -1 on a framing error */
static int chunk_bytes(struct conn *c, const char *p, size_t n, int64_t t) {
    if (!c->chunked) {
        body_bytes(c, p, n, t);
        return 0;
    }
    size_t i = 0;
    while (i < n) {
        char ch = p[i];
        switch (c->cstate) {
        case CS_SIZE:
            if (ch >= '0' && ch <= '9') c->chunk_left = c->chunk_left * 16 + (size_t)(ch - '0');
            else if (ch >= 'a' && ch <= 'f') c->chunk_left = c->chunk_left * 16 + (size_t)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F') c->chunk_left = c->chunk_left * 16 + (size_t)(ch - 'A' + 10);
            else if (ch == ';') c->cstate = CS_EXT;
            else if (ch == '\r') c->cstate = CS_SIZE_LF;
            else return -1;
            i++;
            break;
        case CS_EXT:
            if (ch == '\r') c->cstate = CS_SIZE_LF;
            i++;
            break;
        case CS_SIZE_LF:
            if (ch != '\n') return -1;
            i++;
            if (c->chunk_left == 0) {
                c->cstate = CS_END;
                c->clean_end = 1;
            } else {
                c->cstate = CS_DATA;
            }
            break;
        case CS_DATA: {
            size_t take = n - i < c->chunk_left ? n - i : c->chunk_left;
            body_bytes(c, p + i, take, t);
            i += take;
            c->chunk_left -= take;
            if (c->chunk_left == 0) c->cstate = CS_DATA_CR;
            break;
        }
        case CS_DATA_CR:
            if (ch != '\r') return -1;
            c->cstate = CS_DATA_LF;
            i++;
            break;
        case CS_DATA_LF:
            if (ch != '\n') return -1;
            c->cstate = CS_SIZE;
            c->chunk_left = 0;
            i++;
            break;
        case CS_END:
            return 0; /* trailers / CRLF after the last chunk: ignored */
        }
    }
    return 0;
}

static char rbuf[65536];

static void conn_event(int idx, uint32_t events) {
    struct conn *c = &conns[idx];
    if (c->state == C_CLOSED) return;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            conn_close(c, err);
            return;
        }
        if (!(events & EPOLLOUT)) return;
        /* the request is small: one send on a fresh socket takes it all (checked) */
        ssize_t w = send(c->fd, watch_req, watch_req_len, MSG_NOSIGNAL);
        if (w != (ssize_t)watch_req_len) {
            conn_close(c, w < 0 ? errno : EMSGSIZE);
            return;
        }
        c->state = C_HEADERS;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)idx};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        return;
    }
    ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
    int64_t t = now_ns();
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        conn_close(c, errno);
        return;
    }
    if (n == 0) {
        conn_close(c, 0);
        return;
    }
    const char *p = rbuf;
    size_t len = (size_t)n;
    if (c->state == C_HEADERS) {
        size_t room = 8191 - c->hdr_len;
        size_t take = len < room ? len : room;
        memcpy(c->hdr + c->hdr_len, p, take);
        size_t old = c->hdr_len;
        c->hdr_len += take;
        c->hdr[c->hdr_len] = 0;
        char *e = strstr(c->hdr, "\r\n\r\n");
        if (!e) {
            if (c->hdr_len >= 8191) conn_close(c, EMSGSIZE);
            return;
        }
        size_t hdr_end = (size_t)(e - c->hdr) + 4;
        int status = 0;
        sscanf(c->hdr, "HTTP/1.%*d %d", &status);
        c->status = status;
        if (status >= 0 && status < 600) status_counts[status]++;
        char *te = strcasestr(c->hdr, "\r\ntransfer-encoding: chunked");
        c->chunked = te && te < e;
        c->t_headers = t;
        last_progress = t;
        pending--;
        if (status == 200) {
            accepted++;
            c->state = C_BODY;
        } else {
            rejected++;
            if (c->first_other[0] == 0) snprintf(c->first_other, sizeof c->first_other, "%.150s", c->hdr);
            c->state = C_BODY; /* read the error body to the end, but it is not a watcher */
            c->status = status;
        }
        p += hdr_end - old;
        len -= hdr_end - old;
        free(c->hdr);
        c->hdr = NULL;
    }
    if (len > 0 && chunk_bytes(c, p, len, t) < 0) {
        fprintf(stderr, "watchload: watcher %d: chunked framing error\n", idx);
        conn_close(c, EPROTO);
    }
}

static void poll_once(int timeout_ms) {
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, 512, timeout_ms);
    for (int i = 0; i < n; i++) conn_event((int)evs[i].data.u32, evs[i].events);
}

/* opens nconns watchers, at most MAX_PENDING in flight; returns when all are accepted/rejected or deadline */
static void open_watchers(void) {
    int next = 0;
    int64_t deadline = now_ns() + (int64_t)OPEN_DEADLINE_S * 1000000000LL;
    last_progress = now_ns();
    while (now_ns() < deadline) {
        while (next < nconns && pending < MAX_PENDING) {
            conn_open(&conns[next], next);
            next++;
        }
        if (next == nconns && pending == 0) break;
        poll_once(10);
        if (now_ns() - last_progress > (int64_t)OPEN_STALL_S * 1000000000LL) {
            fprintf(stderr, "watchload: no watcher answered for %d s (%d accepted, %d waiting for headers); giving up\n",
                    OPEN_STALL_S, accepted, pending);
            break;
        }
    }
    /* anything still pending at the deadline counts as rejected */
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == C_CONNECTING || conns[i].state == C_HEADERS) conn_close(&conns[i], ETIMEDOUT);
    for (int i = next; i < nconns; i++) {
        rejected++;
        not_attempted++;
    }
}

static void raise_nofile(int need) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= (rlim_t)need) return;
    rlim_t want = (rlim_t)need;
    if (want > 20000) want = 20000;
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) want = rl.rlim_max;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || want < (rlim_t)need)
        die("need %d open files, RLIMIT_NOFILE allows %lu", need, (unsigned long)want);
}

static void report_watch_open(int64_t t0, int64_t t1) {
    kv("watchers_requested", "%d", nconns);
    kv("watchers_accepted", "%d", accepted);
    kv("watchers_rejected", "%d", rejected);
    kv("watchers_connect_failures", "%d", connect_failures);
    kv("watchers_closed_before_headers", "%d", closed_before_headers);
    kv("watchers_unanswered", "%d", unanswered);
    kv("watchers_not_attempted", "%d", not_attempted);
    for (int s = 1; s < 600; s++)
        if (s != 200 && status_counts[s]) {
            char key[64];
            snprintf(key, sizeof key, "watchers_status_%d", s);
            kv(key, "%d", status_counts[s]);
        }
    kv("watchers_open_s", "%.3f", (double)(t1 - t0) / 1e9);
    for (int i = 0; i < nconns; i++)
        if (conns[i].status && conns[i].status != 200) {
            fprintf(stderr, "watchload: first rejected watcher (%d): %s\n", i, conns[i].first_other);
            break;
        }
}

/* ---------------------------------------------------------------- fanout -------------------------------- */


/* "machine_busy_pct" (of all CPUs together, 100 = one CPU) and "other_cpu_pct": what neither the server nor
 * this process used over the interval, i.e. the noise from the rest of the machine */
static void report_noise(const char *prefix, long long busy0, long long busy1, long long srv0, long long srv1,
                         double self0, double self1, double seconds) {
    char key[128];
    double tck = (double)sysconf(_SC_CLK_TCK);
    double busy = (double)(busy1 - busy0) / tck, srv = (double)(srv1 - srv0) / tck, self = self1 - self0;
    snprintf(key, sizeof key, "%smachine_busy_pct", prefix);
    kv(key, "%.1f", 100.0 * busy / seconds);
    snprintf(key, sizeof key, "%sother_cpu_pct", prefix);
    double other = busy - srv - self;
    kv(key, "%.1f", other > 0 ? 100.0 * other / seconds : 0.0);
}

struct loader {
    int n, warmup;
    int64_t *t_send, *t_resp;
    uint64_t *rv;
    int *status;
    int done;      /* creates finished (ok or not); atomic */
    int ok;        /* creates answered 201; atomic */
    int finished;  /* thread exited; atomic */
    int stop;      /* set by the main thread: stop sending; atomic */
    char err[300];
};

static void *loader_main(void *arg) {
    struct loader *L = arg;
    int fd = blocking_connect();
    if (fd < 0) {
        snprintf(L->err, sizeof L->err, "loader connect: %s", strerror(errno));
        __atomic_store_n(&L->finished, 1, __ATOMIC_RELEASE);
        return NULL;
    }
    char body[512], err[256];
    struct resp r;
    for (int i = 0; i < L->n && !__atomic_load_n(&L->stop, __ATOMIC_ACQUIRE); i++) {
        snprintf(body, sizeof body,
                 "{\"metadata\":{\"name\":\"p-%d\",\"labels\":{\"app\":\"bench\"}},"
                 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}",
                 i + 1);
        char req[1024];
        int len = snprintf(req, sizeof req,
                           "POST /api/v1/namespaces/bench/pods HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                           port, strlen(body), body);
        L->t_send[i] = now_ns();
        if (roundtrip(fd, req, (size_t)len, &r, err, sizeof err)) {
            snprintf(L->err, sizeof L->err, "create %d: %s", i + 1, err);
            break;
        }
        L->t_resp[i] = now_ns();
        L->status[i] = r.status;
        L->rv[i] = r.status == 201 ? find_rv(r.body) : 0;
        if (r.status == 201) __atomic_add_fetch(&L->ok, 1, __ATOMIC_RELEASE);
        if (r.status != 201 && L->err[0] == 0)
            snprintf(L->err, sizeof L->err, "create %d: HTTP %d: %.200s", i + 1, r.status, r.body);
        __atomic_store_n(&L->done, i + 1, __ATOMIC_RELEASE);
    }
    close(fd);
    __atomic_store_n(&L->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int run_fanout(int k, int n, int warmup, int server_pid) {
    raise_nofile(k + 64);
    int fd = blocking_connect();
    if (fd < 0) die("connect to 127.0.0.1:%d: %s", port, strerror(errno));
    ensure_namespace(fd, "bench");
    ensure_namespace(fd, "bench-warmup");
    struct resp r;
    char err[256];
    /* warm-up creates in another namespace (no watcher sees them or what the server's controllers do to them):
     * keep first-request costs out of the figures */
    for (int i = 0; i < warmup; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"metadata\":{\"name\":\"warm-%d\",\"labels\":{\"app\":\"warm\"}},"
                 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}", i + 1);
        if (simple_request(fd, "POST", "/api/v1/namespaces/bench-warmup/pods", body, &r, err, sizeof err))
            die("warm-up create: %s", err);
        if (r.status != 201) die("warm-up create: HTTP %d: %.300s", r.status, r.body);
    }
    if (simple_request(fd, "GET", "/api/v1/namespaces/bench/pods", NULL, &r, err, sizeof err))
        die("list pods: %s", err);
    if (r.status != 200) die("list pods: HTTP %d", r.status);
    uint64_t list_rv = find_rv(r.body);
    if (list_rv == 0) die("list pods: no resourceVersion in %.200s", r.body);
    close(fd);
    kv("list_rv", "%llu", (unsigned long long)list_rv);

    watch_req_len = (size_t)snprintf(watch_req, sizeof watch_req,
                                     "GET /api/v1/namespaces/bench/pods?watch=1&resourceVersion=%llu HTTP/1.1\r\n"
                                     "Host: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n",
                                     (unsigned long long)list_rv, port);
    record_events = 1;
    nconns = k;
    conns = calloc((size_t)k, sizeof *conns);
    for (int i = 0; i < k; i++) conns[i].fd = -1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    int64_t t0 = now_ns();
    open_watchers();
    report_watch_open(t0, now_ns());
    if (accepted == 0) die("no watcher was accepted");

    /* a short settle so that every accepted watch is registered before the first create */
    int64_t settle_end = now_ns() + 200000000LL;
    while (now_ns() < settle_end) poll_once(10);

    struct loader L = {.n = n, .warmup = warmup};
    L.t_send = calloc((size_t)n, sizeof(int64_t));
    L.t_resp = calloc((size_t)n, sizeof(int64_t));
    L.rv = calloc((size_t)n, sizeof(uint64_t));
    L.status = calloc((size_t)n, sizeof(int));
    pthread_t th;
    long long srv_cpu0 = server_pid ? proc_cpu_ticks(server_pid) : 0;
    double self_cpu0 = self_cpu_s();
    long long busy0 = machine_busy_ticks();
    int64_t load_start = now_ns();
    if (pthread_create(&th, NULL, loader_main, &L)) die("pthread_create");

    /* watch until every open watcher has an ADDED event per successful create (or EVENT_DEADLINE_S after the
     * loader ended), then until no watcher received anything for QUIET_MS: the server's controllers may follow
     * each create with MODIFIED events, and duplicates would trail too */
    int64_t loader_end = 0;
    int64_t hard_deadline = load_start + (int64_t)(n / 10 + 300) * 1000000000LL; /* >= 10 creates/s */
    for (;;) {
        poll_once(5);
        int64_t t = now_ns();
        if (__atomic_load_n(&L.finished, __ATOMIC_ACQUIRE) && !loader_end) loader_end = t;
        if (loader_end) {
            int all = 1;
            for (int i = 0; i < k && all; i++)
                if (conns[i].status == 200 && conns[i].state == C_BODY &&
                    conns[i].nadded < (uint32_t)__atomic_load_n(&L.ok, __ATOMIC_ACQUIRE))
                    all = 0;
            if (all) break;
            if (t - loader_end > (int64_t)EVENT_DEADLINE_S * 1000000000LL) {
                fprintf(stderr, "watchload: gave up waiting for events %ds after the last create\n", EVENT_DEADLINE_S);
                break;
            }
        }
        if (t > hard_deadline) {
            fprintf(stderr, "watchload: fanout hard deadline reached\n");
            __atomic_store_n(&L.stop, 1, __ATOMIC_RELEASE);
            break;
        }
    }
    int64_t load_stop = now_ns();
    long long srv_cpu1 = server_pid ? proc_cpu_ticks(server_pid) : 0;
    double self_cpu1 = self_cpu_s();
    long long busy1 = machine_busy_ticks();
    int64_t quiet_deadline = now_ns() + (int64_t)EVENT_DEADLINE_S * 1000000000LL;
    for (;;) {
        poll_once(10);
        int64_t t = now_ns();
        if (t - last_event_at >= (int64_t)QUIET_MS * 1000000LL) break;
        if (t > quiet_deadline) {
            fprintf(stderr, "watchload: events still arriving %d s after the last ADDED; stopped there\n", EVENT_DEADLINE_S);
            break;
        }
    }
    int64_t all_done = now_ns();
    /* the loader is at worst blocked on a socket with a 10 s timeout; it ends on its own */
    for (int i = 0; i < 2 * IO_TIMEOUT_S * 100 && !__atomic_load_n(&L.finished, __ATOMIC_ACQUIRE); i++) usleep(10000);
    pthread_join(th, NULL);

    int ok = 0;
    for (int i = 0; i < L.done; i++) ok += L.status[i] == 201;
    kv("creates_requested", "%d", n);
    kv("creates_ok", "%d", ok);
    if (L.err[0]) fprintf(stderr, "watchload: loader: %s\n", L.err);
    int ncreated = L.done;
    double load_s = (double)(L.t_resp[ncreated > 0 ? ncreated - 1 : 0] - load_start) / 1e9;
    kv("creates_s", "%.3f", load_s);
    kv("creates_per_s", "%.1f", load_s > 0 ? ncreated / load_s : 0);
    {
        double span = (double)(load_stop - load_start) / 1e9;
        kv("load_phase_s", "%.3f", span);
        kv("loadgen_cpu_pct", "%.1f", 100.0 * (self_cpu1 - self_cpu0) / span);
        if (server_pid) {
            kv("server_cpu_pct", "%.1f", 100.0 * (double)(srv_cpu1 - srv_cpu0) / (double)sysconf(_SC_CLK_TCK) / span);
            kv("server_rss_kb", "%ld", proc_status_kb(server_pid, "VmRSS"));
            report_noise("", busy0, busy1, srv_cpu0, srv_cpu1, self_cpu0, self_cpu1, span);
        }
    }

    /* create round trips */
    int64_t *rtt = malloc(((size_t)ncreated + 1) * sizeof(int64_t));
    for (int i = 0; i < ncreated; i++) rtt[i] = L.t_resp[i] - L.t_send[i];
    report_dist("create_rtt", rtt, (size_t)ncreated);
    int64_t create_p50 = pct(rtt, (size_t)ncreated, 0.5);

    /* expected resourceVersions, sorted, with the 201 arrival time of each */
    uint64_t *srv = malloc(((size_t)ncreated + 1) * sizeof(uint64_t));
    int nexp = 0;
    for (int i = 0; i < ncreated; i++)
        if (L.status[i] == 201 && L.rv[i]) srv[nexp++] = L.rv[i];
    qsort(srv, (size_t)nexp, sizeof *srv, cmp_u64);
    int ndistinct = 0;
    for (int i = 0; i < nexp; i++)
        if (i == 0 || srv[i] != srv[i - 1]) srv[ndistinct++] = srv[i];
    if (ndistinct != nexp) fprintf(stderr, "watchload: %d creates returned a resourceVersion already seen\n", nexp - ndistinct);
    nexp = ndistinct;
    int64_t *resp_at = malloc(((size_t)nexp + 1) * sizeof(int64_t));
    int64_t *send_at = malloc(((size_t)nexp + 1) * sizeof(int64_t));
    for (int i = 0; i < ncreated; i++) {
        if (L.status[i] != 201 || !L.rv[i]) continue;
        uint64_t *f = bsearch(&L.rv[i], srv, (size_t)nexp, sizeof *srv, cmp_u64);
        resp_at[f - srv] = L.t_resp[i];
        send_at[f - srv] = L.t_send[i];
    }
    /* U: every resourceVersion any watcher received, sorted and distinct. All watchers watch the same namespace
     * from the same resourceVersion, so each must receive exactly U, in order; the ADDED ones must be exactly
     * the created resourceVersions (srv). */
    size_t total = 0;
    for (int w = 0; w < k; w++)
        if (conns[w].status == 200) total += conns[w].nev;
    uint64_t *U = malloc((total + 1) * sizeof(uint64_t));
    size_t nu = 0;
    for (int w = 0; w < k; w++)
        if (conns[w].status == 200) {
            memcpy(U + nu, conns[w].rv, conns[w].nev * sizeof(uint64_t));
            nu += conns[w].nev;
        }
    qsort(U, nu, sizeof *U, cmp_u64);
    size_t nd = 0;
    for (size_t i = 0; i < nu; i++)
        if (i == 0 || U[i] != U[nd - 1]) U[nd++] = U[i];
    nu = nd;
    int8_t *utype = malloc(nu + 1);              /* type of U[i] as first seen, -1 none yet */
    memset(utype, -1, nu + 1);
    int64_t *first_rx = malloc((nu + 1) * sizeof(int64_t)); /* first/last receipt of U[i] across watchers */
    int64_t *last_rx = calloc(nu + 1, sizeof(int64_t));
    for (size_t i = 0; i < nu; i++) first_rx[i] = INT64_MAX;
    char *in_srv = malloc(nu + 1);               /* U[i] is the resourceVersion of a create of this run */
    size_t nu_other = 0;
    for (size_t i = 0; i < nu; i++) {
        in_srv[i] = bsearch(&U[i], srv, (size_t)nexp, sizeof *srv, cmp_u64) != NULL;
        nu_other += !in_srv[i];
    }

    int64_t *lat = malloc((total + 1) * sizeof(int64_t));
    int64_t *lat_send = malloc((total + 1) * sizeof(int64_t));
    int64_t *first_lat = malloc(((size_t)k + 1) * sizeof(int64_t));
    size_t nlat = 0, nfirst = 0;
    long long received = 0, by_type[3] = {0, 0, 0}, missing = 0, missing_other = 0, dup_or_order = 0;
    long long added_unknown = 0, unexpected = 0, type_mismatch = 0;
    int complete = 0, closed_early = 0, bad_watchers = 0;
    int first_bad = -1;
    char *seen = malloc(nu + 1);
    for (int w = 0; w < k; w++) {
        struct conn *c = &conns[w];
        if (c->status != 200) continue;
        if (c->state == C_CLOSED) closed_early++;
        memset(seen, 0, nu + 1);
        received += c->nev;
        unexpected += c->unexpected;
        int bad = c->unexpected > 0;
        uint64_t prev = 0;
        int got_added = 0;
        size_t got_other = 0;
        for (uint32_t e = 0; e < c->nev; e++) {
            uint64_t rv = c->rv[e];
            int type = c->ty[e];
            by_type[type]++;
            if (e > 0 && rv <= prev) { /* a duplicate or out of order */
                dup_or_order++;
                bad = 1;
            }
            if (rv > prev) prev = rv;
            size_t ix = (size_t)((uint64_t *)bsearch(&rv, U, nu, sizeof *U, cmp_u64) - U);
            if (seen[ix]) continue;
            seen[ix] = 1;
            got_other += !in_srv[ix];
            if (utype[ix] < 0) utype[ix] = (int8_t)type;
            else if (utype[ix] != type) {
                type_mismatch++;
                bad = 1;
            }
            if (c->t[e] < first_rx[ix]) first_rx[ix] = c->t[e];
            if (c->t[e] > last_rx[ix]) last_rx[ix] = c->t[e];
            if (type != EV_ADDED) continue;
            uint64_t *f = bsearch(&rv, srv, (size_t)nexp, sizeof *srv, cmp_u64);
            if (!f) { /* an ADDED for something this run did not create after the list */
                added_unknown++;
                bad = 1;
                continue;
            }
            size_t ax = (size_t)(f - srv);
            got_added++;
            int64_t l = c->t[e] - resp_at[ax];
            lat_send[nlat] = c->t[e] - send_at[ax];
            lat[nlat++] = l;
            if (ax == 0) first_lat[nfirst++] = l;
        }
        missing += nexp - got_added;
        missing_other += (long long)(nu_other - got_other);
        if (got_added < nexp || got_other < nu_other) bad = 1;
        if (!bad) complete++;
        if (bad) {
            bad_watchers++;
            if (first_bad < 0) first_bad = w;
        }
    }
    long long u_by_type[3] = {0, 0, 0};
    for (size_t i = 0; i < nu; i++)
        if (utype[i] >= 0) u_by_type[(int)utype[i]]++;
    kv("events_per_watcher", "%zu", nu);
    kv("events_per_watcher_added", "%lld", u_by_type[EV_ADDED]);
    kv("events_per_watcher_modified", "%lld", u_by_type[EV_MODIFIED]);
    kv("events_per_watcher_deleted", "%lld", u_by_type[EV_DELETED]);
    kv("events_expected_added", "%lld", (long long)nexp * accepted);
    kv("events_received", "%lld", received);
    kv("events_received_added", "%lld", by_type[EV_ADDED]);
    kv("events_received_modified", "%lld", by_type[EV_MODIFIED]);
    kv("events_received_deleted", "%lld", by_type[EV_DELETED]);
    kv("events_missing", "%lld", missing);
    kv("events_missing_other", "%lld", missing_other);
    kv("events_duplicate_or_out_of_order", "%lld", dup_or_order);
    kv("events_added_not_created", "%lld", added_unknown);
    kv("events_type_mismatch", "%lld", type_mismatch);
    kv("events_unexpected", "%lld", unexpected);
    kv("watchers_complete", "%d", complete);
    kv("watchers_with_errors", "%d", bad_watchers);
    kv("watchers_closed_early", "%d", closed_early);
    if (first_bad >= 0) {
        struct conn *c = &conns[first_bad];
        fprintf(stderr, "watchload: first watcher with errors: #%d: %u events (%u ADDED; every watcher together saw %zu "
                "resourceVersions, %d created), %u unexpected%s%s, %s\n",
                first_bad, c->nev, c->nadded, nu, nexp, c->unexpected, c->unexpected ? ", first: " : "", c->first_other,
                c->state == C_CLOSED ? "closed by the server" : "still open");
        uint64_t prev = 0;
        for (uint32_t e = 0; e < c->nev; e++) {
            if (e > 0 && c->rv[e] <= prev) {
                fprintf(stderr, "watchload:   event #%u %s rv %llu after rv %llu\n", e, EV_NAMES[c->ty[e]],
                        (unsigned long long)c->rv[e], (unsigned long long)prev);
                break;
            }
            if (c->rv[e] > prev) prev = c->rv[e];
        }
    }
    int64_t last_rx_all = 0;
    for (size_t i = 0; i < nu; i++)
        if (last_rx[i] > last_rx_all) last_rx_all = last_rx[i];
    if (last_rx_all) {
        double span = (double)(last_rx_all - load_start) / 1e9;
        kv("events_delivered_per_s", "%.0f", span > 0 ? (double)received / span : 0);
    }
    report_dist("delivery", lat, nlat);
    int64_t delivery_p99 = pct(lat, nlat, 0.99);
    report_dist("delivery_from_send", lat_send, nlat);
    report_dist("first_event_delivery", first_lat, nfirst);
    int64_t *spread = malloc((nu + 1) * sizeof(int64_t));
    size_t nspread = 0;
    for (size_t i = 0; i < nu; i++)
        if (first_rx[i] != INT64_MAX) spread[nspread++] = last_rx[i] - first_rx[i];
    report_dist("fanout_spread", spread, nspread);
    if (create_p50 > 0) kv("ratio_delivery_p99_to_create_p50", "%.2f", (double)delivery_p99 / (double)create_p50);
    kv("run_s", "%.3f", (double)(all_done - t0) / 1e9);
    for (int i = 0; i < k; i++)
        if (conns[i].state != C_CLOSED) conn_close(&conns[i], 0);
    return 0;
}

/* ---------------------------------------------------------------- scale --------------------------------- */

static int count_fds(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* GET /api/v1/namespaces/default `count` times; keepalive: one connection, else a new connection each */
static void measure_get(const char *prefix, int count, int keepalive) {
    int64_t *v = malloc((size_t)count * sizeof(int64_t));
    int nv = 0, errors = 0, consecutive = 0;
    char err[256];
    struct resp r;
    int fd = -1;
    int64_t deadline = now_ns() + 60000000000LL;
    for (int i = 0; i < count && now_ns() < deadline && consecutive < 3; i++) {
        int64_t t0 = now_ns();
        if (fd < 0) fd = blocking_connect();
        if (fd < 0) {
            if (errors++ == 0) fprintf(stderr, "watchload: %s: connect: %s\n", prefix, strerror(errno));
            consecutive++;
            continue;
        }
        int rc = simple_request(fd, "GET", "/api/v1/namespaces/default", NULL, &r, err, sizeof err);
        int64_t t1 = now_ns();
        if (rc || r.status != 200) {
            if (errors++ == 0) fprintf(stderr, "watchload: %s: %s\n", prefix, rc ? err : "non-200");
            consecutive++;
            close(fd);
            fd = -1;
            continue;
        }
        consecutive = 0;
        v[nv++] = t1 - t0;
        if (!keepalive) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) close(fd);
    char key[128];
    snprintf(key, sizeof key, "%s_errors", prefix);
    kv(key, "%d", errors + (consecutive >= 3 ? count - nv - errors : 0));
    if (consecutive >= 3) fprintf(stderr, "watchload: %s: stopped after 3 failures in a row\n", prefix);
    report_dist(prefix, v, (size_t)nv);
    free(v);
}

/* services the watch sockets for ms milliseconds (they are idle: anything read is noted) */
static void hold(int ms_) {
    int64_t end = now_ns() + (int64_t)ms_ * 1000000LL;
    while (now_ns() < end) poll_once(10);
}

static int run_scale(int w, int server_pid, int gets) {
    raise_nofile(w + 64);
    int fd = blocking_connect();
    if (fd < 0) die("connect to 127.0.0.1:%d: %s", port, strerror(errno));
    ensure_namespace(fd, "bench");
    close(fd);
    long clk = sysconf(_SC_CLK_TCK);

    /* before: RSS, threads, fds, GET latency on an idle server */
    measure_get("get_before", 50, 1); /* warm-up, reported as well */
    long rss0 = proc_status_kb(server_pid, "VmRSS");
    kv("server_rss_before_kb", "%ld", rss0);
    kv("server_threads_before", "%ld", proc_status_kb(server_pid, "Threads"));
    kv("server_fds_before", "%d", count_fds(server_pid));
    {
        long long busy0 = machine_busy_ticks(), srv0 = proc_cpu_ticks(server_pid);
        double self0 = self_cpu_s();
        int64_t g0 = now_ns();
        measure_get("get_idle_keepalive", gets, 1);
        hold(100);
        measure_get("get_idle_newconn", gets, 0);
        report_noise("get_idle_", busy0, machine_busy_ticks(), srv0, proc_cpu_ticks(server_pid), self0, self_cpu_s(),
                     (double)(now_ns() - g0) / 1e9);
    }

    watch_req_len = (size_t)snprintf(watch_req, sizeof watch_req,
                                     "GET /api/v1/namespaces/bench/services?watch=1&timeoutSeconds=600 HTTP/1.1\r\n"
                                     "Host: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n", port);
    record_events = 0;
    nconns = w;
    conns = calloc((size_t)w, sizeof *conns);
    for (int i = 0; i < w; i++) conns[i].fd = -1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    long long cpu0 = proc_cpu_ticks(server_pid);
    int64_t t0 = now_ns();
    open_watchers();
    int64_t t1 = now_ns();
    long long cpu1 = proc_cpu_ticks(server_pid);
    report_watch_open(t0, t1);
    kv("server_cpu_while_opening_pct", "%.1f", 100.0 * (double)(cpu1 - cpu0) / (double)clk / ((double)(t1 - t0) / 1e9));

    /* settle, then RSS and idle CPU over a 3 s hold */
    hold(1000);
    long long cpu2 = proc_cpu_ticks(server_pid);
    int64_t t2 = now_ns();
    hold(3000);
    long long cpu3 = proc_cpu_ticks(server_pid);
    int64_t t3 = now_ns();
    kv("server_cpu_idle_with_watchers_pct", "%.1f", 100.0 * (double)(cpu3 - cpu2) / (double)clk / ((double)(t3 - t2) / 1e9));
    long rss1 = proc_status_kb(server_pid, "VmRSS");
    kv("server_rss_with_watchers_kb", "%ld", rss1);
    kv("server_rss_hwm_kb", "%ld", proc_status_kb(server_pid, "VmHWM"));
    kv("server_threads_with_watchers", "%ld", proc_status_kb(server_pid, "Threads"));
    kv("server_fds_with_watchers", "%d", count_fds(server_pid));
    if (accepted > 0) kv("server_rss_per_watcher_kb", "%.2f", (double)(rss1 - rss0) / accepted);

    int open_before = accepted - closed_after_accept;
    long long busy0 = machine_busy_ticks(), srv0 = proc_cpu_ticks(server_pid);
    double self0 = self_cpu_s();
    int64_t g0 = now_ns();
    measure_get("get_with_watchers_keepalive", gets, 1);
    hold(100);
    measure_get("get_with_watchers_newconn", gets, 0);
    report_noise("get_with_watchers_", busy0, machine_busy_ticks(), srv0, proc_cpu_ticks(server_pid), self0,
                 self_cpu_s(), (double)(now_ns() - g0) / 1e9);
    hold(500);
    kv("watchers_open_at_end", "%d", accepted - closed_after_accept);
    kv("watchers_closed_during_hold", "%d", closed_after_accept);
    if (closed_after_accept) {
        for (int i = 0; i < w; i++)
            if (conns[i].status == 200 && conns[i].state == C_CLOSED) {
                fprintf(stderr, "watchload: watcher %d closed by the server (errno %d, clean end %d)\n", i,
                        conns[i].close_errno, conns[i].clean_end);
                break;
            }
    }
    (void)open_before;
    for (int i = 0; i < w; i++)
        if (conns[i].state != C_CLOSED) conn_close(&conns[i], 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: watchload fanout PORT K N [WARMUP [SERVER_PID]] | watchload scale PORT W SERVER_PID [GETS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    port = atoi(argv[2]);
    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)port);
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (strcmp(argv[1], "fanout") == 0) {
        int k = atoi(argv[3]), n = atoi(argv[4]), warm = argc > 5 ? atoi(argv[5]) : 20;
        int pid = argc > 6 ? atoi(argv[6]) : 0;
        if (k < 1 || n < 1 || warm < 0 || pid < 0) return 2;
        kv("mode", "fanout");
        return run_fanout(k, n, warm, pid);
    }
    if (strcmp(argv[1], "scale") == 0) {
        int w = atoi(argv[3]), pid = atoi(argv[4]), gets = argc > 5 ? atoi(argv[5]) : 200;
        if (w < 1 || pid < 1 || gets < 1) return 2;
        kv("mode", "scale");
        return run_scale(w, pid, gets);
    }
    fprintf(stderr, "watchload: unknown mode %s\n", argv[1]);
    return 2;
}
