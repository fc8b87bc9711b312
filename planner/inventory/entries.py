"""One inventory file → its entries, the unit the reader adds to an Inventory.

An entry is either a *run*: a list of consecutive Service rows that :func:`service_fast` takes
whole (v1 Services naming their namespace; the reader appends a run at once when no key in it
is read yet), or one ``(document, source)`` pair for the reader's full path (every other kind,
and Services that need a note or a second look).

The read-ahead worker (``ahead.py``) parses files with :func:`parse_file` as well and hands
the entries over with :func:`pack` / :func:`unpack`: a Service row travels as the tuple of its
field values (a pickled dataclass costs the worker ~5x and this process ~2x as much to write
and read back), rebuilt here into the same Service, field for field.
"""
from __future__ import annotations

from dataclasses import fields

from planner.inventory.kube import service_fast
from planner.inventory.loader import NotSplit, iter_object_pairs
from planner.model import Service

DEFAULT_NAMESPACE = "default"
#: Service's fields in order: a row's ``__dict__`` holds them in this order (see service_fast).
SERVICE_FIELDS = tuple(f.name for f in fields(Service))
_new = object.__new__


def namespace_missing(doc: dict) -> bool:
    """True when the object names no namespace (the parsers then use ``default``)."""
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return False
    ns = meta.get("namespace")
    return not (isinstance(ns, str) and ns)


def fast_row(doc, cluster: str, source) -> Service | None:
    """The Service row of a v1 Service that the fast path takes whole, else None: service_fast
    defers, or the Service names no namespace (the reader notes the one it assumes)."""
    if type(doc) is not dict or doc.get("kind") != "Service" or doc.get("apiVersion") != "v1":
        return None
    svc = service_fast(doc, cluster, source)
    if svc is None or (svc.namespace == DEFAULT_NAMESPACE and namespace_missing(doc)):
        return None
    return svc


def parse_file(path: str, cluster: str) -> tuple[list, Exception | None]:
    """The entries of ``path`` read as objects of ``cluster``, and the error that stopped the
    read (None when it read to the end): the entries before an error are still the reader's,
    added before the error is raised, as a read object by object would. The items of an
    indented JSON List are parsed one by one (see loader.ListItems)."""
    try:
        return _entries(iter_object_pairs(path, split=True), cluster)
    except NotSplit:  # an item did not parse on its own: the whole text decides
        return _entries(iter_object_pairs(path), cluster)


def _entries(pairs, cluster: str) -> tuple[list, Exception | None]:
    entries: list = []
    run: list | None = None
    try:
        for doc, source in pairs:
            svc = fast_row(doc, cluster, source)
            if svc is None:
                entries.append((doc, source))
                run = None
            elif run is None:
                run = [svc]
                entries.append(run)
            else:
                run.append(svc)
    except NotSplit:
        raise
    except Exception as exc:  # noqa: BLE001 - raised by the reader, after what came before it
        return entries, exc
    return entries, None


def parse_for_worker(path: str, cluster: str) -> list:
    """What the read-ahead worker sends for one file: its entries, packed. A file that stops
    with an error raises here: the reader parses it again and reports it in its place."""
    entries, error = parse_file(path, cluster)
    if error is not None:
        raise error
    return pack(entries)


def pack(entries: list) -> list:
    """Entries with each run's Services as tuples of their field values."""
    return [[tuple(svc.__dict__.values()) for svc in e] if type(e) is list else e for e in entries]


def unpack(packed: list) -> list:
    """:func:`pack`'s entries as they were: the same Services, field for field."""
    return [[service_of(values) for values in e] if type(e) is list else e for e in packed]


def service_of(values: tuple) -> Service:
    """The Service whose fields are ``values`` (in SERVICE_FIELDS order), built as service_fast
    builds it: the instance dict filled in field order (a compact key-sharing dict)."""
    svc = _new(Service)
    svc.__dict__.update(zip(SERVICE_FIELDS, values))
    return svc
