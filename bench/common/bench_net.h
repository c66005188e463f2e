/*
 * The socket-level pieces every benchmark load generator's HTTP client needs (bench_http.h,
 * bench/controllers/ctlload.c, bench/watch/watchload.c): a blocking loopback connection with timeouts, and
 * HTTP/1.1 chunked transfer decoding of a complete body.
 */
#ifndef SERVICEPLANE_BENCH_NET_H
#define SERVICEPLANE_BENCH_NET_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A blocking TCP connection to addr with send/receive timeouts of timeout_s and TCP_NODELAY; the fd, or -1 with
 * errno set. */
static __attribute__((unused)) int loopback_connect(const struct sockaddr_in *addr, int timeout_s) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval tv = {timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* removes chunk framing in place; returns the decoded length or -1 */
static __attribute__((unused)) long dechunk(char *p, size_t n) {
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        unsigned long sz = strtoul(p + in, &end, 16);
        char *crlf = memmem(p + in, n - in, "\r\n", 2);
        if (!crlf || end == p + in) return -1;
        in = (size_t)(crlf - p) + 2;
        if (sz == 0) break;
        if (in + sz + 2 > n) return -1;
        memmove(p + out, p + in, sz);
        out += sz;
        in += sz + 2;
    }
    p[out] = 0;
    return (long)out;
}

#endif
