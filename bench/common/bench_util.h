/*
 * Helpers shared by the benchmark load generators (bench/watch, bench/services, bench/controllers): a
 * monotonic clock, fatal errors, `key value` result lines, and nearest-rank percentiles.
 * Each program defines BENCH_NAME (the prefix of its error messages) before including this header.
 */
#ifndef SERVICEPLANE_BENCH_UTIL_H
#define SERVICEPLANE_BENCH_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_util.h"
#endif

/* CLOCK_MONOTONIC nanoseconds; shared across processes on one machine. */
static __attribute__((unused)) int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Prints "<BENCH_NAME>: <message>" on stderr and exits 1. */
static __attribute__((unused)) void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, BENCH_NAME ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* One result line, `key value`, flushed at once (the shell scripts read them as they come). */
static __attribute__((unused)) void kv(const char *key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", key);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static __attribute__((unused)) double ms(int64_t ns) { return (double)ns / 1e6; }

static __attribute__((unused)) int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static __attribute__((unused)) int64_t pct(const int64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t idx = (size_t)((double)n * p + 0.999999999);
    if (idx < 1) idx = 1;
    if (idx > n) idx = n;
    return v[idx - 1];
}

/* Prints PREFIX_n and PREFIX_{min,p50,p90,p99,max} of the n values (sorted in place): milliseconds with the
 * suffix _ms if they are nanosecond times (is_time), else plain counts. */
static __attribute__((unused)) void report_stats(const char *prefix, int64_t *v, size_t n, int is_time) {
    char key[128];
    const char *u = is_time ? "_ms" : "";
    qsort(v, n, sizeof *v, cmp_i64);
    snprintf(key, sizeof key, "%s_n", prefix);
    kv(key, "%zu", n);
    if (n == 0) return;
    const char *names[] = {"min", "p50", "p90", "p99", "max"};
    int64_t vals[] = {v[0], pct(v, n, 0.50), pct(v, n, 0.90), pct(v, n, 0.99), v[n - 1]};
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "%s_%s%s", prefix, names[i], u);
        if (is_time) kv(key, "%.3f", ms(vals[i]));
        else kv(key, "%lld", (long long)vals[i]);
    }
}

/* report_stats of nanosecond times */
static __attribute__((unused)) void report_dist(const char *prefix, int64_t *v, size_t n) { report_stats(prefix, v, n, 1); }

#endif
