/*
 * sqlite_anchor: the anchor of ServicePlane's Service-creation benchmark (issue 4), driven by
 * scripts/bench-services.sh. Raw SQLite through the C API: one connection, WAL mode, synchronous=NORMAL
 * (what `serviceplane serve --durability normal` uses), and N single-row insert transactions
 * (BEGIN IMMEDIATE; INSERT one ~1 KiB JSON document; COMMIT), each its own commit, like one API create.
 *
 *   gcc -O2 -Wall -o sqlite_anchor bench/services/sqlite_anchor.c -lsqlite3
 *   sqlite_anchor DBPATH SECONDS MAXROWS [normal|full [BATCH]]
 *
 * Runs until MAXROWS rows are in or SECONDS have passed, whichever comes first (DBPATH must not exist; it
 * should sit on the filesystem the server's database uses). "full" selects synchronous=FULL instead.
 * BATCH (default 1) rows go into each transaction: 100 shows what batching (group commit) can reach.
 * Output: "key value" lines on stdout: inserts, seconds, inserts_per_s, commit_p50_us, commit_p99_us,
 * commit_max_us, row_bytes. Exit status 0 on success, 1 on an SQLite error, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static sqlite3 *db;

#define ROW_BYTES 1024   /* each row's JSON document is padded to this size */
static const char PADDING[] =
    "padding padding padding padding padding padding padding padding padding padding padding padding padding "
    "padding padding padding padding padding padding padding padding padding padding padding padding padding "
    "padding padding padding padding padding padding padding padding padding padding padding padding padding "
    "padding padding padding padding padding padding padding padding padding padding padding padding padding ";

static void check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_anchor: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite_anchor: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: sqlite_anchor DBPATH SECONDS MAXROWS [normal|full [BATCH]]\n");
        return 2;
    }
    const char *path = argv[1];
    double seconds = atof(argv[2]);
    long maxrows = atol(argv[3]);
    int full = argc > 4 && strcmp(argv[4], "full") == 0;
    long batch = argc > 5 ? atol(argv[5]) : 1;
    if (seconds <= 0 || maxrows < 1 || batch < 1) return 2;
    if (access(path, F_OK) == 0) {
        fprintf(stderr, "sqlite_anchor: %s exists\n", path);
        return 2;
    }

    check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL), "open");
    exec("PRAGMA journal_mode=WAL");
    exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE objects (name TEXT PRIMARY KEY, resource_version INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID");

    sqlite3_stmt *begin, *ins, *commit;
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "prepare begin");
    check(sqlite3_prepare_v2(db, "INSERT INTO objects (name, resource_version, data) VALUES (?1, ?2, ?3)", -1, &ins, NULL),
          "prepare insert");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare commit");

    int64_t *lat = malloc((size_t)maxrows * sizeof(int64_t));
    if (!lat) return 1;
    char doc[2048], name[64];
    int64_t deadline = now_ns() + (int64_t)(seconds * 1e9);
    int64_t t0 = now_ns();
    long n = 0;
    size_t row_bytes = 0;
    long commits = 0;
    while (n < maxrows && now_ns() < deadline) {
      int64_t a = now_ns();
      check(sqlite3_step(begin), "BEGIN");
      sqlite3_reset(begin);
      for (long b = 0; b < batch && n < maxrows; b++) {
        /* a Service-shaped JSON document of ~1 KiB, different per row */
        snprintf(name, sizeof name, "svc-%ld", n);
        /* pass 0 measures the document without padding, pass 1 pads it to ROW_BYTES */
        int len = 0, pad = 0;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) pad = ROW_BYTES - len > 0 ? ROW_BYTES - len : 0;
            len = snprintf(doc, sizeof doc,
            "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"bench\","
            "\"uid\":\"%08lx-4a35-4b76-8edd-%012lx\",\"resourceVersion\":\"%ld\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
            "\"labels\":{\"app\":\"bench\",\"tier\":\"backend\"},\"annotations\":{\"bench.serviceplane.dev/note\":"
            "\"%.*s\"}},"
            "\"spec\":{\"type\":\"NodePort\",\"selector\":{\"app\":\"%s\"},\"ports\":[{\"name\":\"http\",\"port\":80,"
            "\"protocol\":\"TCP\",\"targetPort\":8080,\"nodePort\":%ld}],\"sessionAffinity\":\"None\","
            "\"externalTrafficPolicy\":\"Cluster\",\"internalTrafficPolicy\":\"Cluster\",\"ipFamilyPolicy\":\"SingleStack\","
            "\"ipFamilies\":[\"IPv4\"],\"clusterIPs\":[\"10.%ld.%ld.%ld\"],\"clusterIP\":\"10.%ld.%ld.%ld\"},"
            "\"status\":{\"loadBalancer\":{}}}",
            name, (unsigned long)n, (unsigned long)n * 7919, n + 1, pad, PADDING, name, 30000 + n % 2768,
            96 + (n >> 16) % 16, (n >> 8) & 255, n & 255, 96 + (n >> 16) % 16, (n >> 8) & 255, n & 255);
        }
        row_bytes = (size_t)len;
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, n + 1);
        sqlite3_bind_blob(ins, 3, doc, len, SQLITE_TRANSIENT);
        check(sqlite3_step(ins), "INSERT");
        sqlite3_reset(ins);
        n++;
      }
      check(sqlite3_step(commit), "COMMIT");
      sqlite3_reset(commit);
      lat[commits++] = now_ns() - a;
    }
    /* verify: every row is there */
    sqlite3_stmt *count;
    check(sqlite3_prepare_v2(db, "SELECT count(*) FROM objects", -1, &count, NULL), "prepare count");
    check(sqlite3_step(count), "count");
    long stored = (long)sqlite3_column_int64(count, 0);
    sqlite3_finalize(count);
    int64_t t1 = now_ns();
    sqlite3_finalize(begin);
    sqlite3_finalize(ins);
    sqlite3_finalize(commit);
    check(sqlite3_close(db), "close");

    double s = (double)(t1 - t0) / 1e9;
    qsort(lat, (size_t)commits, sizeof *lat, cmp_i64);
    printf("inserts %ld\n", n);
    printf("rows_stored %ld\n", stored);
    printf("verified %d\n", stored == n);
    printf("batch %ld\n", batch);
    printf("commits %ld\n", commits);
    printf("commits_per_s %.1f\n", s > 0 ? (double)commits / s : 0);
    printf("seconds %.3f\n", s);
    printf("inserts_per_s %.1f\n", s > 0 ? (double)n / s : 0);
    long c = commits;
    printf("commit_p50_us %.1f\n", c ? (double)lat[c / 2] / 1e3 : 0);
    printf("commit_p99_us %.1f\n", c ? (double)lat[(size_t)((double)c * 0.99) < (size_t)c ? (size_t)((double)c * 0.99) : (size_t)c - 1] / 1e3 : 0);
    printf("commit_max_us %.1f\n", c ? (double)lat[c - 1] / 1e3 : 0);
    printf("row_bytes %zu\n", row_bytes);
    printf("synchronous %s\n", full ? "FULL" : "NORMAL");
    free(lat);
    return stored == n ? 0 : 1;
}
