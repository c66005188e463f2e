/*
 * A blocking HTTP/1.1 keep-alive client for the benchmark load generators (svcload, etcdload), with the
 * /proc accounting (bench_proc.h) they report next to their figures. Include after bench_util.h; call http_target(PORT) once before the first request. Every socket
 * operation has a timeout (HTTP_IO_TIMEOUT_S, default 30 s).
 */
#ifndef SERVICEPLANE_BENCH_HTTP_H
#define SERVICEPLANE_BENCH_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_proc.h"

#ifndef HTTP_IO_TIMEOUT_S
#define HTTP_IO_TIMEOUT_S 30
#endif

static int http_port;
static struct sockaddr_in http_addr;

/* Every request goes to 127.0.0.1:port. */
static __attribute__((unused)) void http_target(int port) {
    http_port = port;
    memset(&http_addr, 0, sizeof http_addr);
    http_addr.sin_family = AF_INET;
    http_addr.sin_port = htons((uint16_t)port);
    http_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

struct hconn {
    int fd;
    char *buf;
    size_t cap;
};

struct resp {
    int status;
    const char *body; /* NUL-terminated, inside the connection's buffer (chunk framing removed) */
    size_t body_len;
};

static __attribute__((unused)) int hconnect(struct hconn *c) {
    int fd = loopback_connect(&http_addr, HTTP_IO_TIMEOUT_S);
    if (fd < 0) return -1;
    c->fd = fd;
    if (!c->buf) {
        c->cap = 1 << 16;
        c->buf = malloc(c->cap);
        if (!c->buf) die("out of memory");
    }
    return 0;
}

static __attribute__((unused)) void hclose(struct hconn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* Sends all n bytes; returns 0, or -1 with a message in err (the connection is then closed). */
static __attribute__((unused)) int send_all(struct hconn *c, const char *p, size_t n, char *err, size_t errlen) {
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(c->fd, p + off, n - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            snprintf(err, errlen, "send: %s", strerror(errno));
            hclose(c);
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* One request/response. Returns 0, or -1 with a message in err (the connection is then closed). */
static __attribute__((unused)) int hreq(struct hconn *c, const char *method, const char *path, const char *ctype, const char *body,
                struct resp *r, char *err, size_t errlen) {
    if (c->fd < 0 && hconnect(c) < 0) {
        snprintf(err, errlen, "connect: %s", strerror(errno));
        return -1;
    }
    char head[1024];
    size_t blen = body ? strlen(body) : 0;
    int n = body ? snprintf(head, sizeof head,
                            "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n"
                            "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                            method, path, http_port, ctype, blen)
                 : snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n",
                            method, path, http_port);
    if (n < 0 || (size_t)n >= sizeof head) die("request line too long");
    if (send_all(c, head, (size_t)n, err, errlen) || (blen && send_all(c, body, blen, err, errlen))) return -1;
    size_t have = 0, hdr_end = 0, need = 0;
    int chunked = 0, conn_close = 0;
    for (;;) {
        if (have + 1 >= c->cap) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("out of memory");
        }
        ssize_t got = recv(c->fd, c->buf + have, c->cap - 1 - have, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            snprintf(err, errlen, "recv: %s",
                     got == 0 ? "connection closed"
                     : (errno == EAGAIN || errno == EWOULDBLOCK) ? "no answer within the socket timeout"
                                                                 : strerror(errno));
            hclose(c);
            return -1;
        }
        have += (size_t)got;
        c->buf[have] = 0;
        if (!hdr_end) {
            char *e = strstr(c->buf, "\r\n\r\n");
            if (!e) continue;
            hdr_end = (size_t)(e - c->buf) + 4;
            if (sscanf(c->buf, "HTTP/1.%*d %d", &r->status) != 1) {
                snprintf(err, errlen, "bad status line");
                hclose(c);
                return -1;
            }
            char *cl = strcasestr(c->buf, "\r\ncontent-length:");
            char *cc = strcasestr(c->buf, "\r\nconnection: close");
            conn_close = cc && cc < e;
            if (cl && cl < e) {
                need = hdr_end + (size_t)strtoul(cl + 17, NULL, 10);
            } else {
                char *te = strcasestr(c->buf, "\r\ntransfer-encoding: chunked");
                if (te && te < e) chunked = 1;
                else {
                    snprintf(err, errlen, "response has neither Content-Length nor chunked encoding");
                    hclose(c);
                    return -1;
                }
            }
        }
        if (!chunked && have >= need) break;
        if (chunked && have >= hdr_end + 5 && memcmp(c->buf + have - 5, "0\r\n\r\n", 5) == 0) break;
    }
    char *b = c->buf + hdr_end;
    size_t blen2 = have - hdr_end;
    if (chunked) {
        long d = dechunk(b, blen2);
        if (d < 0) {
            snprintf(err, errlen, "bad chunked framing");
            hclose(c);
            return -1;
        }
        blen2 = (size_t)d;
    }
    r->body = b;
    r->body_len = blen2;
    if (conn_close) hclose(c);
    return 0;
}

/* the "message" of a Status body, or the first 200 characters; written to out (one line) */
static __attribute__((unused)) void status_message(const char *body, char *out, size_t outlen) {
    const char *m = strstr(body, "\"message\"");
    if (m) {
        m = strchr(m + 9, '"');
        if (m) {
            size_t i = 0;
            for (m++; *m && *m != '"' && i + 1 < outlen; m++) {
                if (*m == '\\' && m[1]) m++;
                out[i++] = *m;
            }
            out[i] = 0;
            return;
        }
    }
    snprintf(out, outlen, "%.200s", body);
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

#endif
