"""Property: whatever documents an inventory holds (valid, near-valid, random), `planner analyze`
either writes a clean plan (valid against the schema, every LoadBalancer Service read listed
exactly once) or exits 2 with ONE line naming the file -- never a traceback."""
from __future__ import annotations

import io
import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from collections import Counter
from pathlib import Path

import jsonschema
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.inventory import read_inventory
from planner.model import Cluster
from planner.resources import schema_path

SCHEMA = json.loads(schema_path().read_text())

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)), max_leaves=12)
names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def valid_service(draw, i: int):
    ports = draw(st.lists(st.tuples(st.integers(1, 65535), st.sampled_from(["TCP", "UDP"])), min_size=1, max_size=3, unique_by=lambda t: t))
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"{draw(names)}-{i}", "namespace": draw(st.sampled_from(["shop", "data", "default"]))},
        "spec": {
            "type": draw(st.sampled_from(["LoadBalancer", "LoadBalancer", "ClusterIP", "NodePort"])),
            "ports": [{"port": p, "protocol": pr, "name": f"p{j}"} for j, (p, pr) in enumerate(ports)],
        },
    }
    if draw(st.booleans()):
        svc["metadata"]["annotations"] = {"networking.gke.io/load-balancer-type": "Internal"}
    if draw(st.booleans()):
        svc["status"] = {"loadBalancer": {"ingress": [{"ip": f"34.0.0.{i % 250}"}]}}
    return svc


@st.composite
def near_valid(draw, i: int):
    """A valid object with one field replaced by an arbitrary value."""
    doc = draw(valid_service(i))
    where = draw(st.sampled_from(["metadata", "spec", "type", "ports", "port", "name", "namespace", "status", "annotations", "kind"]))
    junk = draw(json_values)
    if where in ("metadata", "spec", "status"):
        doc[where] = junk
    elif where == "kind":
        doc["kind"] = draw(st.sampled_from(["Ingress", "Gateway", "HTTPRoute", "Deployment", "ServiceList", "List"]))
        doc["spec"] = draw(st.one_of(json_values, st.just(doc["spec"])))
    elif where in ("type", "ports"):
        doc["spec"][where] = junk
    elif where == "port":
        doc["spec"]["ports"][0]["port"] = junk
    elif where == "annotations":
        doc["metadata"]["annotations"] = junk
    else:
        doc["metadata"][where] = junk
    return doc


@st.composite
def inventories(draw):
    n = draw(st.integers(0, 6))
    docs = []
    for i in range(n):
        kind = draw(st.sampled_from(["valid", "valid", "near", "random"]))
        docs.append(draw(valid_service(i)) if kind == "valid" else draw(near_valid(i)) if kind == "near" else draw(json_values))
    fmt = draw(st.sampled_from(["json-list", "yaml-multi", "yaml-list", "bytes"]))
    if fmt == "json-list":
        return "inv.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}).encode()
    if fmt == "yaml-list":
        return "inv.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": docs}).encode()
    if fmt == "yaml-multi":
        return "inv.yaml", ("# helm template\n---\n" + yaml.safe_dump_all(docs)).encode()
    return "inv.yaml", draw(st.binary(max_size=200))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inventories())
def test_analyze_is_a_clean_plan_or_one_line_error(case):
    name, data = case
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / name
        f.write_bytes(data)
        out, errs = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(errs):
            code = main(["analyze", str(f), "--strategy", "gateway", "--format", "json", "--out", str(Path(d) / "out")])
        err = errs.getvalue()
        assert "Traceback" not in err
        event(f"exit {code}")
        if code == 2:
            assert err.count("\n") == 1 and err.startswith(f"error: {f}"), err
            return
        assert code == 0, err
        plan = json.loads((Path(d) / "out" / "plan.json").read_text())
        jsonschema.validate(plan, SCHEMA)
        inv = read_inventory([str(f)], Cluster("main"))
        read = Counter((s.cluster, s.namespace, s.name) for s in inv.load_balancers)
        planned = Counter((s["cluster"], s["namespace"], s["name"]) for s in plan["services"])
        assert planned == read
        event(f"{'some' if read else 'no'} LoadBalancer Services planned")
        assert all(v == 1 for v in planned.values())
