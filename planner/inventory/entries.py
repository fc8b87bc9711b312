"""One inventory file → its entries, the unit the reader adds to an Inventory.

An entry is either a *run*: a list of consecutive Service rows that the fast path
(``kube.service_values``) takes whole (v1 Services naming their namespace; the reader appends a
run at once when no key in it is read yet), or one ``(document, source)`` pair for the reader's
full path (every other kind, and Services that need a note or a second look).

The read-ahead worker (``ahead.py``) parses files with :func:`parse_for_worker`: the same
entries, a run's rows left as the tuples of their field values (a pickled dataclass costs the
worker ~5x and this process ~2x as much to write and read back); :func:`unpack` builds them
here into the same Services, field for field, as :func:`parse_file` does.
"""
from __future__ import annotations

from typing import Callable

from planner.inventory.kube import service_of, service_values
from planner.inventory.loader import NotSplit, iter_object_pairs

DEFAULT_NAMESPACE = "default"


def namespace_missing(doc: dict) -> bool:
    """True when the object names no namespace (the parsers then use ``default``)."""
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return False
    ns = meta.get("namespace")
    return not (isinstance(ns, str) and ns)


def fast_row(doc, cluster: str, source) -> tuple | None:
    """The field values of the Service row of a v1 Service that the fast path takes whole,
    else None: it defers, or the Service names no namespace (the reader notes the one it
    assumes)."""
    if type(doc) is not dict or doc.get("kind") != "Service" or doc.get("apiVersion") != "v1":
        return None
    values = service_values(doc, cluster, source)
    if values is None or (values[1] == DEFAULT_NAMESPACE and namespace_missing(doc)):  # values[1]: namespace
        return None
    return values


def parse_file(path: str, cluster: str) -> tuple[list, Exception | None]:
    """The entries of ``path`` read as objects of ``cluster``, and the error that stopped the
    read (None when it read to the end): the entries before an error are still the reader's,
    added before the error is raised, as a read object by object would. The items of an
    indented JSON List are parsed one by one (see loader.ListItems)."""
    return _parse(path, cluster, service_of)


def parse_for_worker(path: str, cluster: str) -> list:
    """What the read-ahead worker sends for one file: its entries, rows as field values. A file
    that stops with an error raises here: the reader parses it again and reports it in its
    place."""
    entries, error = _parse(path, cluster, tuple)
    if error is not None:
        raise error
    return entries


def unpack(packed: list) -> list:
    """:func:`parse_for_worker`'s entries as :func:`parse_file` gives them."""
    return [[service_of(values) for values in e] if type(e) is list else e for e in packed]


def _parse(path: str, cluster: str, row: Callable) -> tuple[list, Exception | None]:
    try:
        return _entries(iter_object_pairs(path, split=True), cluster, row)
    except NotSplit:  # an item did not parse on its own: the whole text decides
        return _entries(iter_object_pairs(path), cluster, row)


def _entries(pairs, cluster: str, row: Callable) -> tuple[list, Exception | None]:
    """The entries of ``pairs``, each Service row made by ``row`` from its field values."""
    entries: list = []
    run: list | None = None
    try:
        for doc, source in pairs:
            values = fast_row(doc, cluster, source)
            if values is None:
                entries.append((doc, source))
                run = None
            elif run is None:
                run = [row(values)]
                entries.append(run)
            else:
                run.append(row(values))
    except NotSplit:
        raise
    except Exception as exc:  # noqa: BLE001 - raised by the reader, after what came before it
        return entries, exc
    return entries, None
