/* hpet-bench: one benchmark run of `hpet bench --engine c` (bench/c-engine.ts), on the C host.
 * The workloads are those of bench/workloads.ts, operation for operation, and the run is shaped
 * like bench/child.ts: the floor first, then the workload set up on one instance, warmed up with
 * runs growing from 1/100000 to 1/10 of its size, then timed at full size.
 *
 * The floor is an empty exported call (abi_version) through wasmtime_func_call_unchecked, on an
 * instance of its own; the checked call (wasmtime_func_call) is measured the same way, for
 * comparison. Prints one JSON object: ops, ns, floorNsPerCall, checkedFloorNsPerCall,
 * peakRssBytes.
 *
 *   hpet-bench [--wasm PATH] periodic-3|clocksource|oneshot|timers-32 SCALE */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hpet_host.h"
#include "wasmtime_decls.h"

#define MS 1000000ull
#define EDGE_PERIODIC_ENABLED 0x4Cu /* Tn_VAL_SET_CNF | Tn_TYPE_CNF | Tn_INT_ENB_CNF */
#define ROUTE_SHIFT 9
#define FSB_EN 0x4000u
#define MODE_32 0x100u
#define ONESHOT_ENABLED 0x4u /* Tn_INT_ENB_CNF */
#define GEN_CONF 0x10u
#define MAIN_CNT 0xF0u
#define TIMER_CONF(n) (0x100u + 0x20u * (n))
#define TIMER_CMP(n) (0x108u + 0x20u * (n))
#define TIMER_FSB(n) (0x110u + 0x20u * (n))
#define CLOCKSOURCE_BATCH 10000u

static void fail(const char *what, int status) {
    fprintf(stderr, "hpet-bench: %s: %s %s\n", what, hpet_strerror(status), status == HPET_HOST_MODULE ? hpet_error_detail() : "");
    exit(2);
}

static void must(int status, const char *what) {
    if (status < 0) fail(what, status);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Math.round for the non-negative sizes of bench/workloads.ts. */
static uint64_t js_round(double x) {
    return (uint64_t)floor(x + 0.5);
}

/* --- The workloads ------------------------------------------------------------------------------ */

typedef struct workload {
    hpet *h;
    uint64_t ops;    /* expirations, interrupts or MSI writes counted by the callbacks */
    uint64_t time;   /* clocksource: the time of the latest read */
    uint32_t wrong;  /* clocksource: bits of counter values that differed from time / 10 */
    uint64_t (*run)(struct workload *w, double scale);
} workload;

static void count_rises(void *user, uint32_t line, uint32_t level, uint64_t time_ns) {
    (void)line, (void)time_ns;
    ((workload *)user)->ops += level;
}

static void count_msi(void *user, uint32_t address, uint32_t data, uint64_t time_ns) {
    (void)address, (void)data, (void)time_ns;
    ((workload *)user)->ops++;
}

/* Timer n periodic: first expiry one period from 0, then every period. */
static void periodic(hpet *h, uint32_t n, uint32_t conf, uint64_t period_ticks) {
    must(hpet_write(h, TIMER_CONF(n), 4, conf), "timer config");
    must(hpet_write(h, TIMER_CMP(n), 8, period_ticks), "comparator"); /* Tn_VAL_SET_CNF: comparator and period */
    must(hpet_write(h, TIMER_CMP(n), 8, period_ticks), "period");
}

/* Advance duration_ns of device time in steps of step_ns, from the device's time. */
static void advance_in_steps(hpet *h, uint64_t duration_ns, uint64_t step_ns) {
    uint64_t t = 0;
    must(hpet_now(h, &t), "now");
    uint64_t end = t + duration_ns;
    while (t < end) {
        t = t + step_ns < end ? t + step_ns : end;
        must(hpet_advance(h, t), "advance");
    }
}

static uint64_t run_periodic3(workload *w, double scale) {
    w->ops = 0;
    advance_in_steps(w->h, js_round(10000 * scale) * MS, MS);
    return w->ops;
}

static uint64_t run_clocksource(workload *w, double scale) {
    uint64_t reads = js_round(10000000 * scale);
    for (uint64_t done = 0; done < reads; done += CLOCKSOURCE_BATCH) {
        uint64_t batch = reads - done < CLOCKSOURCE_BATCH ? reads - done : CLOCKSOURCE_BATCH;
        uint64_t t = w->time, bits = 0, value = 0;
        for (uint64_t i = 0; i < batch; i++) {
            t += 10;
            must(hpet_advance(w->h, t), "advance");
            must(hpet_read(w->h, MAIN_CNT, 4, &value), "read");
            bits |= value ^ (uint32_t)(t / 10);
        }
        w->time = t;
        w->wrong |= (uint32_t)bits;
    }
    if (w->wrong != 0) {
        fprintf(stderr, "hpet-bench: clocksource read a wrong counter value\n");
        exit(2);
    }
    return reads;
}

static uint64_t run_oneshot(workload *w, double scale) {
    w->ops = 0;
    uint64_t cycles = js_round(1000000 * scale), counter = 0, deadline = 0;
    for (uint64_t i = 0; i < cycles; i++) {
        uint64_t delta = 1000 + (i & 255); /* 10 .. 12.55 us */
        must(hpet_read(w->h, MAIN_CNT, 4, &counter), "read");
        must(hpet_write(w->h, TIMER_CMP(0), 4, (counter + delta) & 0xFFFFFFFFu), "comparator");
        must(hpet_next_deadline(w->h, &deadline), "next deadline");
        must(hpet_advance(w->h, deadline), "advance");
    }
    if (w->ops != cycles) {
        fprintf(stderr, "hpet-bench: oneshot took %llu interrupts in %llu cycles\n", (unsigned long long)w->ops,
                (unsigned long long)cycles);
        exit(2);
    }
    return cycles;
}

static uint64_t run_timers32(workload *w, double scale) {
    w->ops = 0;
    advance_in_steps(w->h, js_round(1000 * scale) * MS, MS);
    return w->ops;
}

static void start(workload *w, const hpet_module *module, const char *name) {
    hpet_config config = HPET_CONFIG_DEFAULT;
    hpet_callbacks callbacks = { w, count_rises, NULL, count_msi };
    if (strcmp(name, "periodic-3") == 0) {
        must(hpet_create(module, &config, &callbacks, &w->h), "create");
        static const uint64_t ticks[3] = { 100, 700, 1300 };
        for (uint32_t n = 0; n < 3; n++) periodic(w->h, n, EDGE_PERIODIC_ENABLED | ((n + 2) << ROUTE_SHIFT), ticks[n]);
        w->run = run_periodic3;
    } else if (strcmp(name, "clocksource") == 0) {
        must(hpet_create(module, &config, &callbacks, &w->h), "create");
        w->run = run_clocksource;
    } else if (strcmp(name, "oneshot") == 0) {
        must(hpet_create(module, &config, &callbacks, &w->h), "create");
        must(hpet_write(w->h, TIMER_CONF(0), 4, ONESHOT_ENABLED | MODE_32 | (2u << ROUTE_SHIFT)), "timer config");
        w->run = run_oneshot;
    } else if (strcmp(name, "timers-32") == 0) {
        config.timers = 32;
        config.msi = 1;
        must(hpet_create(module, &config, &callbacks, &w->h), "create");
        for (uint32_t n = 0; n < 32; n++) {
            must(hpet_write(w->h, TIMER_FSB(n), 8, (0xFEE00000ull << 32) | (0x4000u + n)), "FSB route");
            periodic(w->h, n, EDGE_PERIODIC_ENABLED | FSB_EN, 100 + 37 * n);
        }
        w->run = run_timers32;
    } else {
        fprintf(stderr, "hpet-bench: no workload %s\n", name);
        exit(2);
    }
    must(hpet_write(w->h, GEN_CONF, 4, 1), "enable");
}

/* --- The floor ------------------------------------------------------------------------------------ */

typedef struct floor_instance {
    wasmtime_store_t *store;
    wasmtime_context_t *cx;
    wasmtime_func_t abi_version;
} floor_instance;

static uint64_t unchecked_calls(floor_instance *f, uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        wasmtime_val_raw_t raw[1];
        wasm_trap_t *trap = NULL;
        if (wasmtime_func_call_unchecked(f->cx, &f->abi_version, raw, 1, &trap) != NULL || trap != NULL) fail("floor call", HPET_HOST_MODULE);
        sum += (uint64_t)raw[0].i32;
    }
    return sum;
}

static uint64_t checked_calls(floor_instance *f, uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        wasmtime_val_t result;
        wasm_trap_t *trap = NULL;
        if (wasmtime_func_call(f->cx, &f->abi_version, NULL, 0, &result, 1, &trap) != NULL || trap != NULL) fail("floor call", HPET_HOST_MODULE);
        sum += (uint64_t)result.of.i32;
    }
    return sum;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* As floorNsPerCall in bench/workloads.ts: warm up, then five timed segments; the median. */
static double floor_ns_per_call(floor_instance *f, uint64_t calls, uint64_t (*loop)(floor_instance *, uint64_t)) {
    uint64_t segment = calls / 5;
    for (uint64_t n = 10; n <= segment; n *= 2) loop(f, n);
    double times[5];
    for (int i = 0; i < 5; i++) {
        uint64_t begin = now_ns();
        uint64_t sum = loop(f, segment);
        times[i] = (double)(now_ns() - begin) / (double)segment;
        if (sum != segment * HPET_ABI_VERSION) fail("floor call returned a wrong value", HPET_HOST_MODULE);
    }
    qsort(times, 5, sizeof times[0], compare_doubles);
    return times[2];
}

static floor_instance floor_instance_of(const char *wasm_path) {
    FILE *file = fopen(wasm_path, "rb");
    static uint8_t wasm[1 << 20];
    size_t length = file == NULL ? 0 : fread(wasm, 1, sizeof wasm, file);
    if (file != NULL) fclose(file);
    floor_instance f;
    wasm_engine_t *engine = wasm_engine_new();
    wasmtime_module_t *module = NULL;
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    wasmtime_extern_t item;
    f.store = wasmtime_store_new(engine, NULL, NULL);
    f.cx = wasmtime_store_context(f.store);
    if (wasmtime_module_new(engine, wasm, length, &module) != NULL
        || wasmtime_instance_new(f.cx, module, NULL, 0, &instance, &trap) != NULL || trap != NULL
        || !wasmtime_instance_export_get(f.cx, &instance, "abi_version", strlen("abi_version"), &item)
        || item.kind != WASMTIME_EXTERN_FUNC) {
        fprintf(stderr, "hpet-bench: %s: not a usable hpet.wasm\n", wasm_path);
        exit(2);
    }
    f.abi_version = item.of.func;
    return f;
}

/* build/c/hpet-bench finds build/hpet.wasm next to its own directory. */
static void default_module(char *path, size_t size) {
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) length = 0;
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL) *slash = '\0';
    snprintf(path, size, "%s/../hpet.wasm", length > 0 ? self : "build");
}

int main(int argc, char **argv) {
    char wasm[PATH_MAX + 16];
    default_module(wasm, sizeof wasm);
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--wasm") == 0) {
        snprintf(wasm, sizeof wasm, "%s", argv[2]);
        first = 3;
    }
    if (argc - first != 2) {
        fprintf(stderr, "usage: hpet-bench [--wasm PATH] periodic-3|clocksource|oneshot|timers-32 SCALE\n");
        return 2;
    }
    const char *name = argv[first];
    double scale = strtod(argv[first + 1], NULL);
    if (!(scale > 0)) {
        fprintf(stderr, "hpet-bench: the scale must be a positive number\n");
        return 2;
    }

    floor_instance f = floor_instance_of(wasm);
    uint64_t floor_calls = js_round(10000000 * scale) > 1000000 ? js_round(10000000 * scale) : 1000000;
    double floor = floor_ns_per_call(&f, floor_calls, unchecked_calls);
    double checked_floor = floor_ns_per_call(&f, floor_calls, checked_calls);

    hpet_module *module = NULL;
    if (hpet_module_load(wasm, &module) < 0) {
        fprintf(stderr, "hpet-bench: %s\n", hpet_error_detail());
        return 2;
    }
    workload w = { 0 };
    start(&w, module, name);
    for (double part = scale / 100000; part <= scale / 10; part *= 2) w.run(&w, part);
    uint64_t begin = now_ns();
    uint64_t ops = w.run(&w, scale);
    uint64_t ns = now_ns() - begin;

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"ops\":%llu,\"ns\":%llu,\"floorNsPerCall\":%.3f,\"checkedFloorNsPerCall\":%.3f,\"peakRssBytes\":%lld}\n",
           (unsigned long long)ops, (unsigned long long)ns, floor, checked_floor, (long long)usage.ru_maxrss * 1024);
    hpet_destroy(&w.h);
    hpet_module_delete(&module);
    return 0;
}
