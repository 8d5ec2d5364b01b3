/* hpet-replay: `hpet replay` on the C host. Replays guest traces against hpet.wasm and prints
 * the reference's output format, R (reads), I (line changes), P (PIT-enable changes) and M (MSI
 * writes), in order, exactly as hosts/ts/replay.ts does, with the contract of
 * cli/replay-command.ts:
 *
 *   hpet-replay [--wasm PATH] TRACE               the trace's output on stdout, as it is produced
 *   hpet-replay [--wasm PATH] --out DIR TRACE...  DIR/<name without .trace>.out for each trace
 *
 * A malformed trace, an unreadable file or a refused call is reported on stderr as
 * "hpet-replay: FILE[:LINE]: problem". With --out such a trace is skipped (no output file is
 * left for it), the others are written, and a summary line follows. Exit status: 0 all
 * replayed; 2 a usage error or a bad or unreadable trace (with --out: any); 1 the module cannot
 * be loaded. The trace is read a line at a time and the output written as it is produced. */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpet_host.h"
#include "trace.h"

#define PROG "hpet-replay"
#define USAGE                                                                                      \
    "usage: " PROG " [--wasm PATH] TRACE\n"                                                        \
    "       " PROG " [--wasm PATH] --out DIR TRACE...\n"                                           \
    "\n"                                                                                           \
    "Replays each trace on a new device and prints, or with --out writes to DIR/<name>.out,\n"     \
    "the outputs it produces: R (reads), I (interrupt lines), P (PIT enable), M (MSI writes).\n"   \
    "\n"                                                                                           \
    "options:\n"                                                                                   \
    "  --out DIR    write DIR/<trace name without .trace>.out for each trace (DIR is created);\n"  \
    "               a trace that fails is reported and skipped, the others are written\n"          \
    "  --wasm PATH  the module to run (default: hpet.wasm in the parent of this program's directory)\n" \
    "  -h, --help   print this help\n"

/* A file problem in the words of cli/errors.ts (fileProblem). */
static const char *file_problem(int error) {
    switch (error) {
    case ENOENT: return "no such file or directory";
    case EISDIR: return "is a directory, not a file";
    case ENOTDIR: return "a part of the path is not a directory";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    case EEXIST: return "already exists";
    case ENOSPC: return "no space left on the device";
    default: return strerror(error);
    }
}

static void on_irq(void *user, uint32_t line, uint32_t level, uint64_t time_ns) {
    fprintf(user, "I %llu %u %u\n", (unsigned long long)time_ns, line, level);
}

static void on_pit_enable(void *user, uint32_t level, uint64_t time_ns) {
    fprintf(user, "P %llu %u\n", (unsigned long long)time_ns, level);
}

static void on_msi(void *user, uint32_t address, uint32_t data, uint64_t time_ns) {
    fprintf(user, "M %llu 0x%x 0x%x\n", (unsigned long long)time_ns, address, data);
}

/* One operation; 0 or a host code. Offsets outside the register window read 0 and ignore
 * writes, like the window's unlisted registers. */
static int step(hpet **h, const trace_op *op, FILE *out) {
    uint32_t window = hpet_window_size(*h);
    switch (op->kind) {
    case TRACE_ADVANCE: return hpet_advance(*h, op->value);
    case TRACE_READ: {
        uint64_t value = 0, now = 0;
        int status = op->offset < window ? hpet_read(*h, op->offset, op->size, &value) : 0;
        if (status == 0) status = hpet_now(*h, &now);
        if (status == 0) {
            fprintf(out, "R %llu 0x%x %u 0x%llx\n", (unsigned long long)now, op->offset, op->size,
                    (unsigned long long)value);
        }
        return status;
    }
    case TRACE_WRITE: return op->offset < window ? hpet_write(*h, op->offset, op->size, op->value) : 0;
    case TRACE_RESET: return hpet_reset(*h);
    case TRACE_INPUT: return hpet_set_input(*h, op->offset, (uint32_t)op->value);
    case TRACE_SNAPSHOT: {
        /* Snapshot, restore into a new instance, continue on it. */
        hpet *copy = NULL;
        int status = hpet_clone(*h, &copy);
        if (status == 0) {
            hpet_destroy(h);
            *h = copy;
        }
        return status;
    }
    }
    return 0;
}

static int create(const hpet_module *module, const trace_parser *p, FILE *out, hpet **h, char *error, size_t error_size) {
    hpet_config config = HPET_CONFIG_DEFAULT;
    config.timers = p->timers;
    config.msi = p->msi;
    config.intcap = p->intcap;
    hpet_callbacks callbacks = { out, on_irq, on_pit_enable, on_msi };
    int status = hpet_create(module, &config, &callbacks, h);
    if (status < 0) snprintf(error, error_size, "%s: the device refused its configuration (%s)", p->file, hpet_strerror(status));
    return status < 0 ? -1 : 0;
}

/* Replays `file` into `out`, a line at a time; 0, or -1 with the problem in `error`. The device
 * is created at the first operation, when the configuration is known. */
static int replay(const hpet_module *module, const char *file, FILE *out, char *error, size_t error_size) {
    FILE *in = fopen(file, "rb");
    if (in == NULL) {
        snprintf(error, error_size, "%s: %s", file, file_problem(errno));
        return -1;
    }
    trace_parser parser;
    trace_parser_init(&parser, file);
    hpet *h = NULL;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    int result = 0;
    while (result == 0 && (length = getline(&line, &capacity, in)) >= 0) {
        if (length > 0 && line[length - 1] == '\n') length--;
        trace_op op;
        int parsed = trace_parse_line(&parser, line, (size_t)length, &op);
        if (parsed < 0) {
            snprintf(error, error_size, "%s", parser.error);
            result = -1;
        } else if (parsed == 1 && (h != NULL || (result = create(module, &parser, out, &h, error, error_size)) == 0)) {
            int status = step(&h, &op, out);
            if (status < 0) {
                snprintf(error, error_size, "%s:%u: refused (%s)%s%s", file, op.line, hpet_strerror(status),
                         status == HPET_HOST_MODULE ? ": " : "", status == HPET_HOST_MODULE ? hpet_error_detail() : "");
                result = -1;
            }
        }
    }
    if (result == 0 && ferror(in)) {
        snprintf(error, error_size, "%s: %s", file, file_problem(errno));
        result = -1;
    }
    if (result == 0 && h == NULL) result = create(module, &parser, out, &h, error, error_size);
    hpet_destroy(&h);
    free(line);
    fclose(in);
    return result;
}

static int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *format, ...) {
    fprintf(stderr, "%s: ", PROG);
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, " (%s --help)\n", PROG);
    return 2;
}

/* mkdir -p */
static int make_directories(const char *path) {
    char partial[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof partial) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        memcpy(partial, path, i);
        partial[i] = '\0';
        struct stat info;
        if (mkdir(partial, 0777) != 0 && !(errno == EEXIST && stat(partial, &info) == 0 && S_ISDIR(info.st_mode))) return -1;
    }
    return 0;
}

/* DIR/<base name of file without a final .trace>.out */
static char *output_path(const char *dir, const char *file) {
    const char *slash = strrchr(file, '/');
    const char *name = slash == NULL ? file : slash + 1;
    size_t length = strlen(name);
    if (length >= 6 && strcmp(name + length - 6, ".trace") == 0) length -= 6;
    size_t size = strlen(dir) + length + 16;
    char *path = malloc(size);
    if (path != NULL) snprintf(path, size, "%s/%.*s.out", dir, (int)length, name);
    return path;
}

/* One trace of a batch, written beside its output as NAME.out.partial and renamed when the
 * replay succeeded; 0, or -1 with the problem in `error`. */
static int replay_to_file(const hpet_module *module, const char *file, const char *output, char *error, size_t error_size) {
    size_t size = strlen(output) + 16;
    char *partial = malloc(size);
    if (partial == NULL) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    snprintf(partial, size, "%s.partial", output);
    int result = -1;
    FILE *out = fopen(partial, "wb");
    if (out == NULL) {
        snprintf(error, error_size, "%s: %s", partial, file_problem(errno));
    } else {
        result = replay(module, file, out, error, error_size);
        if (fclose(out) != 0 && result == 0) {
            snprintf(error, error_size, "%s: %s", partial, file_problem(errno));
            result = -1;
        }
        if (result == 0 && rename(partial, output) != 0) {
            snprintf(error, error_size, "%s: %s", output, file_problem(errno));
            result = -1;
        }
        if (result != 0) remove(partial);
    }
    free(partial);
    return result;
}

/* --out: every trace to its own output; the bad ones reported and skipped, then a summary. */
static int replay_batch(const hpet_module *module, const char *dir, const char **files, int count) {
    char **outputs = calloc((size_t)count, sizeof *outputs);
    if (outputs == NULL) return 1;
    int status = 0;
    for (int i = 0; i < count && status == 0; i++) {
        outputs[i] = output_path(dir, files[i]);
        if (outputs[i] == NULL) status = 1;
        for (int j = 0; j < i && status == 0; j++) {
            if (strcmp(outputs[i], outputs[j]) == 0) {
                status = usage_error("%s and %s would both write %s", files[j], files[i], outputs[i]);
            }
        }
    }
    if (status == 0 && make_directories(dir) != 0) {
        fprintf(stderr, "%s: %s: %s\n", PROG, dir, file_problem(errno));
        status = 2;
    }
    if (status == 0) {
        static char error[1 << 13];
        int written = 0;
        for (int i = 0; i < count; i++) {
            if (replay_to_file(module, files[i], outputs[i], error, sizeof error) == 0) written++;
            else fprintf(stderr, "%s: %s\n", PROG, error);
        }
        fprintf(stderr, "%s: wrote %d of %d outputs to %s, skipped %d\n", PROG, written, count, dir, count - written);
        status = written == count ? 0 : 2;
    }
    for (int i = 0; i < count; i++) free(outputs[i]);
    free(outputs);
    return status;
}

/* build/c/hpet-replay finds build/hpet.wasm in the parent of its own directory. */
static void default_module(char *path, size_t size) {
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        snprintf(path, size, "build/hpet.wasm");
        return;
    }
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL) *slash = '\0';
    snprintf(path, size, "%s/../hpet.wasm", self);
}

int main(int argc, char **argv) {
    const char *out_dir = NULL;
    char wasm[PATH_MAX + 16];
    default_module(wasm, sizeof wasm);
    const char **files = calloc((size_t)argc, sizeof *files);
    int count = 0, options_done = 0;
    if (files == NULL) return 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            files[count++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = 1;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(arg, "--out") == 0 || strcmp(arg, "--wasm") == 0) {
            if (i + 1 == argc) return usage_error("%s needs a value", arg);
            if (strcmp(arg, "--out") == 0) out_dir = argv[++i];
            else snprintf(wasm, sizeof wasm, "%s", argv[++i]);
        } else if (strncmp(arg, "--out=", 6) == 0) {
            out_dir = arg + 6;
        } else if (strncmp(arg, "--wasm=", 7) == 0) {
            snprintf(wasm, sizeof wasm, "%s", arg + 7);
        } else {
            return usage_error("unknown option %s", arg);
        }
    }
    if (count == 0) return usage_error("replay needs a trace file");
    if (out_dir == NULL && count > 1) return usage_error("replay of several traces needs --out DIR (one trace prints to stdout)");

    hpet_module *module = NULL;
    if (hpet_module_load(wasm, &module) < 0) {
        fprintf(stderr, "%s: cannot load the device module: %s\n", PROG, hpet_error_detail());
        return 1;
    }
    int status;
    if (out_dir != NULL) {
        status = replay_batch(module, out_dir, files, count);
    } else {
        static char error[1 << 13];
        static char buffer[1 << 16];
        setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
        status = replay(module, files[0], stdout, error, sizeof error) == 0 ? 0 : 2;
        if (fflush(stdout) != 0 && status == 0) {
            snprintf(error, sizeof error, "stdout: %s", file_problem(errno));
            status = 2;
        }
        if (status != 0) fprintf(stderr, "%s: %s\n", PROG, error);
    }
    hpet_module_delete(&module);
    free(files);
    return status;
}
