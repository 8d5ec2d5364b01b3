#!/usr/bin/env python3
"""`hpet replay` under Wasmtime: replay guest traces against build/hpet.wasm and print the
reference's output format, R (reads), I (line changes), P (PIT-enable changes) and M (MSI
writes), in order. The same contract as the Node CLI:

    python3 hosts/python/replay.py TRACE               print the trace's output on stdout
    python3 hosts/python/replay.py --out DIR TRACE...  write DIR/<name>.out for each trace

A malformed trace, an unreadable file or a refused call prints an error and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import List

PROG = "replay.py"
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def require_wasmtime() -> None:
    """Run under the repository's .venv when this Python lacks the wasmtime package."""
    if importlib.util.find_spec("wasmtime") is not None:
        return
    venv = os.path.realpath(os.path.join(REPO, ".venv"))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python, *sys.argv])
    print(f"{PROG}: the wasmtime package is missing; in the repository root run\n"
          "  python3 -m venv .venv && .venv/bin/pip install --retries 0 wasmtime", file=sys.stderr)
    sys.exit(2)


require_wasmtime()

from hpet_trace import Op, Trace, TraceError, parse_trace  # noqa: E402
from hpet_wasmtime import DEFAULT_WASM, Hpet, HpetError, HpetModule, Input, load_module  # noqa: E402


def replay(trace: Trace, module: HpetModule) -> str:
    out: List[str] = []
    hpet = Hpet(
        module,
        timers=trace.config.timers,
        msi=trace.config.msi,
        intcap=trace.config.intcap,
        on_irq=lambda line, level, t: out.append(f"I {t} {line} {level}"),
        on_pit_enable=lambda level, t: out.append(f"P {t} {level}"),
        on_msi=lambda address, data, t: out.append(f"M {t} {address:#x} {data:#x}"),
    )
    for op in trace.ops:
        kind = op.kind
        if kind == "advance":
            hpet.advance(op.value)
        elif kind == "read":
            out.append(f"R {hpet.now} {op.offset:#x} {op.size} {read(hpet, op):#x}")
        elif kind == "write":
            # Offsets outside the register window ignore writes, like unlisted registers.
            if op.offset < hpet.window_size:
                hpet.write(op.offset, op.value, op.size)
        elif kind == "reset":
            hpet.reset()
        elif kind == "input":
            hpet.set_legacy_input(Input(op.offset), op.value)
        elif kind == "snapshot":
            hpet = hpet.clone()
    return "".join(f"{line}\n" for line in out)


def read(hpet: Hpet, op: Op) -> int:
    # Offsets outside the register window read 0, like unlisted registers.
    return hpet.read(op.offset, op.size) if op.offset < hpet.window_size else 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Replay HPET guest traces under Wasmtime.")
    parser.add_argument("--out", metavar="DIR", help="write DIR/<trace name without .trace>.out for each trace")
    parser.add_argument("--wasm", metavar="PATH", default=DEFAULT_WASM,
                        help="the module to run (default: build/hpet.wasm of this repository)")
    parser.add_argument("traces", metavar="TRACE", nargs="+")
    args = parser.parse_args(argv)
    if args.out is None and len(args.traces) > 1:
        parser.error("replay of several traces needs --out DIR")
    try:
        module = load_module(args.wasm)
        if args.out is not None:
            os.makedirs(args.out, exist_ok=True)
        for file in args.traces:
            with open(file, encoding="utf-8", errors="replace", newline="") as source:
                output = replay(parse_trace(source.read(), file), module)
            if args.out is None:
                sys.stdout.write(output)
            else:
                name = os.path.basename(file)
                name = name[: -len(".trace")] if name.endswith(".trace") else name
                with open(os.path.join(args.out, f"{name}.out"), "w", encoding="utf-8", newline="") as sink:
                    sink.write(output)
    except (TraceError, HpetError, OSError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
