"""A real-world corpus (issue 10, "How it is checked"): public manifests run through the planner.

Every file under ``tests/fixtures/real/`` is a public manifest, kept as it is in its source
repository (trimmed at most to whole documents), with a first line
``# source: <owner>/<repo> <path> @ <commit>``; ``tests/fixtures/real/README.md`` lists them.

Each :data:`CASES` entry runs the CLI on some of those files (one cloud, one cluster) and holds
a golden table: every LoadBalancer Service -> (decision, first reason code). The table is what
the planner SHOULD decide once the issue-10 safety rules are in (well-known DB ports kept
``WELL_KNOWN_TCP_PORT``, TLS-only services moved only with ``policies.tls_only``, plaintext gRPC
kept ``GRPC_PLAINTEXT``, mesh/proxy gateways kept ``INGRESS_CONTROLLER`` by labels, selector or
namespace, placeholders kept ``PLACEHOLDER_VALUE``, a group whose consolidation saves nothing kept
``NO_SAVINGS``). A row whose ``today`` is set records what the code gave when the corpus was
built (before those rules); ``UNSAFE`` in its comment marks a row where today's plan would break
traffic. Those rows are collected in :func:`test_rows_issue_10_changes`: it FAILS until the
rule branches are merged, on purpose (no xfail). Every other test passes before and after.

Beside the table, every case asserts that each object read is planned or noted, and for every
moved service that its plan keeps the scheme (TLS-only -> ``tls_only``; a plaintext port ->
not ``tls_only``), the protocol family (only TCP; no well-known DB / raw-TCP port moves) and the
allow-list (``policies.source_ranges`` covers ``spec.loadBalancerSourceRanges`` and the beta
annotation). The ground truth for these checks is read from the YAML files here, independently
of planner's own reader.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from planner.cli import main

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"
REGIONS = {"gcp": "us-central1", "aws": "us-east-1", "azure": "eastus"}
SOURCE_LINE = re.compile(r"^# source: [A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+ \S+ @ [0-9a-f]{40}$")
BETA_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
#: Ports that never move behind an HTTP(S) entrypoint (databases, brokers, raw TCP protocols).
WELL_KNOWN_TCP_PORTS = {
    22, 25, 53, 389, 636, 1433, 1521, 2181, 3306, 3389, 5432, 5672, 6379, 9042, 9092, 11211, 27017,
}


@dataclass(frozen=True)
class Row:
    """What one LoadBalancer Service should get: ``reasons[0].code`` is ``code`` (or one of
    ``also``); a moved service also carries every code of ``with_codes``. ``today`` is what the
    code before issue 10 gave, when different."""

    decision: str
    code: str
    today: tuple[str, str] | None = None
    also: tuple[str, ...] = ()
    with_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    cloud: str
    files: tuple[str, ...]  # relative to REAL; a directory is read whole
    expect: dict[str, Row] = field(default_factory=dict)  # "namespace/name" -> Row


MOVE = Row("consolidate", "HTTP_CONSOLIDATE")
#: Moved today with nothing to show for it: a lone LoadBalancer (or a group inside the flat
#: first-5 forwarding-rule tier / one Azure LB) whose consolidation saves $0.00 a month.
NO_SAVINGS = Row("keep", "NO_SAVINGS", today=("consolidate", "HTTP_CONSOLIDATE"))
CONTROLLER = Row("keep", "INGRESS_CONTROLLER")

CASES: dict[str, Case] = {
    # --- GCP, one source at a time ------------------------------------------------------
    "gcp-microservices-demo": Case("gcp", ("microservices-demo-frontend.yaml",), {
        "opentelemetry-demo/frontend-external": NO_SAVINGS,
    }),
    "gcp-gke-recipes-external": Case("gcp", ("gke-recipes-external-lb.yaml",), {
        "default/foo": NO_SAVINGS,
    }),
    "gcp-gke-recipes-internal": Case("gcp", ("gke-recipes-internal-lb.yaml",), {
        "default/foo": NO_SAVINGS,  # internal group of one: the internal ALB saves nothing either
    }),
    "gcp-bank-of-anthos": Case("gcp", ("bank-of-anthos-frontend.yaml",), {
        "default/frontend": NO_SAVINGS,
    }),
    "gcp-grpc-envoy": Case("gcp", ("grpc-gke-nlb-envoy.yaml",), {
        # UNSAFE today: moved (TLS re-terminated, app_protocol HTTPS = HTTP/1.1 to an Envoy that
        # serves gRPC) and without policies.tls_only. Selector app: envoy marks the proxy.
        "default/envoy": Row("keep", "INGRESS_CONTROLLER", today=("consolidate", "HTTP_CONSOLIDATE"), also=("NO_SAVINGS",)),
    }),
    "gcp-cue-tutorial": Case("gcp", ("cue-tutorial",), {
        "default/nginx": NO_SAVINGS,
        "default/watcher": NO_SAVINGS,
    }),
    "gcp-istio-gateway-helm": Case("gcp", ("istio-gateway-helm.yaml",), {
        # kept today too, but for its status port (NON_HTTP_PORT), not as a gateway
        "istio-ingress/istio-ingress": Row("keep", "INGRESS_CONTROLLER", today=("keep", "NON_HTTP_PORT")),
    }),
    "gcp-istio-ingressgateway": Case("gcp", ("istio-ingressgateway.yaml",), {
        "istio-system/istio-ingressgateway": CONTROLLER,
    }),
    "gcp-ingress-nginx": Case("gcp", ("ingress-nginx-cloud.yaml",), {
        "ingress-nginx/ingress-nginx-controller": CONTROLLER,
    }),
    "gcp-yugabyte": Case("gcp", ("yugabyte-statefulset.yaml",), {
        # Redis 6379, YSQL 5433, Cassandra 9042 on one LoadBalancer: kept today as TCP_ONLY
        "default/yb-db-service": Row("keep", "WELL_KNOWN_TCP_PORT", today=("keep", "TCP_ONLY")),
        "default/yb-master-ui": Row("keep", "TCP_ONLY"),  # port 7000 named "ui": not recognisably HTTP
    }),
    "gcp-external-dns-coredns": Case("gcp", ("external-dns/coredns-fixtures.yaml",), {
        "default/a-g1-record": NO_SAVINGS,
        "default/aa-g1-record": NO_SAVINGS,
    }),
    "gcp-external-dns-rfc2136": Case("gcp", ("external-dns/rfc2136-fixtures.yaml",), {
        "default/nginx-rfc2136": NO_SAVINGS,
    }),
    "gcp-do-https-pass-through": Case("gcp", ("digitalocean/https-with-pass-through-nginx.yaml",), {
        "default/https-with-tls-pass-through": NO_SAVINGS,
    }),
    "gcp-do-firewall": Case("gcp", ("digitalocean/http-nginx-with-load-balancer-firewall.yaml",), {
        "default/http-lb": NO_SAVINGS,
    }),
    "gcp-do-all-protos": Case("gcp", ("digitalocean/all-protos-nginx.yaml",), {
        "default/http-lb": Row("keep", "NON_HTTP_PORT", also=("WELL_KNOWN_TCP_PORT",)),  # ssh on 22
    }),
    "gcp-do-http2-pass-through": Case("gcp", ("digitalocean/http2-with-pass-through-nginx.yaml",), {
        "default/https-with-tls-pass-through": NO_SAVINGS,
    }),
    "gcp-argocd-server": Case("gcp", ("argocd-server-service.yaml",), {}),  # ClusterIP upstream
    "gcp-kes-sctp": Case("gcp", ("kes-sctp-deployment.yaml",), {}),  # SCTP, ClusterIP
    "gcp-ingress2gateway-common": Case("gcp", ("ingress2gateway/common-input-file.yaml",), {}),
    "gcp-ingress2gateway-nginx-grpc": Case("gcp", ("ingress2gateway/nginx-grpc-services.yaml",), {}),
    # --- GCP, many sources in one cluster (15 LoadBalancers: the pool leaves the flat tier) ---
    "gcp-combined": Case("gcp", (
        "cue-tutorial", "grpc-gke-nlb-envoy.yaml", "gke-recipes-external-lb.yaml", "bank-of-anthos-frontend.yaml",
        "external-dns", "yugabyte-statefulset.yaml", "istio-gateway-helm.yaml", "istio-ingressgateway.yaml",
        "ingress-nginx-cloud.yaml", "digitalocean/https-with-pass-through-nginx.yaml",
        "digitalocean/http-nginx-with-load-balancer-firewall.yaml", "argocd-server-service.yaml",
        "ingress2gateway/nginx-grpc-services.yaml",
    ), {
        "default/a-g1-record": MOVE,
        "default/aa-g1-record": MOVE,
        # UNSAFE today: see gcp-grpc-envoy; here the group saves money, so only the gateway
        # rule keeps it
        "default/envoy": Row("keep", "INGRESS_CONTROLLER", today=("consolidate", "HTTP_CONSOLIDATE")),
        "default/foo": MOVE,
        "default/frontend": MOVE,
        # the DigitalOcean firewall / passthrough annotations do nothing on GKE
        "default/http-lb": MOVE,
        "default/https-with-tls-pass-through": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT",)),
        "default/nginx": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT", "PINNED_IP")),
        "default/nginx-rfc2136": MOVE,
        # loadBalancerIP "1.2.3.4." (sic) in the source: the PINNED_IP warn must still be there
        "default/watcher": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("PORT_CHANGES", "PINNED_IP")),
        "default/yb-db-service": Row("keep", "WELL_KNOWN_TCP_PORT", today=("keep", "TCP_ONLY")),
        "default/yb-master-ui": Row("keep", "TCP_ONLY"),
        "ingress-nginx/ingress-nginx-controller": CONTROLLER,
        "istio-ingress/istio-ingress": Row("keep", "INGRESS_CONTROLLER", today=("keep", "NON_HTTP_PORT")),
        "istio-system/istio-ingressgateway": CONTROLLER,
    }),
    # --- Azure --------------------------------------------------------------------------
    "azure-aks-store": Case("azure", ("aks-store-quickstart.yaml",), {
        "default/store-front": NO_SAVINGS,
    }),
    "azure-vote": Case("azure", ("azure-vote-redis.yaml",), {
        "default/azure-vote-front": NO_SAVINGS,
    }),
    "azure-combined": Case("azure", ("aks-store-quickstart.yaml", "azure-vote-redis.yaml"), {
        # two LBs -> one entrypoint saves $3.65/month on the code of the day: they move
        "default/azure-vote-front": MOVE,
        "default/store-front": MOVE,
    }),
    # --- AWS ----------------------------------------------------------------------------
    "aws-eks-workshop": Case("aws", ("eks-workshop-ui-nlb.yaml",), {
        "ui/ui-nlb": NO_SAVINGS,
    }),
    "aws-lbc-2048": Case("aws", ("aws-lbc-2048-full.yaml",), {}),
    "aws-combined": Case("aws", ("eks-workshop-ui-nlb.yaml", "aws-lbc-2048-full.yaml"), {
        "ui/ui-nlb": NO_SAVINGS,  # the existing ALB Ingress stays: one NLB -> one ALB saves nothing
    }),
}


# --- reading the corpus independently of planner ---------------------------------------------


def _yaml_files(rel: str) -> list[Path]:
    path = REAL / rel
    return sorted(p for p in path.rglob("*.yaml")) if path.is_dir() else [path]


def _docs(case: Case) -> list[dict]:
    out = []
    for rel in case.files:
        for path in _yaml_files(rel):
            out.extend(d for d in yaml.safe_load_all(path.read_text()) if d is not None)
    return out


def _key(doc: dict) -> str:
    meta = doc.get("metadata") or {}
    return f"{meta.get('namespace') or 'default'}/{meta['name']}"


def _lb_services(docs: list[dict]) -> dict[str, dict]:
    return {
        _key(d): d for d in docs
        if d.get("kind") == "Service" and d.get("apiVersion") == "v1" and (d.get("spec") or {}).get("type") == "LoadBalancer"
    }


def _is_tls(port: dict) -> bool:
    name = str(port.get("name") or "").lower()
    return port.get("port") in (443, 8443) or name.startswith(("https", "tls")) or str(port.get("appProtocol") or "").lower() == "https"


def _allow_list(doc: dict) -> set[str]:
    raw = list((doc.get("spec") or {}).get("loadBalancerSourceRanges") or [])
    beta = ((doc.get("metadata") or {}).get("annotations") or {}).get(BETA_RANGES)
    if beta:
        raw += [r for r in str(beta).split(",") if r.strip()]
    return {str(ipaddress.ip_network(r.strip(), strict=False)) for r in raw}


# --- running the planner ---------------------------------------------------------------------

_PLANS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def plan_of(tmp_path_factory):
    def run(name: str) -> dict:
        if name not in _PLANS:
            case = CASES[name]
            out = tmp_path_factory.mktemp(name)
            argv = ["analyze", *[str(REAL / f) for f in case.files], "--out", str(out), "--format", "json",
                    "--cloud", case.cloud, "--region", REGIONS[case.cloud], "--cluster", "corpus", "--project", "corpus-project"]
            assert main(argv) == 0, f"{name}: planner refused the corpus"
            _PLANS[name] = json.loads((out / "plan.json").read_text())
        return _PLANS[name]
    return run


def _services(plan: dict) -> dict[str, dict]:
    return {f"{s['namespace']}/{s['name']}": s for s in plan["services"]}


# --- the corpus itself -----------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    return sorted(REAL.rglob("*.yaml"))


def test_corpus_has_at_least_eight_sources_each_file_small_and_attributed():
    repos = set()
    for path in _corpus_files():
        first = path.read_text().splitlines()[0]
        assert SOURCE_LINE.match(first), f"{path.relative_to(REAL)}: first line is not a '# source:' line: {first!r}"
        repos.add(first.split()[2])
        assert path.stat().st_size < 200_000, path
    assert len(repos) >= 8, sorted(repos)


def test_every_corpus_file_is_used_by_a_case():
    used = {p for case in CASES.values() for rel in case.files for p in _yaml_files(rel)}
    assert set(_corpus_files()) == used


def test_readme_lists_every_file_with_its_load_balancer_count():
    rows = {}
    for line in (REAL / "README.md").read_text().splitlines():
        m = re.match(r"^\| `([^`]+)` \|.*\| (\d+) \|$", line)
        if m:
            rows[m.group(1)] = int(m.group(2))
    expected = {}
    for path in _corpus_files():
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        expected[str(path.relative_to(REAL))] = len(_lb_services(docs))
    assert rows == expected


# --- per case --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_table_names_exactly_the_load_balancers_read(name, plan_of):
    case = CASES[name]
    lbs = set(_lb_services(_docs(case)))
    assert set(case.expect) == lbs, "golden table out of step with the files"
    assert set(_services(plan_of(name))) == lbs


_STABLE = [(n, k) for n, c in sorted(CASES.items()) for k, r in sorted(c.expect.items()) if r.today is None]
_CHANGED = [(n, k) for n, c in sorted(CASES.items()) for k, r in sorted(c.expect.items()) if r.today is not None]


def _check_row(plan: dict, key: str, row: Row) -> None:
    svc = _services(plan)[key]
    got = (svc["decision"], svc["reasons"][0]["code"])
    assert got[0] == row.decision and got[1] in (row.code, *row.also), (
        f"{key}: got {got}, expected ({row.decision!r}, {row.code!r})"
        + (f"; before issue 10 the code gave {row.today}" if row.today else ""))
    codes = {r["code"] for r in svc["reasons"]}
    assert set(row.with_codes) <= codes, f"{key}: missing {set(row.with_codes) - codes}"


@pytest.mark.parametrize("name,key", _STABLE, ids=[f"{n}:{k}" for n, k in _STABLE])
def test_rows_that_need_no_rule_change(name, key, plan_of):
    """Rows where today's code already decides as issue 10 requires (must stay so)."""
    _check_row(plan_of(name), key, CASES[name].expect[key])


@pytest.mark.parametrize("name,key", _CHANGED, ids=[f"{n}:{k}" for n, k in _CHANGED])
def test_rows_issue_10_changes(name, key, plan_of):
    """EXPECTED TO FAIL on a branch without the issue-10 rules (row.today is what it gets
    there); passes once NO_SAVINGS / INGRESS_CONTROLLER-by-selector/labels /
    WELL_KNOWN_TCP_PORT are merged."""
    _check_row(plan_of(name), key, CASES[name].expect[key])


_KIND_NOT_USED = re.compile(r"^(\d+) (.+) object\(s\) read")
_NOT_LB = re.compile(r"^(\d+) \S+ Service\(s\) read")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_object_read_is_planned_or_noted(name, plan_of):
    plan = plan_of(name)
    docs = _docs(CASES[name])
    read = plan["summary"]["objects_read"]
    assert sum(read.values()) == len(docs), "planner did not count every document of the files"
    accounted: dict[str, int] = {}
    for note in plan["notes"]:
        if note["code"] == "KIND_NOT_USED":
            n, kind = _KIND_NOT_USED.match(note["message"]).groups()
            accounted[kind] = accounted.get(kind, 0) + int(n)
        elif note["code"] == "INGRESS_CLASS_READ":
            accounted["IngressClass"] = accounted.get("IngressClass", 0) + int(note["message"].split(" ", 1)[0])
        elif note["code"] == "SERVICE_NOT_LOAD_BALANCER":
            accounted["Service"] = accounted.get("Service", 0) + int(_NOT_LB.match(note["message"]).group(1))
    accounted["Service"] = accounted.get("Service", 0) + len(plan["services"])
    for e in plan.get("existing_entrypoints", []):
        accounted[e["kind"]] = accounted.get(e["kind"], 0) + 1
    assert {k: v for k, v in accounted.items() if v} == read


@pytest.mark.parametrize("name", sorted(CASES))
def test_moved_services_keep_scheme_protocol_and_allow_list(name, plan_of):
    """The invariant of issue 10 for every moved service, checked against the source YAML.
    Fails today only where a TLS-only service moves without ``tls_only`` (grpc envoy)."""
    raw = _lb_services(_docs(CASES[name]))
    for key, svc in _services(plan_of(name)).items():
        if svc["decision"] != "consolidate":
            continue
        ports = (raw[key].get("spec") or {}).get("ports") or []
        policies = svc["policies"]
        assert all(str(p.get("protocol") or "TCP") == "TCP" for p in ports), f"{key}: non-TCP port moved"
        assert not {p.get("port") for p in ports} & WELL_KNOWN_TCP_PORTS, f"{key}: well-known TCP port moved"
        if all(_is_tls(p) for p in ports):
            assert policies.get("tls_only") is True, f"{key}: serves only TLS today, moved without tls_only"
        else:
            assert not policies.get("tls_only"), f"{key}: has a plaintext port, yet tls_only"
        assert _allow_list(raw[key]) <= set(policies.get("source_ranges") or []), f"{key}: allow-list dropped"
