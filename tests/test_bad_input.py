"""Bad inventories: every case exits 2 with ONE stderr line `error: FILE[:LINE]: ...`, or is
read with a `warn` note naming the object and file -- never a traceback."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.cli import main
from planner.inventory import loader


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def analyze(tmp_path, capsys, *inputs, extra=()):
    return run(["analyze", *map(str, inputs), "--out", str(tmp_path / "out"), *extra], capsys)


def one_error_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err[:-1]


def lb(name, ns="default", ports=None, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"type": "LoadBalancer", "ports": ports if ports is not None else [{"port": 80}], **spec}}


def write(path: Path, text: str | bytes) -> Path:
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


# --- files that cannot be read at all: exit 2, one line --------------------------------------

@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("latin1.yaml", "kind: Service\nmetadata:\n  name: caf\xe9\n".encode("latin-1"), r"^error: {f}:3: not UTF-8 text \(byte 0xe9 at offset 35\)$"),
        ("garbage.json", bytes(range(256)) * 4, r"^error: {f}: binary data, not a JSON or YAML inventory$"),
        ("empty.yaml", b"", r"^error: {f}: empty file$"),
        ("blank.json", b"  \n\n\t\n", r"^error: {f}: empty file$"),
        ("truncated.json", b'{"apiVersion": "v1", "kind": "List", "items": [\n  {"kind": "Service",\n', r"^error: {f}:3: invalid JSON: Expecting property name enclosed in double quotes$"),
        ("invalid.yaml", b"kind: Service\nmetadata:\n  name: [unclosed\n  namespace: x\n", r"^error: {f}:\d+: invalid YAML: .+$"),
        ("tabs.yaml", b"kind: Service\nmetadata:\n\tname: x\n", r"^error: {f}:3: invalid YAML: .+$"),
        ("scalar.yaml", b"just a sentence\n", r"^error: {f}:1: expected a Kubernetes object or List, got a string$"),
        ("array.json", b"[1, 2, 3]", r"^error: {f}: expected a Kubernetes object or List, got a list$"),
        ("nokind.json", b'{"hello": "world"}', r"^error: {f}: no Kubernetes objects in file \(no document has a kind or apiVersion\)$"),
        ("comments-only.yaml", b"# nothing here\n---\n---\n", r"^error: {f}: no Kubernetes objects in file \(no document has a kind or apiVersion\)$"),
        ("bad.json.gz", b"\x1f\x8b\x08\x00garbage", r"^error: {f}: not a valid gzip file \(.+\)$"),
    ],
)
def test_unreadable_file_is_one_line_exit_2(tmp_path, capsys, name, content, expected):
    f = write(tmp_path / name, content)
    code, out, err = analyze(tmp_path, capsys, f)
    assert code == 2
    assert re.match(expected.format(f=re.escape(str(f))), one_error_line(err)), err
    assert out == ""
    assert not (tmp_path / "out").exists()


def test_missing_file_and_empty_directory(tmp_path, capsys):
    code, _, err = analyze(tmp_path, capsys, tmp_path / "nope.json")
    assert code == 2 and one_error_line(err) == f"error: {tmp_path / 'nope.json'}: no such file or directory"
    d = tmp_path / "empty"
    d.mkdir()
    write(d / "README.md", "not an inventory")
    code, _, err = analyze(tmp_path, capsys, d)
    assert code == 2 and one_error_line(err) == f"error: {d}: directory holds no .json/.yaml/.yml inventory files"


def test_directory_with_nothing_readable_is_exit_2(tmp_path, capsys):
    d = tmp_path / "charts"
    d.mkdir()
    write(d / "values.yaml", "# values\n---\n")
    code, _, err = analyze(tmp_path, capsys, d)
    assert code == 2
    assert one_error_line(err) == f"error: {d / 'values.yaml'}: no Kubernetes objects in file (no document has a kind or apiVersion)"


def test_directory_of_only_kindless_documents_is_exit_2(tmp_path, capsys):
    d = tmp_path / "cfg"
    d.mkdir()
    write(d / "a.yaml", "apiVersion: v1\nmetadata: {name: x}\n")
    code, _, err = analyze(tmp_path, capsys, d)
    assert code == 2
    assert one_error_line(err) == f"error: {d}: directory holds no Kubernetes objects (1 file(s) read)"


# --- bombs and oversized documents: refused within bounded time and memory ---------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
kind: Service
"""


def test_yaml_alias_bomb_is_refused_fast(tmp_path, capsys):
    f = write(tmp_path / "lol.yaml", BILLION_LAUGHS)
    t0 = time.monotonic()
    code, _, err = analyze(tmp_path, capsys, f)
    assert time.monotonic() - t0 < 5
    assert code == 2
    assert one_error_line(err) == f"error: {f}:1: document YAML aliases would expand it by more than 100,000 nodes (refused: alias expansion bomb?)"


def test_recursive_alias_and_deep_nesting_are_refused(tmp_path, capsys):
    f = write(tmp_path / "rec.yaml", "kind: Service\nspec: &x {ports: [*x]}\n")
    code, _, err = analyze(tmp_path, capsys, f)
    assert code == 2 and one_error_line(err) == f"error: {f}:1: document recursive YAML alias (refused)"
    deep = write(tmp_path / "deep.json", '{"kind": "Service", "spec": ' + "[" * 200 + "]" * 200 + "}")
    code, _, err = analyze(tmp_path, capsys, deep)
    assert code == 2 and one_error_line(err) == f"error: {deep}: document nested deeper than 64 levels (refused)"
    deep_yaml = write(tmp_path / "deep.yaml", "kind: Service\nspec: " + "[" * 100 + "]" * 100 + "\n")
    code, _, err = analyze(tmp_path, capsys, deep_yaml)
    assert code == 2 and one_error_line(err) == f"error: {deep_yaml}:1: document nested deeper than 64 levels (refused)"


def test_oversized_yaml_refused_before_parsing(tmp_path, capsys):
    f = tmp_path / "huge.yaml"
    with f.open("w") as fh:
        fh.write("kind: ConfigMap\ndata:\n")
        line = "  k%d: " + "x" * 1000 + "\n"
        for i in range(33 * 1024):
            fh.write(line % i)
    assert f.stat().st_size > loader.MAX_YAML_BYTES
    t0 = time.monotonic()
    code, _, err = analyze(tmp_path, capsys, f)
    assert time.monotonic() - t0 < 10
    assert code == 2
    assert one_error_line(err) == f"error: {f}: YAML larger than 32 MiB (refused; use JSON for larger inventories)"


def test_oversized_file_and_gzip_bomb_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1024 * 1024)
    big = write(tmp_path / "big.json", json.dumps({"kind": "List", "items": [lb(f"s{i}") for i in range(12000)]}))
    code, _, err = analyze(tmp_path, capsys, big)
    assert code == 2 and one_error_line(err) == f"error: {big}: larger than 1 MiB (refused)"
    bomb = write(tmp_path / "bomb.json.gz", gzip.compress(b" " * (50 * 1024 * 1024)))  # 50 MiB of spaces, ~50 KiB packed
    code, _, err = analyze(tmp_path, capsys, bomb)
    assert code == 2 and one_error_line(err) == f"error: {bomb}: larger than 1 MiB (refused)"


# --- readable files with objects planner cannot use: warn notes, never errors ----------------

def test_unknown_kinds_counted_and_bad_services_are_warn_notes(tmp_path, capsys):
    f = write(tmp_path / "mixed.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        lb("good", "shop"),
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "kn"}},
        lb("noports", "shop", ports=[]),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "weird", "namespace": "shop"}, "spec": {"type": "Balancer", "ports": [{"port": 80}]}},
        lb("strport", "shop", ports=[{"port": "80"}]),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "shop"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}},
    ]}))
    code, out, err = analyze(tmp_path, capsys, f)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["summary"]["objects_read"] == {"ConfigMap": 1, "Deployment": 1, "Service": 5, "Service (serving.knative.dev)": 1, "Widget": 1}
    assert [(s["namespace"], s["name"]) for s in plan["services"]] == [("shop", "good")]
    warn = {(n["code"], n["object"]): n["message"] for n in plan["notes"] if n["level"] == "warn"}
    assert warn[("NO_PORTS", "Service main/shop/noports")] == f"LoadBalancer Service has no spec.ports ({f}); left out of pricing"
    assert warn[("UNKNOWN_SERVICE_TYPE", "Service main/shop/weird")] == f"spec.type 'Balancer' is not a Kubernetes Service type ({f}); left out of pricing"
    assert warn[("BAD_PORT", "Service main/shop/strport")] == f"spec.ports[0].port '80' is not a port number ({f}); left out of pricing"
    assert warn[("MISSING_NAME", f"Service <unnamed> ({f})")] == "Service has no metadata.name; left out of pricing"
    kinds_noted = sorted(n["message"].split(" object(s)")[0] for n in plan["notes"] if n["code"] == "KIND_NOT_USED")
    assert kinds_noted == ["1 ConfigMap", "1 Deployment", "1 Service (serving.knative.dev)", "1 Widget"]


def test_yaml_service_notes_carry_the_line(tmp_path, capsys):
    f = write(tmp_path / "svc.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n# Source: x\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  ports: [{port: http}]\n")
    code, _, err = analyze(tmp_path, capsys, f)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    bad = [n for n in plan["notes"] if n["code"] == "BAD_PORT"]
    assert bad == [{"level": "warn", "object": "Service main/default/s", "code": "BAD_PORT", "message": f"spec.ports[0].port 'http' is not a port number ({f}:6); left out of pricing"}]
    assert plan["services"] == []


# --- the same Service in two files --------------------------------------------------------------

def test_same_service_differently_in_two_files_names_both(tmp_path, capsys):
    a = write(tmp_path / "a.json", json.dumps(lb("web", "shop")))
    b = write(tmp_path / "b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n  ports: [{port: 8080}]\n")
    code, _, err = analyze(tmp_path, capsys, a, b)
    assert code == 2
    assert one_error_line(err) == f"error: {b}:1: Service shop/web (cluster main) is also defined, differently, in {a}"


def test_same_service_identical_in_two_files_is_counted_once(tmp_path, capsys):
    a = write(tmp_path / "a.json", json.dumps(lb("web", "shop")))
    b = write(tmp_path / "b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n")
    code, _, err = analyze(tmp_path, capsys, a, b)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [(s["name"], s["source"]) for s in plan["services"]] == [("web", str(a))]
    assert plan["summary"]["current_monthly_usd"] == 18.25
    dup = [n for n in plan["notes"] if n["code"] == "DUPLICATE_IDENTICAL"]
    assert dup == [{"level": "info", "object": "Service main/shop/web", "code": "DUPLICATE_IDENTICAL", "message": f"read again, identical, from {b}:1; counted once"}]


# --- accepted shapes: helm template, -o yaml List, gzip, server fields ----------------------------

def test_helm_template_kubectl_yaml_list_and_gzip(tmp_path, capsys):
    helm = write(tmp_path / "helm.yaml", "# helm template x\n---\n# Source: x/templates/empty.yaml\n---\n# Source: x/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n---\n")
    kubectl = write(tmp_path / "list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b, namespace: n}\n  spec: {type: LoadBalancer, ports: [{port: 443}]}\nmetadata: {resourceVersion: ''}\n")
    gz = tmp_path / "c.json.gz"
    gz.write_bytes(gzip.compress(json.dumps({"kind": "ServiceList", "apiVersion": "v1", "items": [lb("c", "n")]}).encode()))
    code, _, err = analyze(tmp_path, capsys, helm, kubectl, gz)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert sorted((s["namespace"], s["name"], s["source"]) for s in plan["services"]) == [
        ("default", "a", f"{helm}:6"), ("n", "b", f"{kubectl}:4"), ("n", "c", str(gz))]
    assert plan["summary"]["objects_read"] == {"Service": 3}


SERVER_MARKERS = ("0c5ee1e0-uid-marker", "rv-987654321", "10.99.88.77", "31999", "managed-by-marker", "last-applied-marker")


def test_server_fields_are_read_where_useful_and_never_copied(tmp_path, capsys):
    svc = lb("web", "shop", ports=[{"port": 80, "nodePort": 31999, "targetPort": 8080}], clusterIP="10.99.88.77", clusterIPs=["10.99.88.77"])
    svc["metadata"].update({
        "uid": "0c5ee1e0-uid-marker", "resourceVersion": "rv-987654321", "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": "managed-by-marker", "operation": "Update"}],
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"last-applied-marker": 1}'},
    })
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "34.1.2.3"}]}}
    f = write(tmp_path / "svc.json", json.dumps(svc))
    code, _, err = analyze(tmp_path, capsys, f)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["services"][0]["addresses"] == ["34.1.2.3"]  # status read where useful
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for marker in SERVER_MARKERS:
                assert marker not in text, (marker, path)


# --- every message shape also holds for the installed console script ------------------------------

def test_installed_script_prints_one_line_and_exits_2(tmp_path):
    script = Path(sys.executable).parent / "planner"
    assert script.exists()
    f = write(tmp_path / "lol.yaml", BILLION_LAUGHS)
    bad = write(tmp_path / "t.json", b'{"kind": "List", "items": [')
    for path, expected in ((f, f"error: {f}:1: document YAML aliases would expand it by more than 100,000 nodes (refused: alias expansion bomb?)\n"),
                           (bad, f"error: {bad}:1: invalid JSON: Expecting value\n")):
        proc = subprocess.run([str(script), "analyze", str(path), "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert proc.returncode == 2
        assert proc.stderr == expected
        assert proc.stdout == ""


def test_gcloud_listing_given_as_inventory_gets_a_hint(tmp_path, capsys):
    root = Path(__file__).resolve().parent.parent
    listing = root / "examples" / "cluster-b" / "forwarding-rules.json"
    code, _, err = analyze(tmp_path, capsys, listing)
    assert code == 2
    assert one_error_line(err) == f"error: {listing}: expected a Kubernetes object or List, got a list (a gcloud forwarding-rules listing? pass it with --gcp-forwarding-rules)"
