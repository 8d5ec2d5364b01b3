"""Tests of the Wasmtime host's own API (hpet_wasmtime.py): what replays cannot show, such as
guest error counters, refused host calls, callbacks that call back, and refused restores.
Expected values come from docs/behaviour.md. Run by tests/wasmtime.test.ts:

    .venv/bin/python -m unittest discover -s hosts/python -p 'test_*.py'
"""

from __future__ import annotations

import os
import random
import unittest
from typing import Any, Callable, List, Tuple

from hpet_wasmtime import DEFAULT_WASM, Hpet, HpetError, Input, load_module

MODULE = load_module(os.environ.get("HPET_WASM", DEFAULT_WASM))

# Registers and bits, named after the specification's fields.
GCAP_ID = 0x000
GEN_CONF = 0x010
GINTR_STA = 0x020
MAIN_CNT = 0x0F0
ENABLE_CNF = 1 << 0
LEG_RT_CNF = 1 << 1
TN_INT_TYPE_CNF = 1 << 1  # level-triggered
TN_INT_ENB_CNF = 1 << 2
TN_TYPE_CNF = 1 << 3  # periodic
TN_VAL_SET_CNF = 1 << 6
TN_INT_ROUTE_CNF_SHIFT = 9
TN_FSB_EN_CNF = 1 << 14
TN_FSB_INT_DEL_CAP = 1 << 15
ALL_ONES = (1 << 64) - 1


def tn_conf(n: int) -> int:
    return 0x100 + 0x20 * n


def tn_comparator(n: int) -> int:
    return 0x108 + 0x20 * n


def tn_fsb_route(n: int) -> int:
    return 0x110 + 0x20 * n


def route(line: int) -> int:
    return line << TN_INT_ROUTE_CNF_SHIFT


Event = Tuple[Any, ...]


def recording(events: List[Event], **config: Any) -> Hpet:
    """An instance that appends ("I", line, level, t), ("P", level, t), ("M", addr, data, t)."""
    return Hpet(
        MODULE,
        on_irq=lambda line, level, t: events.append(("I", line, level, t)),
        on_pit_enable=lambda level, t: events.append(("P", level, t)),
        on_msi=lambda address, data, t: events.append(("M", address, data, t)),
        **config,
    )


class Registers(unittest.TestCase):
    def test_capabilities_and_reset_values(self) -> None:
        hpet = Hpet(MODULE)
        self.assertEqual(hpet.window_size, 0x400)
        self.assertEqual(hpet.read(GCAP_ID, 8), 0x00989680_8086A201)
        self.assertEqual(hpet.read(GCAP_ID), 0x8086A201)
        self.assertEqual(hpet.read(GCAP_ID + 4), 0x00989680)
        self.assertEqual(hpet.read(tn_conf(0), 8), 0x00FF0004_00000030)
        self.assertEqual(hpet.read(tn_comparator(2), 8), ALL_ONES)
        self.assertEqual(hpet.read(tn_conf(3), 8), 0)  # no timer 3

    def test_large_window_and_msi_capability(self) -> None:
        hpet = Hpet(MODULE, timers=25, msi=True, intcap=0x00F00000)
        self.assertEqual(hpet.window_size, 0x500)
        self.assertEqual(hpet.read(GCAP_ID, 8), 0x00989680_8086B801)
        self.assertEqual(hpet.read(tn_conf(24), 8), 0x00F00000_00000030 | TN_FSB_INT_DEL_CAP)
        self.assertEqual(hpet.read(tn_conf(25), 8), 0)

    def test_guest_errors_are_counted_and_ignored(self) -> None:
        hpet = Hpet(MODULE)
        hpet.write(GEN_CONF, ENABLE_CNF, size=2)
        self.assertEqual(hpet.read(GCAP_ID, 1), 0)
        self.assertEqual(hpet.read(GCAP_ID, 2), 0)
        self.assertEqual(hpet.read(tn_conf(0) + 4, 8), 0)
        hpet.write(tn_comparator(0) + 2, 5, size=4)
        self.assertEqual(hpet.guest_errors(), (3, 2))
        self.assertEqual(hpet.guest_errors().alignment, 2)
        self.assertEqual(hpet.read(GEN_CONF, 8), 0)
        self.assertEqual(hpet.read(tn_comparator(0), 8), ALL_ONES)

    def test_refused_host_calls_change_nothing(self) -> None:
        hpet = Hpet(MODULE)
        hpet.advance(100)
        refused: List[Tuple[Callable[[], object], str]] = [
            (lambda: hpet.read(0x400), "bad-offset"),
            (lambda: hpet.write(-4, 0), "bad-offset"),
            (lambda: hpet.read(GEN_CONF, 3), "bad-size"),
            (lambda: hpet.write(GEN_CONF, 1 << 32), "bad-value"),
            (lambda: hpet.write(GEN_CONF, 1 << 64, size=8), "bad-value"),
            (lambda: hpet.advance(50), "time-backwards"),
            (lambda: hpet.advance(1 << 63), "bad-time"),
            (lambda: hpet.set_legacy_input(2, 1), "bad-input"),  # type: ignore[arg-type]
            (lambda: hpet.restore(b"\0" * 100_000), "snapshot-length"),
            (lambda: Hpet(MODULE, timers=2), "bad-config"),
            (lambda: Hpet(MODULE, clock_period_ns=101), "bad-config"),
        ]
        for call, code in refused:
            with self.assertRaises(HpetError) as raised:
                call()
            self.assertEqual(raised.exception.code, code, str(raised.exception))
        self.assertEqual(hpet.now, 100)
        self.assertEqual(hpet.guest_errors(), (0, 0))
        hpet.write(MAIN_CNT, 0xFFFF_FFFF_FFFF_FFF0, size=8)
        self.assertEqual(hpet.read(MAIN_CNT, 8), 0xFFFF_FFFF_FFFF_FFF0)


class Interrupts(unittest.TestCase):
    def test_one_shot_level_interrupt_at_its_exact_time(self) -> None:
        events: List[Event] = []
        hpet = recording(events)
        hpet.write(tn_conf(0), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | route(2))
        hpet.write(tn_comparator(0), 100, size=8)  # 100 ticks of 10 ns
        hpet.write(GEN_CONF, ENABLE_CNF)
        self.assertEqual(hpet.next_deadline(), 1000)
        hpet.advance(999)
        self.assertEqual(events, [("P", 1, 0)])
        hpet.advance(1000)
        self.assertEqual(events[1:], [("I", 2, 1, 1000)])
        self.assertIsNone(hpet.next_deadline())
        hpet.advance(5000)
        self.assertEqual(hpet.read(GINTR_STA), 1)
        self.assertEqual(hpet.read(MAIN_CNT, 8), 500)
        hpet.write(GINTR_STA, 1)
        self.assertEqual(events[2:], [("I", 2, 0, 5000)])
        self.assertEqual(hpet.read(GINTR_STA), 0)

    def test_periodic_edge_timer_across_many_queue_fills(self) -> None:
        # 1000 pulses in one advance: more than the 512-event queue holds, so the host must
        # drain and call again while the module reports ADVANCE_INCOMPLETE.
        events: List[Event] = []
        hpet = recording(events)
        hpet.write(tn_conf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(2))
        hpet.write(tn_comparator(0), 100, size=8)  # first deadline and period: 100 ticks = 1000 ns
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(1_000_000)
        expected = [("I", 2, level, 1000 * k) for k in range(1, 1001) for level in (1, 0)]
        self.assertEqual(events[1:], expected)
        self.assertEqual(hpet.read(tn_comparator(0), 8), 100_100)
        self.assertEqual(hpet.next_deadline(), 1_001_000)

    def test_fsb_delivery_is_one_msi_write(self) -> None:
        events: List[Event] = []
        hpet = recording(events, msi=True)
        hpet.write(tn_fsb_route(1), (0xFEE0_0000 << 32) | 0x41, size=8)
        hpet.write(tn_conf(1), TN_INT_ENB_CNF | TN_FSB_EN_CNF)
        hpet.write(tn_comparator(1), 7, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(100)
        self.assertEqual(events[1:], [("M", 0xFEE0_0000, 0x41, 70)])

    def test_callbacks_may_call_back_and_events_stay_in_order(self) -> None:
        events: List[Event] = []
        hpet = recording(events)
        irq = hpet.on_irq
        assert irq is not None

        def acknowledge_timer_0(line: int, level: int, t: int) -> None:
            irq(line, level, t)
            if (line, level) == (2, 1):
                hpet.write(GINTR_STA, 1)

        hpet.on_irq = acknowledge_timer_0
        for n, line in ((0, 2), (1, 3)):
            hpet.write(tn_conf(n), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | route(line))
            hpet.write(tn_comparator(n), 100, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(2000)
        # The callbacks run once advance() has returned from the module, at the device's time
        # 2000: the acknowledgement's event comes after both expiries, stamped 2000.
        self.assertEqual(events[1:], [("I", 2, 1, 1000), ("I", 3, 1, 1000), ("I", 2, 0, 2000)])
        self.assertEqual(hpet.read(GINTR_STA), 0b10)

    def test_advance_from_an_advance_callback_is_refused(self) -> None:
        hpet = Hpet(MODULE)
        hpet.write(tn_conf(0), TN_INT_ENB_CNF)
        hpet.write(tn_comparator(0), 1, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.on_irq = lambda line, level, t: hpet.advance(5000)
        with self.assertRaises(HpetError) as raised:
            hpet.advance(100)
        self.assertEqual(raised.exception.code, "reentrant")
        self.assertEqual(hpet.now, 100)
        hpet.on_irq = None
        hpet.advance(200)
        self.assertEqual(hpet.now, 200)


class LegacyAndReset(unittest.TestCase):
    def test_legacy_replacement_takes_lines_0_and_8(self) -> None:
        events: List[Event] = []
        hpet = recording(events)
        hpet.set_legacy_input(Input.PIT, 1)
        hpet.set_legacy_input(Input.RTC, 1)
        hpet.advance(100)
        hpet.write(GEN_CONF, LEG_RT_CNF)
        hpet.set_legacy_input(Input.PIT, 0)  # ignored while LEGACY is set
        hpet.set_legacy_input(Input.PIT, 1)
        hpet.advance(200)
        hpet.write(GEN_CONF, 0)
        self.assertEqual(events, [
            ("P", 1, 0), ("I", 0, 1, 0), ("I", 8, 1, 0),
            ("P", 0, 100), ("I", 0, 0, 100), ("I", 8, 0, 100),
            ("P", 1, 200), ("I", 8, 1, 200),
        ])

    def test_reset_lowers_lines_and_restores_registers(self) -> None:
        events: List[Event] = []
        hpet = recording(events)
        hpet.write(tn_conf(1), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | route(5))
        hpet.write(tn_comparator(1), 3, size=8)
        hpet.write(tn_fsb_route(0), 0x1234, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(40)
        hpet.set_legacy_input(Input.PIT, 1)
        hpet.reset()
        self.assertEqual(events, [("P", 1, 0), ("I", 5, 1, 30), ("I", 0, 1, 40), ("I", 0, 0, 40), ("I", 5, 0, 40)])
        self.assertEqual(hpet.read(GEN_CONF, 8), 0)
        self.assertEqual(hpet.read(GINTR_STA, 8), 0)
        self.assertEqual(hpet.read(MAIN_CNT, 8), 0)
        self.assertEqual(hpet.read(tn_conf(1), 8), 0x00FF0004_00000030)
        self.assertEqual(hpet.read(tn_comparator(1), 8), ALL_ONES)
        self.assertEqual(hpet.read(tn_fsb_route(0), 8), 0x1234)


class Snapshots(unittest.TestCase):
    def periodic(self, events: List[Event]) -> Hpet:
        hpet = recording(events)
        hpet.write(tn_conf(2), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(4))
        hpet.write(tn_comparator(2), 250, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(6000)
        return hpet

    def test_a_clone_continues_exactly_and_independently(self) -> None:
        original_events: List[Event] = []
        original = self.periodic(original_events)
        clone = original.clone()
        clone_events: List[Event] = []
        clone.on_irq = lambda line, level, t: clone_events.append(("I", line, level, t))
        original_events.clear()
        original.advance(12_000)
        clone.advance(12_000)
        self.assertEqual(original_events, [("I", 4, level, t) for t in (7500, 10_000) for level in (1, 0)])
        self.assertEqual(clone_events, original_events)
        clone.write(GEN_CONF, 0)
        self.assertEqual(original.read(GEN_CONF), ENABLE_CNF)
        self.assertEqual(original.read(MAIN_CNT, 8), 1200)

    def test_a_refused_restore_names_the_problem_and_changes_nothing(self) -> None:
        hpet = self.periodic([])
        good = hpet.snapshot()
        hpet.advance(6500)
        corrupt = bytearray(good)
        corrupt[60] ^= 1
        wrong_magic = bytearray(good)
        wrong_magic[0] ^= 1
        other = Hpet(MODULE, timers=8).snapshot()
        for data, code in [
            (bytes(corrupt), "snapshot-checksum"),
            (good[:-1], "snapshot-truncated"),
            (bytes(wrong_magic), "snapshot-magic"),
            (other, "snapshot-config"),
        ]:
            with self.assertRaises(HpetError) as raised:
                hpet.restore(data)
            self.assertEqual(raised.exception.code, code, str(raised.exception))
        self.assertIn("timers 8", str(raised.exception))
        self.assertEqual(hpet.now, 6500)
        self.assertEqual(hpet.read(MAIN_CNT, 8), 650)
        self.assertEqual(hpet.next_deadline(), 7500)
        hpet.restore(good)
        self.assertEqual(hpet.now, 6000)
        self.assertEqual(hpet.read(MAIN_CNT, 8), 600)


class CounterReads(unittest.TestCase):
    """ABI 2: MAIN_CNT read from the parameters the module publishes, without a call, equals
    the module's own read at random times and in random states."""

    def module_read(self, hpet: Hpet) -> int:
        value: int = hpet._call("read", MAIN_CNT, 8)
        return value & ALL_ONES

    def check(self, hpet: Hpet, what: str) -> None:
        expected = self.module_read(hpet)
        self.assertEqual(hpet.read(MAIN_CNT, 8), expected, what)
        self.assertEqual(hpet.read(MAIN_CNT), expected & 0xFFFF_FFFF, what)
        self.assertEqual(hpet.read(MAIN_CNT + 4), expected >> 32, what)

    def test_a_counter_read_makes_no_call(self) -> None:
        hpet = Hpet(MODULE, clock_period_ns=7)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(7_000_000)
        exports, hpet._f = hpet._f, {}  # any call now fails
        try:
            self.assertEqual(hpet.read(MAIN_CNT), 1_000_000)
            self.assertEqual(hpet.read(MAIN_CNT, 8), 1_000_000)
            self.assertEqual(hpet.read(MAIN_CNT + 4), 0)
        finally:
            hpet._f = exports

    def test_random_states_and_times_for_several_clock_periods(self) -> None:
        for period in (1, 3, 7, 10, 100):
            rng = random.Random(period)
            hpet = Hpet(MODULE, clock_period_ns=period)
            hpet.write(tn_conf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(2))
            hpet.write(tn_comparator(0), 1000 + rng.randrange(4000), size=8)
            time = 0
            for step in range(300):
                op = rng.randrange(100)
                if op < 55:
                    time += rng.randrange(10_000_000 if op < 10 else 3000)
                    hpet.advance(time)
                elif op < 65:
                    hpet.write(GEN_CONF, ENABLE_CNF)
                elif op < 73:
                    hpet.write(GEN_CONF, 0)
                elif op < 79:
                    hpet.write(MAIN_CNT + 4 * rng.randrange(2), rng.randrange(1 << 32))
                elif op < 85:
                    hpet.write(MAIN_CNT, ALL_ONES - rng.randrange(3000), size=8)  # wraps at 2^64 soon
                elif op < 92:
                    hpet.restore(hpet.snapshot())
                elif op < 95:
                    hpet.reset()
                elif time < 1 << 61:
                    # Times past 2^53 stay exact in Python's integers. Timer 0 becomes a
                    # one-shot first: a periodic one would expire 10^15 times on the way.
                    hpet.write(tn_conf(0), TN_INT_ENB_CNF | route(2))
                    time += 1 << 60
                    hpet.advance(time)
                self.check(hpet, f"period {period}, step {step}, op {op}")

    def test_from_an_advance_callback_the_module_answers(self) -> None:
        seen: List[int] = []
        hpet = Hpet(MODULE, on_irq=lambda line, level, t: seen.append(hpet.read(MAIN_CNT)) if level else None)
        hpet.write(tn_conf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(2))
        hpet.write(tn_comparator(0), 100, size=8)
        hpet.write(tn_comparator(0), 100, size=8)
        hpet.write(GEN_CONF, ENABLE_CNF)
        hpet.advance(3500)
        self.assertEqual(seen, [350, 350, 350], "the device is at the advance's end when its events go out")
        self.assertEqual(hpet.read(MAIN_CNT), 350)


if __name__ == "__main__":
    unittest.main()
