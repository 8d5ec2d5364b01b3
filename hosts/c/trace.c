/* The trace parser: see trace.h. Lines are split and trimmed at JavaScript's whitespace (its
 * \s: ASCII and Unicode spaces, in UTF-8), as String.prototype.trim and split(/\s+/) do. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 8 /* more than any operation takes: the rest are only counted */
#define MAX_TIME_TEXT "9223372036854775807"
#define MAX_LINE_LENGTH 4096 /* in UTF-16 code units (JavaScript's string length), as hosts/ts/trace.ts */

typedef struct field {
    const char *text;
    size_t length;
} field;

/* The length of the whitespace character at p (UTF-8), or 0. */
static size_t space_at(const unsigned char *p, const unsigned char *end) {
    size_t left = (size_t)(end - p);
    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) return 1;
    if (left >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2; /* U+00A0 */
    if (left < 3) return 0;
    if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3; /* U+1680 */
    if (p[0] == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)) {
        return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
    }
    if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3; /* U+205F */
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3; /* U+3000 */
    if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3; /* U+FEFF */
    return 0;
}

static size_t split_fields(const char *start, const char *stop, field *fields) {
    const unsigned char *p = (const unsigned char *)start, *end = (const unsigned char *)stop;
    size_t count = 0;
    while (p < end) {
        size_t space;
        while (p < end && (space = space_at(p, end)) > 0) p += space;
        if (p == end) break;
        const unsigned char *word = p;
        while (p < end && space_at(p, end) == 0) p++;
        if (count < MAX_FIELDS) fields[count] = (field){ (const char *)word, (size_t)(p - word) };
        count++;
    }
    return count;
}

static int fail(trace_parser *ps, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int fail(trace_parser *ps, const char *format, ...) {
    int used = snprintf(ps->error, sizeof ps->error, "%s:%u: ", ps->file, ps->line);
    if (used >= 0 && (size_t)used < sizeof ps->error) {
        va_list args;
        va_start(args, format);
        vsnprintf(ps->error + used, sizeof ps->error - (size_t)used, format, args);
        va_end(args);
    }
    return -1;
}

static int is(field f, const char *text) {
    return f.length == strlen(text) && memcmp(f.text, text, f.length) == 0;
}

/* Compares two decimal numbers without leading zeros. */
static int compare_decimal(field f, const char *number) {
    size_t length = strlen(number);
    if (f.length != length) return f.length < length ? -1 : 1;
    return memcmp(f.text, number, length);
}

/* 0|[1-9][0-9]*, in min..max (given as their digits). */
static int decimal(trace_parser *ps, field f, const char *min, const char *max, const char *what, uint64_t *value) {
    int digits = f.length > 0 && (f.text[0] != '0' || f.length == 1);
    for (size_t i = 0; digits && i < f.length; i++) digits = f.text[i] >= '0' && f.text[i] <= '9';
    if (!digits) return fail(ps, "%s \"%.*s\" is not a decimal number", what, (int)f.length, f.text);
    if (compare_decimal(f, min) < 0 || compare_decimal(f, max) > 0) {
        return fail(ps, "%s %.*s is not in %s..%s", what, (int)f.length, f.text, min, max);
    }
    uint64_t v = 0;
    for (size_t i = 0; i < f.length; i++) v = v * 10 + (uint64_t)(f.text[i] - '0');
    *value = v;
    return 0;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* 0x[0-9a-f]+ (any case), at most 2^bits - 1. */
static int hex(trace_parser *ps, field f, unsigned bits, const char *what, uint64_t *value) {
    int ok = f.length > 2 && f.text[0] == '0' && (f.text[1] == 'x' || f.text[1] == 'X');
    for (size_t i = 2; ok && i < f.length; i++) ok = hex_digit(f.text[i]) >= 0;
    if (!ok) return fail(ps, "%s \"%.*s\" is not a 0x-prefixed hex number", what, (int)f.length, f.text);
    size_t first = 2;
    while (first < f.length - 1 && f.text[first] == '0') first++;
    if (f.length - first > bits / 4) {
        return fail(ps, "%s %.*s is not in 0x0..0x%s", what, (int)f.length, f.text, bits == 64 ? "ffffffffffffffff" : "ffffffff");
    }
    uint64_t v = 0;
    for (size_t i = first; i < f.length; i++) v = (v << 4) | (uint64_t)hex_digit(f.text[i]);
    *value = v;
    return 0;
}

static int size_of(trace_parser *ps, field f, uint32_t *size) {
    if (!(f.length == 1 && (f.text[0] == '1' || f.text[0] == '2' || f.text[0] == '4' || f.text[0] == '8'))) {
        return fail(ps, "size \"%.*s\" is not 1, 2, 4 or 8", (int)f.length, f.text);
    }
    *size = (uint32_t)(f.text[0] - '0');
    return 0;
}

static int bit(trace_parser *ps, field f, const char *what, uint32_t *value) {
    if (!is(f, "0") && !is(f, "1")) return fail(ps, "%s \"%.*s\" is not 0 or 1", what, (int)f.length, f.text);
    *value = f.text[0] == '1';
    return 0;
}

static int parse_config(trace_parser *ps, const field *args, size_t count) {
    int seen_timers = 0, seen_msi = 0, seen_intcap = 0;
    for (size_t i = 0; i < count; i++) {
        field arg = args[i];
        const char *equals = memchr(arg.text, '=', arg.length);
        const char *second = equals == NULL ? NULL : memchr(equals + 1, '=', arg.length - (size_t)(equals + 1 - arg.text));
        if (equals == NULL || second != NULL) {
            return fail(ps, "config expects key=value, not \"%.*s\"", (int)arg.length, arg.text);
        }
        field key = { arg.text, (size_t)(equals - arg.text) };
        field value = { equals + 1, arg.length - key.length - 1 };
        int *seen = is(key, "timers") ? &seen_timers : is(key, "msi") ? &seen_msi : is(key, "intcap") ? &seen_intcap : NULL;
        if (seen == NULL) return fail(ps, "unknown config key \"%.*s\" (timers, msi or intcap)", (int)key.length, key.text);
        if (*seen) return fail(ps, "config repeats %.*s", (int)key.length, key.text);
        *seen = 1;
        uint64_t v = 0;
        if (seen == &seen_timers) {
            if (decimal(ps, value, "3", "32", "timers", &v) < 0) return -1;
            ps->timers = (uint32_t)v;
        } else if (seen == &seen_msi) {
            if (bit(ps, value, "msi", &ps->msi) < 0) return -1;
        } else {
            if (hex(ps, value, 32, "intcap", &v) < 0) return -1;
            ps->intcap = (uint32_t)v;
        }
    }
    return 0;
}

/* One line's operation; 1 if the line holds none, -1 on an error. */
static int parse_line(trace_parser *ps, const field *fields, size_t count, trace_op *op) {
    if (count == 0 || fields[0].text[0] == '#') return 1;
    field verb = fields[0];
    const field *args = fields + 1;
    size_t arity = count - 1;
    *op = (trace_op){ .line = ps->line };
#define EXPECT(n, form) \
    if (arity != (n)) return fail(ps, "expected \"%s\"", form)
    if (is(verb, "config")) {
        if (ps->ops > 0) return fail(ps, "config must come before every operation");
        /* Only the first MAX_FIELDS - 1 arguments are kept: with three keys, each allowed once,
         * a line with more than three fails within its first four. */
        return parse_config(ps, args, arity < MAX_FIELDS ? arity : MAX_FIELDS - 1) < 0 ? -1 : 1;
    }
    if (is(verb, "t")) {
        EXPECT(1, "t NS");
        op->kind = TRACE_ADVANCE;
        if (decimal(ps, args[0], "0", MAX_TIME_TEXT, "time", &op->value) < 0) return -1;
        if (op->value < ps->last_time) {
            return fail(ps, "time %llu is before the previous time %llu", (unsigned long long)op->value,
                        (unsigned long long)ps->last_time);
        }
        ps->last_time = op->value;
        return 0;
    }
    uint64_t v = 0;
    if (is(verb, "r")) {
        EXPECT(2, "r 0xOFF SIZE");
        op->kind = TRACE_READ;
        if (hex(ps, args[0], 32, "offset", &v) < 0 || size_of(ps, args[1], &op->size) < 0) return -1;
        op->offset = (uint32_t)v;
        return 0;
    }
    if (is(verb, "w")) {
        EXPECT(3, "w 0xOFF SIZE 0xVAL");
        op->kind = TRACE_WRITE;
        if (size_of(ps, args[1], &op->size) < 0 || hex(ps, args[2], 64, "value", &op->value) < 0) return -1;
        /* A value wider than the access keeps only the bytes the access carries. */
        if (op->size < 8) op->value &= (1ull << (8 * op->size)) - 1;
        if (hex(ps, args[0], 32, "offset", &v) < 0) return -1;
        op->offset = (uint32_t)v;
        return 0;
    }
    if (is(verb, "x")) {
        EXPECT(0, "x");
        op->kind = TRACE_RESET;
        return 0;
    }
    if (is(verb, "i")) {
        EXPECT(2, "i INPUT LEVEL");
        op->kind = TRACE_INPUT;
        uint32_t level = 0;
        if (bit(ps, args[0], "input", &op->offset) < 0 || bit(ps, args[1], "level", &level) < 0) return -1;
        op->value = level;
        return 0;
    }
    if (is(verb, "s")) {
        EXPECT(0, "s");
        op->kind = TRACE_SNAPSHOT;
        return 0;
    }
#undef EXPECT
    return fail(ps, "unknown operation \"%.*s\"", (int)verb.length, verb.text);
}

/* The line's length as a JavaScript string: UTF-16 code units of its UTF-8 text (a 4-byte
 * sequence is two; any other lead or lone byte is one). */
static size_t utf16_length(const char *text, size_t length) {
    size_t units = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
    }
    return units;
}

int trace_parse_line(trace_parser *p, const char *text, size_t length, trace_op *op) {
    p->line++;
    if (length > MAX_LINE_LENGTH && utf16_length(text, length) > MAX_LINE_LENGTH) {
        fail(p, "line is longer than %d characters", MAX_LINE_LENGTH);
        return -1;
    }
    field fields[MAX_FIELDS];
    int status = parse_line(p, fields, split_fields(text, text + length, fields), op);
    if (status == 0) p->ops++;
    return status == 0 ? 1 : status == 1 ? 0 : -1;
}

void trace_parser_init(trace_parser *p, const char *file) {
    *p = (trace_parser){ .file = file, .timers = 3, .msi = 0, .intcap = 0x00ff0004u };
}
