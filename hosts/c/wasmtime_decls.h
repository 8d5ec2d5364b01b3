/* The part of the Wasmtime C API (wasm.h, wasmtime.h; Wasmtime 49) that the C host calls,
 * declared here because the `wasmtime` Python wheel ships the library without its headers.
 * Written from the API's public documentation; hosts/c/decls_check.c, run by
 * tests/c-host.test.ts, proves the sizes and signatures against the library itself.
 * Only what this host uses is declared; opaque types stay incomplete. */
#ifndef HPET_WASMTIME_DECLS_H
#define HPET_WASMTIME_DECLS_H

#include <stddef.h>
#include <stdint.h>

/* --- wasm.h ------------------------------------------------------------------------------- */

typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasm_valtype_t wasm_valtype_t;

/* A vector of bytes (also wasm_name_t and wasm_message_t); the owner frees it. */
typedef struct wasm_byte_vec_t {
    size_t size;
    char *data;
} wasm_byte_vec_t;

typedef struct wasm_valtype_vec_t {
    size_t size;
    wasm_valtype_t **data;
} wasm_valtype_vec_t;

typedef uint8_t wasm_valkind_t;
enum { WASM_I32 = 0, WASM_I64 = 1, WASM_F32 = 2, WASM_F64 = 3 };

wasm_engine_t *wasm_engine_new(void);
void wasm_engine_delete(wasm_engine_t *engine);
void wasm_byte_vec_delete(wasm_byte_vec_t *vec);
void wasm_trap_message(const wasm_trap_t *trap, wasm_byte_vec_t *out);
void wasm_trap_delete(wasm_trap_t *trap);
const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *type);
const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *type);
void wasm_functype_delete(wasm_functype_t *type);
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t *type);

/* --- wasmtime.h ----------------------------------------------------------------------------- */

typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_module wasmtime_module_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_context wasmtime_context_t;

/* Store-owned handles: plain values, valid while their store lives. */
typedef struct wasmtime_func {
    uint64_t store_id;
    void *private_;
} wasmtime_func_t;

typedef struct wasmtime_memory {
    struct {
        uint64_t store_id;
        uint32_t private1;
    } head;
    uint32_t private2;
} wasmtime_memory_t;

typedef struct wasmtime_table {
    struct {
        uint64_t store_id;
        uint32_t private1;
    } head;
    uint32_t private2;
} wasmtime_table_t;

typedef struct wasmtime_global {
    uint64_t store_id;
    uint32_t private1;
    uint32_t private2;
    uint32_t private3;
} wasmtime_global_t;

typedef struct wasmtime_instance {
    uint64_t store_id;
    size_t private_;
} wasmtime_instance_t;

typedef uint8_t wasmtime_extern_kind_t;
enum {
    WASMTIME_EXTERN_FUNC = 0,
    WASMTIME_EXTERN_GLOBAL = 1,
    WASMTIME_EXTERN_TABLE = 2,
    WASMTIME_EXTERN_MEMORY = 3,
};

typedef union wasmtime_extern_union {
    wasmtime_func_t func;
    wasmtime_global_t global;
    wasmtime_table_t table;
    wasmtime_memory_t memory;
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {
    wasmtime_extern_kind_t kind;
    wasmtime_extern_union_t of;
} wasmtime_extern_t;

/* A reference value of the GC proposal; only its size matters here (it sizes wasmtime_val_t). */
typedef struct wasmtime_anyref {
    uint64_t store_id;
    uint32_t private1;
    uint32_t private2;
    void *private3;
} wasmtime_anyref_t;

typedef uint8_t wasmtime_valkind_t;
enum { WASMTIME_I32 = 0, WASMTIME_I64 = 1, WASMTIME_F32 = 2, WASMTIME_F64 = 3 };

typedef union wasmtime_valunion {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasmtime_anyref_t anyref;
    wasmtime_func_t funcref;
    uint8_t v128[16];
} wasmtime_valunion_t;

/* A typed value, for the checked call. */
typedef struct wasmtime_val {
    wasmtime_valkind_t kind;
    wasmtime_valunion_t of;
} wasmtime_val_t;

/* An untyped value, for the unchecked call: arguments in, results out, in one array. */
typedef union wasmtime_val_raw {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    uint8_t v128[16];
    uint32_t anyref;
    uint32_t externref;
    void *funcref;
} wasmtime_val_raw_t;

/* Text format to binary (used by decls_check.c, to build its probe modules). */
wasmtime_error_t *wasmtime_wat2wasm(const char *wat, size_t wat_len, wasm_byte_vec_t *ret);

void wasmtime_error_message(const wasmtime_error_t *error, wasm_byte_vec_t *message);
void wasmtime_error_delete(wasmtime_error_t *error);

wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine, const uint8_t *wasm, size_t wasm_len,
                                      wasmtime_module_t **ret);
void wasmtime_module_delete(wasmtime_module_t *module);

wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine, void *data, void (*finalizer)(void *));
void wasmtime_store_delete(wasmtime_store_t *store);
wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *store);

wasmtime_error_t *wasmtime_instance_new(wasmtime_context_t *store, const wasmtime_module_t *module,
                                        const wasmtime_extern_t *imports, size_t nimports,
                                        wasmtime_instance_t *instance, wasm_trap_t **trap);
_Bool wasmtime_instance_export_get(wasmtime_context_t *store, const wasmtime_instance_t *instance,
                                   const char *name, size_t name_len, wasmtime_extern_t *item);

wasm_functype_t *wasmtime_func_type(const wasmtime_context_t *store, const wasmtime_func_t *func);
wasmtime_error_t *wasmtime_func_call(wasmtime_context_t *store, const wasmtime_func_t *func,
                                     const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results,
                                     size_t nresults, wasm_trap_t **trap);
wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *store, const wasmtime_func_t *func,
                                               wasmtime_val_raw_t *args_and_results,
                                               size_t args_and_results_len, wasm_trap_t **trap);

uint8_t *wasmtime_memory_data(const wasmtime_context_t *store, const wasmtime_memory_t *memory);
size_t wasmtime_memory_data_size(const wasmtime_context_t *store, const wasmtime_memory_t *memory);

#endif
