"""`planner collect`: the real kubernetes client talking HTTP to a local server that replays
recorded API responses (tests/fixtures/collect/<cluster>/<resource>.json); nothing is mocked."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from planner.cli import main

FIX = Path(__file__).parent / "fixtures" / "collect"
TOKEN = "replay-token-123"
ROUTES = {
    "/api/v1/services": "services",
    "/apis/networking.k8s.io/v1/ingresses": "ingresses",
    "/apis/gateway.networking.k8s.io/v1/gateways": "gateways",
    "/apis/gateway.networking.k8s.io/v1/httproutes": "httproutes",
    "/api/v1/nodes": "nodes",
}


class Replay(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cluster: str):
        self.cluster = cluster
        self.requests: list[tuple[str, dict, str | None]] = []
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        self.server.requests.append((url.path, query, self.headers.get("Authorization")))
        res = ROUTES.get(url.path)
        name = f"{res}.continue-{query['continue'][0]}.json" if res and "continue" in query else f"{res}.json"
        path = FIX / self.server.cluster / name
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"kind": "Status", "status": "Failure", "code": 401, "reason": "Unauthorized"})
        elif res is None or not path.is_file():
            self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "the server could not find the requested resource"})
        else:
            self._send(200, json.loads(path.read_text()))

    def _send(self, code: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def servers():
    started = []

    def start(cluster: str) -> Replay:
        srv = Replay(cluster)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def kubeconfig(path: Path, contexts: dict[str, str], current: str | None = None) -> Path:
    """A kubeconfig whose contexts point at the given servers (name -> http URL)."""
    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in contexts.items()],
        "users": [{"name": "replay", "user": {"token": TOKEN}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "replay"}} for n in contexts],
        "current-context": current or next(iter(contexts)),
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def url(srv: Replay) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def test_collect_one_context_reads_every_resource_and_analyze_reads_it(servers, tmp_path, capsys):
    prod = servers("prod")
    kc = kubeconfig(tmp_path / "kc", {"gke_acme-prod_us-central1_prod": url(prod)})
    out = tmp_path / "inv.json"
    assert main(["collect", "--kubeconfig", str(kc), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "--project acme-prod --region us-central1" in err
    data = json.loads(out.read_text())
    assert data["kind"] == "List"
    kinds = [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in data["items"]]
    # both pages of Services (continue token followed), Ingress, Gateway, HTTPRoute; sorted
    assert kinds == [
        ("Gateway", "infra", "external"),
        ("HTTPRoute", "shop", "shop"),
        ("Ingress", "shop", "legacy"),
        ("Service", "data", "redis"),
        ("Service", "default", "kubernetes"),
        ("Service", "dns", "coredns-ext"),
        ("Service", "shop", "api"),
        ("Service", "shop", "web"),
    ]
    assert all("managedFields" not in o["metadata"] for o in data["items"])
    # the client paginated (limit sent, continue token followed) and authenticated
    svc_reqs = [q for p, q, _ in prod.requests if p == "/api/v1/services"]
    assert [q.get("continue") for q in svc_reqs] == [None, ["page2"]]
    assert all(q["limit"] == ["500"] for q in svc_reqs)
    assert {a for _, _, a in prod.requests} == {f"Bearer {TOKEN}"}

    # analyze reads the collected file: 4 LB Services (coredns-ext TCP+UDP = 2 rules), a gce
    # Ingress (1 global rule) and a global Gateway with 2 listener ports (2 global rules)
    assert main(["analyze", str(out), "--project", "acme-prod", "--region", "us-central1", "--out", str(tmp_path / "r")]) == 0
    plan = json.loads((tmp_path / "r" / "plan.json").read_text())
    assert len(plan["services"]) == 4
    assert plan["summary"]["objects_read"] == {"Gateway": 1, "HTTPRoute": 1, "Ingress": 1, "Service": 5}
    gw = [e for e in plan["existing_entrypoints"] if e["kind"] == "Gateway"]
    assert len(gw) == 1
    assert {k: gw[0][k] for k in ("cluster", "namespace", "name", "class", "internal", "tls", "forwarding_rules", "priced", "routes")} == {
        "cluster": "main", "namespace": "infra", "name": "external",
        "class": "gke-l7-global-external-managed", "internal": False, "tls": True,
        "forwarding_rules": 2, "priced": True,
        "routes": [{"host": "shop.acme.test", "path": "/", "namespace": "shop", "service": "web", "port": 80, "name": "shop"}],
    }
    # the global pool (Ingress 1 rule + Gateway 2 rules) costs the flat $18.25, split 1:2
    assert gw[0]["monthly_usd"] == 12.17
    # regional pool: 5 rules (4 services, one with 2 protocols) = flat $18.25;
    # global pool: Ingress 1 + Gateway 2 = 3 rules = flat $18.25; total $36.50
    assert plan["summary"]["current_monthly_usd"] == 36.50
    assert plan["summary"]["forwarding_rules_before"] == 8


def test_collect_all_contexts_writes_lists_and_a_fleet_file_and_notes_absent_crds(servers, tmp_path, capsys):
    prod, dev = servers("prod"), servers("dev")
    kc = kubeconfig(tmp_path / "kc", {"gke_acme-prod_us-central1_prod": url(prod), "gke_acme-prod_us-central1-b_dev": url(dev)})
    out = tmp_path / "collected"
    assert main(["collect", "--kubeconfig", str(kc), "--all-contexts", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: context gke_acme-prod_us-central1-b_dev: Gateway objects not read (403/404: Gateway API CRDs absent or not allowed)" in err
    fleet = yaml.safe_load((out / "fleet.yaml").read_text())
    assert fleet == {"clusters": [
        {"name": "dev", "cloud": "gcp", "project": "acme-prod", "region": "us-central1", "inventory": ["dev.json"]},
        {"name": "prod", "cloud": "gcp", "project": "acme-prod", "region": "us-central1", "inventory": ["prod.json"]},
    ]}
    dev_items = json.loads((out / "dev.json").read_text())["items"]
    assert sorted(o["metadata"]["name"] for o in dev_items) == ["grafana", "web"]
    assert main(["analyze", "--fleet", str(out / "fleet.yaml"), "--out", str(tmp_path / "r")]) == 0
    plan = json.loads((tmp_path / "r" / "plan.json").read_text())
    assert sorted((s["cluster"], s["namespace"], s["name"]) for s in plan["services"]) == [
        ("dev", "shop", "web"), ("dev", "tools", "grafana"),
        ("prod", "data", "redis"), ("prod", "dns", "coredns-ext"), ("prod", "shop", "api"), ("prod", "shop", "web"),
    ]
    # one project+region pool for both clusters: 2 + 5 = 7 regional rules = $18.25 + 2 x $7.30
    regional = [c for c in plan["costs"]["current"] if c["pool"] == "gcp acme-prod us-central1"]
    assert sum(c["monthly_usd"] for c in regional) == pytest.approx(32.85)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_collect_unreachable_cluster_is_one_line_exit_2(tmp_path, capsys):
    kc = kubeconfig(tmp_path / "kc", {"down": f"http://127.0.0.1:{_free_port()}"})
    assert main(["collect", "--kubeconfig", str(kc), "--output", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: context down: cannot reach http://127.0.0.1:")
    assert err.count("\n") == 1
    assert not (tmp_path / "x.json").exists()


def test_collect_missing_kubeconfig_and_unknown_context(tmp_path, capsys, servers):
    missing = tmp_path / "nope"
    assert main(["collect", "--kubeconfig", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: {missing}: kubeconfig not found (pass --kubeconfig or set KUBECONFIG)\n"
    kc = kubeconfig(tmp_path / "kc", {"prod": url(servers("prod"))})
    assert main(["collect", "--kubeconfig", str(kc), "--context", "staging"]) == 2
    assert capsys.readouterr().err == f"error: {kc}: no context 'staging' (have: prod)\n"
    (tmp_path / "bad").write_text("clusters: [1, 2\n")
    assert main(["collect", "--kubeconfig", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'bad'}: ") and err.count("\n") == 1


def test_collect_without_project_for_non_gke_context_is_an_error(servers, tmp_path, capsys):
    kc = kubeconfig(tmp_path / "kc", {"kind-local": url(servers("dev"))})
    assert main(["collect", "--kubeconfig", str(kc), "--all-contexts", "--output", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == "error: context kind-local: cannot tell its GCP project (not a gke_<project>_<location>_<cluster> context); pass --project\n"
    assert main(["collect", "--kubeconfig", str(kc), "--all-contexts", "--project", "p-123456", "--output", str(tmp_path / "o")]) == 0
    assert yaml.safe_load((tmp_path / "o" / "fleet.yaml").read_text())["clusters"][0]["name"] == "kind-local"
