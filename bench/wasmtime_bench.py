"""One benchmark run on the wasmtime engine, through the Python host of hosts/python.

The workloads are those of bench/workloads.ts with one advance() per 10 ms of device time; the
events of each advance arrive as one batch of raw records, which this run counts (one record
per expiration: edge pulses or MSI writes). As on Node, warm-up calls growing to a tenth of
the run go first, untimed, and the timed run continues from there. Prints one JSON object: ops, ns, floorNsPerCall,
peakRssBytes. Usage: wasmtime_bench.py --workload periodic-3|timers-32 --scale S
"""

import argparse
import json
import math
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hosts", "python"))
from hpet_wasmtime import EVENT, Hpet, load_module  # noqa: E402

MS = 1_000_000
STEP_NS = 10 * MS
GEN_CONF = 0x10
EDGE_PERIODIC_ENABLED = 0x4C  # TN_VAL_SET_CNF | TN_TYPE_CNF | TN_INT_ENB_CNF
ROUTE_SHIFT = 9
FSB_EN = 0x4000


def periodic(hpet: Hpet, n: int, conf: int, period_ticks: int) -> None:
    hpet.write(0x100 + 0x20 * n, conf)
    hpet.write(0x108 + 0x20 * n, period_ticks, 8)  # TN_VAL_SET_CNF: comparator (and period)
    hpet.write(0x108 + 0x20 * n, period_ticks, 8)  # the period


def run(workload: str, scale: float) -> dict:
    module = load_module()
    records = 0

    def count(data: bytes) -> None:
        nonlocal records
        records += len(data) // EVENT.size

    if workload == "periodic-3":
        hpet = Hpet(module, on_batch=count)
        for n, ticks in enumerate((100, 700, 1300)):
            periodic(hpet, n, EDGE_PERIODIC_ENABLED | ((n + 2) << ROUTE_SHIFT), ticks)
        span_ms = 10_000  # 10 s
    elif workload == "timers-32":
        hpet = Hpet(module, timers=32, msi=True, on_batch=count)
        for n in range(32):
            hpet.write(0x110 + 0x20 * n, (0xFEE00000 << 32) | (0x4000 + n), 8)
            periodic(hpet, n, EDGE_PERIODIC_ENABLED | FSB_EN, 100 + 37 * n)
        span_ms = 1000  # 1 s
    else:
        raise SystemExit(f"wasmtime_bench.py: no workload {workload}")

    calls = 20_000
    start = time.perf_counter_ns()
    for _ in range(calls):
        hpet.abi_version()
    floor = (time.perf_counter_ns() - start) / calls

    def advance_by(span: int) -> None:
        t = hpet.now
        end = t + span
        while t < end:
            t = min(t + STEP_NS, end)
            hpet.advance(t)

    def span(part: float) -> int:  # as bench/workloads.ts: Math.round(span_ms * part) ms
        return math.floor(span_ms * part + 0.5) * MS

    hpet.write(GEN_CONF, 1)
    part = scale / 100_000  # the warm-up of bench/child.ts, in the same device time
    while part <= scale / 10:
        advance_by(span(part))
        part *= 2
    records = 0
    start = time.perf_counter_ns()
    advance_by(span(scale))
    ns = time.perf_counter_ns() - start
    return {"ops": records, "ns": ns, "floorNsPerCall": floor,
            "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(json.dumps(run(args.workload, args.scale)))


if __name__ == "__main__":
    main()
