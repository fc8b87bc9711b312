"""Files parsed ahead in a forked worker (planner.inventory.ahead) give exactly the inventory,
notes and errors of a read in one process; detect_cloud's one-pass count equals the sorted walk.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner.inventory as inventory
import planner.inventory.ahead as ahead_mod
from planner.cli import main
from planner.inventory.fleet import read_fleet
from planner.model import Cluster, Ingress, Inventory, PlannerError, Service, Source
from planner.pricers import detect
from tests.test_inventory_fastpaths import services as service_docs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="read-ahead needs fork")


def _wait_worker_took_all(ahead, down_to: int = 0) -> None:
    """Until the worker has claimed every task (it starts from the end) from ``down_to`` on:
    then those files' results come from it, not from this process."""
    deadline = time.monotonic() + 30
    while ahead._bounds[1] > down_to:
        assert time.monotonic() < deadline, "the read-ahead worker never started"
        time.sleep(0.005)


@pytest.fixture
def worker_reads(monkeypatch):
    """Read-ahead forced on (any size) and every file left to the worker; yields the list of
    (path, came from the worker) of each take."""
    taken: list[tuple[str, bool]] = []
    monkeypatch.setattr(ahead_mod, "PARALLEL_MIN_BYTES", 0)
    start = inventory.start_read_ahead

    def start_and_wait(entries):
        ahead = start(entries)
        if ahead is not None:
            _wait_worker_took_all(ahead)
            take = ahead.take

            def recording_take(path, cluster):
                got = take(path, cluster)
                taken.append((path, got is not None))
                return got

            ahead.take = recording_take
        return ahead

    monkeypatch.setattr(inventory, "start_read_ahead", start_and_wait)  # reading_ahead's
    yield taken


def _in_process(monkeypatch):
    monkeypatch.setattr(ahead_mod, "PARALLEL_MIN_BYTES", 1 << 62)


def _state(inv: Inventory) -> list:
    """Every field of the inventory, Services field by field (their dataclass equality skips
    annotations, labels and selector) and in their order."""
    out = []
    for f in dataclasses.fields(inv):
        value = getattr(inv, f.name)
        if f.name == "services":
            value = [list(vars(s).items()) for s in value]
        out.append((f.name, value))
    return out


def _svc(name, ns="shop", stype="LoadBalancer", **extra):
    meta = {"name": name, "annotations": {"cloud.google.com/neg": "{}"}, "labels": {"app": name}}
    if ns is not None:
        meta["namespace"] = ns
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": meta,
           "spec": {"type": stype, "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": name}}}
    doc.update(extra)
    return doc


def _ingress(name):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": f"{name}.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}


def _write_fleet(tmp, files: dict[str, list[dict]], clusters: dict[str, list[str]]) -> str:
    (tmp / "c").mkdir(exist_ok=True)
    for name, docs in files.items():
        (tmp / "c" / name).write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}))
    lines = ["clusters:"]
    for cname, fnames in clusters.items():
        lines += [f"  - name: {cname}", "    cloud: gcp", "    project: p", "    region: us-central1",
                  f"    inventory: [{', '.join('c/' + f for f in fnames)}]"]
    (tmp / "fleet.yaml").write_text("\n".join(lines) + "\n")
    return str(tmp / "fleet.yaml")


def _mixed_files() -> dict[str, list[dict]]:
    status = {"loadBalancer": {"ingress": [{"ip": "34.1.1.1"}]}}
    return {
        "a.json": [_svc("web"), _svc("db", stype="ClusterIP"), _ingress("front"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}],
        "b.json": [_svc("web", status=status), _svc("nons", ns=None), _svc("bad", spec={"type": "LoadBalancer"}), "not an object",
                   {"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "inlist", "namespace": "shop"}, "spec": {"ports": [{"port": 1}]}}]}],
        "c.json": [_svc("np", stype="NodePort"), {"metadata": {"name": "kindless"}}, _svc("web", ns="default")],
        "d.json": [_svc("api"), _svc("api", ns="other"), _svc("nons2", ns=None)],
    }


def test_worker_read_equals_one_process(tmp_path, monkeypatch, worker_reads):
    fleet = _write_fleet(tmp_path, _mixed_files(), {"one": ["a.json", "b.json"], "two": ["c.json", "d.json", "a.json"]})
    with_worker, _ = read_fleet(fleet)
    assert worker_reads and all(from_worker for _, from_worker in worker_reads)  # the worker read every file
    _in_process(monkeypatch)
    alone, _ = read_fleet(fleet)
    assert _state(with_worker) == _state(alone)
    codes = Counter(n.code for n in alone.notes)  # the cases above are all there
    assert codes["DUPLICATE_IDENTICAL"] == 1 and codes["NAMESPACE_DEFAULTED"] == 2 and codes["NO_PORTS"] == 1 and codes["NOT_AN_OBJECT"] == 1
    assert codes["NO_KIND"] == 1
    assert alone.services[[s.name for s in alone.services].index("web")].status_addresses == ("34.1.1.1",)


def test_worker_and_this_process_share_the_files(tmp_path, monkeypatch):
    """Unforced, both sides read (the worker from the end): still the same inventory."""
    files = {f"f{i:02}.json": [_svc(f"s{i}-{j}", stype=("LoadBalancer", "ClusterIP")[j % 2]) for j in range(300)] for i in range(12)}
    fleet = _write_fleet(tmp_path, files, {f"k{i}": [f"f{i:02}.json"] for i in range(12)})
    monkeypatch.setattr(ahead_mod, "PARALLEL_MIN_BYTES", 0)
    with_worker, _ = read_fleet(fleet)
    _in_process(monkeypatch)
    alone, _ = read_fleet(fleet)
    assert _state(with_worker) == _state(alone) and len(alone.services) == 3600


def test_error_in_a_worker_file_is_the_one_process_error(tmp_path, monkeypatch, worker_reads, capsys):
    files = _mixed_files()
    fleet = _write_fleet(tmp_path, files, {"one": ["a.json", "b.json"], "two": ["c.json", "d.json"]})
    (tmp_path / "c" / "c.json").write_text('{"apiVersion": "v1", "kind": "List",\n "items": [}\n')
    assert main(["analyze", "--fleet", fleet, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert (str(tmp_path / "c" / "c.json"), False) in worker_reads  # the worker failed on it: parsed here again
    assert [p for p, w in worker_reads if w] == [str(tmp_path / "c" / n) for n in ("a.json", "b.json")]
    _in_process(monkeypatch)
    assert main(["analyze", "--fleet", fleet, "--out", str(tmp_path / "out2")]) == 2
    assert capsys.readouterr().err == err
    assert f"{tmp_path / 'c' / 'c.json'}:2: invalid JSON" in err and len(err.strip().splitlines()) == 1


def test_conflict_between_files_is_the_one_process_error(tmp_path, monkeypatch, worker_reads):
    files = {"a.json": [_svc("web")], "b.json": [_svc("web", stype="NodePort")]}
    fleet = _write_fleet(tmp_path, files, {"one": ["a.json", "b.json"]})
    with pytest.raises(PlannerError) as with_worker:
        read_fleet(fleet)
    assert all(w for _, w in worker_reads)
    _in_process(monkeypatch)
    with pytest.raises(PlannerError) as alone:
        read_fleet(fleet)
    assert str(with_worker.value) == str(alone.value) and "also defined, differently" in str(alone.value)


def test_positional_files_read_ahead(tmp_path, monkeypatch, worker_reads):
    files = _mixed_files()
    _write_fleet(tmp_path, files, {"one": list(files)})
    args = [str(tmp_path / "c" / n) for n in files]
    assert main(["analyze", *args, "--out", str(tmp_path / "w"), "--format", "json"]) == 0
    assert len(worker_reads) == len(files) and all(w for _, w in worker_reads)
    _in_process(monkeypatch)
    assert main(["analyze", *args, "--out", str(tmp_path / "p"), "--format", "json"]) == 0
    assert (tmp_path / "w" / "plan.json").read_bytes() == (tmp_path / "p" / "plan.json").read_bytes()


def test_small_input_is_read_here(tmp_path):
    fleet = _write_fleet(tmp_path, _mixed_files(), {"one": ["a.json", "b.json"]})
    assert inventory.start_read_ahead([([fleet.replace("fleet.yaml", "c/a.json"), fleet.replace("fleet.yaml", "c/b.json")], "one")]) is None


@settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(st.lists(service_docs, max_size=6), min_size=2, max_size=3))
def test_worker_read_of_any_services_equals_one_process(tmp_path_factory, per_file):
    tmp = tmp_path_factory.mktemp("ahead")
    docs = {f"f{i}.json": [dict(d, apiVersion="v1", kind="Service") for d in file_docs] for i, file_docs in enumerate(per_file)}
    fleet = _write_fleet(tmp, docs, {"one": list(docs)})

    def read():
        try:
            return _state(read_fleet(fleet)[0])
        except PlannerError as exc:
            return str(exc)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ahead_mod, "PARALLEL_MIN_BYTES", 0)
        start = inventory.start_read_ahead

        def start_and_wait(entries):
            ahead = start(entries)
            _wait_worker_took_all(ahead)
            return ahead

        mp.setattr(inventory, "start_read_ahead", start_and_wait)
        with_worker = read()
    with pytest.MonkeyPatch.context() as mp:
        _in_process(mp)
        alone = read()
    assert with_worker == alone


def _parse_or_die(path, cluster):
    if path == "boom":
        os._exit(1)  # the worker dies (killed, out of memory...)
    if path == "bad":
        raise PlannerError("bad: not for the worker to report")
    return [("parsed", path, cluster)]


def test_worker_failures_leave_the_file_to_this_process():
    tasks = [("a", "c"), ("boom", "c"), ("bad", "c"), ("z", "c"), ("z", "c")]
    with ahead_mod.ReadAhead(tasks, _parse_or_die) as ra:
        _wait_worker_took_all(ra, down_to=1)  # z, z, bad, then boom: the worker is gone
        assert ra.take("nope", "c") is None  # not a task
        assert ra.take("a", "c") is None  # never claimed by the worker: parsed here
        assert ra.take("boom", "c") is None  # the worker died on it
        assert ra.take("bad", "c") is None  # it raised: this process parses it and reports
        assert ra.take("z", "c") == [("parsed", "z", "c")] and ra.take("z", "c") == [("parsed", "z", "c")]
        assert ra.take("z", "c") is None  # read a third time: only two were tasks


def test_no_fork_means_one_process(tmp_path, monkeypatch):
    files = _mixed_files()
    fleet = _write_fleet(tmp_path, files, {"one": list(files)})
    monkeypatch.setattr(ahead_mod, "PARALLEL_MIN_BYTES", 0)

    def refuse():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ahead_mod.os, "fork", refuse)
    assert inventory.start_read_ahead([([str(tmp_path / "c" / n) for n in files], "one")]) is None
    with_refused_fork, _ = read_fleet(fleet)
    monkeypatch.undo()
    _in_process(monkeypatch)
    assert _state(with_refused_fork) == _state(read_fleet(fleet)[0])


# --- detect_cloud: one pass instead of sorting every object ------------------------------------

def _reference_detect(inv):
    """detect_cloud as it was: every object in key order, the first of each cloud kept."""
    counts, first = Counter(), {}
    for obj, cloud in [(s.ref, detect._evidence_service(s)) for s in sorted(inv.services, key=lambda s: s.key)] + [
        (i.ref, detect._evidence_ingress(i)) for i in sorted(inv.ingresses, key=lambda i: i.key)
    ]:
        if cloud:
            counts[cloud] += 1
            first.setdefault(cloud, obj)
    return counts, first


def _reference_evidence_service(svc):
    for key in svc.annotations:
        if key.startswith("service.beta.kubernetes.io/aws-"):
            return "aws"
        if key.startswith("service.beta.kubernetes.io/azure-"):
            return "azure"
        if key.startswith(("cloud.google.com/", "networking.gke.io/")):
            return "gcp"
    return "rest"


ANNOTATIONS = ["service.beta.kubernetes.io/aws-load-balancer-type", "service.beta.kubernetes.io/azure-dns-label-name", "cloud.google.com/neg",
               "networking.gke.io/load-balancer-type", "alb.ingress.kubernetes.io/scheme", "appgw.ingress.kubernetes.io/x", "kubernetes.io/ingress.class",
               "ingress.gcp.kubernetes.io/pre-shared-cert", "app", "service.beta.kubernetes.io/other"]
names = st.sampled_from(["a", "b", "c"])
annotation_maps = st.dictionaries(st.sampled_from(ANNOTATIONS), st.sampled_from(["gce", "nginx", "x"]), max_size=3)
service_rows = st.builds(
    lambda c, ns, n, ann, cls, addr: Service(cluster=c, namespace=ns, name=n, type="LoadBalancer", ports=(), source=Source("f"), annotations=ann,
                                             load_balancer_class=cls, status_addresses=addr),
    names, names, names, annotation_maps, st.sampled_from([None, "service.k8s.aws/nlb", "eks.amazonaws.com/nlb", "x"]),
    st.lists(st.sampled_from(["1.2.3.4", "a.elb.amazonaws.com", "x.cloudapp.azure.com", "h"]), max_size=2).map(tuple),
)
ingress_rows = st.builds(
    lambda c, ns, n, ann, cls: Ingress(cluster=c, namespace=ns, name=n, ingress_class=cls, paths=(), tls_hosts=(), has_tls=False, source=Source("f"), annotations=ann),
    names, names, names, annotation_maps, st.sampled_from(["gce", "alb", "azure-application-gateway", "nginx"]),
)


@settings(max_examples=500, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(service_rows, max_size=8), st.lists(ingress_rows, max_size=6))
def test_detect_cloud_is_the_sorted_walk(services, ingresses):
    inv = Inventory(services=services, ingresses=ingresses)  # duplicate keys included: the earlier one is first
    counts, first = detect.detect_cloud(inv)
    ref_counts, ref_first = _reference_detect(inv)
    assert counts == ref_counts and list(first.items()) == list(ref_first.items())


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(service_rows)
def test_service_annotation_evidence_is_the_prefix_walk(svc):
    got = detect._evidence_service(dataclasses.replace(svc, load_balancer_class=None, status_addresses=()))
    assert (got or "rest") == _reference_evidence_service(svc)


def test_detect_cloud_examples():
    svc = lambda n, **kw: Service(cluster="c", namespace="ns", name=n, type="LoadBalancer", ports=(), source=Source("f"), **kw)  # noqa: E731
    inv = Inventory(services=[svc("z", annotations={"cloud.google.com/neg": "{}"}), svc("b", status_addresses=("x.elb.amazonaws.com",)),
                              svc("a", annotations={"cloud.google.com/neg": "{}"})],
                    ingresses=[Ingress(cluster="c", namespace="a", name="i", ingress_class="alb", paths=(), tls_hosts=(), has_tls=False, source=Source("f")),
                               Ingress(cluster="a", namespace="a", name="j", ingress_class="azure-application-gateway", paths=(), tls_hosts=(), has_tls=False, source=Source("f"))])
    counts, first = detect.detect_cloud(inv)
    assert counts == Counter(gcp=2, aws=2, azure=1)
    assert first == {"gcp": "Service c/ns/a", "aws": "Service c/ns/b", "azure": "Ingress a/a/j"}
