"""Inventory strings reach the generated Pulumi program only as data, never as code.

A plan whose service name, namespace, host and entrypoint name carry code-injection payloads is
rendered and run under mocks: the program text is byte-for-byte the one of the clean plan, the
payloads come back verbatim as string values of the registered resources, and the payload's side
effect (creating a file) never happens.
"""
from __future__ import annotations

import copy
import json
import re

import pytest

from planner.cli import main
from planner.render import jsonplan
from planner.render import pulumi as render_pulumi

from pulumi_harness import run_program

_UNSAFE = re.compile(r"[^a-z0-9-]+")  # a character no resource name may hold

PAYLOADS = ['x"); import os; os.system("id") #', "'''", '"""', "{{ 7*7 }}{% raw %}", "a\nimport os\nos.system('id')\n#"]


def _evil(sentinel) -> dict[str, str]:
    touch = f'open({str(sentinel)!r}, "w")'
    return {
        "cart": f'x"); {touch}; import os; os.system("id") #' + "'''" + '"""',
        "shop": f"'''; {touch} #" + PAYLOADS[3],
        "cart.acme-demo.com": f'cart.acme-demo.com"); {touch} #\n' + PAYLOADS[4],
        "planner-external": PAYLOADS[0] + "-gw",
    }


def _replace(value, table):
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, table) for v in value]
    return value


def _plans(tmp_path, strategy):
    # every group moves (the payloads sit on services a default plan may keep: NO_SAVINGS)
    assert main(["analyze", "--out", str(tmp_path / strategy), "--strategy", strategy, "--consolidate-anyway"]) == 0
    return jsonplan.load(tmp_path / strategy / "plan.json")


@pytest.mark.parametrize("strategy", ["gateway", "ingress"])
def test_payloads_stay_inert_strings(tmp_path, strategy):
    sentinel = tmp_path / "pwned"
    table = _evil(sentinel)
    clean = _plans(tmp_path, strategy)
    evil = _replace(copy.deepcopy(clean), table)
    jsonplan.validate(evil)
    assert json.dumps(evil) != json.dumps(clean)

    clean_dir = render_pulumi.write(clean, tmp_path / "clean")
    evil_dir = render_pulumi.write(evil, tmp_path / "evil")
    # the code does not depend on the inventory at all: same bytes as the clean program
    # (its header counts the records: the refused payload certificate makes one count differ, a number)
    digits = re.compile(rb"\d+")
    assert digits.sub(b"N", (evil_dir / "__main__.py").read_bytes()) == digits.sub(b"N", (clean_dir / "__main__.py").read_bytes())
    source = (evil_dir / "__main__.py").read_text()
    for payload in table.values():
        assert payload not in source
    data = json.loads((evil_dir / "program.json").read_text(encoding="utf-8"))
    assert [p["namespace"] for p in data["service_patches"] if p["name"] == table["cart"]] == [table["shop"]]

    config = {"gcp:project": "p", "planner:phase": "retire", "planner:dns-zone": "zone"}
    run = run_program(evil_dir, config)
    assert not sentinel.exists()

    patches = [r.inputs["metadata"] for r in run.resources if r.typ == "kubernetes:core/v1:ServicePatch"]
    assert {"name": table["cart"], "namespace": table["shop"]} in [{"name": m["name"], "namespace": m["namespace"]} for m in patches]
    records = {r.inputs["name"] for r in run.resources if r.typ == "gcp:dns/recordSet:RecordSet"}
    # cart's host comes from its external-dns annotation: it is handed to external-dns (an
    # annotation value on the new entrypoint), never a rival RecordSet; either way only data
    handed = [(r.inputs.get("metadata") or {}).get("annotations", {}).get("external-dns.alpha.kubernetes.io/hostname", "") for r in run.resources]
    assert any(table["cart.acme-demo.com"] in v for v in handed) and table["cart.acme-demo.com"] + "." not in records
    assert table["cart.acme-demo.com"] in {c["host"] for c in run.exports["dns_changes"]}

    if strategy == "gateway":
        (route,) = [r.inputs for r in run.resources if r.inputs.get("kind") == "HTTPRoute" and r.inputs["metadata"]["namespace"] == table["shop"]
                    and r.inputs["spec"]["rules"][0]["backendRefs"][0]["name"] == table["cart"] and r.inputs["spec"]["rules"][0]["matches"][0]["path"]["value"] == "/"]
        assert route["spec"]["hostnames"] == [table["cart.acme-demo.com"]]
        # a Gateway name must be a DNS name: the payload entrypoint name is sanitised (hash suffix), and
        # the routes refer to the sanitised name
        gw_name = render_pulumi.resource_name(table["planner-external"])
        assert gw_name != table["planner-external"] and _UNSAFE.sub("", gw_name) == gw_name
        assert route["spec"]["parentRefs"][0]["name"] == gw_name
        gws = [r.inputs["metadata"]["name"] for r in run.resources if r.inputs.get("kind") == "Gateway"]
        assert gw_name in gws
        (gw,) = [r.inputs for r in run.resources if r.inputs.get("kind") == "Gateway" and r.inputs["metadata"]["name"] == gw_name]
        assert table["shop"] in gw["spec"]["listeners"][0]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]["values"]
        assert table["planner-external"] in run.exports["entrypoint_addresses"]
        entries = {r.inputs["hostname"] for r in run.resources if r.typ == "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry"}
        assert table["cart.acme-demo.com"] in entries
        # GCP names derived from the payloads are sanitised, not passed on
        for r in run.resources:
            if r.typ.startswith("gcp:certificatemanager") or r.typ == "gcp:compute/securityPolicy:SecurityPolicy":
                assert _UNSAFE.sub("", r.inputs["name"]) == r.inputs["name"]
    else:
        ings = [r.inputs for r in run.resources if r.inputs.get("kind") == "Ingress" and r.inputs["metadata"]["namespace"] == table["shop"]]
        assert len(ings) == 1
        hosts = {rule.get("host") for rule in ings[0]["spec"]["rules"]}
        assert table["cart.acme-demo.com"] in hosts
        certs = [r.inputs for r in run.resources if r.inputs.get("kind") == "ManagedCertificate"]
        # the payload host is longer than a ManagedCertificate domain may be (63): refused, and
        # reported with the host verbatim as data
        assert not any(table["cart.acme-demo.com"] in c["spec"]["domains"] for c in certs)
        assert len(table["cart.acme-demo.com"]) > 63
        assert ("host " + table["cart.acme-demo.com"], "MANAGED_CERT_DOMAIN_TOO_LONG") in [(x["object"], x["code"]) for x in run.exports["limitations"]]
        # the backend-config annotation value is JSON naming a sanitised BackendConfig
        # (checkout, the shop service with a policy, stays under the ingress strategy: TLS_ONLY_INGRESS)
        conf = sorted(m["annotations"]["cloud.google.com/backend-config"] for m in patches if "cloud.google.com/backend-config" in m.get("annotations", {}))
        assert conf == ['{"default": "planner-chat"}', '{"default": "planner-search-frontend"}']


def test_payload_in_resource_name_helper():
    for payload in PAYLOADS:
        name = render_pulumi.resource_name("planner", payload)
        assert _UNSAFE.sub("", name) == name and len(name) <= 63
