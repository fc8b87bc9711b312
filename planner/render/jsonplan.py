"""plan.json: the plan, validated against schema/plan.schema.json, written deterministically."""
from __future__ import annotations

import json
import marshal
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from planner.resources import schema_path


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@lru_cache(maxsize=1)
def _fast_validator():
    """jsonschema-rs (compiled) when installed: ~100x faster on large plans; None otherwise."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema)


def validate(plan: dict) -> None:
    """Raise jsonschema.ValidationError when ``plan`` breaks the published schema.

    A plan the fast validator accepts is done; anything else goes through ``jsonschema``, so
    errors (and any disagreement between the two) are exactly those of ``jsonschema``."""
    fast = _fast_validator()
    if fast is not None and fast.is_valid(plan):
        return
    _validator().validate(plan)


def _orjson_safe(value) -> bool:
    """True when orjson writes ``value`` byte for byte as ``json.dumps`` does: every float is
    finite and either 0 or at least 1e-4 in size (json writes smaller ones as ``1e-05``)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is dict:
            extend(v.values())
        elif t is list or t is tuple:
            extend(v)
        elif t is float and v and not 1e-4 <= abs(v) < float("inf"):
            return False
    return True


# orjson writes a float of size below 1e-4 as "0.0000..." or with a negative exponent
# ("0.00001", "1e-7"), json.dumps as "1e-05": one of these two byte patterns is in the text
# whenever such a float is (also when a string happens to hold one: then the walk decides).
_SMALL_FLOAT_EXPONENT = re.compile(rb"e-(?<=[0-9]e-)")  # the literal "e-" first: a fast scan
# marshal (version 2) writes a float as b"g" and its 8 IEEE-754 bytes, little-endian. NaN and
# the infinities (orjson: null, json: NaN / Infinity) have all 11 exponent bits set, so their
# last two bytes are [\xf0-\xff][\x7f\xff]; a byte \x7f or \xff is rare in a plan (never in
# UTF-8 text), so each is looked at. Version 2, not 4: no table of shared objects (slow on a
# large plan, and its reference counts would copy a forked writer's shared pages).
_FLOAT_TYPE = ord("g")


class _Scan(NamedTuple):
    """What marshal's bytes of a value show; True means "may": the exact slow path decides."""
    maybe_non_finite: bool  # a NaN or an infinity
    maybe_double_space: bool  # a string (or key) holding two spaces in a row


def _scan(value, spaces: bool = True) -> _Scan:
    """Look at ``value`` through marshal's bytes: strings are there verbatim (UTF-8), floats
    as b"g" and 8 bytes, containers as a type byte and a length. ``spaces=False``: the caller
    needs no answer about double spaces (indent 2), so it is not looked for (True: "may")."""
    try:
        packed = marshal.dumps(value, 2)
    except ValueError:  # a subclass, or nesting deeper than marshal goes
        return _Scan(True, True)
    return _Scan(_non_finite_in(packed), not spaces or packed.find(b"  ") >= 0)


def _non_finite_in(packed: bytes) -> bool:
    for last in (b"\x7f", b"\xff"):
        at = packed.find(last, 8)
        while at >= 0:
            if packed[at - 1] >= 0xF0 and packed[at - 8] == _FLOAT_TYPE:
                return True
            at = packed.find(last, at + 1)
    return False


def maybe_small_float(raw: bytes) -> bool:
    """False when orjson's text ``raw`` holds no float of size below 1e-4 (True: it may)."""
    return raw.find(b"0.0000") >= 0 or _SMALL_FLOAT_EXPONENT.search(raw) is not None


def _orjson_parts(value, indent: int) -> tuple[bytes, bytes] | None:
    """What json_text writes, as UTF-8 (the text, then its final newline), when orjson can
    write it (None otherwise)."""
    try:
        import orjson
    except ImportError:
        return None
    if indent not in (1, 2):
        return None
    # orjson writes floats as json.dumps does when each is finite and 0 or at least 1e-4 in
    # size (_orjson_safe). Two byte scans prove it without a Python step per value; only when
    # one finds its pattern (even inside a string) does the walk decide. marshal's bytes go
    # before orjson's text is made: a large plan never holds both.
    scan = _scan(value, spaces=indent == 1)
    try:
        raw = orjson.dumps(value, option=_orjson_option())
    except (TypeError, ValueError):
        return None
    if (scan.maybe_non_finite or maybe_small_float(raw)) and not _orjson_safe(value):
        return None
    if indent == 1:  # orjson indents by 2: keep half of each line's leading spaces
        raw = _halve_indent(raw, strings_single_spaced=not scan.maybe_double_space)
    return raw, b"\n"


def _halve_indent(raw: bytes, strings_single_spaced: bool = False) -> bytes:
    """Each line of orjson's indent-2 text keeps half of its leading spaces.

    A line at depth d starts with d pairs of spaces, and orjson's text has no other run of
    spaces unless a string holds one. So when no string does (``strings_single_spaced``, known
    from marshal's bytes), or when ``raw.count(b"  ")`` equals the pairs counted at the line
    starts (``"\\n"`` followed by k pairs, for each k), replacing every pair by one space halves
    exactly the indentation: C-level passes instead of a Python step per line. Otherwise,
    line by line."""
    if strings_single_spaced:
        return raw.replace(b"  ", b" ")
    pairs, k = 0, 1
    while True:
        n = raw.count(b"\n" + b"  " * k)
        if not n:
            break
        pairs += n
        k += 1
    if raw.count(b"  ") == pairs:
        return raw.replace(b"  ", b" ")
    return b"\n".join([line[(len(line) - len(line.lstrip(b" "))) // 2:] for line in raw.split(b"\n")])


def _reference_text(value, indent: int) -> str:
    return json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"


def json_text(value, indent: int = 2) -> str:
    """``json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\\n"``, byte for
    byte, through orjson when it can write the same text (~10x faster on large plans)."""
    parts = _orjson_parts(value, indent)
    if parts is not None:
        return b"".join(parts).decode("utf-8")
    return _reference_text(value, indent)


def json_bytes(value, indent: int = 2) -> bytes:
    """``json_text(value, indent).encode("utf-8")``, without decoding and re-encoding orjson's
    output (two copies of a 200 MB plan)."""
    parts = _orjson_parts(value, indent)
    if parts is not None:
        return b"".join(parts)
    return _reference_text(value, indent).encode("utf-8")


def write_json(path: Path, value, indent: int = 2) -> None:
    """``path.write_bytes(json_bytes(value, indent))``: a large dict (a plan, the program's data)
    in pieces (no 300 MB text in memory), anything else, or when a piece needs the exact slow
    path, in one go."""
    with open(path, "wb") as fh:
        if _write_in_pieces(fh, value, indent):
            return
    parts = _orjson_parts(value, indent) or (_reference_text(value, indent).encode("utf-8"),)
    with open(path, "wb") as fh:
        for part in parts:
            fh.write(part)


def json_pieces(value, indent: int = 2) -> list:
    """``json_bytes(value, indent)`` as a list of byte pieces (a large dict's pieces as
    write_json writes them, without the join into one copy)."""
    pieces = _Pieces()
    if _write_in_pieces(pieces, value, indent):
        return pieces
    return [json_bytes(value, indent)]


class _Pieces(list):
    """A list that _write_in_pieces writes into as into a file: each piece kept as it is (no
    copy into one buffer)."""

    write = list.append


#: list values of a dict written in pieces are written this many items at a time
SLICE = 256


def _orjson_option() -> int:
    """orjson's options for json.dumps(indent=2, sort_keys=True)'s text (dataclasses and
    datetimes passed through: they fail as json.dumps fails)."""
    import orjson

    return orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _segments(value: dict) -> list:
    """orjson's indent-2 text of the non-empty dict ``value``, in order, as literal bytes and
    sub-values: ``(v, False)`` is orjson's text of the entry's value ``v``, ``(items, True)`` the
    text of a slice of a long list value without its brackets (the items one per line); both
    one level deeper than orjson writes them alone. The entries come sorted by key, as
    OPT_SORT_KEYS sorts them (keys are str: code-point order is UTF-8 byte order)."""
    import orjson

    out: list = [b"{\n"]
    for n, key in enumerate(sorted(value)):
        out.append((b",\n  " if n else b"  ") + orjson.dumps(key) + b": ")
        v = value[key]
        if type(v) is list and len(v) > SLICE:
            out.append(b"[\n")
            for i in range(0, len(v), SLICE):
                out += [b",\n"] * bool(i) + [(v[i : i + SLICE], True)]
            out.append(b"\n  ]")
        else:
            out.append((v, False))
    out.append(b"\n}")
    return out


#: orjson's indent-2 text of ``[v]`` is ``v``'s text one level deeper between b"[\n  " and b"\n]";
#: of ``[items]``, the items two levels deeper between b"[\n  [\n" and b"\n  ]\n]". Halved (indent
#: 1), the wrappers are b"[\n " ... b"\n]" and b"[\n [\n" ... b"\n ]\n]". (head, tail) lengths:
_WRAPPER = {(False, 2): (4, 2), (True, 2): (6, 6), (False, 1): (3, 2), (True, 1): (5, 5)}


def _piece(segment: tuple, option: int, indent: int) -> memoryview | None:
    """The text of one segment (see _segments) at its depth, or None when it needs the exact
    slow path: the same checks as _orjson_parts, on the segment. marshal's scan of it (no NaN
    or infinity; with indent 1, no string holding two spaces: then halving the indentation is
    replacing each pair of spaces, as every pair lies inside one piece's indentation) goes
    just before orjson's pass over the same objects, while they are in the CPU's caches.

    orjson writes the segment inside a one-item list, which puts it at the depth it has in the
    dict (no pass re-indenting its lines); the wrapper is cut off by a view, not a copy."""
    import orjson

    sub, items = segment
    scan = _scan(sub, spaces=indent == 1)
    if scan.maybe_non_finite or (indent == 1 and scan.maybe_double_space):
        return None
    try:
        raw = orjson.dumps([sub], option=option)
    except (TypeError, ValueError):
        return None
    if maybe_small_float(raw):  # the wrapper holds neither pattern
        return None
    if indent == 1:
        raw = raw.replace(b"  ", b" ")
    head, tail = _WRAPPER[(items, indent)]
    return memoryview(raw)[head : len(raw) - tail]


def _write_in_pieces(fh, value, indent: int) -> bool:
    """Write to the binary file ``fh`` what json_bytes(value, indent) is, piece by piece
    (False, having written nothing or a part the caller overwrites, when a piece or the dict
    needs the one-go path)."""
    try:
        import orjson  # noqa: F401 - the pieces are orjson's text
    except ImportError:
        return False
    if indent not in (1, 2) or type(value) is not dict or not value or any(type(k) is not str for k in value):
        return False
    if indent == 1 and any("  " in k for k in value):
        return False
    option = _orjson_option()
    for seg in _segments(value):
        if isinstance(seg, bytes):  # keys and punctuation
            fh.write(seg.replace(b"  ", b" ") if indent == 1 else seg)
            continue
        piece = _piece(seg, option, indent)
        if piece is None:
            return False
        fh.write(piece)
    fh.write(b"\n")
    return True


def dumps(plan: dict) -> str:
    return json_text(plan, 2)


def write(plan: dict, path: Path) -> Path:
    validate(plan)
    write_json(path, plan, 2)
    return path


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
