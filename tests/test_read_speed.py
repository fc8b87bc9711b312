"""The reader's shortcuts give exactly what the object-by-object read gives.

* ``entries.parse_for_worker`` / ``unpack`` (the worker's hand-over, rows as field values):
  the entries of ``parse_file``, Services field for field and type for type.
* ``_ClusterRead._add_run`` (a run of Service rows appended at once when no key in it is read
  yet): the inventory, notes and errors of adding the rows one by one.
* ``entries.parse_file`` stops at a parse error with the entries before it: the reader adds
  them before raising, so an error they cause (a conflicting duplicate) still comes first.
* ``loader.ListItems``: the items of an indented JSON List, parsed one by one, are the items
  of the whole text's parse (or the split gives up, NotSplit, and the whole text decides).
* ``ReadAhead`` loads the worker's finished results when this process claims a file of its
  own: the same results, taken in their turn.
"""
from __future__ import annotations

import array
import dataclasses
import fcntl
import json
import os
import termios
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner.inventory as inventory
import planner.inventory.ahead as ahead_mod
from planner.inventory import entries as entries_mod
from planner.inventory import kube
from planner.inventory import loader
from planner.model import Cluster, PlannerError, Service
from tests.test_inventory_fastpaths import _typed, canon
from tests.test_inventory_fastpaths import services as service_docs
from tests.test_read_ahead import _state, _svc, _wait_worker_took_all

SETTINGS = settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
v1_services = service_docs.map(lambda d: dict(d, apiVersion="v1", kind="Service"))
other_docs = st.sampled_from([
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "shop"}, "spec": {}},
    {"metadata": {"name": "kindless"}},
    "not an object",
])
documents = st.one_of(v1_services, v1_services, other_docs)
# few names and namespaces, so that files repeat keys (duplicates, identical or not)
named_services = st.builds(
    lambda name, ns, stype, ip: _svc(name, ns=ns, stype=stype, **({"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}} if ip else {})),
    st.sampled_from(["web", "api", "db"]), st.sampled_from(["shop", "data", None]), st.sampled_from(["LoadBalancer", "ClusterIP"]),
    st.sampled_from([None, "34.1.1.1", "34.2.2.2"]),
)


def _write(tmp, files: list[list]) -> list[str]:
    paths = []
    for i, docs in enumerate(files):
        path = tmp / f"f{i}.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}))
        paths.append(str(path))
    return paths


def _one_by_one(self, run):
    """_add_run without its shortcut: every row through _append_new / _add_row."""
    services, seen = self.inv.services, self.seen["Service"]
    for svc in run:
        if not inventory._append_new(seen, services, svc):
            inventory._add_row(self.inv, seen, "Service", svc, False)
    self.counts["Service"] += len(run)
    return len(run)


def _read_state(paths, namespace=None):
    try:
        return _state(inventory.read_inventory(paths, Cluster(name="c"), namespace=namespace))
    except PlannerError as exc:
        return ("error", str(exc))


@SETTINGS
@given(st.lists(documents, max_size=12))
def test_the_workers_entries_unpacked_are_this_process_entries(tmp_path_factory, docs):
    (path,) = _write(tmp_path_factory.mktemp("pack"), [docs])
    entries, error = entries_mod.parse_file(path, "c")
    assert error is None
    back = entries_mod.unpack(entries_mod.parse_for_worker(path, "c"))
    assert len(back) == len(entries)
    for got, want in zip(back, entries):
        assert type(got) is type(want)
        if type(want) is list:
            assert [_typed(s) for s in got] == [_typed(s) for s in want] and [list(vars(s)) for s in got] == [list(vars(s)) for s in want]
        else:
            assert canon(got[0]) == canon(want[0]) and got[1] == want[1]


@SETTINGS
@given(st.lists(st.lists(st.one_of(named_services, named_services, documents), max_size=8), min_size=1, max_size=3), st.sampled_from([None, "ops"]))
def test_a_run_added_at_once_is_the_one_by_one_read(tmp_path_factory, files, namespace):
    paths = _write(tmp_path_factory.mktemp("runs"), files)
    at_once = _read_state(paths, namespace)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory._ClusterRead, "_add_run", _one_by_one)
        assert _read_state(paths, namespace) == at_once


def test_service_of_fills_the_fields_in_their_order():
    svc = kube.service_of(tuple(range(len(kube.SERVICE_FIELDS))))
    assert list(vars(svc).items()) == [(f.name, i) for i, f in enumerate(dataclasses.fields(Service))]


def test_objects_before_a_parse_error_are_added_first(tmp_path):
    conflict = tmp_path / "conflict.yaml"
    conflict.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort, ports: [{port: 80}]}\n---\n"
        "kind: [unclosed\n"
    )
    with pytest.raises(PlannerError, match="also defined, differently"):
        inventory.read_inventory([str(conflict)], Cluster(name="c"))
    entries, error = entries_mod.parse_file(str(conflict), "c")
    assert isinstance(error, PlannerError) and [len(e) for e in entries] == [2]  # one run of both rows
    fine = tmp_path / "fine.yaml"
    fine.write_text(conflict.read_text().replace("NodePort", "LoadBalancer"))
    with pytest.raises(PlannerError) as exc:
        inventory.read_inventory([str(fine)], Cluster(name="c"))
    assert str(exc.value).startswith(f"{fine}:")


def _echo(path, marker):
    """The worker's parse: its arguments; on ``m``, only once ``marker`` exists."""
    while path == "m" and not os.path.exists(marker):
        time.sleep(0.005)
    return [path]


def _pipe_bytes(fd: int) -> int:
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="read-ahead needs fork")
def test_results_finished_meanwhile_are_loaded_when_this_process_claims_a_file(tmp_path):
    marker = str(tmp_path / "go")
    tasks = [(p, marker) for p in ("a", "m", "b", "z")]
    with ahead_mod.ReadAhead(tasks, _echo, load=tuple) as ra:
        _wait_worker_took_all(ra, down_to=1)  # the worker claims z, b, then waits in m
        deadline = time.monotonic() + 30
        while _pipe_bytes(ra._notify) < 2 * ahead_mod._HEAD.size:  # until z and b are written
            assert time.monotonic() < deadline, "the worker never wrote its results"
            time.sleep(0.005)
        assert ra.take("a", marker) is None  # claimed here: first loads what the worker has finished
        assert ra._loaded == {2: ("b",), 3: ("z",)}
        open(marker, "w").close()
        assert [ra.take(p, marker) for p in ("m", "b", "z")] == [("m",), ("b",), ("z",)] and ra._loaded == {}


# --- an indented JSON List's items parsed one by one (loader.ListItems) -------------------------

item_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 2**70), st.floats(allow_nan=True), st.text(max_size=6),
              st.sampled_from(["\x00planner-items", "items", '"items": [', "},\n{", "]"])),
    lambda k: st.one_of(st.lists(k, max_size=3), st.dictionaries(st.sampled_from(["items", "kind", "a", "b"]), k, max_size=3)), max_leaves=8)
objects = st.dictionaries(st.sampled_from(["kind", "metadata", "spec", "items", "x"]), item_values, min_size=1, max_size=4)
list_items = st.lists(st.one_of(objects, objects, item_values, st.fixed_dictionaries({"kind": st.sampled_from(["Service", "List"]), "items": st.lists(item_values, max_size=2)})), max_size=5)
SPLIT_FRAGMENTS = ['"\\u0000planner-items"', '\\\\', 'NaN', '1' * 25, '"items": [\n', ',\n    {', ',\n        {', '}\n    ]', '}\n]', '\n', ' ', ',', '{', '}', '[', ']']


@st.composite
def list_texts(draw):
    doc = {"apiVersion": "v1", "kind": draw(st.sampled_from(["List", "ServiceList", "ConfigMap", 5, None])), "items": draw(list_items)}
    if draw(st.booleans()):
        doc["metadata"] = {"items": draw(list_items)}  # an "items" array that is not the List's
    if doc["kind"] is None:
        del doc["kind"]
    keys = list(doc)
    doc = {k: doc[k] for k in draw(st.permutations(keys))}
    text = json.dumps(doc, indent=draw(st.sampled_from([1, 2, 4, 8])), ensure_ascii=draw(st.booleans()), allow_nan=True)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(SPLIT_FRAGMENTS)) + text[i + draw(st.integers(0, 2)):]
    data = text.encode()
    if draw(st.sampled_from([False] * 5 + [True])):  # not UTF-8, binary, a byte-order mark: the errors come first
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.sampled_from([b"\xff", b"\x00", b"\xc3", b"\xed\xa0\x80"])) + data[i:]
    if draw(st.sampled_from([False] * 9 + [True])):
        data = b"\xef\xbb\xbf" + data
    return data


def _pairs(path, split):
    try:
        return ("ok", [(canon(doc), str(source)) for doc, source in loader.iter_object_pairs(path, split=split)])
    except loader.NotSplit:
        return ("not split",)
    except PlannerError as exc:
        return ("error", str(exc))


@settings(max_examples=700, suppress_health_check=list(HealthCheck), deadline=None)
@given(list_texts())
def test_split_list_items_are_the_whole_parse(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("split") / "l.json"
    path.write_bytes(data)
    split = _pairs(str(path), True)
    whole = _pairs(str(path), False)
    assert split == whole or split == ("not split",)
    if split == ("not split",):  # what parse_file then does: the whole text decides
        assert whole != ("not split",)


def test_kubectl_lists_are_split(tmp_path):
    doc = {"apiVersion": "v1", "items": [_svc("web"), _svc("db", stype="ClusterIP")], "kind": "List", "metadata": {"resourceVersion": ""}}
    path = tmp_path / "k.json"
    path.write_text(json.dumps(doc, indent=4) + "\n")
    data = path.read_bytes()
    got = loader._split_list(data, loader._scan(data))
    assert isinstance(got["items"], loader.ListItems) and list(got["items"]) == doc["items"]
    assert [d for d, _ in loader.iter_object_pairs(str(path), split=True)] == doc["items"]
    entries, error = entries_mod.parse_file(str(path), "c")
    assert error is None and [s.name for s in entries[0]] == ["web", "db"]
