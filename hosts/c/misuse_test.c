/* Tests of the C host that the trace replays cannot make (run by tests/c-host.test.ts):
 *   - host misuse (NULL pointers, bad offset, size, value, time, input, configuration,
 *     corrupt and foreign snapshots, a small buffer, a reentrant advance, calls after destroy,
 *     bad modules) returns the documented code and changes nothing: the snapshot bytes, the
 *     host's time and the counter are the same before and after;
 *   - the main counter computed from the published parameters (hpet_read of MAIN_CNT, and
 *     hpet_counter_at on another thread) equals the module's own read of it, at random times
 *     (up to 2^63 ns) and states, over random clock periods; and hpet_next_deadline equals
 *     next_deadline().
 * The module's own reads come from a second, raw instance driven through the Wasmtime C API
 * with the same operations. Usage: hpet-misuse PATH/TO/hpet.wasm. Prints
 * "hpet-misuse: N checks passed" and exits 0, or names each failed check and exits 1. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpet_host.h"
#include "test_checks.h"
#include "wasmtime_decls.h"

#define GEN_CONF 0x10u
#define MAIN_CNT 0xF0u
#define TIMER0_CONF 0x100u
#define TIMER0_CMP 0x108u
#define PERIODIC_ENABLED 0x4Cu /* Tn_VAL_SET_CNF | Tn_TYPE_CNF | Tn_INT_ENB_CNF */

/* --- State, to prove that a refused call changed nothing ---------------------------------------- */

typedef struct state {
    uint8_t bytes[4096];
    size_t length;
    uint64_t now;
    uint64_t counter;
} state;

static state state_of(hpet *h) {
    state s;
    memset(&s, 0, sizeof s);
    int status = hpet_snapshot(h, s.bytes, sizeof s.bytes, &s.length);
    status |= hpet_now(h, &s.now);
    status |= hpet_read(h, MAIN_CNT, 8, &s.counter);
    check(status == 0, "reading the state", status);
    return s;
}

static int same_state(const state *a, const state *b) {
    return a->length == b->length && memcmp(a->bytes, b->bytes, a->length) == 0 && a->now == b->now
           && a->counter == b->counter;
}

/* A refused call: its code, and nothing changed. */
#define REFUSED(h, call, code)                                                                     \
    do {                                                                                          \
        state before_ = state_of(h);                                                              \
        int got_ = (call);                                                                        \
        check(got_ == (code), #call " returns " #code, got_);                                     \
        state after_ = state_of(h);                                                               \
        check(same_state(&before_, &after_), #call " changes nothing", 0);                        \
    } while (0)

static uint8_t small_buffer[4096];
static int events;
static hpet *busy; /* the instance count_irq calls back into */

static void count_irq(void *user, uint32_t line, uint32_t level, uint64_t time_ns) {
    (void)line, (void)level, (void)time_ns;
    events++;
    /* From an advance's callback, another advance is refused. */
    int *reentrant = user;
    if (*reentrant) {
        *reentrant = 0;
        check(hpet_advance(busy, time_ns + 1) == HPET_HOST_REENTRANT, "advance from an advance's callback", 0);
    }
}

static void misuse(const hpet_module *module) {
    int reentrant = 0;
    hpet_callbacks callbacks = { &reentrant, count_irq, NULL, NULL };
    hpet *h = NULL;
    check(hpet_create(module, NULL, &callbacks, &h) == 0, "create", 0);
    busy = h;
    /* A running counter, timer 0 periodic every 1000 ticks, and a deferred time. */
    check(hpet_write(h, TIMER0_CONF, 4, PERIODIC_ENABLED) == 0, "timer 0 periodic", 0);
    check(hpet_write(h, TIMER0_CMP, 8, 1000) == 0 && hpet_write(h, TIMER0_CMP, 8, 1000) == 0, "timer 0 period", 0);
    check(hpet_write(h, GEN_CONF, 4, 1) == 0, "enable", 0);
    check(hpet_advance(h, 25000) == 0 && hpet_advance(h, 25500) == 0, "advance", 0);
    uint64_t value = 0;
    check(hpet_read(h, MAIN_CNT, 8, &value) == 0 && value == 2550, "MAIN_CNT at 25500 ns", (long)value);

    uint32_t window = hpet_window_size(h);
    check(window == 0x400, "window size", (long)window);
    REFUSED(h, hpet_read(h, window, 4, &value), HPET_ERR_BAD_OFFSET);
    REFUSED(h, hpet_read(h, 0xFFFFFFFFu, 8, &value), HPET_ERR_BAD_OFFSET);
    REFUSED(h, hpet_write(h, window, 4, 1), HPET_ERR_BAD_OFFSET);
    REFUSED(h, hpet_read(h, GEN_CONF, 3, &value), HPET_ERR_BAD_SIZE);
    REFUSED(h, hpet_read(h, MAIN_CNT, 0, &value), HPET_ERR_BAD_SIZE);
    REFUSED(h, hpet_write(h, GEN_CONF, 16, 0), HPET_ERR_BAD_SIZE);
    REFUSED(h, hpet_write(h, GEN_CONF, 4, 0x100000000ull), HPET_HOST_BAD_VALUE);
    REFUSED(h, hpet_write(h, GEN_CONF, 1, 0x100), HPET_HOST_BAD_VALUE);
    REFUSED(h, hpet_advance(h, 25499), HPET_ERR_TIME_BACKWARDS);
    REFUSED(h, hpet_advance(h, 0), HPET_ERR_TIME_BACKWARDS);
    REFUSED(h, hpet_advance(h, HPET_MAX_TIME + 1), HPET_ERR_BAD_TIME);
    REFUSED(h, hpet_advance(h, UINT64_MAX), HPET_ERR_BAD_TIME);
    REFUSED(h, hpet_set_input(h, 2, 0), HPET_ERR_BAD_INPUT);
    REFUSED(h, hpet_set_input(h, 0, 2), HPET_ERR_BAD_INPUT);
    REFUSED(h, hpet_read(h, MAIN_CNT, 4, NULL), HPET_HOST_NULL);
    REFUSED(h, hpet_now(h, NULL), HPET_HOST_NULL);
    REFUSED(h, hpet_next_deadline(h, NULL), HPET_HOST_NULL);
    uint32_t a = 0, b = 0;
    REFUSED(h, hpet_guest_errors(h, NULL, &b), HPET_HOST_NULL);
    size_t some = 0;
    REFUSED(h, hpet_snapshot(h, NULL, 100, &some), HPET_HOST_NULL);
    REFUSED(h, hpet_snapshot(h, small_buffer, sizeof small_buffer, NULL), HPET_HOST_NULL);
    REFUSED(h, hpet_restore(h, NULL, 10), HPET_HOST_NULL);
    REFUSED(h, hpet_clone(h, NULL), HPET_HOST_NULL);

    /* Snapshots: too small a buffer, and corrupt, truncated, foreign or oversized bytes. */
    state good = state_of(h);
    uint8_t small[16];
    size_t length = 0;
    REFUSED(h, hpet_snapshot(h, small, sizeof small, &length), HPET_HOST_BUFFER);
    uint8_t bytes[4096];
    memcpy(bytes, good.bytes, good.length);
    bytes[good.length - 5] ^= 0x40;
    REFUSED(h, hpet_restore(h, bytes, good.length), HPET_ERR_SNAPSHOT_CHECKSUM);
    REFUSED(h, hpet_restore(h, good.bytes, good.length - 1), HPET_ERR_SNAPSHOT_TRUNCATED);
    REFUSED(h, hpet_restore(h, good.bytes, 0), HPET_ERR_SNAPSHOT_TRUNCATED);
    memcpy(bytes, good.bytes, good.length);
    bytes[0] ^= 0xFF;
    REFUSED(h, hpet_restore(h, bytes, good.length), HPET_ERR_SNAPSHOT_MAGIC);
    REFUSED(h, hpet_restore(h, good.bytes, hpet_snapshot_capacity(h) + 1), HPET_ERR_SNAPSHOT_LENGTH);
    hpet_config eight = HPET_CONFIG_DEFAULT;
    eight.timers = 8;
    hpet *other = NULL;
    check(hpet_create(module, &eight, NULL, &other) == 0, "create with 8 timers", 0);
    state foreign = state_of(other);
    REFUSED(h, hpet_restore(h, foreign.bytes, foreign.length), HPET_ERR_SNAPSHOT_CONFIG);
    hpet_destroy(&other);

    /* A good restore brings back the exact state, also into a fresh instance. */
    check(hpet_advance(h, 90000) == 0, "advance past expiries", 0);
    check(hpet_restore(h, good.bytes, good.length) == 0, "restore", 0);
    state restored = state_of(h);
    check(same_state(&good, &restored), "a restore brings back the state and the time", 0);
    hpet *copy = NULL;
    check(hpet_clone(h, &copy) == 0, "clone", 0);
    state cloned = state_of(copy);
    check(same_state(&good, &cloned), "a clone has the same state", 0);
    hpet_destroy(&copy);

    /* A reentrant advance, refused from the callback of the advance that delivers an expiry. */
    reentrant = 1;
    events = 0;
    check(hpet_advance(h, 40000) == 0 && events > 0 && reentrant == 0, "an advance with events", events);

    /* Bad configurations create nothing. */
    const hpet_config bad_configs[] = { { 2, 0, 0, 10 }, { 33, 0, 0, 10 }, { 3, 2, 0, 10 }, { 3, 0, 0, 0 }, { 3, 0, 0, 101 } };
    for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
        hpet *none = busy; /* not NULL: a refused create clears it */
        check(hpet_create(module, &bad_configs[i], NULL, &none) == HPET_ERR_BAD_CONFIG && none == NULL, "bad configuration",
              (long)i);
    }

    /* After destroy the handle is NULL, and every call through it is refused. */
    hpet_destroy(&h);
    check(h == NULL, "destroy clears the handle", 0);
    hpet_destroy(&h);
    check(hpet_read(h, MAIN_CNT, 4, &value) == HPET_HOST_NULL && hpet_write(h, GEN_CONF, 4, 0) == HPET_HOST_NULL
              && hpet_advance(h, 1) == HPET_HOST_NULL && hpet_set_input(h, 0, 1) == HPET_HOST_NULL
              && hpet_reset(h) == HPET_HOST_NULL && hpet_now(h, &value) == HPET_HOST_NULL
              && hpet_next_deadline(h, &value) == HPET_HOST_NULL && hpet_guest_errors(h, &a, &b) == HPET_HOST_NULL
              && hpet_snapshot(h, bytes, sizeof bytes, &length) == HPET_HOST_NULL
              && hpet_restore(h, bytes, 10) == HPET_HOST_NULL && hpet_clone(h, &copy) == HPET_HOST_NULL
              && hpet_window_size(h) == 0 && hpet_snapshot_capacity(h) == 0 && hpet_counter_source(h) == NULL,
          "calls after destroy", 0);
    check(hpet_create(NULL, NULL, NULL, &h) == HPET_HOST_NULL && hpet_create(module, NULL, NULL, NULL) == HPET_HOST_NULL,
          "create with NULL", 0);

    /* Modules that are not hpet.wasm. */
    hpet_module *bad = NULL;
    check(hpet_module_new((const uint8_t *)"not wasm", 8, &bad) == HPET_HOST_MODULE && bad == NULL
              && strlen(hpet_error_detail()) > 0, "a module from bad bytes", 0);
    check(hpet_module_load("/nonexistent/hpet.wasm", &bad) == HPET_HOST_IO && strstr(hpet_error_detail(), "/nonexistent") != NULL,
          "a module from a missing file", 0);
    static const uint8_t empty_module[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    check(hpet_module_new(empty_module, sizeof empty_module, &bad) == 0, "an empty module compiles", 0);
    check(hpet_create(bad, NULL, NULL, &h) == HPET_HOST_MODULE && h == NULL && strstr(hpet_error_detail(), "abi_version") != NULL,
          "an instance of a module without the exports", 0);
    hpet_module_delete(&bad);
    check(bad == NULL, "module delete clears the handle", 0);
    check(strcmp(hpet_strerror(HPET_ERR_EXPIRY_DUE), "expiry-due") == 0 && strcmp(hpet_strerror(HPET_HOST_NULL), "null-pointer") == 0,
          "hpet_strerror", 0);
}

/* --- The counter: published parameters against the module's own read ------------------------- */

typedef struct reference {
    wasmtime_store_t *store;
    wasmtime_context_t *cx;
    wasmtime_func_t init, write, read, advance, consume, next_deadline, reset;
} reference;

static wasmtime_func_t func_of(reference *r, const wasmtime_instance_t *instance, const char *name) {
    wasmtime_extern_t item;
    int found = wasmtime_instance_export_get(r->cx, instance, name, strlen(name), &item);
    check(found && item.kind == WASMTIME_EXTERN_FUNC, name, 0);
    return item.of.func;
}

static int64_t raw_call(reference *r, const wasmtime_func_t *f, wasmtime_val_raw_t *raw, size_t n, int i64_result) {
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_func_call_unchecked(r->cx, f, raw, n, &trap);
    check(error == NULL && trap == NULL, "reference call", 0);
    return i64_result ? raw[0].i64 : raw[0].i32;
}

static void reference_drain(reference *r) {
    wasmtime_val_raw_t raw[1] = { { .i32 = 1 << 20 } };
    raw_call(r, &r->consume, raw, 1, 0);
}

static void reference_advance(reference *r, uint64_t t) {
    int32_t status;
    do {
        wasmtime_val_raw_t raw[1] = { { .i64 = (int64_t)t } };
        status = (int32_t)raw_call(r, &r->advance, raw, 1, 0);
        reference_drain(r);
    } while (status >= 0 && (status & HPET_ADVANCE_INCOMPLETE));
    check(status >= 0, "reference advance", status);
}

static void reference_write(reference *r, uint32_t offset, uint32_t size, uint64_t value) {
    wasmtime_val_raw_t raw[3] = { { .i32 = (int32_t)offset }, { .i32 = (int32_t)size }, { .i64 = (int64_t)value } };
    check(raw_call(r, &r->write, raw, 3, 0) >= 0, "reference write", 0);
    reference_drain(r);
}

static uint64_t reference_read(reference *r, uint32_t offset, uint32_t size) {
    wasmtime_val_raw_t raw[2] = { { .i32 = (int32_t)offset }, { .i32 = (int32_t)size } };
    return (uint64_t)raw_call(r, &r->read, raw, 2, 1);
}

static uint64_t rng_state;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct remote_read {
    const hpet_counter *source;
    uint64_t time;
    uint64_t value;
} remote_read;

static void *read_remotely(void *arg) {
    remote_read *r = arg;
    r->value = hpet_counter_at(r->source, r->time);
    return NULL;
}

/* far: no timers, and steps of up to 2^61 ns (counter arithmetic over the whole time range). */
static void counter_matches(const hpet_module *module, wasm_engine_t *engine, wasmtime_module_t *raw_module, int seed, int far) {
    rng_state = 0x9E3779B97F4A7C15ull * (uint64_t)(seed + 1);
    hpet_config config = HPET_CONFIG_DEFAULT;
    config.clock_period_ns = 1 + (uint32_t)(next_random() % 100);
    hpet *h = NULL;
    check(hpet_create(module, &config, NULL, &h) == 0, "create", seed);
    reference r = { .store = wasmtime_store_new(engine, NULL, NULL) };
    r.cx = wasmtime_store_context(r.store);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_instance_new(r.cx, raw_module, NULL, 0, &instance, &trap);
    check(error == NULL && trap == NULL, "reference instance", seed);
    r.init = func_of(&r, &instance, "init");
    r.write = func_of(&r, &instance, "write");
    r.read = func_of(&r, &instance, "read");
    r.advance = func_of(&r, &instance, "advance");
    r.consume = func_of(&r, &instance, "events_consume");
    r.next_deadline = func_of(&r, &instance, "next_deadline");
    r.reset = func_of(&r, &instance, "reset");
    wasmtime_val_raw_t init[4] = { { .i32 = 3 }, { .i32 = 0 }, { .i32 = (int32_t)config.intcap }, { .i32 = (int32_t)config.clock_period_ns } };
    raw_call(&r, &r.init, init, 4, 0);
    reference_drain(&r);

    uint64_t t = 0;
    for (int op = 0; op < 400; op++) {
        uint64_t choice = next_random() % 100, v = next_random();
        if (choice < 35) {
            static const uint64_t steps[] = { 0, 1, 9, 10, 11, 999, 100000, 12345678, 1ull << 30 };
            t += far ? v >> (3 + v % 61) : steps[v % 9] + (v >> 60);
            if (t > HPET_MAX_TIME) t = HPET_MAX_TIME;
            check(hpet_advance(h, t) == 0, "advance", seed);
            reference_advance(&r, t);
        } else if (choice < 50) {
            check(hpet_write(h, GEN_CONF, 4, v & 3) == 0, "GEN_CONF write", seed);
            reference_write(&r, GEN_CONF, 4, v & 3);
        } else if (choice < 62) {
            /* MAIN_CNT, whole or a half; near the 32- and 64-bit wraps or anywhere. */
            uint64_t value = (v & 4) ? UINT64_MAX - (v >> 56) : (v & 8) ? 0xFFFFFF00u + (v >> 58) : next_random();
            uint32_t offset = (v & 0x30) == 0x10 ? MAIN_CNT + 4 : MAIN_CNT, size = (v & 0x30) == 0 ? 8 : 4;
            if (size == 4) value &= 0xFFFFFFFFu;
            check(hpet_write(h, offset, size, value) == 0, "MAIN_CNT write", seed);
            reference_write(&r, offset, size, value);
        } else if (choice < 72 && !far) {
            /* Timer 0 periodic: deadlines to defer below and to expire at (at most a few
             * thousand expiries per step). */
            uint64_t period = (1u << 16) + (v >> 44);
            check(hpet_write(h, TIMER0_CONF, 4, PERIODIC_ENABLED) == 0 && hpet_write(h, TIMER0_CMP, 8, period) == 0,
                  "timer 0", seed);
            reference_write(&r, TIMER0_CONF, 4, PERIODIC_ENABLED);
            reference_write(&r, TIMER0_CMP, 8, period);
        } else if (choice < 75) {
            check(hpet_reset(h) == 0, "reset", seed);
            wasmtime_val_raw_t raw[1];
            raw_call(&r, &r.reset, raw, 1, 0);
            reference_drain(&r);
        } else if (choice < 78) {
            hpet *copy = NULL;
            check(hpet_clone(h, &copy) == 0, "clone", seed);
            hpet_destroy(&h);
            h = copy;
        } else {
            uint64_t expected = reference_read(&r, MAIN_CNT, 8), whole = 0, low = 0, high = 0;
            check(hpet_read(h, MAIN_CNT, 8, &whole) == 0 && hpet_read(h, MAIN_CNT, 4, &low) == 0
                      && hpet_read(h, MAIN_CNT + 4, 4, &high) == 0,
                  "MAIN_CNT reads", seed);
            check(whole == expected, "MAIN_CNT (8 bytes) from the published parameters equals the module's", seed);
            check(low == (uint32_t)expected && high == expected >> 32, "MAIN_CNT halves equal the module's", seed);
            remote_read remote = { hpet_counter_source(h), t, 0 };
            pthread_t thread;
            check(pthread_create(&thread, NULL, read_remotely, &remote) == 0 && pthread_join(thread, NULL) == 0, "thread", seed);
            check(remote.value == expected, "hpet_counter_at on another thread equals the module's read", seed);
            wasmtime_val_raw_t raw[1];
            int64_t deadline = raw_call(&r, &r.next_deadline, raw, 1, 1);
            uint64_t published = 0;
            check(hpet_next_deadline(h, &published) == 0
                      && published == (deadline < 0 ? HPET_NO_DEADLINE : (uint64_t)deadline),
                  "hpet_next_deadline equals next_deadline()", seed);
        }
    }
    hpet_destroy(&h);
    wasmtime_store_delete(r.store);
}

int main(int argc, char **argv) {
    test_name = "hpet-misuse";
    hpet_module *module = load_test_module(argc, argv);
    if (module == NULL) return 2;
    misuse(module);

    FILE *file = fopen(argv[1], "rb");
    static uint8_t wasm[1 << 20];
    size_t length = file == NULL ? 0 : fread(wasm, 1, sizeof wasm, file);
    if (file != NULL) fclose(file);
    wasm_engine_t *engine = wasm_engine_new();
    wasmtime_module_t *raw_module = NULL;
    wasmtime_error_t *error = wasmtime_module_new(engine, wasm, length, &raw_module);
    check(error == NULL, "the reference module compiles", 0);
    if (error != NULL) return 1;
    for (int seed = 0; seed < 300; seed++) counter_matches(module, engine, raw_module, seed, seed >= 200);
    wasmtime_module_delete(raw_module);
    wasm_engine_delete(engine);
    hpet_module_delete(&module);
    return checks_summary();
}
