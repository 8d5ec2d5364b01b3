/* Event delivery in the C host (run by tests/c-host.test.ts): the host takes events from the
 * module's queue as they come but frees the queue only once CONSUME_AT of them fill it, so that
 * most calls need no events_consume. Checked here, around several such refills:
 *   - every event arrives once, in order, at its exact time;
 *   - the events of a call made from a callback arrive after those already taken, in order;
 *   - a snapshot leaves out the events already delivered: restored, it delivers none of them.
 * Usage: hpet-delivery PATH/TO/hpet.wasm. Prints "hpet-delivery: N checks passed" and exits 0,
 * or names each failed check and exits 1. */
#include <string.h>

#include "hpet_host.h"
#include "test_checks.h"

#define GEN_CONF 0x10u
#define TIMER0_CONF 0x100u
#define TIMER0_CMP 0x108u
#define PERIODIC_ROUTE_2 (0x4Cu | (2u << 9)) /* Tn_VAL_SET_CNF | Tn_TYPE_CNF | Tn_INT_ENB_CNF, route 2 */
#define PERIOD_TICKS 1000u
#define PERIOD_NS 10000u /* 1000 ticks of 10 ns */
#define EXPIRIES 1500u   /* about three refills of the host's batch of 512 */
#define NESTED_AT 700u   /* the expiry whose callback drives the PIT input */

/* What the callbacks saw, in order. */
typedef struct seen {
    hpet *h;
    uint32_t count;
    uint32_t line[2 * EXPIRIES + 8];
    uint32_t level[2 * EXPIRIES + 8];
    uint64_t time[2 * EXPIRIES + 8];
} seen;

static seen delivered;

static void record(void *user, uint32_t line, uint32_t level, uint64_t time_ns) {
    seen *s = user;
    if (s->count < sizeof s->line / sizeof s->line[0]) {
        s->line[s->count] = line;
        s->level[s->count] = level;
        s->time[s->count] = time_ns;
    }
    s->count++;
    /* At the fall of one expiry's pulse, raise the PIT input: its line 0 change is queued behind. */
    if (line == 2 && level == 0 && time_ns == (uint64_t)NESTED_AT * PERIOD_NS) {
        check(hpet_set_input(s->h, 0, 1) == 0, "a call from a callback", 0);
    }
}

static void delivery(const hpet_module *module) {
    hpet_callbacks callbacks = { &delivered, record, NULL, NULL };
    check(hpet_create(module, NULL, &callbacks, &delivered.h) == 0, "create", 0);
    hpet *h = delivered.h;
    delivered.count = 0; /* the power-on PIT-enable rise goes to no callback */
    check(hpet_write(h, TIMER0_CONF, 4, PERIODIC_ROUTE_2) == 0, "timer 0 periodic", 0);
    check(hpet_write(h, TIMER0_CMP, 8, PERIOD_TICKS) == 0 && hpet_write(h, TIMER0_CMP, 8, PERIOD_TICKS) == 0,
          "timer 0 period", 0);
    check(hpet_write(h, GEN_CONF, 4, 1) == 0, "enable", 0);

    /* One expiry per advance, then all that remain in one advance. */
    uint32_t expiry = 1;
    for (; expiry <= EXPIRIES / 2; expiry++) check(hpet_advance(h, (uint64_t)expiry * PERIOD_NS) == 0, "advance", expiry);
    check(hpet_advance(h, (uint64_t)EXPIRIES * PERIOD_NS) == 0, "advance over the rest", 0);

    /* Expiry k pulses line 2 at k * PERIOD_NS; after expiry NESTED_AT, line 0 rises at its time. */
    check(delivered.count == 2 * EXPIRIES + 1, "events delivered", (long)delivered.count);
    uint32_t at = 0, wrong = 0;
    for (uint32_t k = 1; k <= EXPIRIES && at + 1 < delivered.count; k++) {
        uint64_t time = (uint64_t)k * PERIOD_NS;
        wrong += delivered.line[at] != 2 || delivered.level[at] != 1 || delivered.time[at] != time;
        wrong += delivered.line[at + 1] != 2 || delivered.level[at + 1] != 0 || delivered.time[at + 1] != time;
        at += 2;
        if (k == NESTED_AT) {
            wrong += delivered.line[at] != 0 || delivered.level[at] != 1 || delivered.time[at] != time;
            at++;
        }
    }
    check(wrong == 0, "every event once, in order, at its time", (long)wrong);

    /* The events above are all delivered: a snapshot of now holds none of them. */
    static uint8_t bytes[4096];
    size_t length = 0;
    check(hpet_snapshot(h, bytes, sizeof bytes, &length) == 0, "snapshot", 0);
    hpet *restored = NULL;
    check(hpet_create(module, NULL, &callbacks, &restored) == 0, "create another", 0);
    delivered.count = 0;
    check(hpet_restore(restored, bytes, length) == 0, "restore", 0);
    check(delivered.count == 0, "a restored snapshot delivers no event already delivered", (long)delivered.count);
    uint64_t deadline = 0;
    check(hpet_next_deadline(restored, &deadline) == 0 && deadline == (uint64_t)(EXPIRIES + 1) * PERIOD_NS,
          "the restored timer goes on", (long)deadline);
    hpet_destroy(&restored);
    hpet_destroy(&h);
}

int main(int argc, char **argv) {
    test_name = "hpet-delivery";
    hpet_module *module = load_test_module(argc, argv);
    if (module == NULL) return 2;
    delivery(module);
    hpet_module_delete(&module);
    return checks_summary();
}
