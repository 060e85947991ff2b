/* launch N BIN STDIN [NAME=VALUE ...]: runs BIN N times the way a container runtime does (fork,
 * execve with only the given environment, stdin from a file, stdout to /dev/null, wait), and prints
 * the median and p90 wall time and the mean CPU time per call.
 * "%d" in a NAME=VALUE is replaced by the call's number (CNI_CONTAINERID=c%d).
 * LAUNCH_CALLERS=C runs the calls from C concurrent callers (call i on caller i mod C, each caller
 * one call after another), as a runtime starting many pods at once does; default 1.
 * Written in C on purpose: the harness must add as little as possible to what it measures
 * (.NET's Process.Start adds 1-2 ms per call, see BENCHMARKS.md). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double usec(struct timeval t) { return t.tv_sec * 1e6 + t.tv_usec; }

/* One call: returns its wall time in µs; *failed is set when it did not exit 0. */
static double call(int i, int argc, char **argv, int *failed) {
    char *env[64];
    int k = 0;
    env[k++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    for (int j = 4; j < argc; j++) {
        env[k] = malloc(512);
        snprintf(env[k++], 512, argv[j], i);
    }
    env[k] = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { *failed = 1; return 0; }
    if (pid == 0) {
        int in = open(argv[3], O_RDONLY), out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        char *args[] = {argv[2], NULL};
        execve(argv[2], args, env);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    for (int j = 1; j < k; j++) free(env[j]);
    return (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: launch N BIN STDIN [NAME=VALUE ...]\n"); return 2; }
    int n = atoi(argv[1]);
    const char *c = getenv("LAUNCH_CALLERS");
    int callers = c ? atoi(c) : 1;
    if (n < 1 || argc - 4 > 60) { fprintf(stderr, "launch: N must be >= 1 and at most 60 variables\n"); return 2; }
    if (callers < 1 || callers > 64) { fprintf(stderr, "launch: LAUNCH_CALLERS must be 1..64\n"); return 2; }
    /* Shared with the caller processes: each writes the slots of its own calls. */
    double *wall = mmap(NULL, n * sizeof *wall, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *bad = mmap(NULL, n * sizeof *bad, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (wall == MAP_FAILED || bad == MAP_FAILED) { perror("launch: mmap"); return 2; }
    struct rusage before, after;
    getrusage(RUSAGE_CHILDREN, &before);
    for (int w = 0; w < callers; w++) {
        pid_t pid = fork();
        if (pid < 0) { perror("launch: fork"); return 2; }
        if (pid == 0) {
            for (int i = w; i < n; i += callers) wall[i] = call(i, argc, argv, &bad[i]);
            _exit(0);
        }
    }
    /* Waiting for every caller also adds its plugins' CPU time to RUSAGE_CHILDREN. */
    while (wait(NULL) > 0) {}
    getrusage(RUSAGE_CHILDREN, &after);
    double cpu = usec(after.ru_utime) - usec(before.ru_utime) + usec(after.ru_stime) - usec(before.ru_stime);
    int failed = 0;
    for (int i = 0; i < n; i++) failed += bad[i];
    qsort(wall, n, sizeof *wall, by_value);
    printf("%.2f %.2f %.2f %d\n", wall[n / 2] / 1e3, wall[n * 9 / 10] / 1e3, cpu / n / 1e3, failed);
    return 0;
}
