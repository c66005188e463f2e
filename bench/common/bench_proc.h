/*
 * What the benchmark load generators read from /proc about the server and the machine: a process's CPU time and
 * status fields (VmRSS, VmHWM, Threads), the whole machine's busy time (so "the rest of the machine", i.e. the
 * noise, can be reported next to every figure), and the load generator's own CPU time.
 */
#ifndef SERVICEPLANE_BENCH_PROC_H
#define SERVICEPLANE_BENCH_PROC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* utime+stime of PID in clock ticks, or -1 */
static __attribute__((unused)) long long proc_cpu_ticks(int pid) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    /* fields after ") ": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
    return (long long)(ut + st);
}

/* busy ticks of the whole machine (all CPUs: user nice system irq softirq steal), from /proc/stat */
static __attribute__((unused)) long long machine_busy_ticks(void) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long v[10] = {0};
    int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                     &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (got < 4) return -1;
    return (long long)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
}

/* this process's CPU time in seconds */
static __attribute__((unused)) double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* a "Field: N kB" (or plain number) line of /proc/PID/status, or -1 */
static __attribute__((unused)) long proc_status_kb(int pid, const char *field) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

#endif
