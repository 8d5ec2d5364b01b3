/* The C host over Wasmtime's C API: see hpet_host.h for the contract, docs/embedding.md for
 * the call sequence it follows. */
#include "hpet_host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmtime_decls.h"

/* Registers this host reads itself (IA-PC HPET 1.0a, 2.3.1): the main counter. */
#define MAIN_COUNTER_VAL 0xF0u
#define MAIN_COUNTER_VAL_HIGH 0xF4u

#define EVENT_COUNT_MASK ((uint32_t)HPET_ADVANCE_INCOMPLETE - 1u)
#define AT_DEVICE_TIME (-1) /* the time argument meaning "the device's current time" */
#define MEMORY_PAGE 65536u
/* Taken events stay in the module's queue until this many are queued: consuming them costs a
 * call, which most calls then save. It leaves room for the events of any call and for most of
 * a full advance (as the TypeScript host does). */
#define CONSUME_AT 512u

struct hpet_module {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
};

/* Every export, by name, from the generated list in hpet_abi.h. */
struct exports {
#define FIELD(name, params, results) wasmtime_func_t name;
    HPET_ABI_FUNCTIONS(FIELD)
#undef FIELD
};

static const struct export_spec {
    const char *name;
    const char *params;
    const char *results;
    size_t field;
} EXPORTS[] = {
#define SPEC(name, params, results) { #name, params, results, offsetof(struct exports, name) },
    HPET_ABI_FUNCTIONS(SPEC)
#undef SPEC
};

/* Division by a small constant as a multiply and shifts (Granlund and Montgomery, "Division by
 * invariant integers using multiplication", 1994, figure 4.1): exact for every 64-bit dividend.
 * A 64-bit division costs more than the whole rest of a counter read. */
struct divider {
    uint32_t divisor; /* 0: not set up yet */
    uint32_t shift;
    uint64_t multiplier;
};

static struct divider divider_for(uint32_t divisor) {
    struct divider d = { divisor, 0, 0 };
    while ((1ull << d.shift) < divisor) d.shift++;
    /* m = floor(2^64 * (2^l - d) / d) + 1, with l = ceil(log2 d) */
    d.multiplier = (uint64_t)((((unsigned __int128)((1ull << d.shift) - divisor)) << 64) / divisor) + 1;
    return d;
}

static uint64_t divide(const struct divider *d, uint64_t n) {
    if (d->shift == 0) return n; /* divisor 1 */
    uint64_t t = (uint64_t)(((unsigned __int128)d->multiplier * n) >> 64);
    return (t + ((n - t) >> 1)) >> (d->shift - 1);
}

struct hpet {
    const hpet_module *module;
    hpet_config config;
    hpet_callbacks callbacks;
    wasmtime_store_t *store;
    wasmtime_context_t *context;
    struct exports f;
    uint8_t *memory;         /* linear memory: one page, never grown, never moved */
    const uint8_t *area;     /* the host area at events_ptr() */
    uint32_t window_size;
    uint32_t snapshot_buffer;
    uint32_t snapshot_capacity;
    /* Time. The host's time runs ahead of the device's while advances below the earliest
     * deadline are deferred; the next 32-bit access carries it in, other calls commit it. */
    uint64_t host_time;
    uint64_t device_time;
    int advancing;           /* an advance is delivering its events: accesses at the device's time */
    struct divider period;   /* the counter period, for counter reads on this hpet's own thread */
    /* Events at the front of the module's queue already taken into `pending`. */
    uint32_t taken;
    /* Events taken from the module's queue, not yet delivered (raw records). */
    uint8_t *pending;
    size_t pending_capacity; /* in records */
    size_t pending_head;
    size_t pending_tail;
    int dispatching;
};

static _Thread_local char detail[512];

/* --- Small helpers ----------------------------------------------------------------------------- */

static uint32_t load32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int set_detail(int code, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int set_detail(int code, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    return code;
}

/* Takes ownership of a Wasmtime error or trap and turns it into HPET_HOST_MODULE. */
static int wasmtime_failure(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
    wasm_byte_vec_t message = { 0, NULL };
    if (error != NULL) wasmtime_error_message(error, &message);
    else if (trap != NULL) wasm_trap_message(trap, &message);
    char text[400];
    snprintf(text, sizeof text, "%.*s", message.data == NULL ? 0 : (int)message.size, message.data == NULL ? "" : message.data);
    if (message.data != NULL) wasm_byte_vec_delete(&message);
    if (error != NULL) wasmtime_error_delete(error);
    if (trap != NULL) wasm_trap_delete(trap);
    return set_detail(HPET_HOST_MODULE, "%s: %s", what, text);
}

/* One unchecked call: arguments in raw[0..], the result (if any) back in raw[0]. */
static int call(hpet *h, const wasmtime_func_t *func, wasmtime_val_raw_t *raw, size_t length) {
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_func_call_unchecked(h->context, func, raw, length, &trap);
    if (error == NULL && trap == NULL) return 0;
    return wasmtime_failure("the module failed (it never traps: a broken module or host)", error, trap);
}

static int call_i32(hpet *h, const wasmtime_func_t *func, int32_t *result) {
    wasmtime_val_raw_t raw[1];
    int status = call(h, func, raw, 1);
    *result = raw[0].i32;
    return status;
}

/* --- Events -------------------------------------------------------------------------------------- */

static int reserve_pending(hpet *h, size_t count) {
    if (h->pending_head > 0 && h->pending_tail + count > h->pending_capacity) {
        memmove(h->pending, h->pending + h->pending_head * HPET_EVENT_SIZE,
                (h->pending_tail - h->pending_head) * HPET_EVENT_SIZE);
        h->pending_tail -= h->pending_head;
        h->pending_head = 0;
    }
    if (h->pending_tail + count <= h->pending_capacity) return 0;
    size_t capacity = h->pending_capacity * 2;
    while (capacity < h->pending_tail + count) capacity *= 2;
    uint8_t *grown = realloc(h->pending, capacity * HPET_EVENT_SIZE);
    if (grown == NULL) return HPET_HOST_NO_MEMORY;
    h->pending = grown;
    h->pending_capacity = capacity;
    return 0;
}

static void dispatch(hpet *h, const uint8_t *record) {
    const hpet_callbacks *cb = &h->callbacks;
    uint64_t time = load64(record);
    uint32_t kind = load32(record + 8), a = load32(record + 12), b = load32(record + 16);
    if (kind == HPET_EVENT_LINE) {
        if (cb->irq != NULL) cb->irq(cb->user, a, b, time);
    } else if (kind == HPET_EVENT_PULSE) {
        if (cb->irq != NULL) {
            cb->irq(cb->user, a, 1, time);
            cb->irq(cb->user, a, 0, time);
        }
    } else if (kind == HPET_EVENT_PIT) {
        if (cb->pit_enable != NULL) cb->pit_enable(cb->user, a, time);
    } else if (kind == HPET_EVENT_MSI) {
        if (cb->msi != NULL) cb->msi(cb->user, a, b, time);
    }
}

/* Free the module's queue of the events already taken. */
static int consume_taken(hpet *h) {
    wasmtime_val_raw_t raw[1] = { { .i32 = (int32_t)h->taken } };
    int status = call(h, &h->f.events_consume, raw, 1);
    if (status == 0) h->taken = 0;
    return status;
}

/* Before a call that may queue events: free the queue once many taken events fill it. */
static int make_room(hpet *h) {
    return h->taken >= CONSUME_AT ? consume_taken(h) : 0;
}

/* Take the queued events after the `taken` ones (`count` are queued) in one copy, then deliver
 * them in order. A callback may call back into this hpet: the events of such a call queue up
 * behind the ones already taken and go out in turn. */
static int drain(hpet *h, uint32_t count) {
    if (count > h->taken) {
        uint32_t fresh = count - h->taken;
        int status = reserve_pending(h, fresh);
        if (status < 0) return status;
        memcpy(h->pending + h->pending_tail * HPET_EVENT_SIZE,
               h->area + HPET_QUEUE_HEADER_SIZE + (size_t)h->taken * HPET_EVENT_SIZE, (size_t)fresh * HPET_EVENT_SIZE);
        h->pending_tail += fresh;
        h->taken = count;
    }
    if (h->dispatching) return 0;
    h->dispatching = 1;
    while (h->pending_head < h->pending_tail) {
        size_t at = h->pending_head++;
        dispatch(h, h->pending + at * HPET_EVENT_SIZE);
    }
    h->pending_head = h->pending_tail = 0;
    h->dispatching = 0;
    return 0;
}

/* After a mutating call (status: the call's own), its result in raw[0]: an error passes
 * through, a count of events is drained. */
static int settle(hpet *h, int status, const wasmtime_val_raw_t *result) {
    if (status < 0) return status;
    if (result->i32 < 0) return result->i32;
    return drain(h, (uint32_t)result->i32 & EVENT_COUNT_MASK);
}

/* --- Time ---------------------------------------------------------------------------------------- */

/* The time a 32-bit access carries: the host's, or the device's own while an advance runs. */
static int64_t access_time(const hpet *h) {
    return h->advancing ? AT_DEVICE_TIME : (int64_t)h->host_time;
}

/* Bring the device to the host's time (it may be behind), running no expiry. */
static int commit_time(hpet *h) {
    if (h->advancing || h->device_time == h->host_time) return 0;
    wasmtime_val_raw_t raw[1] = { { .i64 = (int64_t)h->host_time } };
    int status = call(h, &h->f.set_time_i64, raw, 1);
    if (status < 0) return status;
    if (raw[0].i32 < 0) return raw[0].i32;
    h->device_time = h->host_time;
    return 0;
}

static uint64_t earliest_deadline(const hpet *h) {
    return load64(h->area + HPET_EARLIEST_DEADLINE_OFFSET);
}

/* --- The counter, from the published parameters ------------------------------------------------ */

struct counter_fields {
    uint32_t running;
    uint32_t period;
    uint64_t base;
    uint64_t enable_time;
};

/* A seqlock read: the module makes the sequence odd while it rewrites the fields. */
static struct counter_fields read_counter_fields(const uint8_t *area) {
    const _Atomic uint32_t *sequence = (const _Atomic uint32_t *)(area + HPET_COUNTER_SEQUENCE_OFFSET);
    struct counter_fields c;
    for (;;) {
        uint32_t before = atomic_load_explicit(sequence, memory_order_acquire);
        if (before & 1u) continue;
        c.running = atomic_load_explicit((const _Atomic uint32_t *)(area + HPET_COUNTER_RUNNING_OFFSET), memory_order_relaxed);
        c.period = atomic_load_explicit((const _Atomic uint32_t *)(area + HPET_COUNTER_PERIOD_OFFSET), memory_order_relaxed);
        c.base = atomic_load_explicit((const _Atomic uint64_t *)(area + HPET_COUNTER_BASE_OFFSET), memory_order_relaxed);
        c.enable_time = atomic_load_explicit((const _Atomic uint64_t *)(area + HPET_COUNTER_ENABLE_TIME_OFFSET), memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(sequence, memory_order_relaxed) == before) return c;
    }
}

static uint64_t counter_value(struct counter_fields c, uint64_t time_ns) {
    if (!c.running || c.period == 0 || time_ns < c.enable_time) return c.base;
    return c.base + (time_ns - c.enable_time) / c.period; /* mod 2^64 */
}

/* The same on the hpet's own thread, where the module cannot be rewriting the fields (it runs
 * only inside this thread's calls): plain loads, and a division by the cached period. */
static uint64_t own_counter_value(hpet *h, uint64_t time_ns) {
    struct counter_fields c = {
        load32(h->area + HPET_COUNTER_RUNNING_OFFSET), load32(h->area + HPET_COUNTER_PERIOD_OFFSET),
        load64(h->area + HPET_COUNTER_BASE_OFFSET), load64(h->area + HPET_COUNTER_ENABLE_TIME_OFFSET),
    };
    if (!c.running || c.period == 0 || time_ns < c.enable_time) return c.base;
    if (c.period != h->period.divisor) h->period = divider_for(c.period);
    return c.base + divide(&h->period, time_ns - c.enable_time);
}

const hpet_counter *hpet_counter_source(const hpet *h) {
    return h == NULL ? NULL : (const hpet_counter *)h->area;
}

uint64_t hpet_counter_at(const hpet_counter *counter, uint64_t time_ns) {
    if (counter == NULL) return 0;
    return counter_value(read_counter_fields((const uint8_t *)counter), time_ns);
}

/* --- Module -------------------------------------------------------------------------------------- */

int hpet_module_new(const uint8_t *wasm, size_t length, hpet_module **out) {
    if (out == NULL) return HPET_HOST_NULL;
    *out = NULL;
    if (wasm == NULL) return HPET_HOST_NULL;
    hpet_module *m = calloc(1, sizeof *m);
    if (m == NULL) return HPET_HOST_NO_MEMORY;
    m->engine = wasm_engine_new();
    if (m->engine == NULL) {
        free(m);
        return set_detail(HPET_HOST_MODULE, "%s", "Wasmtime could not create an engine");
    }
    wasmtime_error_t *error = wasmtime_module_new(m->engine, wasm, length, &m->module);
    if (error != NULL) {
        wasm_engine_delete(m->engine);
        free(m);
        return wasmtime_failure("not a WebAssembly module", error, NULL);
    }
    *out = m;
    return 0;
}

int hpet_module_load(const char *path, hpet_module **out) {
    if (out == NULL) return HPET_HOST_NULL;
    *out = NULL;
    if (path == NULL) return HPET_HOST_NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL) return set_detail(HPET_HOST_IO, "%s: %s", path, strerror(errno));
    uint8_t *bytes = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        if (length == capacity) {
            capacity = capacity == 0 ? 1u << 16 : capacity * 2;
            uint8_t *grown = realloc(bytes, capacity);
            if (grown == NULL) {
                free(bytes);
                fclose(file);
                return HPET_HOST_NO_MEMORY;
            }
            bytes = grown;
        }
        size_t got = fread(bytes + length, 1, capacity - length, file);
        length += got;
        if (got == 0) break;
    }
    int failed = ferror(file);
    fclose(file);
    int status = failed ? set_detail(HPET_HOST_IO, "%s: %s", path, "read error") : hpet_module_new(bytes, length, out);
    free(bytes);
    if (status == HPET_HOST_MODULE) {
        char reason[sizeof detail];
        snprintf(reason, sizeof reason, "%s", detail);
        set_detail(status, "%s: %s", path, reason);
    }
    return status;
}

void hpet_module_delete(hpet_module **module) {
    if (module == NULL || *module == NULL) return;
    wasmtime_module_delete((*module)->module);
    wasm_engine_delete((*module)->engine);
    free(*module);
    *module = NULL;
}

/* --- Instance ------------------------------------------------------------------------------------ */

static char type_letter(wasm_valkind_t kind) {
    switch (kind) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    default: return '?';
    }
}

static int signature_matches(const wasm_valtype_vec_t *types, const char *letters) {
    if (types->size != strlen(letters)) return 0;
    for (size_t i = 0; i < types->size; i++) {
        if (type_letter(wasm_valtype_kind(types->data[i])) != letters[i]) return 0;
    }
    return 1;
}

/* Look up every export and check its signature against hpet_abi.h, once: the unchecked calls
 * rely on it. */
static int bind_exports(hpet *h, const wasmtime_instance_t *instance) {
    for (size_t i = 0; i < sizeof EXPORTS / sizeof EXPORTS[0]; i++) {
        const struct export_spec *spec = &EXPORTS[i];
        wasmtime_extern_t item;
        if (!wasmtime_instance_export_get(h->context, instance, spec->name, strlen(spec->name), &item)
            || item.kind != WASMTIME_EXTERN_FUNC) {
            return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: it lacks the function %s", spec->name);
        }
        wasm_functype_t *type = wasmtime_func_type(h->context, &item.of.func);
        int matches = signature_matches(wasm_functype_params(type), spec->params)
                      && signature_matches(wasm_functype_results(type), spec->results);
        wasm_functype_delete(type);
        if (!matches) return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: %s has another signature", spec->name);
        memcpy((char *)&h->f + spec->field, &item.of.func, sizeof item.of.func);
    }
    wasmtime_extern_t memory;
    if (!wasmtime_instance_export_get(h->context, instance, HPET_ABI_MEMORY, strlen(HPET_ABI_MEMORY), &memory)
        || memory.kind != WASMTIME_EXTERN_MEMORY
        || wasmtime_memory_data_size(h->context, &memory.of.memory) < MEMORY_PAGE) {
        return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: it lacks its memory");
    }
    h->memory = wasmtime_memory_data(h->context, &memory.of.memory);
    return 0;
}

/* After init the queue holds exactly the power-on rise of PIT-enable at time 0: finding it where
 * this host looks proves that the module lays out its host area as hpet_abi.h says. */
static int check_host_area(hpet *h, int32_t events_ptr) {
    if (events_ptr < 0 || (uint32_t)events_ptr > MEMORY_PAGE - HPET_QUEUE_HEADER_SIZE - HPET_EVENT_CAPACITY * HPET_EVENT_SIZE
        || events_ptr % 8 != 0) {
        return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: its host area is out of place");
    }
    h->area = h->memory + events_ptr;
    const uint8_t *first = h->area + HPET_QUEUE_HEADER_SIZE;
    if (load32(h->area + HPET_COUNT_OFFSET) != 1 || load32(h->area + HPET_CAPACITY_OFFSET) != HPET_EVENT_CAPACITY
        || load32(h->area + HPET_RECORD_SIZE_OFFSET) != HPET_EVENT_SIZE || load64(first) != 0
        || load32(first + 8) != HPET_EVENT_PIT || load32(first + 12) != 1) {
        return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: its host area is not laid out as hpet_abi.h says");
    }
    return 0;
}

static int start(hpet *h) {
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_instance_new(h->context, h->module->module, NULL, 0, &instance, &trap);
    if (error != NULL || trap != NULL) return wasmtime_failure("not a usable hpet.wasm", error, trap);
    int status = bind_exports(h, &instance);
    if (status < 0) return status;
    int32_t version = 0;
    if ((status = call_i32(h, &h->f.abi_version, &version)) < 0) return status;
    if (version != HPET_ABI_VERSION) {
        return set_detail(HPET_HOST_MODULE, "the module has ABI version %d, this host needs %d", version, HPET_ABI_VERSION);
    }
    wasmtime_val_raw_t raw[4] = { { .i32 = (int32_t)h->config.timers }, { .i32 = (int32_t)h->config.msi },
                                  { .i32 = (int32_t)h->config.intcap }, { .i32 = (int32_t)h->config.clock_period_ns } };
    if ((status = call(h, &h->f.init, raw, 4)) < 0) return status;
    int32_t events = raw[0].i32;
    if (events < 0) return events;
    int32_t value = 0;
    if ((status = call_i32(h, &h->f.window_size, &value)) < 0) return status;
    h->window_size = (uint32_t)value;
    if ((status = call_i32(h, &h->f.snapshot_buffer, &value)) < 0) return status;
    h->snapshot_buffer = (uint32_t)value;
    if ((status = call_i32(h, &h->f.snapshot_capacity, &value)) < 0) return status;
    h->snapshot_capacity = (uint32_t)value;
    if (h->snapshot_buffer > MEMORY_PAGE || h->snapshot_capacity > MEMORY_PAGE - h->snapshot_buffer) {
        return set_detail(HPET_HOST_MODULE, "not a usable hpet.wasm: its snapshot buffer is out of place");
    }
    if ((status = call_i32(h, &h->f.events_ptr, &value)) < 0) return status;
    if ((status = check_host_area(h, value)) < 0) return status;
    h->pending_capacity = HPET_EVENT_CAPACITY;
    h->pending = malloc(h->pending_capacity * HPET_EVENT_SIZE);
    if (h->pending == NULL) return HPET_HOST_NO_MEMORY;
    return drain(h, (uint32_t)events);
}

int hpet_create(const hpet_module *module, const hpet_config *config, const hpet_callbacks *callbacks, hpet **out) {
    if (out == NULL) return HPET_HOST_NULL;
    *out = NULL;
    if (module == NULL) return HPET_HOST_NULL;
    hpet *h = calloc(1, sizeof *h);
    if (h == NULL) return HPET_HOST_NO_MEMORY;
    static const hpet_config defaults = HPET_CONFIG_DEFAULT;
    h->module = module;
    h->config = config != NULL ? *config : defaults;
    if (callbacks != NULL) h->callbacks = *callbacks;
    h->store = wasmtime_store_new(module->engine, NULL, NULL);
    int status = HPET_HOST_NO_MEMORY;
    if (h->store != NULL) {
        h->context = wasmtime_store_context(h->store);
        status = start(h);
    }
    if (status < 0) {
        hpet_destroy(&h);
        return status;
    }
    *out = h;
    return 0;
}

void hpet_destroy(hpet **h) {
    if (h == NULL || *h == NULL) return;
    if ((*h)->store != NULL) wasmtime_store_delete((*h)->store);
    free((*h)->pending);
    free(*h);
    *h = NULL;
}

int hpet_clone(hpet *h, hpet **out) {
    if (out == NULL) return HPET_HOST_NULL;
    *out = NULL;
    if (h == NULL) return HPET_HOST_NULL;
    uint8_t *bytes = malloc(h->snapshot_capacity);
    if (bytes == NULL) return HPET_HOST_NO_MEMORY;
    size_t length = 0;
    hpet *copy = NULL;
    int status = hpet_snapshot(h, bytes, h->snapshot_capacity, &length);
    /* The copy's own power-on event is not news: the callbacks come in after the restore. */
    if (status == 0) status = hpet_create(h->module, &h->config, NULL, &copy);
    if (status == 0) status = hpet_restore(copy, bytes, length);
    if (status == 0) copy->callbacks = h->callbacks;
    free(bytes);
    if (status < 0) {
        hpet_destroy(&copy);
        return status;
    }
    *out = copy;
    return 0;
}

/* --- Guest accesses ----------------------------------------------------------------------------- */

static int check_access(const hpet *h, uint32_t offset, uint32_t size) {
    if (offset >= h->window_size) return HPET_ERR_BAD_OFFSET;
    if (size != 1 && size != 2 && size != 4 && size != 8) return HPET_ERR_BAD_SIZE;
    return 0;
}

int hpet_read(hpet *h, uint32_t offset, uint32_t size, uint64_t *value) {
    if (h == NULL || value == NULL) return HPET_HOST_NULL;
    /* The main counter, from the published parameters (its offsets are in every window). */
    if (!h->advancing && ((size == 4 && (offset == MAIN_COUNTER_VAL || offset == MAIN_COUNTER_VAL_HIGH))
                          || (size == 8 && offset == MAIN_COUNTER_VAL))) {
        uint64_t counter = own_counter_value(h, h->host_time);
        *value = size == 8 ? counter : offset == MAIN_COUNTER_VAL ? (uint32_t)counter : counter >> 32;
        return 0;
    }
    int status = check_access(h, offset, size);
    if (status < 0) return status;
    wasmtime_val_raw_t raw[2];
    if (size == 4) {
        raw[0].i32 = (int32_t)offset;
        raw[1].i64 = access_time(h);
        if ((status = call(h, &h->f.read32_i64, raw, 2)) < 0) return status;
        uint32_t result = (uint32_t)raw[0].i32;
        if (result == 0) {
            /* Zero may be a refusal: only then is there a status to look at. */
            int32_t refused = 0;
            if ((status = call_i32(h, &h->f.read_status, &refused)) < 0) return status;
            if (refused < 0) return refused;
        }
        if (!h->advancing) h->device_time = h->host_time;
        *value = result;
        return 0;
    }
    if ((status = commit_time(h)) < 0) return status;
    raw[0].i32 = (int32_t)offset;
    raw[1].i32 = (int32_t)size;
    if ((status = call(h, &h->f.read, raw, 2)) < 0) return status;
    *value = size == 8 ? (uint64_t)raw[0].i64 : (uint64_t)raw[0].i64 & ((1ull << (8 * size)) - 1);
    return 0;
}

int hpet_write(hpet *h, uint32_t offset, uint32_t size, uint64_t value) {
    if (h == NULL) return HPET_HOST_NULL;
    int status = check_access(h, offset, size);
    if (status < 0) return status;
    if (size < 8 && value >> (8 * size) != 0) return HPET_HOST_BAD_VALUE;
    if ((status = make_room(h)) < 0) return status;
    wasmtime_val_raw_t raw[3];
    raw[0].i32 = (int32_t)offset;
    if (size == 4) {
        raw[1].i32 = (int32_t)(uint32_t)value;
        raw[2].i64 = access_time(h);
        status = call(h, &h->f.write32_i64, raw, 3);
        if (status == 0 && raw[0].i32 >= 0 && !h->advancing) h->device_time = h->host_time;
        return settle(h, status, raw);
    }
    if ((status = commit_time(h)) < 0) return status;
    raw[1].i32 = (int32_t)size;
    raw[2].i64 = (int64_t)value;
    status = call(h, &h->f.write, raw, 3);
    return settle(h, status, raw);
}

/* --- Inputs, reset, time -------------------------------------------------------------------------- */

int hpet_set_input(hpet *h, uint32_t input, uint32_t level) {
    if (h == NULL) return HPET_HOST_NULL;
    if (input > 1 || level > 1) return HPET_ERR_BAD_INPUT;
    int status = commit_time(h);
    if (status == 0) status = make_room(h);
    if (status < 0) return status;
    wasmtime_val_raw_t raw[2] = { { .i32 = (int32_t)input }, { .i32 = (int32_t)level } };
    status = call(h, &h->f.set_input, raw, 2);
    return settle(h, status, raw);
}

int hpet_reset(hpet *h) {
    if (h == NULL) return HPET_HOST_NULL;
    int status = commit_time(h);
    if (status == 0) status = make_room(h);
    if (status < 0) return status;
    wasmtime_val_raw_t raw[1];
    status = call(h, &h->f.reset, raw, 1);
    return settle(h, status, raw);
}

/* An advance that may expire something: out of line, so that a deferred advance (below) costs
 * no more than its checks. */
static int advance_module(hpet *h, uint64_t time_ns) __attribute__((noinline));

static int advance_module(hpet *h, uint64_t time_ns) {
    int status = 0;
    h->advancing = 1;
    for (;;) {
        if ((status = make_room(h)) < 0) break;
        wasmtime_val_raw_t raw[1] = { { .i64 = (int64_t)time_ns } };
        if ((status = call(h, &h->f.advance, raw, 1)) < 0) break;
        int32_t result = raw[0].i32;
        if (result < 0) {
            status = result;
            break;
        }
        h->device_time = h->host_time = time_ns;
        if ((status = drain(h, (uint32_t)result & EVENT_COUNT_MASK)) < 0) break;
        if (!(result & HPET_ADVANCE_INCOMPLETE)) break;
    }
    h->advancing = 0;
    return status;
}

int hpet_advance(hpet *h, uint64_t time_ns) {
    if (h == NULL) return HPET_HOST_NULL;
    if (h->advancing) return HPET_HOST_REENTRANT;
    if (time_ns > HPET_MAX_TIME) return HPET_ERR_BAD_TIME;
    if (time_ns < h->host_time) return HPET_ERR_TIME_BACKWARDS;
    if (time_ns < earliest_deadline(h)) {
        h->host_time = time_ns; /* nothing expires before it: the next access carries it */
        return 0;
    }
    return advance_module(h, time_ns);
}

int hpet_now(hpet *h, uint64_t *time_ns) {
    if (h == NULL || time_ns == NULL) return HPET_HOST_NULL;
    if (!h->advancing) {
        *time_ns = h->host_time;
        return 0;
    }
    wasmtime_val_raw_t raw[1];
    int status = call(h, &h->f.now, raw, 1);
    if (status == 0) *time_ns = (uint64_t)raw[0].i64;
    return status;
}

int hpet_next_deadline(const hpet *h, uint64_t *time_ns) {
    if (h == NULL || time_ns == NULL) return HPET_HOST_NULL;
    uint64_t deadline = earliest_deadline(h);
    *time_ns = deadline > HPET_MAX_TIME ? HPET_NO_DEADLINE : deadline;
    return 0;
}

int hpet_guest_errors(hpet *h, uint32_t *size_errors, uint32_t *alignment_errors) {
    if (h == NULL || size_errors == NULL || alignment_errors == NULL) return HPET_HOST_NULL;
    wasmtime_val_raw_t raw[1] = { { .i32 = HPET_GUEST_ERROR_SIZE } };
    int status = call(h, &h->f.guest_errors, raw, 1);
    if (status < 0) return status;
    uint32_t size = (uint32_t)raw[0].i32;
    raw[0].i32 = HPET_GUEST_ERROR_ALIGNMENT;
    if ((status = call(h, &h->f.guest_errors, raw, 1)) < 0) return status;
    *size_errors = size;
    *alignment_errors = (uint32_t)raw[0].i32;
    return 0;
}

uint32_t hpet_window_size(const hpet *h) {
    return h == NULL ? 0 : h->window_size;
}

/* --- Snapshots ------------------------------------------------------------------------------------- */

size_t hpet_snapshot_capacity(const hpet *h) {
    return h == NULL ? 0 : h->snapshot_capacity;
}

int hpet_snapshot(hpet *h, uint8_t *buffer, size_t capacity, size_t *length) {
    if (h == NULL || buffer == NULL || length == NULL) return HPET_HOST_NULL;
    int status = commit_time(h);
    /* The snapshot holds the queued events: only those not yet taken. */
    if (status == 0 && h->taken > 0) status = consume_taken(h);
    if (status < 0) return status;
    int32_t size = 0;
    if ((status = call_i32(h, &h->f.snapshot, &size)) < 0) return status;
    if (size < 0 || (uint32_t)size > h->snapshot_capacity) {
        return set_detail(HPET_HOST_MODULE, "the module wrote a snapshot longer than its buffer");
    }
    if ((size_t)size > capacity) return HPET_HOST_BUFFER;
    memcpy(buffer, h->memory + h->snapshot_buffer, (size_t)size);
    *length = (size_t)size;
    return 0;
}

int hpet_restore(hpet *h, const uint8_t *bytes, size_t length) {
    if (h == NULL || (bytes == NULL && length > 0)) return HPET_HOST_NULL;
    if (length > h->snapshot_capacity) return HPET_ERR_SNAPSHOT_LENGTH;
    if (length > 0) memcpy(h->memory + h->snapshot_buffer, bytes, length);
    wasmtime_val_raw_t raw[1] = { { .i32 = (int32_t)length } };
    int status = call(h, &h->f.restore, raw, 1);
    if (status < 0) return status;
    if (raw[0].i32 < 0) return raw[0].i32;
    h->taken = 0; /* the snapshot's queue replaced the one taken from */
    if ((status = call(h, &h->f.now, raw, 1)) < 0) return status;
    h->host_time = h->device_time = (uint64_t)raw[0].i64;
    return drain(h, load32(h->area + HPET_COUNT_OFFSET));
}

/* --- Errors ----------------------------------------------------------------------------------------- */

const char *hpet_strerror(int code) {
    switch (code) {
    case 0: return "ok";
    case HPET_ERR_BAD_CONFIG: return "bad-config";
    case HPET_ERR_BAD_OFFSET: return "bad-offset";
    case HPET_ERR_BAD_SIZE: return "bad-size";
    case HPET_ERR_BAD_TIME: return "bad-time";
    case HPET_ERR_TIME_BACKWARDS: return "time-backwards";
    case HPET_ERR_QUEUE_FULL: return "queue-full";
    case HPET_ERR_BAD_INPUT: return "bad-input";
    case HPET_ERR_SNAPSHOT_TRUNCATED: return "snapshot-truncated";
    case HPET_ERR_SNAPSHOT_MAGIC: return "snapshot-magic";
    case HPET_ERR_SNAPSHOT_VERSION: return "snapshot-version";
    case HPET_ERR_SNAPSHOT_CHECKSUM: return "snapshot-checksum";
    case HPET_ERR_SNAPSHOT_CONFIG: return "snapshot-config";
    case HPET_ERR_SNAPSHOT_STATE: return "snapshot-state";
    case HPET_ERR_SNAPSHOT_LENGTH: return "snapshot-length";
    case HPET_ERR_EXPIRY_DUE: return "expiry-due";
    case HPET_HOST_NULL: return "null-pointer";
    case HPET_HOST_BAD_VALUE: return "bad-value";
    case HPET_HOST_REENTRANT: return "reentrant";
    case HPET_HOST_MODULE: return "bad-module";
    case HPET_HOST_IO: return "io";
    case HPET_HOST_NO_MEMORY: return "no-memory";
    case HPET_HOST_BUFFER: return "buffer-too-small";
    default: return "unknown";
    }
}

const char *hpet_error_detail(void) {
    return detail;
}
