/* The guest trace format (docs/behaviour.md, "Trace format"), parsed exactly as
 * hosts/ts/trace.ts parses it: the same operations, limits and error messages; a line at a
 * time, so that a replay streams. */
#ifndef HPET_TRACE_H
#define HPET_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_op_kind { TRACE_ADVANCE, TRACE_READ, TRACE_WRITE, TRACE_RESET, TRACE_INPUT, TRACE_SNAPSHOT };

typedef struct trace_op {
    enum trace_op_kind kind;
    uint32_t line;
    uint32_t offset; /* read, write; input: the input */
    uint32_t size;   /* read, write */
    uint64_t value;  /* advance: the time; write: the value (masked to the size); input: the level */
} trace_op;

typedef struct trace_parser {
    const char *file;
    uint32_t line;       /* of the latest line parsed */
    uint64_t ops;        /* operations so far */
    uint64_t last_time;
    /* The configuration (config lines come before every operation). */
    uint32_t timers;
    uint32_t msi;
    uint32_t intcap;
    char error[1024];    /* after a refused line: "FILE:LINE: problem" */
} trace_parser;

void trace_parser_init(trace_parser *p, const char *file);
/* The next line (without its \n): 1 and *op for an operation, 0 for none (blank, comment,
 * config), -1 for a malformed line (p->error says why). */
int trace_parse_line(trace_parser *p, const char *text, size_t length, trace_op *op);

#endif
