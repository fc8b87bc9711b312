"""Turn files into plain documents, safely.

Every inventory file is untrusted. This module only parses: JSON or YAML (safe loader, with a
bound on file size and on alias use), optionally gzip-compressed, and yields each Kubernetes
object with the place it was read from. Any problem is a :class:`PlannerError` whose text starts
with ``FILE[:LINE]:``.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from planner.model import PlannerError, Source

#: Largest inventory file read, after decompression (bytes). JSON of ~30k Services (with
#: managedFields) fits; parsing it takes roughly 10x its size in memory.
MAX_FILE_BYTES = int(os.environ.get("PLANNER_MAX_FILE_BYTES", 128 * 1024 * 1024))
#: Largest single YAML file (YAML parsing is ~20x slower than JSON; JSON has MAX_FILE_BYTES).
MAX_YAML_BYTES = int(os.environ.get("PLANNER_MAX_YAML_BYTES", 32 * 1024 * 1024))
#: Most nodes that alias expansion may add to one document: a "billion laughs" bomb needs only
#: ~90 aliases, so the expanded size is measured on the node graph before anything is built.
MAX_ALIAS_EXPANSION = 100_000
#: Deepest nesting accepted in one document.
MAX_DEPTH = 64

INVENTORY_SUFFIXES = (".json", ".yaml", ".yml", ".json.gz", ".yaml.gz", ".yml.gz")


@dataclass(frozen=True)
class RawObject:
    doc: dict
    source: Source


_Base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class _BoundedLoader(_Base):  # type: ignore[misc, valid-type]
    """A SafeLoader (libyaml when available) whose implicit types stay JSON-like."""


# Timestamps stay strings: Kubernetes objects are JSON-typed.
_BoundedLoader.yaml_implicit_resolvers = {
    k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"] for k, v in _Base.yaml_implicit_resolvers.items()
}


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_node_graph(root) -> str | None:
    """Measure a composed YAML document without building it: distinct nodes, the size alias
    expansion would give, depth and cycles. Returns what is wrong, or None. Linear in the
    number of distinct nodes, so a bomb is refused before it expands."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    state: dict[int, int] = {}
    distinct = 0
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            kids = _children(node)
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            height[nid] = 1 + max((height[id(k)] for k in kids), default=0)
            state[nid] = 2
            if height[nid] > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels (refused)"
            if size[nid] - distinct > MAX_ALIAS_EXPANSION:
                return f"YAML aliases would expand it by more than {MAX_ALIAS_EXPANSION:,} nodes (refused: alias expansion bomb?)"
            continue
        st = state.get(nid)
        if st == 2:
            continue
        if st == 1:
            return "recursive YAML alias (refused)"
        state[nid] = 1
        distinct += 1
        stack.append((node, True))
        for k in reversed(_children(node)):
            ks = state.get(id(k))
            if ks == 1:
                return "recursive YAML alias (refused)"
            stack.append((k, False))
    return None


def _first_char(text: str) -> str:
    """The first non-whitespace character of ``text`` ("" if none), without copying it whole."""
    for start in range(0, len(text), 4096):
        chunk = text[start : start + 4096].lstrip()
        if chunk:
            return chunk[0]
    return ""


#: Returned by :func:`_fast_json` when the text must go through ``json.loads``.
_SLOW = object()
#: Bytes kept by the raw scan of :func:`_fast_json`: digits (runs of them), brackets (depth) and
#: separators that keep the digits of unrelated tokens apart (IPs, UIDs, timestamps).
_SCAN_KEEP = b"0123456789[]{}-.:,"
_SCAN_DELETE = bytes(sorted(set(range(256)) - set(_SCAN_KEEP)))
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NOT_BRACKETS = b"0123456789-.:,"
#: orjson turns integers outside [-2**63, 2**64) into floats where json keeps them exact: a
#: text with a run of this many digits anywhere (strings included) goes through json.
_LONG_DIGITS = b"0" * 19
#: Brace-pair removal rounds tried by the depth bound (each removes at most two levels).
_DEPTH_ROUNDS = (MAX_DEPTH - 1) // 2

try:  # a dependency; json alone gives the same documents, slower
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None


def _shallow(brackets: bytes) -> bool:
    """True when a text whose brackets (strings' included) are ``brackets`` cannot nest a
    container's children deeper than MAX_DEPTH: the innermost ``{}``/``[]`` pairs are removed
    round by round; emptied within _DEPTH_ROUNDS rounds means nested at most 2 * _DEPTH_ROUNDS
    < MAX_DEPTH levels. Brackets inside strings only make the bound looser (or keep it from
    emptying): then the caller walks the document exactly."""
    for _ in range(_DEPTH_ROUNDS):
        if not brackets:
            return True
        brackets = brackets.replace(b"{}", b"").replace(b"[]", b"")
    return not brackets


def _fast_json(text: str, data: bytes | None, scan: tuple[bool, bool] | None = None):
    """The document ``json.loads(text)`` returns, through orjson (about 1.5x faster), when a scan
    of the raw bytes shows both parse it alike; else _SLOW (the caller runs json, whose result
    and error messages are the reference). orjson refuses what json accepts beyond the JSON
    standard (NaN, Infinity, lone surrogate escapes, numbers overflowing a double): those
    fall back. The one input both accept differently, integers beyond 64 bits (orjson: a
    float), is caught by the digit-run scan. Returns (document, shallow): shallow when the
    scan's brackets bound the depth (see _shallow), so the caller's depth walk can be skipped.
    ``scan``: :func:`_scan` of the bytes, when already done."""
    if _orjson is None:
        return _SLOW, False
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    alike, shallow = scan or _scan(data)
    if not alike:
        return _SLOW, False
    try:
        doc = _orjson.loads(text)
    except _orjson.JSONDecodeError:
        return _SLOW, False
    return doc, shallow


def _scan(data: bytes) -> tuple[bool, bool]:
    """The raw scan of :func:`_fast_json`: (no integer orjson would turn into a float, the
    brackets bound the depth)."""
    kept = data.translate(None, _SCAN_DELETE)
    if _LONG_DIGITS in kept.translate(_DIGITS_TO_ZERO):
        return False, False
    return True, _shallow(kept.translate(None, _NOT_BRACKETS))


#: The items array of an indented JSON List is replaced by this one string to parse the rest of
#: the document apart: written with an escaped NUL, which no string of a text without
#: backslashes can hold, so finding it in ``items`` proves that array is the List's items.
_ITEMS_STAND_IN = "\x00planner-items"
_ITEMS_STAND_IN_JSON = b'"\\u0000planner-items"'
_ITEMS_KEY = b'"items": [\n'


class NotSplit(Exception):
    """An item of a split List did not parse on its own: read the file whole instead."""


class ListItems:
    """The items of an indented JSON List, each parsed from its own bytes when iterated (so
    each is used and freed while it is still in the processor's cache). Exact: the document
    around them parses with a stand-in, and every piece is a JSON value separated from the
    next by a comma and whitespace, so they are the items a parse of the whole text holds;
    a piece that does not parse raises NotSplit (the whole text is then parsed, and refused
    or accepted, as without the split)."""

    def __init__(self, pieces: list[memoryview]):
        self._pieces = pieces

    def __iter__(self):
        loads = _orjson.loads
        for piece in self._pieces:
            try:
                item = loads(piece)
            except _orjson.JSONDecodeError:
                raise NotSplit from None
            yield item


def _split_json(data: bytes) -> tuple[dict | None, tuple[bool, bool] | None]:
    """(:func:`_split_list` of a JSON text that starts with ``{``, the raw scan when made). The
    bytes decode without an error (valid UTF-8: decoded already, or ASCII) and are not binary
    (no NUL in the first 8 KiB): the split is tried where the reader would parse JSON."""
    if _orjson is None or data[:1] != b"{" or b"\x00" in data[:8192]:
        return None, None
    scan = _scan(data)
    return _split_list(data, scan), scan


def _split_list(data: bytes, scan: tuple[bool, bool]):
    """An indented JSON List (kubectl's ``-o json``, ``json.dumps(indent=...)``) as the document
    with ListItems for ``items``; None when the text is not of that shape, not proven alike
    for orjson and shallow, or the document around the items does not hold the stand-in as
    its items. A raw newline is never inside a JSON string: the lines give the shape."""
    if _orjson is None or scan != (True, True) or data[:3] == b"\xef\xbb\xbf":
        return None
    key = data.find(_ITEMS_KEY)
    if key < 0:
        return None
    key_indent = data[data.rfind(b"\n", 0, key) + 1:key]  # the "items" line's indentation
    opened = key + len(_ITEMS_KEY)
    indent = data[opened:opened + 80]
    indent = indent[: len(indent) - len(indent.lstrip(b" "))]  # the first item's
    if key_indent.strip(b" ") or not indent or data[opened + len(indent):opened + len(indent) + 1] != b"{":
        return None
    close = data.rfind(b"\n" + indent + b"}\n" + key_indent + b"]", opened)  # from the end: the tail is short
    if close < 0:
        return None
    start, end = opened + len(indent), close + len(indent) + 2  # the items, first brace to last
    around = data[:opened - 1] + _ITEMS_STAND_IN_JSON + data[end:]
    if b"\\" in around[: opened - 1] or b"\\" in data[end:]:
        return None
    doc, _ = _fast_json(around.decode("utf-8"), around)
    if type(doc) is not dict or type(doc.get("items")) is not list or doc["items"] != [_ITEMS_STAND_IN]:
        return None
    if not str(doc.get("kind", "List")).endswith("List"):  # read as a List by iter_object_pairs only then
        return None
    doc["items"] = ListItems(_pieces(data, start, end, indent))
    return doc


def _pieces(data: bytes, start: int, end: int, indent: bytes) -> list[memoryview]:
    """The items' texts between ``start`` and ``end``: cut where one item's closing brace, on
    a line of its own at ``indent``, is followed by a comma and the next item's opening brace
    (views of ``data``, not copies)."""
    view = memoryview(data)
    between = re.compile(re.escape(b"\n" + indent + b"},\n" + indent + b"{"))  # ~2x bytes.find's speed
    pieces = []
    at = start
    for match in between.finditer(data, start, end):
        cut = match.start() + len(indent) + 2  # after the closing brace
        pieces.append(view[at:cut])
        at = cut + len(indent) + 2  # the next opening brace
    pieces.append(view[at:end])
    return pieces


def _depth_ok(value, limit: int = MAX_DEPTH) -> bool:
    """False when any value sits deeper than ``limit`` (the document itself is at depth 1).
    Walks level by level and only into containers: scalars are most of a document."""
    if limit < 1:
        return False
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 1
    while level:
        nxt: list = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            if children and depth >= limit:  # its children would sit at depth > limit
                return False
            nxt += [c for c in children if isinstance(c, (dict, list))]
        level = nxt
        depth += 1
    return True


def _read_bounded(fh) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of ``fh``. A regular file is read with a buffer of its
    size (``read(MAX_FILE_BYTES + 1)`` allocates the whole bound first: 3x slower)."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = -1
    if not 0 <= size <= MAX_FILE_BYTES:
        return fh.read(MAX_FILE_BYTES + 1)
    data = fh.read(size + 1)
    if len(data) > size:  # grew since fstat (or not a regular file): read on to the bound
        data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    return data


def read_bytes(path: str) -> bytes:
    """Read a file (or stdin for ``-``), decompressing gzip, within MAX_FILE_BYTES."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                data = _read_bounded(fh)
    except FileNotFoundError:
        raise PlannerError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise PlannerError(f"{path}: is a directory") from None
    except OSError as exc:
        raise PlannerError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=__import__("io").BytesIO(data)) as gz:
                data = gz.read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise PlannerError(f"{path}: not a valid gzip file ({exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise PlannerError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB (refused)")
    return data


def decode(path: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise PlannerError(f"{path}: binary data, not a JSON or YAML inventory")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlannerError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def parse_documents(path: str, text: str | None, data: bytes | None = None, split: bool = False) -> Iterator[tuple[object, int | None, dict[tuple[int, ...], int], bool]]:
    """Yield (document, line of the document, {list-item index path: line}, shallow) for each
    document (index paths: ``(i,)`` for ``items[i]``, ``(i, j)`` for ``items[i].items[j]`` of a
    List in a List); shallow: known to pass the depth check (the check may be skipped).
    ``data``: the bytes ``text`` was decoded from, when at hand (spares encoding it again).
    ``split``: an indented JSON List comes with :class:`ListItems` as its items (the caller
    catches NotSplit, see :func:`iter_object_pairs`); ``text`` may then be None when ``data``
    is ASCII (its own decoding): it is decoded only when the List is not split."""
    scan = None
    if split:
        doc, scan = _split_json(data)
        if doc is not None:
            yield doc, None, {}, True
            return
    if text is None:
        text = decode(path, data)
    first = _first_char(text)
    if not first:
        raise PlannerError(f"{path}: empty file")
    if first == "/":
        _refuse_leading_comment(path, text)
    if first in "{[":
        doc, shallow = _fast_json(text, data, scan)
        if doc is _SLOW:
            try:
                doc = loads_json(path, text)
            except PlannerError as exc:  # a template starting with {{- if ... }} looks like JSON
                raise (_unrendered_template(path, text) or exc) from None
        yield doc, None, {}, shallow
        return
    if len(text) > MAX_YAML_BYTES:
        raise PlannerError(f"{path}: YAML larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB (refused; use JSON for larger inventories)")
    loader = _BoundedLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            problem = check_node_graph(node)
            if problem:
                raise PlannerError(f"{path}:{line}: document {problem}")
            item_lines: dict[tuple[int, ...], int] = {}
            _note_item_lines(node, (), item_lines)
            doc = loader.construct_document(node)
            yield doc, line, item_lines, False
    except yaml.YAMLError as exc:
        raise (_unrendered_template(path, text) or _yaml_error(path, exc)) from None
    except RecursionError:
        raise PlannerError(f"{path}: YAML nested too deeply") from None
    finally:
        loader.dispose()


def loads_json(path: str, text: str, hint: str = "") -> object:
    """``json.loads`` whose errors are one line naming the file and line (``hint`` appended)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if text.startswith(("//", "/*"), exc.pos):
            raise _comment_error(path, exc.lineno) from None
        raise PlannerError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}{hint}") from None
    except RecursionError:
        raise PlannerError(f"{path}: JSON nested too deeply") from None


def _note_item_lines(node, prefix: tuple[int, ...], out: dict[tuple[int, ...], int]) -> None:
    """The line of every List item, Lists in Lists included (depth is bounded by the caller's
    node-graph check)."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
            for i, n in enumerate(value.value):
                out[prefix + (i,)] = n.start_mark.line + 1
                _note_item_lines(n, prefix + (i,), out)


# --- sources that must be rendered first: one line saying what to run ---------------------------

#: ``{{`` where YAML would read it as syntax (a line's start, after ``- `` or ``key: ``), not inside
#: a quoted string or after a comment: the mark of an unrendered Helm (Go) template.
_TEMPLATE_SYNTAX = re.compile(r"^[ \t]*(?:-[ \t]+)*(?:[^\s#'\"{][^#'\"\n]*?:[ \t]+)?\{\{", re.M)
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: Keys of a kustomization file (kustomize's own), any of which marks one without a kind.
_KUSTOMIZE_KEYS = ("resources", "bases", "components", "patches", "patchesStrategicMerge", "generators", "configMapGenerator", "namePrefix", "nameSuffix")


def _chart_dir(path: str) -> str:
    """The chart a template file belongs to (the folder above ``templates/``), else ``CHART``."""
    parts = Path(path).parts
    if "templates" in parts[:-1]:
        i = len(parts) - 2 - parts[:-1][::-1].index("templates")
        return str(Path(*parts[:i])) if i else "."
    return "CHART"


def _helm_error(path: str, line: int | None) -> PlannerError:
    where = f"{path}:{line}" if line else path
    return PlannerError(f"{where}: an unrendered Helm template ('{{{{' outside a string); render it first: helm template RELEASE {_chart_dir(path)} | planner analyze -")


def _unrendered_template(path: str, text: str) -> PlannerError | None:
    """For a file YAML refused: the Helm error when ``{{`` appears as YAML syntax."""
    m = _TEMPLATE_SYNTAX.search(text)
    return _helm_error(path, text.count("\n", 0, m.start()) + 1) if m else None


def _comment_error(path: str, line: int) -> PlannerError:
    return PlannerError(f"{path}:{line}: JSON with comments ('//' or '/*'), which JSON does not allow; remove them first (whole-line // comments: grep -v '^[[:space:]]*//' FILE > clean.json)")


def _refuse_leading_comment(path: str, text: str) -> None:
    """A file whose first non-blank characters open a ``//`` or ``/*`` comment (JSONC)."""
    start = len(text) - len(text.lstrip())
    if text.startswith(("//", "/*"), start):
        raise _comment_error(path, text.count("\n", 0, start) + 1)


def _refuse_unrendered(path: str, line: int | None, doc: dict) -> None:
    """A kustomization, a Helm chart's Chart.yaml or (YAML, ``line`` known) a template whose
    name was left as a ``{{ }}`` string: each must be built or rendered first, one line saying how."""
    where = f"{path}:{line}" if line else path
    kind = doc.get("kind")
    api = doc.get("apiVersion")
    name = Path(path).name
    folder = str(Path(path).parent)
    if (kind in ("Kustomization", "Component") and isinstance(api, str) and api.startswith("kustomize.config.k8s.io/")) or (
        kind is None and name in KUSTOMIZATION_FILES and any(k in doc for k in _KUSTOMIZE_KEYS)
    ):
        raise PlannerError(f"{where}: a kustomization, not rendered manifests; build it first: kustomize build {folder} | planner analyze - (or kubectl kustomize {folder})")
    if kind is None and name in ("Chart.yaml", "Chart.yml") and "name" in doc:
        raise PlannerError(f"{where}: a Helm chart's Chart.yaml, not rendered manifests; render the chart first: helm template RELEASE {folder} | planner analyze -")
    if line is not None:
        meta = doc.get("metadata")
        if isinstance(meta, dict) and any(isinstance(meta.get(k), str) and "{{" in meta[k] for k in ("name", "namespace")):
            raise _helm_error(path, line)


def _yaml_error(path: str, exc: yaml.YAMLError) -> PlannerError:
    """One line naming the file and, where PyYAML knows it, the line."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        return PlannerError(f"{path}{where}: invalid YAML: {problem}")
    return PlannerError(f"{path}: invalid YAML: {' '.join(str(exc).split())[:200]}")


def iter_objects(path: str) -> Iterator[RawObject]:
    """Yield every Kubernetes object in one file, unwrapping ``kind: List`` documents (Lists in
    Lists too; the kindless items of a ``<Kind>List`` take its kind). A file that must be
    rendered or built first (Helm template, kustomization, JSON with comments) is an error."""
    for doc, source in iter_object_pairs(path):
        yield RawObject(doc, source)


def iter_object_pairs(path: str, split: bool = False) -> Iterator[tuple[object, Source]]:
    """:func:`iter_objects` as (object, source) pairs; the items of one JSON List share one
    Source (they have no line). ``split``: the items of an indented JSON List in a regular
    file are parsed one by one as they are taken (:class:`ListItems`); NotSplit, raised while
    taking them, means the file is to be read again without ``split``."""
    data = read_bytes(path)
    split = split and path != "-" and os.path.isfile(path)
    text = None if split and data.isascii() else decode(path, data)  # ASCII: decoded if not split
    found_any = False
    for doc, line, item_lines, shallow in parse_documents(path, text, data, split):
        if doc is None:  # empty YAML document (``---`` twice, comments only)
            continue
        where = f"{path}:{line}" if line else path
        if not isinstance(doc, dict):
            hint = ""
            if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "forwardingRules/" in str(doc[0].get("selfLink", "")):
                hint = " (a gcloud forwarding-rules listing? pass it with --gcp-forwarding-rules)"
            raise PlannerError(f"{where}: expected a Kubernetes object or List, got {_type_name(doc)}{hint}")
        if not shallow and not _depth_ok(doc):
            raise PlannerError(f"{where}: document nested deeper than {MAX_DEPTH} levels (refused)")
        _refuse_unrendered(path, line, doc)
        items = doc.get("items")
        if "kind" in doc or "apiVersion" in doc or isinstance(items, (list, ListItems)):
            found_any = True
        if isinstance(items, (list, ListItems)) and str(doc.get("kind", "List")).endswith("List"):
            if item_lines or doc.get("kind") != "List":
                yield from _list_items(path, doc, items, item_lines, ())
                continue
            source = Source(path, None)
            for item in items:  # kubectl's JSON List (most input): inline, one generator frame
                if type(item) is dict and "items" in item and _is_list(item):
                    yield from _list_items(path, item, item["items"], item_lines, ())
                else:
                    yield item, source
        else:
            yield doc, Source(path, line)
    if not found_any:
        raise PlannerError(f"{path}: no Kubernetes objects in file (no document has a kind or apiVersion)")


def _is_list(doc) -> bool:
    """A List inside a List: ``kind`` ``List`` or ``<Kind>List`` with an ``items`` array."""
    kind = doc.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list)


def _list_items(path: str, doc: dict, items: list, item_lines: dict, prefix: tuple[int, ...]) -> Iterator[tuple[object, Source]]:
    """The items of one List, Lists in it unwrapped (depth is bounded by the document check).
    The items of a ``<Kind>List`` without their own kind (``kubectl get --raw`` prints them so)
    take the List's kind and apiVersion: ``ServiceList`` v1 items are v1 Services."""
    kind = doc.get("kind")
    inferred = kind[:-4] if isinstance(kind, str) and len(kind) > 4 and kind != "List" else None
    api = doc.get("apiVersion")
    shared = None if item_lines else Source(path, None)
    for i, item in enumerate(items):
        source = shared or Source(path, item_lines.get(prefix + (i,)))
        if type(item) is dict:
            if "kind" not in item and inferred is not None:
                item["kind"] = inferred
                if "apiVersion" not in item and isinstance(api, str):
                    item["apiVersion"] = api
            elif "items" in item and _is_list(item):
                yield from _list_items(path, item, item["items"], item_lines, prefix + (i,))
                continue
        yield item, source


def _type_name(value) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "a list"}.get(type(value), type(value).__name__)


def expand_paths(inputs: list[str]) -> list[str]:
    """Files as given; directories walked recursively (sorted) for inventory suffixes."""
    files: list[str] = []
    for item in inputs:
        if item == "-":
            files.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(INVENTORY_SUFFIXES)
            )
            if not found:
                raise PlannerError(f"{item}: directory holds no .json/.yaml/.yml inventory files")
            files.extend(found)
        elif p.exists():
            files.append(str(p))
        else:
            raise PlannerError(f"{item}: no such file or directory")
    return files


def load_config(path: str) -> tuple[object, dict[tuple, int]]:
    """Read a small YAML/JSON config (fleet or usage file) as ONE document, with the line of
    every mapping value and list item up to three levels deep: ``{("clusters", 0): 4, ...}``.
    Same bounds as inventories (size, aliases, depth)."""
    text = decode(path, read_bytes(path))
    if not text.strip():
        raise PlannerError(f"{path}: empty file")
    if len(text) > MAX_YAML_BYTES:
        raise PlannerError(f"{path}: larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB (refused)")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlannerError(f"{path}: empty file")
        problem = check_node_graph(node)
        if problem:
            raise PlannerError(f"{path}:{node.start_mark.line + 1}: document {problem}")
        lines: dict[tuple, int] = {(): node.start_mark.line + 1}
        todo = [((), node)]
        while todo:
            prefix, n = todo.pop()
            if len(prefix) >= 3:
                continue
            if isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    if isinstance(k, yaml.ScalarNode):
                        lines[prefix + (k.value,)] = k.start_mark.line + 1
                        todo.append((prefix + (k.value,), v))
            elif isinstance(n, yaml.SequenceNode):
                for i, v in enumerate(n.value):
                    lines[prefix + (i,)] = v.start_mark.line + 1
                    todo.append((prefix + (i,), v))
        return loader.construct_document(node), lines
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    except RecursionError:
        raise PlannerError(f"{path}: nested too deeply") from None
    finally:
        loader.dispose()
