"""The guest trace format of the behaviour reference (docs/behaviour.md, "Trace
format"), parsed exactly as hosts/ts/trace.ts parses it: the same operations, limits and errors.
Parsing only; replay.py runs a parsed trace."""

from __future__ import annotations

import re
from typing import Callable, List, NamedTuple, NoReturn

MAX_TIME = (1 << 63) - 1
DECIMAL = re.compile(r"0|[1-9][0-9]*")
HEX = re.compile(r"0x[0-9a-f]+", re.IGNORECASE)


class Config(NamedTuple):
    timers: int = 3
    msi: bool = False
    intcap: int = 0x00FF0004


class Op(NamedTuple):
    """One operation. kind: "advance" (value = time), "read", "write", "reset", "input"
    (offset = input, value = level) or "snapshot"; `line` is its line in the file."""

    kind: str
    line: int
    offset: int = 0
    size: int = 0
    value: int = 0


class Trace(NamedTuple):
    config: Config
    ops: List[Op]


class TraceError(Exception):
    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line


Fail = Callable[[str], NoReturn]


def parse_trace(text: str, file: str) -> Trace:
    config = Config()
    ops: List[Op] = []
    last_time = 0
    for index, raw in enumerate(text.split("\n")):
        line = index + 1
        fields = raw.split()
        if not fields or fields[0].startswith("#"):
            continue
        verb, args = fields[0], fields[1:]

        def fail(problem: str) -> NoReturn:
            raise TraceError(file, line, problem)

        def arity(count: int, form: str) -> None:
            if len(args) != count:
                fail(f'expected "{form}"')

        if verb == "config":
            if ops:
                fail("config must come before every operation")
            config = parse_config(args, config, fail)
        elif verb == "t":
            arity(1, "t NS")
            time_ns = decimal(args[0], MAX_TIME, "time", fail)
            if time_ns < last_time:
                fail(f"time {time_ns} is before the previous time {last_time}")
            last_time = time_ns
            ops.append(Op("advance", line, value=time_ns))
        elif verb == "r":
            arity(2, "r 0xOFF SIZE")
            ops.append(Op("read", line, offset=offset(args[0], fail), size=size(args[1], fail)))
        elif verb == "w":
            arity(3, "w 0xOFF SIZE 0xVAL")
            # A value wider than the access keeps only the bytes the access carries.
            access_size = size(args[1], fail)
            value = hex_number(args[2], (1 << 64) - 1, "value", fail) & ((1 << (access_size * 8)) - 1)
            ops.append(Op("write", line, offset=offset(args[0], fail), size=access_size, value=value))
        elif verb == "x":
            arity(0, "x")
            ops.append(Op("reset", line))
        elif verb == "i":
            arity(2, "i INPUT LEVEL")
            ops.append(Op("input", line, offset=bit(args[0], "input", fail), value=bit(args[1], "level", fail)))
        elif verb == "s":
            arity(0, "s")
            ops.append(Op("snapshot", line))
        else:
            fail(f'unknown operation "{verb}"')
    return Trace(config, ops)


def parse_config(args: List[str], config: Config, fail: Fail) -> Config:
    seen = set()
    for arg in args:
        parts = arg.split("=")
        if len(parts) != 2:
            fail(f'config expects key=value, not "{arg}"')
        key, value = parts
        if key in seen:
            fail(f"config repeats {key}")
        seen.add(key)
        if key == "timers":
            config = config._replace(timers=decimal(value, 32, "timers", fail))
            if config.timers < 3:
                fail("timers must be 3..32")
        elif key == "msi":
            config = config._replace(msi=bit(value, "msi", fail) == 1)
        elif key == "intcap":
            config = config._replace(intcap=hex_number(value, 0xFFFF_FFFF, "intcap", fail))
        else:
            fail(f'unknown config key "{key}"')
    return config


def decimal(text: str, maximum: int, what: str, fail: Fail) -> int:
    if not DECIMAL.fullmatch(text):
        fail(f'{what} "{text}" is not a decimal number')
    value = int(text)
    if value > maximum:
        fail(f"{what} {text} is above {maximum}")
    return value


def hex_number(text: str, maximum: int, what: str, fail: Fail) -> int:
    if not HEX.fullmatch(text):
        fail(f'{what} "{text}" is not a 0x-prefixed hex number')
    value = int(text, 16)
    if value > maximum:
        fail(f"{what} {text} is above {maximum:#x}")
    return value


def offset(text: str, fail: Fail) -> int:
    return hex_number(text, 0xFFFF_FFFF, "offset", fail)


def size(text: str, fail: Fail) -> int:
    if text not in ("1", "2", "4", "8"):
        fail(f'size "{text}" is not 1, 2, 4 or 8')
    return int(text)


def bit(text: str, what: str, fail: Fail) -> int:
    if text not in ("0", "1"):
        fail(f'{what} "{text}" is not 0 or 1')
    return int(text)
