/*
 * exectime: how long a server takes from exec until it is usable, and how much memory it then holds. Used by
 * scripts/bench-restart.sh for T6 (restart with a full store: serviceplane vs etcd) and T7 (cold start).
 *
 *   gcc -O2 -Wall -o exectime bench/restart/exectime.c
 *   exectime [--ready] [--probe PORT PATH BODY EXPECT] [--settle MS] [--timeout S] [--log FILE] -- CMD ARGS...
 *
 * Forks, stamps CLOCK_MONOTONIC, execs CMD with stdout on a pipe (stderr to --log, default /dev/null), then:
 *   --ready   waits for a stdout line starting "READY http://HOST:PORT" (serviceplane's contract): ready_ms.
 *   --probe   then (or instead) sends POST PATH with BODY (GET if BODY is "-") to 127.0.0.1:PORT, a new
 *             connection every millisecond, until an answer is HTTP 200 and contains EXPECT: answer_ms.
 *             PORT 0 takes the port of the READY line. This is "answers a get" for a server without a READY
 *             line (etcd), and for serviceplane the proof that READY meant it.
 * Then sleeps --settle MS (default 0), reads the child's VmRSS and VmHWM from /proc (rss_kb, hwm_kb), sends
 * SIGTERM, waits up to 10 s (then SIGKILL) and reports stop_ms and exit_status. Exit status 0 if it became
 * ready in time (default --timeout 60 s), else 1 (the child is killed either way); 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_NAME "exectime"
#include "../common/bench_util.h"
#include "../common/bench_proc.h"

static pid_t child;

/* one request on a new connection; 1 if the answer is 200 and contains expect, 0 otherwise */
static int probe_once(int port, const char *path, const char *body, const char *expect) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        char req[4096];
        int n = strcmp(body, "-") == 0
                    ? snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path)
                    : snprintf(req, sizeof req,
                               "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\n\r\n%s", path, strlen(body), body);
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
            static char buf[1 << 16];
            size_t have = 0;
            ssize_t got;
            while (have + 1 < sizeof buf && (got = recv(fd, buf + have, sizeof buf - 1 - have, 0)) > 0) have += (size_t)got;
            buf[have] = 0;
            int status = 0;
            ok = sscanf(buf, "HTTP/1.%*d %d", &status) == 1 && status == 200 && strstr(buf, expect) != NULL;
        }
    }
    close(fd);
    return ok;
}

static void stop_child(void) {
    int status = 0;
    int64_t t0 = now_ns();
    kill(child, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(child, &status, WNOHANG) == child) {
            kv("stop_ms", "%.1f", ms(now_ns() - t0));
            kv("exit_status", "%d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            return;
        }
        usleep(10000);
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    kv("stop_ms", "%.1f", ms(now_ns() - t0));
    kv("exit_status", "killed");
}

int main(int argc, char **argv) {
    int want_ready = 0, probe_port = -1, settle_ms = 0, timeout_s = 60, i;
    const char *probe_path = NULL, *probe_body = NULL, *probe_expect = NULL, *log = "/dev/null";
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--ready") == 0) want_ready = 1;
        else if (strcmp(argv[i], "--probe") == 0 && i + 4 < argc) {
            probe_port = atoi(argv[++i]);
            probe_path = argv[++i];
            probe_body = argv[++i];
            probe_expect = argv[++i];
        } else if (strcmp(argv[i], "--settle") == 0 && i + 1 < argc) settle_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) timeout_s = atoi(argv[++i]);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) log = argv[++i];
        else break;
    }
    if (i >= argc - 1 || strcmp(argv[i], "--") != 0 || (!want_ready && probe_port < 0) || (probe_port == 0 && !want_ready)) {
        fprintf(stderr, "usage: exectime [--ready] [--probe PORT PATH BODY EXPECT] [--settle MS] [--timeout S] [--log FILE] -- CMD ARGS...\n");
        return 2;
    }
    char **cmd = argv + i + 1;
    signal(SIGPIPE, SIG_IGN);
    int out[2];
    if (pipe2(out, O_CLOEXEC)) die("pipe: %s", strerror(errno));
    int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0) die("%s: %s", log, strerror(errno));
    int64_t t0 = now_ns();
    child = fork();
    if (child < 0) die("fork: %s", strerror(errno));
    if (child == 0) {
        dup2(out[1], 1);
        dup2(logfd, 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execvp(cmd[0], cmd);
        _exit(127);
    }
    close(out[1]);
    int64_t deadline = t0 + (int64_t)timeout_s * 1000000000LL;
    int ready = 1, port = probe_port;
    if (want_ready) {
        char line[512];
        size_t have = 0;
        ready = 0;
        while (!ready && now_ns() < deadline) {
            struct pollfd p = {.fd = out[0], .events = POLLIN};
            if (poll(&p, 1, 100) <= 0) continue;
            ssize_t got = read(out[0], line + have, sizeof line - 1 - have);
            if (got <= 0) break;   /* the child closed stdout: it exited */
            have += (size_t)got;
            line[have] = 0;
            char *nl = strchr(line, '\n');
            if (nl && strncmp(line, "READY http://", 13) == 0) {
                kv("ready_ms", "%.3f", ms(now_ns() - t0));
                char *colon = strrchr(line, ':');
                if (probe_port == 0 && colon) port = atoi(colon + 1);
                ready = 1;
            } else if (nl || have + 1 >= sizeof line) {
                break;   /* something else first: not our contract */
            }
        }
        if (!ready) fprintf(stderr, "exectime: no READY line within %d s\n", timeout_s);
    }
    if (ready && probe_path) {
        ready = 0;
        while (now_ns() < deadline) {
            if (probe_once(port, probe_path, probe_body, probe_expect)) {
                kv("answer_ms", "%.3f", ms(now_ns() - t0));
                ready = 1;
                break;
            }
            if (waitpid(child, NULL, WNOHANG) == child) {
                fprintf(stderr, "exectime: %s exited before it answered\n", cmd[0]);
                child = 0;
                break;
            }
            usleep(1000);
        }
        if (!ready && child) fprintf(stderr, "exectime: no answer within %d s\n", timeout_s);
    }
    if (!child) return 1;
    if (settle_ms > 0) usleep((useconds_t)settle_ms * 1000);
    kv("rss_kb", "%ld", proc_status_kb((int)child, "VmRSS"));
    kv("hwm_kb", "%ld", proc_status_kb((int)child, "VmHWM"));
    stop_child();
    return ready ? 0 : 1;
}
