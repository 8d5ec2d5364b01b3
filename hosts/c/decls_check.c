/* Proves hosts/c/wasmtime_decls.h against the Wasmtime library it links: every declared
 * function is called, and each call's result depends on the declared layouts being the
 * library's (array strides of wasmtime_val_t, wasmtime_val_raw_t and wasmtime_extern_t, the
 * offsets of their unions, the kind numbers). Prints "decls-check: N checks passed" and exits 0,
 * or names each failed check and exits 1. tests/c-host.test.ts runs it (and checks with nm -D
 * that the library exports every declared function). */
#include <stdio.h>
#include <string.h>

#include "wasmtime_decls.h"

static int checks, failures;

static void check(int ok, const char *what) {
    checks++;
    if (!ok) {
        failures++;
        printf("decls-check: FAILED: %s\n", what);
    }
}

/* The probe modules. `mix` makes every argument count in its result; `lanes` (raw) does the
 * same through the unchecked call; `g` is a global (the largest extern); `boom` traps. */
static const char PROBE[] =
    "(module"
    "  (memory (export \"mem\") 1 1)"
    "  (global (export \"g\") (mut i64) (i64.const 77))"
    "  (func (export \"mix\") (param i32 i64 f64 i32) (result i64)"
    "    (i64.add (i64.add (i64.mul (i64.extend_i32_u (local.get 0)) (i64.const 1000000))"
    "                      (i64.mul (local.get 1) (i64.const 1000)))"
    "             (i64.add (i64.trunc_f64_s (local.get 2)) (i64.extend_i32_u (local.get 3)))))"
    "  (func (export \"poke\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))"
    "  (func (export \"one\") (result i32) (i32.const 1))"
    "  (func (export \"two\") (result i32) (i32.const 2))"
    "  (func (export \"boom\") unreachable))";

static const char IMPORTER[] =
    "(module"
    "  (import \"p\" \"x\" (func $x (result i32)))"
    "  (import \"p\" \"y\" (func $y (result i32)))"
    "  (func (export \"z\") (result i32) (i32.add (i32.mul (call $x) (i32.const 10)) (call $y))))";

static wasmtime_module_t *compile(wasm_engine_t *engine, const char *wat) {
    wasm_byte_vec_t wasm = { 0, NULL };
    wasmtime_error_t *error = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
    check(error == NULL && wasm.size > 8 && memcmp(wasm.data, "\0asm", 4) == 0, "wasmtime_wat2wasm makes a module");
    if (error != NULL) {
        wasmtime_error_delete(error);
        return NULL;
    }
    wasmtime_module_t *module = NULL;
    error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module);
    check(error == NULL && module != NULL, "wasmtime_module_new compiles it");
    wasm_byte_vec_delete(&wasm);
    if (error != NULL) wasmtime_error_delete(error);
    return module;
}

/* An export, with a canary after it: export_get writes a whole wasmtime_extern_t. */
static wasmtime_extern_t export_of(wasmtime_context_t *cx, const wasmtime_instance_t *instance, const char *name) {
    struct {
        wasmtime_extern_t item;
        uint64_t canary;
    } slot;
    memset(&slot, 0, sizeof slot);
    slot.canary = 0x5a5a5a5a5a5a5a5aull;
    check(wasmtime_instance_export_get(cx, instance, name, strlen(name), &slot.item), "wasmtime_instance_export_get finds it");
    check(slot.canary == 0x5a5a5a5a5a5a5a5aull, "wasmtime_extern_t is no smaller than the library's");
    return slot.item;
}

int main(void) {
    check(sizeof(wasmtime_val_t) == 32 && sizeof(wasmtime_extern_t) == 32 && sizeof(wasmtime_val_raw_t) == 16,
          "sizes: wasmtime_val_t 32, wasmtime_extern_t 32, wasmtime_val_raw_t 16 bytes (Wasmtime 49, x86-64)");
    wasm_engine_t *engine = wasm_engine_new();
    check(engine != NULL, "wasm_engine_new");
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *cx = wasmtime_store_context(store);
    check(store != NULL && cx != NULL, "wasmtime_store_new, wasmtime_store_context");

    /* An error and its message. */
    wasmtime_module_t *bad = NULL;
    wasmtime_error_t *error = wasmtime_module_new(engine, (const uint8_t *)"\0asm\2\0\0\0", 8, &bad);
    wasm_byte_vec_t message = { 0, NULL };
    if (error != NULL) wasmtime_error_message(error, &message);
    check(error != NULL && bad == NULL && message.size > 0, "wasmtime_module_new refuses a bad module, wasmtime_error_message");
    if (message.data != NULL) wasm_byte_vec_delete(&message);
    if (error != NULL) wasmtime_error_delete(error);

    wasmtime_module_t *probe = compile(engine, PROBE);
    wasmtime_module_t *importer = compile(engine, IMPORTER);
    if (probe == NULL || importer == NULL) return 1;
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    error = wasmtime_instance_new(cx, probe, NULL, 0, &instance, &trap);
    check(error == NULL && trap == NULL, "wasmtime_instance_new");

    /* The checked call: four typed arguments in a wasmtime_val_t array, one typed result. */
    wasmtime_extern_t mix = export_of(cx, &instance, "mix");
    check(mix.kind == WASMTIME_EXTERN_FUNC, "WASMTIME_EXTERN_FUNC is a function's kind");
    wasmtime_val_t args[4] = { { .kind = WASMTIME_I32, .of.i32 = 7 }, { .kind = WASMTIME_I64, .of.i64 = 654 },
                               { .kind = WASMTIME_F64, .of.f64 = 321.75 }, { .kind = WASMTIME_I32, .of.i32 = 9 } };
    wasmtime_val_t result = { .kind = WASMTIME_F32 };
    error = wasmtime_func_call(cx, &mix.of.func, args, 4, &result, 1, &trap);
    check(error == NULL && trap == NULL && result.kind == WASMTIME_I64 && result.of.i64 == 7654330,
          "wasmtime_func_call: wasmtime_val_t stride, kinds and union offset");
    args[1].kind = WASMTIME_I32;
    error = wasmtime_func_call(cx, &mix.of.func, args, 4, &result, 1, &trap);
    check(error != NULL, "wasmtime_func_call refuses an argument of the wrong kind");
    if (error != NULL) wasmtime_error_delete(error);

    /* The type of the function. */
    wasm_functype_t *type = wasmtime_func_type(cx, &mix.of.func);
    const wasm_valtype_vec_t *params = wasm_functype_params(type);
    const wasm_valtype_vec_t *results = wasm_functype_results(type);
    check(params->size == 4 && wasm_valtype_kind(params->data[0]) == WASM_I32 && wasm_valtype_kind(params->data[1]) == WASM_I64
              && wasm_valtype_kind(params->data[2]) == WASM_F64 && wasm_valtype_kind(params->data[3]) == WASM_I32
              && results->size == 1 && wasm_valtype_kind(results->data[0]) == WASM_I64,
          "wasmtime_func_type, wasm_functype_params/results, wasm_valtype_kind");
    wasm_functype_delete(type);

    /* The unchecked call: the same through one wasmtime_val_raw_t array. */
    wasmtime_val_raw_t raw[4] = { { .i32 = 7 }, { .i64 = 654 }, { .f64 = 321.75 }, { .i32 = 9 } };
    error = wasmtime_func_call_unchecked(cx, &mix.of.func, raw, 4, &trap);
    check(error == NULL && trap == NULL && raw[0].i64 == 7654330, "wasmtime_func_call_unchecked: wasmtime_val_raw_t stride");

    /* A trap and its message. */
    wasmtime_extern_t boom = export_of(cx, &instance, "boom");
    error = wasmtime_func_call(cx, &boom.of.func, NULL, 0, NULL, 0, &trap);
    message = (wasm_byte_vec_t){ 0, NULL };
    if (trap != NULL) wasm_trap_message(trap, &message);
    check(error == NULL && trap != NULL && message.size > 0 && strstr(message.data, "unreachable") != NULL,
          "a trap, wasm_trap_message");
    if (message.data != NULL) wasm_byte_vec_delete(&message);
    if (trap != NULL) wasm_trap_delete(trap);
    trap = NULL;

    /* Memory: its size, and a store the function made, seen through the data pointer. */
    wasmtime_extern_t mem = export_of(cx, &instance, "mem");
    wasmtime_extern_t poke = export_of(cx, &instance, "poke");
    check(mem.kind == WASMTIME_EXTERN_MEMORY && wasmtime_memory_data_size(cx, &mem.of.memory) == 65536,
          "WASMTIME_EXTERN_MEMORY, wasmtime_memory_data_size");
    wasmtime_val_raw_t poke_args[2] = { { .i32 = 40000 }, { .i32 = 0xab } };
    error = wasmtime_func_call_unchecked(cx, &poke.of.func, poke_args, 2, &trap);
    check(error == NULL && trap == NULL && wasmtime_memory_data(cx, &mem.of.memory)[40000] == 0xab, "wasmtime_memory_data");

    /* The largest extern (a global) fits, and its kind is the library's. */
    wasmtime_extern_t global = export_of(cx, &instance, "g");
    check(global.kind == WASMTIME_EXTERN_GLOBAL, "WASMTIME_EXTERN_GLOBAL is a global's kind");

    /* Imports: a wasmtime_extern_t array, in order. */
    wasmtime_extern_t imports[2] = { export_of(cx, &instance, "one"), export_of(cx, &instance, "two") };
    wasmtime_instance_t second;
    error = wasmtime_instance_new(cx, importer, imports, 2, &second, &trap);
    check(error == NULL && trap == NULL, "wasmtime_instance_new with imports");
    wasmtime_extern_t z = export_of(cx, &second, "z");
    wasmtime_val_raw_t z_result[1];
    error = wasmtime_func_call_unchecked(cx, &z.of.func, z_result, 1, &trap);
    check(error == NULL && trap == NULL && z_result[0].i32 == 12, "wasmtime_extern_t stride (imports in order)");

    wasmtime_module_delete(probe);
    wasmtime_module_delete(importer);
    wasmtime_store_delete(store);
    wasm_engine_delete(engine);
    if (failures > 0) {
        printf("decls-check: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("decls-check: %d checks passed\n", checks);
    return 0;
}
