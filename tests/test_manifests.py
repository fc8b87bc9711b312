"""``--format manifests``: per phase, the Kubernetes objects the program applies as YAML and the
GCP resources as a gcloud script. The manifests equal what the program registers under the
Pulumi mocks, object for object, in every phase and strategy, and pass the CRDs and
kubernetes-validate."""
from __future__ import annotations

import copy
import json
import shlex
import subprocess

import pytest
import yaml

import crd_validate
from planner.cli import main
from planner.render import jsonplan, manifests
from planner.render import pulumi as render_pulumi

from pulumi_harness import run_program
from test_crds import k8s_objects
from test_pulumi_injection import _evil, _replace
from test_pulumi_routes import make_plan

PHASES = ("build", "cutover", "retire")


@pytest.fixture(scope="module", params=["gateway", "ingress"])
def demo(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    assert main(["analyze", "--out", str(out), "--strategy", request.param, "--consolidate-anyway", "--format", "manifests"]) == 0  # every group moves
    return out, jsonplan.load(out / "plan.json")


def _manifest_objects(root, phase) -> list[dict]:
    objs = []
    for path in sorted((root / phase).rglob("*.yaml")):
        objs += [o for o in yaml.safe_load_all(path.read_text(encoding="utf-8")) if o]
    return objs


def _normal(obj: dict) -> str:
    """The program's patchForce annotation is kubectl's --force-conflicts; empty annotations are none."""
    obj = copy.deepcopy(obj)
    ann = obj["metadata"].get("annotations")
    if ann is not None:
        ann.pop("pulumi.com/patchForce", None)
        if not ann:
            del obj["metadata"]["annotations"]
    return json.dumps(obj, sort_keys=True)


@pytest.mark.parametrize("phase", PHASES)
def test_manifests_equal_what_the_program_registers(demo, phase):
    out, plan = demo
    program = sorted(_normal(o) for o in k8s_objects(run_program(out / "pulumi", {"gcp:project": "acme-prod", "planner:phase": phase})))
    written = sorted(_normal(o) for o in _manifest_objects(out / "manifests", phase))
    assert written == program
    assert len(written) >= 10


@pytest.mark.parametrize("phase", PHASES)
def test_manifests_are_valid(demo, phase):
    out, _ = demo
    objs = _manifest_objects(out / "manifests", phase)
    assert [e for o in objs for e in crd_validate.errors(o)] == []


def test_one_file_per_namespace_and_kind_sorted(demo):
    out, plan = demo
    for path in (out / "manifests" / "retire").glob("*.yaml"):
        objs = [o for o in yaml.safe_load_all(path.read_text()) if o]
        ns, kind, _ = path.name.split(".")
        assert {o["kind"] for o in objs} == {kind}
        assert {o["metadata"].get("namespace", "_cluster") for o in objs} == {ns}
        assert [o["metadata"]["name"] for o in objs] == sorted(o["metadata"]["name"] for o in objs)
    services = _manifest_objects(out / "manifests", "retire")
    patched = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in services if o["kind"] == "Service"}
    assert patched == {(s["namespace"], s["name"]) for s in plan["services"] if s["decision"] == "consolidate"}
    assert all(o["spec"]["type"] == "ClusterIP" for o in services if o["kind"] == "Service")


def test_deterministic_and_stale_files_removed(demo, tmp_path):
    out, plan = demo
    a = manifests.write(plan, tmp_path / "a")
    stale = a / "build" / "gone.Ingress.yaml"
    stale.write_text("---\n{}\n")
    b = manifests.write(copy.deepcopy(plan), tmp_path / "a")
    assert not stale.exists()
    c = manifests.write(plan, tmp_path / "c")
    rel = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert rel == sorted(p.relative_to(c).as_posix() for p in c.rglob("*") if p.is_file())
    assert all((b / r).read_bytes() == (c / r).read_bytes() for r in rel)
    assert all((b / r).read_bytes() == (out / "manifests" / r).read_bytes() for r in rel)


def test_gcloud_scripts(demo):
    out, plan = demo
    data = render_pulumi.program_data(plan)
    build = (out / "manifests" / "build" / "gcloud.sh").read_text()
    for phase in PHASES:
        subprocess.run(["sh", "-n", str(out / "manifests" / phase / "gcloud.sh")], check=True)
    assert build.count("gcloud compute addresses create ") == len(data["addresses"])
    # checkout (the allow-listed service) is TLS-only: it moves under the gateway strategy only
    # (TLS_ONLY_INGRESS keeps it from a GKE Ingress)
    armored = 1 if plan["inputs"]["strategy"] == "gateway" else 0
    assert build.count("gcloud compute security-policies create ") == len(data["security_policies"]) == armored
    if armored:
        assert "rules create 1000 --security-policy=planner-shop-checkout --src-ip-ranges=198.51.100.10/32,203.0.113.0/24 --action=allow" in build
        assert "rules update 2147483647 --security-policy=planner-shop-checkout --action=deny-403" in build
    assert build.count("certificate-manager maps entries create ") == len(data["certificate_map_entries"])
    cut = (out / "manifests" / "cutover" / "gcloud.sh").read_text()
    # one record-set call per host that is neither external-dns's (handed over by annotation) nor
    # generated: the folded shop-legacy Ingress's www.acme-demo.com (gateway strategy only)
    records = len([d for d in data["dns"] if not d["external_dns"] and not d["conflict"]])
    assert cut.count("gcloud dns record-sets ") == records == (1 if plan["inputs"]["strategy"] == "gateway" else 0)
    # the demo plan names no project: the script asks for one rather than guess
    assert ': "${PROJECT:?set PROJECT to the GCP project of the plan}"' in build
    assert "nothing: retire changes only Kubernetes Services" in (out / "manifests" / "retire" / "gcloud.sh").read_text()


def test_hostile_values_are_quoted_in_gcloud_and_yaml(tmp_path):
    assert main(["analyze", "--out", str(tmp_path / "clean"), "--strategy", "gateway"]) == 0
    clean = jsonplan.load(tmp_path / "clean" / "plan.json")
    sentinel = tmp_path / "pwned"
    table = _evil(sentinel)
    evil = _replace(copy.deepcopy(clean), table)
    written = manifests.files(evil)
    host = table["cart.acme-demo.com"]
    build = written["build/gcloud.sh"]
    # the host (quotes, newlines and all) is one shell word, exactly the payload (its certificate
    # map entry; its DNS record is external-dns's, handed over by annotation, not a gcloud call)
    assert "\n" in host and "--hostname=" + host in shlex.split(build, comments=True)
    for script in (build, written["cutover/gcloud.sh"]):
        subprocess.run(["sh", "-n"], input=script, text=True, check=True)
    objs = [o for rel, text in written.items() if rel.endswith(".yaml") for o in yaml.safe_load_all(text) if o]
    assert any(host in (o.get("spec", {}).get("hostnames") or []) for o in objs)
    assert not sentinel.exists()
    # file names from hostile namespaces stay plain names inside the phase directory
    assert all("/" not in rel.split("/", 1)[1] and ".." not in rel for rel in written)


def test_hand_built_plan_with_the_new_route_keys(tmp_path):
    routes = [{"host": "secure.example.com", "path": "/", "service": "pay", "port": 80, "https_only": True},
              {"host": "a.example.com", "path": "/old", "service": "web", "port": 80, "rewrite": "/new"}]
    plan = make_plan(routes=routes, tls=("secure.example.com",), policies={"source_ranges": ["198.51.100.0/24"], "source_ranges_annotation": True})
    written = manifests.write(plan, tmp_path / "m")
    out = render_pulumi.write(plan, tmp_path / "p")
    for phase in PHASES:
        program = sorted(_normal(o) for o in k8s_objects(run_program(out, {"gcp:project": "acme-prod", "planner:phase": phase})))
        objs = _manifest_objects(written, phase)
        assert sorted(_normal(o) for o in objs) == program
        assert [e for o in objs for e in crd_validate.errors(o)] == []
    build = (written / "build" / "gcloud.sh").read_text()
    assert 'PROJECT="${PROJECT:-acme-prod}"' in build
