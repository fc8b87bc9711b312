"""The inventory reader's fast paths give exactly what the reference paths give.

* ``loader._fast_json`` (orjson behind a raw-bytes scan) returns json.loads's document or
  defers to json (``_SLOW``); when it says a document is shallow, the depth walk agrees.
* ``kube.service_fast`` (well-formed v1 Services) builds the Service the full parser builds,
  field for field and type for type, or defers (None) to the full parser.
"""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.inventory import kube, loader, read_inventory
from planner.model import Cluster, Service, Source

SETTINGS = settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)


def canon(x):
    """Value and type, floats exactly: json and orjson documents compare equal only if alike."""
    if isinstance(x, float):
        return ("f", x.hex() if math.isfinite(x) else repr(x))
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, int):
        return ("i", x)
    if isinstance(x, str):
        return ("s", x)
    if isinstance(x, list):
        return [canon(i) for i in x]
    return ("d", [(canon(k), canon(v)) for k, v in x.items()])


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(2**66), 2**66), st.floats(), st.text(max_size=8))
values = st.recursive(scalars, lambda k: st.one_of(st.lists(k, max_size=4), st.dictionaries(st.text(max_size=5), k, max_size=4)), max_leaves=25)
FRAGMENTS = ['1e400', '-1e400', 'NaN', 'Infinity', '-Infinity', '"\\ud800"', '"\\udc00"', '18446744073709551616', '-9223372036854775809',
             '18446744073709551615', '1' * 25, '1' * 25 + '.5', '"\\u0000"', '"\x01"', '1.', '[', ']', '{', '}', ',', ':', ' ', '\u00a0',
             '2.2250738585072011e-308', '4.9406564584124654e-324', '9007199254740993', '-0', '-0.0', '1E+2', 'tru', '"\\uD83D\\uDE00"']


@st.composite
def json_texts(draw):
    text = json.dumps(draw(values), indent=draw(st.sampled_from([None, 2, 4])), ensure_ascii=draw(st.booleans()), allow_nan=True)
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(FRAGMENTS)) + text[i + draw(st.integers(0, 2)):]
    return text


nested = st.integers(55, 70).map(lambda n: '{"a": ' + "[" * n + "]" * n + "}")


@SETTINGS
@given(st.one_of(json_texts(), nested))
def test_fast_json_is_json_or_defers(text):
    try:
        ref = ("ok", canon(json.loads(text)))
    except (json.JSONDecodeError, RecursionError):
        ref = ("error",)
    doc, shallow = loader._fast_json(text, text.encode())
    if doc is loader._SLOW:
        return
    assert ref == ("ok", canon(doc))
    if shallow:
        assert loader._depth_ok(doc)


@pytest.mark.parametrize("text", ["[18446744073709551616]", "[-9223372036854775809]", "[NaN]", "[1e400]", '["\\ud800"]', "[-Infinity]"])
def test_fast_json_defers_where_orjson_differs(text):
    assert loader._fast_json(text, text.encode())[0] is loader._SLOW


def test_shallow_bound():
    assert loader._shallow(b"{[{}]}")
    assert loader._shallow(b"[" * 31 + b"]" * 31)  # one level a round
    assert loader._shallow(b"[{" * 31 + b"}]" * 31)  # two levels a round: 62 < 64
    assert not loader._shallow(b"[" * 62 + b"]" * 62)  # not proven in 31 rounds: the walk decides
    assert not loader._shallow(b"[{" * 32 + b"}]" * 32)
    assert not loader._shallow(b"{[}")  # unbalanced (brackets in strings): the walk decides


def test_deep_json_still_refused_with_its_message(tmp_path):
    for n, ok in ((30, True), (62, True), (63, False), (300, False)):
        f = tmp_path / f"d{n}.json"
        # the document is level 1, "spec" level 2: n lists put the 1 at level n + 2 (64 at most)
        f.write_text('{"kind": "ConfigMap", "spec": ' + "[" * n + "1" + "]" * n + "}")
        if ok:
            read_inventory([str(f)], Cluster(name="c"))
        else:
            with pytest.raises(Exception, match=r"document nested deeper than 64 levels \(refused\)$"):
                read_inventory([str(f)], Cluster(name="c"))


maybe = lambda s: st.one_of(s, st.none(), values)  # noqa: E731
str_maps = st.dictionaries(
    st.one_of(st.text(max_size=5), st.integers(0, 2), st.booleans(), st.just("kubectl.kubernetes.io/last-applied-configuration")),
    st.one_of(st.text(max_size=5), st.none(), st.integers(0, 2), st.booleans(), st.floats(0, 2)),
    max_size=3,
)
ports = st.fixed_dictionaries(
    {"port": st.one_of(st.integers(1, 65535), st.sampled_from([0, 65536, True, 80.0, "80"]))},
    optional={
        "protocol": st.sampled_from(["TCP", "UDP", "SCTP", "tcp", None]),
        "name": st.one_of(st.text(max_size=4), st.none(), st.integers(0, 2)),
        "targetPort": st.one_of(st.integers(0, 99), st.text(max_size=3), st.booleans(), st.none(), st.floats(0, 2)),
        "appProtocol": st.one_of(st.text(max_size=4), st.none(), st.integers(0, 2)),
    },
)
ingress = st.lists(st.one_of(values, st.fixed_dictionaries({}, optional={"ip": maybe(st.sampled_from(["1.1.1.1", "2.2.2.2", ""])), "hostname": maybe(st.sampled_from(["h", ""]))})), max_size=3)
services = st.fixed_dictionaries(
    {
        "metadata": st.one_of(
            st.fixed_dictionaries(
                {"name": st.one_of(st.sampled_from(["web", "api"]), st.sampled_from(["", None, 3]))},
                optional={"namespace": st.sampled_from(["shop", "", None, 4]), "annotations": st.one_of(str_maps, values), "labels": st.one_of(str_maps, values)},
            ),
            values,
        ),
        "spec": st.one_of(
            st.fixed_dictionaries(
                {"ports": st.one_of(st.lists(ports, max_size=3), st.lists(st.one_of(ports, values), max_size=2), values)},
                optional={
                    "type": st.sampled_from(["LoadBalancer", "ClusterIP", "NodePort", "ExternalName", "Foo", None]),
                    "selector": st.one_of(str_maps, values),
                    "loadBalancerSourceRanges": st.one_of(st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3), values),
                    "loadBalancerIP": st.sampled_from(["", "1.2.3.4", None, 5]),
                    "loadBalancerClass": maybe(st.text(max_size=3)),
                    "externalTrafficPolicy": st.sampled_from(["Local", "Cluster", None, 2]),
                    "sessionAffinity": st.sampled_from(["None", "ClientIP", None, []]),
                },
            ),
            values,
        ),
    },
    optional={"status": st.one_of(values, st.fixed_dictionaries({"loadBalancer": st.one_of(values, st.fixed_dictionaries({}, optional={"ingress": st.one_of(values, ingress)}))}))},
)


def _typed(svc: Service) -> list:
    return [(f.name, canon_map(getattr(svc, f.name))) for f in dataclasses.fields(Service)]


def canon_map(v):
    if isinstance(v, dict):
        return ("map", [(type(k).__name__, k, type(x).__name__, x) for k, x in v.items()])
    if isinstance(v, tuple):
        return ("tuple", [canon_map(x) for x in v])
    if dataclasses.is_dataclass(v):
        return (type(v).__name__, [(k, type(x).__name__, x) for k, x in vars(v).items()])
    return (type(v).__name__, v)


@settings(max_examples=1500, suppress_health_check=list(HealthCheck), deadline=None)
@given(services)
def test_service_fast_is_the_full_parser(doc):
    src = Source("f.json", 3)
    full, notes = kube._parse_service(doc, "c", src)
    fast = kube.service_fast(doc, "c", src)
    if fast is None:
        assert kube.parse_service(doc, "c", src) == (full, notes)
        return
    assert full is not None and notes == []
    assert fast == full and list(vars(fast)) == list(vars(full)) and _typed(fast) == _typed(full)


def test_service_fast_takes_kubectl_services():
    doc = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "cloud.google.com/l4-rbs": "enabled"}},
        "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                 "selector": {"app": "web"}, "externalTrafficPolicy": "Local", "sessionAffinity": "None", "loadBalancerSourceRanges": ["b", "a"]},
        "status": {"loadBalancer": {"ingress": [{"ip": "34.1.1.1"}]}},
    }
    fast = kube.service_fast(doc, "c", Source("f"))
    assert fast is not None
    full, _ = kube._parse_service(doc, "c", Source("f"))
    assert _typed(fast) == _typed(full)
    assert dict(fast.annotations) == {"cloud.google.com/l4-rbs": "enabled"} and fast.load_balancer_source_ranges == ("a", "b")
