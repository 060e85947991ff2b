/* cpuid: the cost of one CPUID instruction here. In a virtual machine CPUID traps to the
 * hypervisor; glibc's start-up and the .NET runtime's CPU feature check execute it dozens of times. */
#include <cpuid.h>
#include <stdio.h>
#include <time.h>

int main(void) {
    unsigned a, b, c, d;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 2000; i++) __cpuid(0x80000006, a, b, c, d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.2f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 2000 / 1e3);
    return 0;
}
