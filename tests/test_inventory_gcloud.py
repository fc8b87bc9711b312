"""--gcp-forwarding-rules: a gcloud listing matched to the inventory; orphans priced and noted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main

API = "https://www.googleapis.com/compute/v1/projects"


def rule(name, project="p", region="us-central1", ip=None, desc=None, scheme="EXTERNAL", proto="TCP"):
    where = f"regions/{region}" if region != "global" else "global"
    r = {"name": name, "selfLink": f"{API}/{project}/{where}/forwardingRules/{name}", "IPProtocol": proto, "loadBalancingScheme": scheme}
    if region != "global":
        r["region"] = f"{API}/{project}/regions/{region}"
    if ip:
        r["IPAddress"] = ip
    if desc:
        r["description"] = json.dumps(desc)
    return r


def svc(ns, name, ports=((80, "TCP"),), ip=None, lb_ip=None):
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
         "spec": {"type": "LoadBalancer", "ports": [{"port": p, "protocol": pr, "name": f"p{i}"} for i, (p, pr) in enumerate(ports)]}}
    if ip:
        s["status"] = {"loadBalancer": {"ingress": [{"ip": ip}]}}
    if lb_ip:
        s["spec"]["loadBalancerIP"] = lb_ip
    return s


@pytest.fixture
def setup(tmp_path):
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [
        svc("shop", "web", ip="34.0.0.1"),
        svc("shop", "api", ports=((443, "TCP"),), lb_ip="34.0.0.2"),
        svc("dns", "coredns", ports=((53, "TCP"), (53, "UDP")), ip="34.0.0.3"),
        svc("shop", "new"),
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "legacy", "namespace": "shop"},
         "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
         "status": {"loadBalancer": {"ingress": [{"ip": "35.0.0.1"}]}}},
    ]}))
    rules = [
        rule("a-web", ip="34.0.0.1", desc={"kubernetes.io/service-name": "shop/web"}),
        rule("a-api", ip="34.0.0.2"),  # matched by IP (spec.loadBalancerIP)
        rule("a-dns-tcp", ip="34.0.0.3", desc={"kubernetes.io/service-name": "dns/coredns"}),
        rule("a-dns-udp", ip="34.0.0.3", desc={"kubernetes.io/service-name": "dns/coredns"}, proto="UDP"),
        rule("a-web-v6", ip="2600::1", desc={"kubernetes.io/service-name": "shop/web"}),  # a second rule for web
        rule("a-old", ip="34.0.0.9", desc={"kubernetes.io/service-name": "old/gone"}),  # orphan, regional
        rule("k8s2-fr-legacy", region="global", ip="35.0.0.1", desc={"kubernetes.io/ingress-name": "shop/legacy"}),
        rule("k8s2-fr-stale", region="global", ip="35.0.0.9", scheme="EXTERNAL_MANAGED"),  # orphan, global
        rule("lonely", project="q", ip="34.9.9.9"),  # orphan, only rule of project q
    ]
    listing = tmp_path / "rules.json"
    listing.write_text(json.dumps(rules, indent=1))
    return inv, listing


def analyze(tmp_path, capsys, *argv):
    code = main(["analyze", *map(str, argv), "--project", "p", "--region", "us-central1", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    return code, out, err


def test_listing_matches_prices_orphans_and_notes_savings(tmp_path, capsys, setup):
    inv, listing = setup
    code, _, err = analyze(tmp_path, capsys, inv, "--gcp-forwarding-rules", listing)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    notes = {(n["code"], n["object"]): (n["level"], n["message"]) for n in plan["notes"]}
    assert notes[("ORPHANED_FORWARDING_RULE", "ForwardingRule p/us-central1/a-old")] == (
        "warn", "not owned by any Service, Ingress or Gateway in the inventory (IP 34.0.0.9); deleting it would save $7.30/month (its pool p/us-central1 has 6 rules, beyond the flat first 5)")
    assert notes[("ORPHANED_FORWARDING_RULE", "ForwardingRule p/global/k8s2-fr-stale")] == (
        "warn", "not owned by any Service, Ingress or Gateway in the inventory (IP 35.0.0.9); deleting it saves $0.00/month on its own: its pool p/global has 2 rules, within the flat $18.25/month charge for the first 5")
    assert notes[("ORPHANED_FORWARDING_RULE", "ForwardingRule q/us-central1/lonely")] == (
        "warn", "not owned by any Service, Ingress or Gateway in the inventory (IP 34.9.9.9); deleting it would save $18.25/month (the only rule in q/us-central1: the pool's flat charge goes away)")
    assert notes[("MORE_FORWARDING_RULES", "Service main/shop/web")][0] == "warn"
    assert notes[("MORE_FORWARDING_RULES", "Service main/shop/web")][1] == f"{listing} lists 2 forwarding rules for this Service, the inventory implies 1; the 1 extra rule(s) are priced under it"
    assert notes[("NO_FORWARDING_RULE_FOUND", "Service main/shop/new")][0] == "info"
    assert ("ORPHANED_FORWARDING_RULE", "ForwardingRule p/us-central1/a-api") not in notes  # matched by IP
    assert not any(k[0] == "MORE_FORWARDING_RULES" and "coredns" in k[1] for k in notes)  # TCP+UDP = 2 implied
    # regional p: web 1+1, api 1, coredns 2, new 1, orphan 1 = 7 rules = $18.25 + 2 x $7.30 = $32.85
    # global p: Ingress 1 + orphan 1 = $18.25; project q: 1 rule = $18.25
    pools = {}
    for c in plan["costs"]["current"]:
        pools[c["pool"]] = round(pools.get(c["pool"], 0) + c["monthly_usd"], 2)
    assert pools == {"gcp p us-central1": 32.85, "gcp p global": 18.25, "gcp q us-central1": 18.25}
    assert plan["summary"]["current_monthly_usd"] == 69.35
    assert plan["summary"]["forwarding_rules_before"] == 10
    web = next(s for s in plan["services"] if s["name"] == "web")
    assert web["current_monthly_usd"] == pytest.approx(9.39, abs=0.01)  # 2 of 7 rules' share of $32.85
    assert str(listing) in plan["inputs"]["files"]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{\"items\": []}", "{f}: expected a JSON list of forwarding rules (gcloud compute forwarding-rules list --format=json)"),
        ("[{\"name\": \"x\"}]", "{f}: [0] (x): no selfLink naming projects/<project>/regions/<region>|global (use gcloud ... --format=json)"),
        ("[{\"selfLink\": \"x\"}]", "{f}: [0]: forwarding rule has no name"),
        ("[\"x\"]", "{f}: [0]: expected a forwarding rule object, got str"),
        ("[{\"name\": ", "{f}:1: invalid JSON: Expecting value (expected gcloud ... --format=json)"),
        ("", "{f}: empty file"),
    ],
)
def test_bad_listing_is_exit_2_one_line(tmp_path, capsys, setup, content, expected):
    inv, _ = setup
    f = tmp_path / "bad.json"
    f.write_text(content)
    code, _, err = analyze(tmp_path, capsys, inv, "--gcp-forwarding-rules", f)
    assert code == 2
    assert err == "error: " + expected.format(f=f) + "\n"


def test_duplicate_rule_in_listing_is_an_error(tmp_path, capsys, setup):
    inv, _ = setup
    f = tmp_path / "dup.json"
    f.write_text(json.dumps([rule("x"), rule("x")]))
    code, _, err = analyze(tmp_path, capsys, inv, "--gcp-forwarding-rules", f)
    assert code == 2 and err == f"error: {f}: [1]: forwarding rule p/us-central1/x listed twice\n"


def test_rule_in_unpriced_region_is_noted_not_priced(tmp_path, capsys, setup):
    inv, _ = setup
    f = tmp_path / "r.json"
    f.write_text(json.dumps([rule("far", region="me-central2")]))
    code, _, err = analyze(tmp_path, capsys, inv, "--gcp-forwarding-rules", f)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [n["message"] for n in plan["notes"] if n["object"] == "ForwardingRule p/me-central2/far"] == [
        "not owned by any Service, Ingress or Gateway in the inventory; region me-central2 has no rates, so it is not priced"]
    assert {c["pool"] for c in plan["costs"]["current"]} == {"gcp p us-central1", "gcp p global"}


ROOT = Path(__file__).resolve().parent.parent


def test_demo_fleet_listing_finds_two_orphans_and_resolves_same_names_across_clusters(tmp_path, capsys):
    fleet = ROOT / "examples" / "fleet.yaml"
    listing = ROOT / "examples" / "cluster-b" / "forwarding-rules.json"
    assert main(["analyze", "--fleet", str(fleet), "--out", str(tmp_path / "base")]) == 0
    assert main(["analyze", "--fleet", str(fleet), "--gcp-forwarding-rules", str(listing), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    base = json.loads((tmp_path / "base" / "plan.json").read_text())
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    codes = sorted((n["code"], n["object"]) for n in plan["notes"] if n["code"] in ("ORPHANED_FORWARDING_RULE", "MORE_FORWARDING_RULES", "NO_FORWARDING_RULE_FOUND"))
    assert codes == [
        ("ORPHANED_FORWARDING_RULE", "ForwardingRule my-project/global/k8s2-fr-http-retired-campaign"),
        ("ORPHANED_FORWARDING_RULE", "ForwardingRule my-project/us-central1/a0f3c9e1d2b4a5c6e7f8091a2b3c4d5e"),
    ]
    # shop/cart and shop/storefront exist in prod and staging: each cluster gets its own rule
    assert len([n for n in plan["notes"] if n["code"] == "RULE_MATCH_AMBIGUOUS"]) == 2
    # the regional orphan is rule 34+ of its pool: +$7.30; the global one is within the flat first 5: +$0
    assert round(plan["summary"]["current_monthly_usd"] - base["summary"]["current_monthly_usd"], 2) == 7.30
    assert plan["summary"]["forwarding_rules_before"] == base["summary"]["forwarding_rules_before"] + 2
