/* The checks of the C host's test programs (misuse_test.c, delivery_test.c): each program
 * counts its checks, names the first 50 that fail, and ends with one summary line and its exit
 * status. Each program includes this once and sets test_name first. */
#ifndef HPET_TEST_CHECKS_H
#define HPET_TEST_CHECKS_H

#include <stdio.h>

#include "hpet_host.h"

static const char *test_name = "test";
static int checks, failures;

static void check(int ok, const char *what, long detail) {
    checks++;
    if (!ok && failures++ < 50) printf("%s: FAILED: %s (%ld)\n", test_name, what, detail);
}

/* The module named by the program's one argument, or NULL (the reason printed). */
static hpet_module *load_test_module(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/hpet.wasm\n", test_name);
        return NULL;
    }
    hpet_module *module = NULL;
    if (hpet_module_load(argv[1], &module) != 0) {
        fprintf(stderr, "%s: %s\n", test_name, hpet_error_detail());
        return NULL;
    }
    return module;
}

/* The summary line; the program's exit status. */
static int checks_summary(void) {
    if (failures > 0) {
        printf("%s: %d of %d checks failed\n", test_name, failures, checks);
        return 1;
    }
    printf("%s: %d checks passed\n", test_name, checks);
    return 0;
}

#endif
