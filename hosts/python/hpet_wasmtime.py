"""One HPET in one instance of hpet.wasm, hosted by Wasmtime (the `wasmtime` package, 49.x).

The native-host counterpart of hosts/ts/hpet.ts, following docs/embedding.md: guest accesses go in
through read/write, time through advance, and line changes, PIT-enable changes and MSI writes
come out through callbacks, in order, each with its exact time in ns.

A call through wasmtime-py's Func.__call__ costs about 17 us (it looks up and converts the
signature on every call), so this host checks each export's signature once and then calls it
through Wasmtime's unchecked call (about 1 us), and makes as few calls as it can: one advance()
per host timer tick (repeated only while the module reports ADVANCE_INCOMPLETE), with the event
queue read from linear memory in one piece and consumed with one call.

    module = load_module()       # build/hpet.wasm of this repository
    hpet = Hpet(module, timers=3, on_irq=lambda line, level, t: print(line, level, t))
    hpet.write(0x10, 1)          # ENABLE_CNF
    hpet.advance(1_000_000)      # 1 ms of guest time
    print(hex(hpet.read(0xF0, 8)))
"""

from __future__ import annotations

import collections
import ctypes
import os
import struct
from enum import IntEnum
from typing import Callable, Deque, Dict, NamedTuple, Optional, Tuple, Union

import wasmtime
from wasmtime import _ffi as ffi  # the ctypes binding wasmtime-py's own classes are built on

ABI_VERSION = 2

# Status codes of mutating calls (assembly/abi.ts). Negative: the call changed nothing.
ERROR_CODES = {
    -1: "bad-config",
    -2: "bad-offset",
    -3: "bad-size",
    -4: "bad-time",
    -5: "time-backwards",
    -6: "queue-full",
    -7: "bad-input",
    -8: "snapshot-truncated",
    -9: "snapshot-magic",
    -10: "snapshot-version",
    -11: "snapshot-checksum",
    -12: "snapshot-config",
    -13: "snapshot-state",
    -14: "snapshot-length",
    -15: "expiry-due",
}
STATUS_TIME_BACKWARDS = -5

# advance() sets this bit when it stopped early: drain the queue, call it again with the same time.
ADVANCE_INCOMPLETE = 1 << 16
EVENT_COUNT_MASK = ADVANCE_INCOMPLETE - 1

GUEST_ERROR_SIZE = 0
GUEST_ERROR_ALIGNMENT = 1


class EventKind(IntEnum):
    LINE = 1  # a = line, b = new level
    PULSE = 2  # a = line: high and back low at one time
    PIT = 3  # a = new level of the PIT-enable output
    MSI = 4  # a = address, b = data


class Input(IntEnum):
    PIT = 0  # IRQ0 from the PIT
    RTC = 1  # IRQ8 from the RTC


# The host area at events_ptr(): a 64-byte header (u32 event count, u32 capacity, u32 record
# size, u32 reserved, f64 defer limit, u64 earliest deadline, then the main counter's
# parameters from COUNTER_SEQUENCE_OFFSET), then records of 24 bytes: u64 time (ns), u32 kind,
# u32 a, u32 b, 4 bytes of padding. Little-endian.
QUEUE_HEADER = struct.Struct("<III")  # count, capacity, record size
QUEUE_HEADER_SIZE = 64
COUNTER_SEQUENCE_OFFSET = 32
EVENT = struct.Struct("<QIII4x")


class CounterFields(ctypes.LittleEndianStructure):
    """The main counter's parameters in the host area: MAIN_CNT at time t is
    running ? (base + (t - enable_time) // period) mod 2^64 : base."""

    _pack_ = 4
    _fields_ = [
        ("sequence", ctypes.c_uint32),  # odd while the module rewrites the fields
        ("running", ctypes.c_uint32),
        ("base", ctypes.c_uint64),
        ("enable_time", ctypes.c_uint64),
        ("period", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]


MAIN_CNT = 0xF0
MAIN_CNT_HIGH = 0xF4

# Snapshot header fields (u32 offsets) read to explain a refused restore (docs/embedding.md).
SNAPSHOT_VERSION = 1
SNAPSHOT_VERSION_FIELD = 8
SNAPSHOT_LENGTH = 12
SNAPSHOT_CONFIG_FIELDS = (16, 20, 24, 28)  # timers, msi, intcap, clock period (ns)

MAX_TIME = (1 << 63) - 1
DEFAULT_WASM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "hpet.wasm")

# The exports this host calls. With integers of any width it has no use for the f64 variants,
# and it makes one advance() per host tick instead of folding time into read32/write32.
EXPORTS = (
    "abi_version", "init", "reset", "window_size", "read", "write", "guest_errors", "set_input",
    "advance", "now", "next_deadline", "events_ptr", "events_count", "events_consume",
    "snapshot_buffer", "snapshot_capacity", "snapshot", "restore",
)

IrqCallback = Callable[[int, int, int], None]  # (line, level, time_ns)
BatchCallback = Callable[[bytes], None]  # raw event records, EVENT.size bytes each
PitCallback = Callable[[int, int], None]  # (level, time_ns)
MsiCallback = Callable[[int, int, int], None]  # (address, data, time_ns)


class HpetError(Exception):
    """A refused host call. `code` is one of ERROR_CODES' values, "bad-value", "reentrant" or
    "bad-module"; the device is exactly as it was before the call."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def status_error(status: int, message: str) -> HpetError:
    return HpetError(ERROR_CODES.get(status, "bad-module"), f"{message} (status {status})")


class GuestErrors(NamedTuple):
    size: int  # 1- and 2-byte accesses, ignored
    alignment: int  # misaligned 4- and 8-byte accesses, ignored


class HpetConfig(NamedTuple):
    timers: int  # comparators, 3..32
    msi: bool  # FSB (MSI) delivery advertised in every timer
    intcap: int  # route capability mask, bits 63:32 of every timer's config
    clock_period_ns: int  # main counter period, 1..100 ns


class _Export:
    """One exported function, called through wasmtime_func_call_unchecked. Its signature is
    checked here, once, against the Func's type; the arguments and result then pass through
    one preallocated array of raw values."""

    __slots__ = ("_context", "_func", "_raw", "_fields", "_result", "_trap")

    _FIELDS = {"i32": "i32", "i64": "i64", "f64": "f64"}

    def __init__(self, store: wasmtime.Store, name: str, func: wasmtime.Func) -> None:
        ty = func.type(store)
        kinds = [str(t) for t in (*ty.params, *ty.results)]
        if any(kind not in self._FIELDS for kind in kinds) or len(ty.results) > 1:
            raise HpetError("bad-module", f"not a usable hpet.wasm: export {name} has type {kinds}")
        self._context = store._context()
        self._func = ctypes.byref(func._func)
        self._raw = (ffi.wasmtime_val_raw_t * max(len(kinds), 1))()
        self._fields = [self._FIELDS[str(t)] for t in ty.params]
        self._result = self._FIELDS[str(ty.results[0])] if ty.results else None
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()

    def __call__(self, *args: int) -> int:
        raw = self._raw
        for index, field in enumerate(self._fields):
            setattr(raw[index], field, args[index])
        error = ffi.wasmtime_func_call_unchecked(self._context, self._func, raw, len(raw), ctypes.byref(self._trap))
        if error or self._trap:
            # The module checks every argument and never traps: this is a broken module or host.
            raise HpetError("bad-module", "the module trapped or failed")
        return getattr(raw[0], self._result) if self._result else 0


class HpetModule(NamedTuple):
    """A compiled hpet.wasm and the engine it was compiled for; instances share it."""

    engine: wasmtime.Engine
    module: wasmtime.Module


def load_module(path: Union[str, os.PathLike[str]] = DEFAULT_WASM, engine: Optional[wasmtime.Engine] = None) -> HpetModule:
    engine = engine or wasmtime.Engine()
    try:
        return HpetModule(engine, wasmtime.Module.from_file(engine, path))
    except wasmtime.WasmtimeError as error:
        raise HpetError("bad-module", f"{path} is not a WebAssembly module: {error}") from error


def signed(value: int, bits: int) -> int:
    """An unsigned `bits`-bit value as the signed integer Wasmtime passes for i32/i64."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class Hpet:
    """One HPET: an instance of the module in a store of its own."""

    def __init__(
        self,
        module: HpetModule,
        *,
        timers: int = 3,
        msi: bool = False,
        intcap: int = 0x00FF0004,
        clock_period_ns: int = 10,
        on_irq: Optional[IrqCallback] = None,
        on_pit_enable: Optional[PitCallback] = None,
        on_msi: Optional[MsiCallback] = None,
        on_batch: Optional[BatchCallback] = None,
    ) -> None:
        """Creates the instance and delivers its power-on events (PIT-enable rises at time 0).
        With `on_batch`, every batch of events goes to it as raw records (layout in
        docs/abi.md) instead of to the per-event callbacks: for hosts that forward in bulk."""
        self.module = module
        self.config = HpetConfig(timers, bool(msi), intcap, clock_period_ns)
        self.on_irq = on_irq
        self.on_pit_enable = on_pit_enable
        self.on_msi = on_msi
        self.on_batch = on_batch
        self._store = wasmtime.Store(module.engine)
        try:
            exports = wasmtime.Instance(self._store, module.module, []).exports(self._store)
        except wasmtime.WasmtimeError as error:
            raise HpetError("bad-module", f"not a usable hpet.wasm: {error}") from error
        self._f: Dict[str, _Export] = {}
        for name in EXPORTS:
            func = exports.get(name)
            if not isinstance(func, wasmtime.Func):
                raise HpetError("bad-module", f"not a usable hpet.wasm: it lacks the export {name}")
            self._f[name] = _Export(self._store, name, func)
        memory = exports.get("memory")
        if not isinstance(memory, wasmtime.Memory):
            raise HpetError("bad-module", "not a usable hpet.wasm: it lacks its memory")
        self._memory = memory
        # Linear memory never moves: the module has exactly one page and cannot grow it.
        self._base = ctypes.addressof(memory.data_ptr(self._store).contents)
        version = self._call("abi_version")
        if version != ABI_VERSION:
            raise HpetError("bad-module", f"module has ABI version {version}, this host needs {ABI_VERSION}")
        valid = (all(isinstance(v, int) for v in (timers, intcap, clock_period_ns))
                 and -(1 << 31) <= intcap < (1 << 32)
                 and self._call("init", timers, 1 if msi else 0, signed(intcap, 32), clock_period_ns) >= 0)
        if not valid:
            raise HpetError("bad-config", f"configuration rejected: timers {timers} (3..32), "
                            f"clock period {clock_period_ns} ns (1..100), intcap {intcap} (32 bits)")
        self.window_size: int = self._call("window_size")
        queue = self._call("events_ptr")
        self._records = queue + QUEUE_HEADER_SIZE
        self._check_queue_layout(queue)
        self._counter = CounterFields.from_address(self._base + queue + COUNTER_SEQUENCE_OFFSET)
        # The device's time while the host knows it without a call (None: ask the module).
        self._time: Optional[int] = 0
        self._pending: Deque[Tuple[int, int, int, int]] = collections.deque()
        self._dispatching = False
        self._advancing = False
        self._deliver(self._call("events_count"))

    # --- Guest register access ------------------------------------------------------------------

    def read(self, offset: int, size: int = 4) -> int:
        """A guest read of `size` bytes (1, 2, 4 or 8), as an unsigned integer. 1- and 2-byte
        reads and misaligned ones are guest errors: they read 0 and are counted."""
        if offset == MAIN_CNT and (size == 4 or size == 8) or offset == MAIN_CNT_HIGH and size == 4:
            counter = self._counter_now()
            if counter is not None:
                return counter >> 32 if offset == MAIN_CNT_HIGH else counter & ((1 << (size * 8)) - 1)
        self._check_access(offset, size)
        return self._call("read", offset, size) & ((1 << (size * 8)) - 1)

    def _counter_now(self) -> Optional[int]:
        """MAIN_CNT at the device's time, from the parameters the module publishes in the host
        area, without a call; None while the host does not know the device's time."""
        fields = self._counter
        if not fields.running:
            return int(fields.base)
        if self._time is None:
            return None
        return (fields.base + (self._time - fields.enable_time) // fields.period) & 0xFFFF_FFFF_FFFF_FFFF

    def write(self, offset: int, value: int, size: int = 4) -> None:
        """A guest write of `size` bytes; `value` is in [-2^(8*size-1), 2^(8*size))."""
        self._check_access(offset, size)
        bits = size * 8
        if not isinstance(value, int) or not -(1 << (bits - 1)) <= value < (1 << bits):
            raise HpetError("bad-value", f"value {value!r} does not fit {size} bytes")
        status = self._call("write", offset, size, signed(value & ((1 << bits) - 1), 64))
        self._settle(status, lambda: f"write of {size} bytes at {offset:#x}")

    def abi_version(self) -> int:
        """The module's ABI version (this host needs ABI_VERSION)."""
        return self._call("abi_version")

    def guest_errors(self) -> GuestErrors:
        """Guest accesses ignored as errors since creation."""
        return GuestErrors(self._call("guest_errors", GUEST_ERROR_SIZE) & 0xFFFF_FFFF,
                           self._call("guest_errors", GUEST_ERROR_ALIGNMENT) & 0xFFFF_FFFF)

    # --- Inputs, reset and time -----------------------------------------------------------------

    def set_legacy_input(self, input: Input, level: int) -> None:
        """Drive the PIT (IRQ0) or RTC (IRQ8) input, which the HPET passes through or replaces."""
        if input not in (Input.PIT, Input.RTC) or level not in (0, 1):
            raise HpetError("bad-input", f"legacy input {input!r} at level {level!r}: input is "
                                         "Input.PIT or Input.RTC, level 0 or 1")
        self._settle(self._call("set_input", int(input), int(level)), lambda: f"legacy input {input!r}")

    def reset(self) -> None:
        """The reset signal: every register to its reset value, at the current time."""
        self._settle(self._call("reset"), lambda: "reset")

    def advance(self, time_ns: int) -> None:
        """Run every expiry due up to `time_ns`, delivering its events, then make it the time.
        Not allowed from an event callback of an advance."""
        if self._advancing:
            raise HpetError("reentrant", "advance() called from an event callback of an advance")
        if not isinstance(time_ns, int) or not 0 <= time_ns <= MAX_TIME:
            raise HpetError("bad-time", f"time {time_ns!r} is not a whole number of ns in [0, 2^63)")
        self._advancing = True
        # While the events of an advance go out, the device is at their times, not time_ns.
        self._time = None
        try:
            while True:
                status = self._call("advance", time_ns)
                if status < 0:
                    if status == STATUS_TIME_BACKWARDS:
                        raise status_error(status, f"time {time_ns} ns is before the device's time {self.now} ns")
                    raise status_error(status, f"advance to {time_ns} ns refused")
                self._deliver(status & EVENT_COUNT_MASK)
                if not status & ADVANCE_INCOMPLETE:
                    self._time = time_ns
                    return
        finally:
            self._advancing = False
            if self._time is None:
                self._time = self._call("now")

    @property
    def now(self) -> int:
        """The device's current time in ns."""
        return self._call("now")

    def next_deadline(self) -> Optional[int]:
        """When the earliest armed timer expires (ns), or None if none will."""
        deadline = self._call("next_deadline")
        return None if deadline < 0 else deadline

    # --- Save and restore -----------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The complete device state as bytes (format: docs/snapshot.md)."""
        length = self._call("snapshot")
        start = self._call("snapshot_buffer")
        return bytes(self._memory.read(self._store, start, start + length))

    def restore(self, data: bytes) -> None:
        """Replace the state with a snapshot of an instance of the same configuration. Bad data
        raises an HpetError naming the problem and leaves the state exactly as it was."""
        capacity = self._call("snapshot_capacity")
        if len(data) > capacity:
            raise HpetError("snapshot-length", f"snapshot of {len(data)} bytes is longer than any ({capacity})")
        self._memory.write(self._store, bytes(data), self._call("snapshot_buffer"))
        status = self._call("restore", len(data))
        if status < 0:
            raise status_error(status, self._describe_refused_snapshot(status, data))
        self._time = self._call("now")
        self._deliver(self._call("events_count"))

    def clone(self) -> "Hpet":
        """A new, independent instance in this one's exact state, with the same callbacks."""
        copy = Hpet(self.module, **self.config._asdict())
        copy.restore(self.snapshot())
        copy.on_irq, copy.on_pit_enable, copy.on_msi = self.on_irq, self.on_pit_enable, self.on_msi
        return copy

    # --- Internals ------------------------------------------------------------------------------

    def _call(self, name: str, *args: int) -> int:
        return self._f[name](*args)

    def _check_access(self, offset: int, size: int) -> None:
        if not isinstance(offset, int) or not 0 <= offset < self.window_size:
            raise HpetError("bad-offset", f"offset {offset!r} is outside the "
                                          f"{self.window_size:#x}-byte register window")
        if size not in (1, 2, 4, 8):
            raise HpetError("bad-size", f"access size {size!r} is not 1, 2, 4 or 8")

    def _settle(self, status: int, what: Callable[[], str]) -> None:
        if status < 0:
            raise status_error(status, f"{what()} refused")
        self._deliver(status)

    def _deliver(self, count: int) -> None:
        """Take `count` queued events from the module in one read, then hand them to the
        callbacks in order. A callback may call back into this instance: the events of such a
        call are delivered after the ones already taken. If a callback raises, the events not
        yet delivered go out at the next delivery."""
        if count:
            data = ctypes.string_at(self._base + self._records, count * EVENT.size)
            self._f["events_consume"](count)
            if self.on_batch:
                self.on_batch(data)
                return
            self._pending.extend(EVENT.iter_unpack(data))
        if self._dispatching:
            return
        self._dispatching = True
        try:
            pending = self._pending
            while pending:
                time_ns, kind, a, b = pending.popleft()
                if kind == EventKind.LINE:
                    if self.on_irq:
                        self.on_irq(a, b, time_ns)
                elif kind == EventKind.PULSE:
                    if self.on_irq:
                        self.on_irq(a, 1, time_ns)
                        self.on_irq(a, 0, time_ns)
                elif kind == EventKind.PIT:
                    if self.on_pit_enable:
                        self.on_pit_enable(a, time_ns)
                elif kind == EventKind.MSI:
                    if self.on_msi:
                        self.on_msi(a, b, time_ns)
        finally:
            self._dispatching = False

    def _check_queue_layout(self, queue: int) -> None:
        """After init the queue holds exactly the power-on rise of PIT-enable at time 0; finding
        it where this host looks proves that the module's queue layout is the one it reads."""
        area = self._memory.read(self._store, queue, self._records + EVENT.size)
        count, _, record_size = QUEUE_HEADER.unpack_from(area)
        if (count, record_size) != (1, EVENT.size) or EVENT.unpack_from(area, QUEUE_HEADER_SIZE) != (0, EventKind.PIT, 1, 0):
            raise HpetError("bad-module", f"the module's event queue is not laid out as this host reads it "
                                          f"({QUEUE_HEADER_SIZE}-byte header, {EVENT.size}-byte records)")

    def _describe_refused_snapshot(self, status: int, data: bytes) -> str:
        def field(offset: int) -> int:
            value: int = struct.unpack_from("<I", data, offset)[0]
            return value

        code = ERROR_CODES.get(status)
        if code == "snapshot-truncated":
            declared = f" of the {field(SNAPSHOT_LENGTH)} it declares" if len(data) >= SNAPSHOT_LENGTH + 4 else ""
            return f"snapshot is truncated: {len(data)} bytes{declared}"
        if code == "snapshot-magic":
            return "not an HPET snapshot: the magic number is wrong"
        if code == "snapshot-version":
            return (f"snapshot format version {field(SNAPSHOT_VERSION_FIELD)} is not readable "
                    f"(this module reads {SNAPSHOT_VERSION})")
        if code == "snapshot-checksum":
            return "snapshot is corrupt: its CRC-32 does not match its contents"
        if code == "snapshot-config":
            timers, msi, intcap, period = (field(offset) for offset in SNAPSHOT_CONFIG_FIELDS)
            c = self.config
            return (f"snapshot is of another configuration (timers {timers}, msi {msi}, intcap {intcap:#x}, "
                    f"clock period {period} ns); this instance has timers {c.timers}, msi {int(c.msi)}, "
                    f"intcap {c.intcap & 0xFFFF_FFFF:#x}, clock period {c.clock_period_ns} ns")
        if code == "snapshot-state":
            return "snapshot describes a state the device cannot be in"
        return f"snapshot length {len(data)} does not match its contents"
