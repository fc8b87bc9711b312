"""``kube._plain_values`` (the reader's path for Services as kubectl prints them) gives exactly
what ``kube._checked_values`` gives, value for value and type for type, or defers (None or
TypeError) to it; and ``loader._pieces`` cuts a List's items where the byte search did.

The strategies stay close to the plain shapes (exact strings, string maps, one or two ports,
one status address) and then spoil one field at a time (a number for a string, a float port,
``True`` for a target port, the dropped annotation, empty ranges), so both the plain path and
each of its ways out are exercised.
"""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.inventory import kube, loader
from planner.model import Source

from tests.test_inventory_fastpaths import canon_map

SRC = Source("f.json", None)
text = st.sampled_from(["web", "shop", "http", "Cluster", "Local", "None", "ClientIP", "a/b"])
odd = st.one_of(st.none(), st.booleans(), st.integers(-1, 3), st.floats(0, 2), st.just(""), st.just([]), st.just({}),
                st.just(kube.DROPPED_ANNOTATIONS[0]), st.just(kube.SOURCE_RANGES_ANNOTATION), st.just(80.0), st.just(65536))
str_map = st.dictionaries(text, text, max_size=3)
port = st.fixed_dictionaries(
    {"port": st.sampled_from([80, 443, 8080])},
    optional={"protocol": st.sampled_from(["TCP", "UDP", "SCTP"]), "name": text, "targetPort": st.sampled_from([80, 8080, "http"]),
              "appProtocol": text, "nodePort": st.integers(30000, 30002)},
)
address = st.fixed_dictionaries({}, optional={"ip": st.sampled_from(["34.1.1.1", "34.2.2.2", ""]), "hostname": st.sampled_from(["lb.example", ""]), "ipMode": text})
status = st.one_of(st.just({"loadBalancer": {}}), st.fixed_dictionaries({"loadBalancer": st.fixed_dictionaries({}, optional={"ingress": st.lists(address, max_size=2)})}))
#: A Service as kubectl prints it: every field of the plain path's types.
plain_service = st.fixed_dictionaries(
    {
        "metadata": st.fixed_dictionaries({"name": text, "namespace": text}, optional={"labels": str_map, "annotations": str_map}),
        "spec": st.fixed_dictionaries(
            {"ports": st.lists(port, min_size=1, max_size=2)},
            optional={
                "type": st.sampled_from(["LoadBalancer", "ClusterIP", "NodePort"]),
                "selector": str_map,
                "loadBalancerSourceRanges": st.lists(text, min_size=1, max_size=2),
                "loadBalancerIP": st.sampled_from(["1.2.3.4", ""]),
                "loadBalancerClass": text,
                "externalTrafficPolicy": text,
                "sessionAffinity": text,
            },
        ),
    },
    optional={"status": status},
)


def _paths(doc, prefix=()):
    """Every (path, container) place of ``doc`` that a spoiled value can take."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for k, v in items:
        yield prefix + (k,)
        if isinstance(v, (dict, list)):
            yield from _paths(v, prefix + (k,))


@st.composite
def services(draw):
    """A plain Service, with up to two of its values (or map keys) replaced by an odd one."""
    doc = draw(plain_service)
    for _ in range(draw(st.integers(0, 2))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        value = draw(odd)
        if isinstance(parent, dict) and draw(st.booleans()):  # the key spoiled, not the value
            parent[value if isinstance(value, (str, int, float, bool, type(None))) else 7] = parent.pop(path[-1])
        else:
            parent[path[-1]] = value
    return doc


def _typed(values: tuple) -> list:
    return [canon_map(v) for v in values]


@settings(max_examples=3000, suppress_health_check=list(HealthCheck), deadline=None)
@given(services())
def test_plain_values_are_the_checked_values(doc):
    checked = kube._checked_values(doc, "c", SRC)
    try:
        plain = kube._plain_values(doc, "c", SRC)
    except TypeError:
        plain = None
    assert kube.service_values(doc, "c", SRC) == checked
    if plain is not None:
        assert checked is not None
        assert plain == checked and _typed(plain) == _typed(checked)


def test_plain_values_take_kubectl_services():
    lb = {"metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "part-of": "shop"}, "annotations": {"cloud.google.com/neg": '{"ingress": true}'}},
          "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 31000}],
                   "selector": {"app": "web"}, "externalTrafficPolicy": "Cluster", "sessionAffinity": "None", "loadBalancerSourceRanges": ["b", "a"]},
          "status": {"loadBalancer": {"ingress": [{"ip": "34.1.1.1", "ipMode": "VIP"}]}}}
    cip = {"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web-1"}},
           "spec": {"ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}, {"name": "m", "port": 9100, "protocol": "TCP", "targetPort": 9100}],
                    "selector": {"app": "web-1"}, "sessionAffinity": "None", "type": "ClusterIP"},
           "status": {"loadBalancer": {}}}
    for doc in (lb, cip):
        plain = kube._plain_values(doc, "c", SRC)
        assert plain is not None and _typed(plain) == _typed(kube._checked_values(doc, "c", SRC))
    assert kube._plain_values(lb, "c", SRC)[10] == ("a", "b")


def _pieces_by_find(data: bytes, start: int, end: int, indent: bytes) -> list[bytes]:
    """The cut as it was made before the regular expression: one bytes.find after another."""
    between = b"\n" + indent + b"},\n" + indent + b"{"
    pieces, at = [], start
    while (cut := data.find(between, at, end)) >= 0:
        cut += len(indent) + 2
        pieces.append(data[at:cut])
        at = cut + len(indent) + 2
    return pieces + [data[at:end]]


@settings(max_examples=500, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "}", "{"]), st.one_of(st.integers(), st.text(alphabet="{},\n ", max_size=6), st.just({})), max_size=3), min_size=1, max_size=6),
       st.sampled_from([2, 4]), st.integers(0, 40), st.integers(0, 40))
def test_pieces_are_cut_where_the_byte_search_cut(items, indent, trim_start, trim_end):
    data = json.dumps({"kind": "List", "items": items}, indent=indent).encode()
    pad = b" " * (2 * indent)
    start, end = data.find(b"[") + 2 + len(pad) + trim_start, len(data) - trim_end
    assert [bytes(p) for p in loader._pieces(data, start, end, pad)] == _pieces_by_find(data, start, end, pad)
    doc = loader._split_list(data, loader._scan(data))
    if doc is not None:  # every piece parses alone, or the reader reads the file whole (NotSplit)
        try:
            assert list(doc["items"]) == items
        except loader.NotSplit:
            pass
