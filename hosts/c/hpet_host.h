/* The C host: one HPET in one instance of hpet.wasm, on Wasmtime's C API (docs/embedding.md).
 *
 * Guest accesses go in through hpet_read/hpet_write, time through hpet_advance, and line
 * changes, PIT-enable changes and MSI writes come out through callbacks, in order, each with
 * its exact time in ns. Every function returns 0 (or a count, where documented) or a negative
 * code: the module's status codes (HPET_ERR_* in hpet_abi.h) or this host's (HPET_HOST_*
 * below). A refused call changes nothing. hpet_strerror() names a code.
 *
 * Calls go through wasmtime_func_call_unchecked, each export's signature checked once when the
 * instance is created. An advance to a time before the earliest armed deadline makes no call
 * (the time is carried by the next access), and main counter reads make none either: they are
 * computed from the counter parameters the module publishes in its host area.
 *
 * One hpet is used from one thread at a time. hpet_counter_source() gives a handle from which
 * any thread may read the main counter (hpet_counter_at), for as long as the hpet lives. */
#ifndef HPET_HOST_H
#define HPET_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "hpet_abi.h"

/* This host's own codes, beyond the module's -1..-15. */
#define HPET_HOST_NULL (-100)        /* a required pointer argument is NULL */
#define HPET_HOST_BAD_VALUE (-101)   /* a value does not fit the access size */
#define HPET_HOST_REENTRANT (-102)   /* hpet_advance from an event callback of an advance */
#define HPET_HOST_MODULE (-103)      /* not a usable hpet.wasm, or Wasmtime failed (see hpet_error_detail) */
#define HPET_HOST_IO (-104)          /* the .wasm file could not be read (see hpet_error_detail) */
#define HPET_HOST_NO_MEMORY (-105)   /* an allocation failed */
#define HPET_HOST_BUFFER (-106)      /* the snapshot buffer is too small (see hpet_snapshot_capacity) */

/* The time hpet_next_deadline reports when no timer will expire. */
#define HPET_NO_DEADLINE UINT64_MAX

typedef struct hpet_module hpet_module; /* a compiled hpet.wasm; instances share it */
typedef struct hpet hpet;               /* one HPET */
typedef struct hpet_counter hpet_counter; /* the main counter, readable from any thread */

typedef struct hpet_config {
    uint32_t timers;          /* comparators, 3..32 */
    uint32_t msi;             /* 1: FSB (MSI) delivery advertised in every timer */
    uint32_t intcap;          /* route capability mask, bits 63:32 of every timer's config */
    uint32_t clock_period_ns; /* main counter period, 1..100 ns */
} hpet_config;

#define HPET_CONFIG_DEFAULT { 3u, 0u, 0x00ff0004u, 10u }

typedef struct hpet_callbacks {
    void *user; /* passed to each callback */
    /* A route line (0..31) changed level. An edge interrupt is a rise and a fall at one time. */
    void (*irq)(void *user, uint32_t line, uint32_t level, uint64_t time_ns);
    /* The PIT-enable output changed level (low while legacy replacement is on). */
    void (*pit_enable)(void *user, uint32_t level, uint64_t time_ns);
    /* A 32-bit FSB (MSI) write of `data` to `address`. */
    void (*msi)(void *user, uint32_t address, uint32_t data, uint64_t time_ns);
} hpet_callbacks;

/* Compile a module: from a file, or from bytes. hpet_module_delete frees it and sets *module
 * to NULL; delete its instances first. */
int hpet_module_load(const char *path, hpet_module **out);
int hpet_module_new(const uint8_t *wasm, size_t length, hpet_module **out);
void hpet_module_delete(hpet_module **module);

/* Create an instance (config NULL: HPET_CONFIG_DEFAULT; callbacks NULL: none) and deliver its
 * power-on event (PIT-enable high at 0). HPET_ERR_BAD_CONFIG for a configuration out of range.
 * hpet_destroy frees it and sets *h to NULL; later calls through that NULL get HPET_HOST_NULL.
 * Neither from one of its own callbacks. */
int hpet_create(const hpet_module *module, const hpet_config *config, const hpet_callbacks *callbacks,
                hpet **out);
void hpet_destroy(hpet **h);
/* A new instance in this one's exact state, with its configuration and callbacks. */
int hpet_clone(hpet *h, hpet **out);

/* Guest accesses of 1, 2, 4 or 8 bytes at the host's time; offsets are in the register window
 * (hpet_window_size). 1- and 2-byte and misaligned accesses are guest errors: they read 0, are
 * dropped and counted (hpet_guest_errors). A write's value must fit its size. */
int hpet_read(hpet *h, uint32_t offset, uint32_t size, uint64_t *value);
int hpet_write(hpet *h, uint32_t offset, uint32_t size, uint64_t value);

/* Run every expiry due up to time_ns (< 2^63, not before the host's time), delivering its
 * events, and make it the host's time. */
int hpet_advance(hpet *h, uint64_t time_ns);
/* The legacy inputs: 0 = the PIT's IRQ0, 1 = the RTC's IRQ8; level 0 or 1. */
int hpet_set_input(hpet *h, uint32_t input, uint32_t level);
/* The reset signal, at the host's time. */
int hpet_reset(hpet *h);

int hpet_now(hpet *h, uint64_t *time_ns);
/* The time of the earliest armed expiry, or HPET_NO_DEADLINE. Makes no call. */
int hpet_next_deadline(const hpet *h, uint64_t *time_ns);
int hpet_guest_errors(hpet *h, uint32_t *size_errors, uint32_t *alignment_errors);
/* The register window's size in bytes (0x400, or 0x500 with more than 24 timers); 0 for NULL. */
uint32_t hpet_window_size(const hpet *h);

/* The complete state as bytes (docs/snapshot.md): at most hpet_snapshot_capacity() of them. */
size_t hpet_snapshot_capacity(const hpet *h);
int hpet_snapshot(hpet *h, uint8_t *buffer, size_t capacity, size_t *length);
/* Replace the state with a snapshot of an instance of the same configuration; the host's time
 * becomes the snapshot's. A refused snapshot returns an HPET_ERR_SNAPSHOT_* code. */
int hpet_restore(hpet *h, const uint8_t *bytes, size_t length);

/* MAIN_CNT at time_ns (not before the host's time) from the published counter parameters
 * (a seqlock read: safe from any thread while the hpet lives). */
const hpet_counter *hpet_counter_source(const hpet *h);
uint64_t hpet_counter_at(const hpet_counter *counter, uint64_t time_ns);

/* A name for a code ("bad-offset", ...), and the detail of the latest HPET_HOST_MODULE or
 * HPET_HOST_IO in this thread. */
const char *hpet_strerror(int code);
const char *hpet_error_detail(void);

#endif
