"""A real-world corpus (issue 10, "How it is checked"): public manifests run through the planner.

Every file under ``tests/fixtures/real/`` is a public manifest, kept as it is in its source
repository (trimmed at most to whole documents), with a first line
``# source: <owner>/<repo> <path> @ <commit>``; ``tests/fixtures/real/README.md`` lists them.

Each :data:`CASES` entry runs the CLI on some of those files (one cloud, one cluster) and holds
a golden table: every LoadBalancer Service -> (decision, first reason code). The table is what
the planner must decide with the issue-10 safety rules (well-known DB ports kept
``WELL_KNOWN_TCP_PORT``, TLS-only services moved only with ``policies.tls_only``, plaintext gRPC
kept ``GRPC_PLAINTEXT``, mesh/proxy gateways kept ``INGRESS_CONTROLLER`` by labels, selector or
namespace, placeholders kept ``PLACEHOLDER_VALUE``, a group whose consolidation saves nothing kept
``NO_SAVINGS``). A row whose ``before`` is set records what the code gave at commit 9e5034d,
before those rules (the closing note's BEFORE column); ``UNSAFE before`` in its comment marks a
row where that plan would have broken traffic. Every row is asserted against today's code.

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
ISTIO_GATEWAY = "Gateway (networking.istio.io)"  # its name in summary.objects_read
#: Ports that never move behind an HTTP(S) entrypoint (databases, brokers, raw TCP protocols).
WELL_KNOWN_TCP_PORTS = {
    22, 25, 53, 389, 636, 1433, 1521, 2181, 3306, 3389, 5432, 5672, 6379, 9042, 9092, 11211, 27017,
}


@dataclass(frozen=True)
class Row:
    """What one LoadBalancer Service should get: ``reasons[0].code`` is ``code`` (or one of
    ``also``); a moved service also carries every code of ``with_codes``; ``says``: words
    ``reasons[0].message`` contains. ``before`` is what the code gave at commit 9e5034d, before
    the issue-10 rules, when different (recorded for the closing note; not asserted)."""

    decision: str
    code: str
    before: tuple[str, str] | None = None
    also: tuple[str, ...] = ()
    with_codes: tuple[str, ...] = ()
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    cloud: str
    files: tuple[str, ...]  # relative to REAL; a directory is read whole
    expect: dict[str, Row] = field(default_factory=dict)  # "namespace/name" -> Row


MOVE = Row("consolidate", "HTTP_CONSOLIDATE")
#: Moved before issue 10 with nothing to show for it: a lone LoadBalancer (or a group inside the flat
#: first-5 forwarding-rule tier / one Azure LB) whose consolidation saves $0.00 a month.
NO_SAVINGS = Row("keep", "NO_SAVINGS", before=("consolidate", "HTTP_CONSOLIDATE"))
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
        # UNSAFE before: moved (TLS re-terminated, app_protocol HTTPS = HTTP/1.1 to an Envoy that
        # serves gRPC) and without policies.tls_only. Selector app: envoy marks the proxy.
        "default/envoy": Row("keep", "INGRESS_CONTROLLER", before=("consolidate", "HTTP_CONSOLIDATE"), says=("selector app=envoy",)),
    }),
    "gcp-cue-tutorial": Case("gcp", ("cue-tutorial",), {
        "default/goget": NO_SAVINGS,  # four LoadBalancers: inside the flat first-5 forwarding-rule tier
        "default/nginx": NO_SAVINGS,
        "default/tasks": NO_SAVINGS,
        "default/watcher": NO_SAVINGS,
    }),
    "gcp-istio-gateway-helm": Case("gcp", ("istio-gateway-helm.yaml",), {
        # kept before too, but for its status port (NON_HTTP_PORT), not as a gateway
        "istio-ingress/istio-ingress": Row("keep", "INGRESS_CONTROLLER", before=("keep", "NON_HTTP_PORT")),
    }),
    "gcp-istio-ingressgateway": Case("gcp", ("istio-ingressgateway.yaml",), {
        "istio-system/istio-ingressgateway": CONTROLLER,
    }),
    # the bookinfo sample's Istio Gateway selects istio=ingressgateway: the inventory evidence is
    # named beside the Service's own label
    "gcp-istio-bookinfo": Case("gcp", ("istio-ingressgateway.yaml", "istio-bookinfo-gateway.yaml"), {
        "istio-system/istio-ingressgateway": Row("keep", "INGRESS_CONTROLLER", says=(
            "Istio Gateway default/bookinfo-gateway selects its Pods (istio=ingressgateway)",)),
    }),
    "gcp-ingress-nginx": Case("gcp", ("ingress-nginx-cloud.yaml",), {
        "ingress-nginx/ingress-nginx-controller": CONTROLLER,
    }),
    "gcp-yugabyte": Case("gcp", ("yugabyte-statefulset.yaml",), {
        # Redis 6379, YSQL 5433, Cassandra 9042 on one LoadBalancer: kept before as TCP_ONLY
        "default/yb-db-service": Row("keep", "WELL_KNOWN_TCP_PORT", before=("keep", "TCP_ONLY")),
        # port 7000 named "ui" (YugabyteDB's master web UI). The golden table first said TCP_ONLY:
        # wrong expectation. 7000 is also Cassandra's inter-node port, in WELL_KNOWN_TCP_PORTS,
        # and that rule runs before the protocol rule; the decision (keep) is the same, and the
        # message tells the owner to set appProtocol if the port really is HTTP.
        "default/yb-master-ui": Row("keep", "WELL_KNOWN_TCP_PORT", before=("keep", "TCP_ONLY"), says=("7000/TCP (ui)", "appProtocol")),
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
        "default/http-lb": Row("keep", "WELL_KNOWN_TCP_PORT", before=("keep", "NON_HTTP_PORT"), says=("22/TCP (ssh) is the SSH port",)),
    }),
    "gcp-do-http2-pass-through": Case("gcp", ("digitalocean/http2-with-pass-through-nginx.yaml",), {
        "default/https-with-tls-pass-through": NO_SAVINGS,
    }),
    "gcp-argocd-server": Case("gcp", ("argocd-server-service.yaml",), {}),  # ClusterIP upstream
    "gcp-kes-sctp": Case("gcp", ("kes-sctp-deployment.yaml",), {}),  # SCTP, ClusterIP
    "gcp-ingress2gateway-common": Case("gcp", ("ingress2gateway/common-input-file.yaml",), {}),
    "gcp-ingress2gateway-nginx-grpc": Case("gcp", ("ingress2gateway/nginx-grpc-services.yaml",), {}),
    # --- GCP, many sources in one cluster (17 LoadBalancers: the pool leaves the flat tier) ---
    "gcp-combined": Case("gcp", (
        "cue-tutorial", "grpc-gke-nlb-envoy.yaml", "gke-recipes-external-lb.yaml", "bank-of-anthos-frontend.yaml",
        "external-dns", "yugabyte-statefulset.yaml", "istio-gateway-helm.yaml", "istio-ingressgateway.yaml",
        "ingress-nginx-cloud.yaml", "digitalocean/https-with-pass-through-nginx.yaml",
        "digitalocean/http-nginx-with-load-balancer-firewall.yaml", "argocd-server-service.yaml",
        "ingress2gateway/nginx-grpc-services.yaml",
    ), {
        "default/a-g1-record": MOVE,
        "default/aa-g1-record": MOVE,
        # UNSAFE before: see gcp-grpc-envoy; here the group saves money, so only the gateway
        # rule keeps it
        "default/envoy": Row("keep", "INGRESS_CONTROLLER", before=("consolidate", "HTTP_CONSOLIDATE")),
        "default/foo": MOVE,
        "default/frontend": MOVE,
        # 443 -> 7443 named https, TLS in the Pod: HTTPS listener only (TLS_ONLY), HTTPS to the Pod.
        # UNSAFE before: moved as TLS plus plain HTTP (no tls_only), so plain HTTP was opened for it
        "default/goget": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT", "TLS_ONLY", "PINNED_IP")),
        # the DigitalOcean firewall / passthrough annotations do nothing on GKE
        "default/http-lb": MOVE,
        "default/https-with-tls-pass-through": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT",)),
        "default/nginx": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT", "PINNED_IP")),
        "default/nginx-rfc2136": MOVE,
        # 443 -> 7443 named "http" (TLS by its port number; the Pod mounts a certificate): as goget
        "default/tasks": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("TLS_MANAGED_CERT", "TLS_ONLY", "PINNED_IP")),
        # loadBalancerIP "1.2.3.4." (sic) in the source: the PINNED_IP warn must still be there
        "default/watcher": Row("consolidate", "HTTP_CONSOLIDATE", with_codes=("PORT_CHANGES", "PINNED_IP")),
        "default/yb-db-service": Row("keep", "WELL_KNOWN_TCP_PORT", before=("keep", "TCP_ONLY")),
        "default/yb-master-ui": Row("keep", "WELL_KNOWN_TCP_PORT", before=("keep", "TCP_ONLY")),  # see gcp-yugabyte
        "ingress-nginx/ingress-nginx-controller": CONTROLLER,
        "istio-ingress/istio-ingress": Row("keep", "INGRESS_CONTROLLER", before=("keep", "NON_HTTP_PORT")),
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
        # two LBs -> one entrypoint saves money: they move
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


def _analyze(name: str, out: Path, *extra: str) -> dict:
    case = CASES[name]
    argv = ["analyze", *[str(REAL / f) for f in case.files], "--out", str(out), "--format", "json",
            "--cloud", case.cloud, "--region", REGIONS[case.cloud], "--cluster", "corpus", "--project", "corpus-project", *extra]
    assert main(argv) == 0, f"{name}: planner refused the corpus"
    return json.loads((out / "plan.json").read_text())


@pytest.fixture(scope="module")
def plan_of(tmp_path_factory):
    def run(name: str) -> dict:
        if name not in _PLANS:
            _PLANS[name] = _analyze(name, tmp_path_factory.mktemp(name))
        return _PLANS[name]
    return run


def _services(plan: dict) -> dict[str, dict]:
    return {f"{s['namespace']}/{s['name']}": s for s in plan["services"]}


# --- the corpus itself -----------------------------------------------------------------------


#: Sub-corpora other tests own, with their own provenance check: nginx/ (ingress-nginx examples,
#: tests/test_nginx_end_to_end.py; their source lines may end with a note in parentheses).
OWNED_ELSEWHERE = ("nginx",)


def _corpus_files() -> list[Path]:
    return sorted(p for p in REAL.rglob("*.yaml") if p.relative_to(REAL).parts[0] not in OWNED_ELSEWHERE)


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


_ROWS = [(n, k) for n, c in sorted(CASES.items()) for k in sorted(c.expect)]


def _check_row(plan: dict, key: str, row: Row) -> None:
    svc = _services(plan)[key]
    got = (svc["decision"], svc["reasons"][0]["code"])
    assert got[0] == row.decision and got[1] in (row.code, *row.also), (
        f"{key}: got {got}, expected ({row.decision!r}, {row.code!r})"
        + (f"; before issue 10 (9e5034d) the code gave {row.before}" if row.before else ""))
    codes = {r["code"] for r in svc["reasons"]}
    assert set(row.with_codes) <= codes, f"{key}: missing {set(row.with_codes) - codes}"
    for words in row.says:
        assert words in svc["reasons"][0]["message"], f"{key}: {words!r} not in {svc['reasons'][0]['message']!r}"


@pytest.mark.parametrize("name,key", _ROWS, ids=[f"{n}:{k}" for n, k in _ROWS])
def test_golden_row(name, key, plan_of):
    """Every LoadBalancer of every case: decision and first reason code as the table says."""
    _check_row(plan_of(name), key, CASES[name].expect[key])


def test_golden_rows_before_differ_from_their_expectation():
    """A recorded BEFORE value is only worth keeping where it differs from today's row."""
    for name, case in CASES.items():
        for key, row in case.expect.items():
            assert row.before != (row.decision, row.code), f"{name}:{key}: before equals the expectation"


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
    # an Istio Gateway is read as evidence: a kept gateway Service's reason names it
    reasons = " ".join(r["message"] for s in plan["services"] for r in s["reasons"])
    istio = [_key(d) for d in docs if d.get("kind") == "Gateway" and str(d.get("apiVersion", "")).startswith("networking.istio.io/")]
    accounted[ISTIO_GATEWAY] = sum(f"Istio Gateway {k} selects its Pods" in reasons for k in istio)
    assert {k: v for k, v in accounted.items() if v} == read


@pytest.mark.parametrize("name", sorted(CASES))
def test_moved_services_keep_scheme_protocol_and_allow_list(name, plan_of):
    """The invariant of issue 10 for every moved service, checked against the source YAML
    (before issue 10 it failed where a TLS-only service moved without ``tls_only``: grpc envoy)."""
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


# --- the generated Pulumi program on the combined GCP case -----------------------------------

ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
ARMOR = "gcp:compute/securityPolicy:SecurityPolicy"
GBP = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"


def _program_run(plan: dict, out: Path):
    from planner.render import pulumi as render_pulumi
    from pulumi_harness import run_program

    render_pulumi.write(plan, out)
    return run_program(out, {"gcp:project": "corpus-project", "planner:phase": "build"})


def _moved(plan: dict) -> dict[str, dict]:
    return {k: s for k, s in _services(plan).items() if s["decision"] == "consolidate"}


def _armor_rules(run) -> dict[str, list[str]]:
    """SecurityPolicy name -> the source ranges of its allow rule; each policy ends in deny-all."""
    out = {}
    for r in run.of_type(ARMOR):
        rules = sorted(r.inputs["rules"], key=lambda x: x["priority"])
        assert rules[-1]["action"].startswith("deny") and rules[-1]["match"]["config"]["srcIpRanges"] == ["*"], r.name
        out[r.inputs["name"]] = sorted(ip for x in rules[:-1] if x["action"] == "allow" for ip in x["match"]["config"]["srcIpRanges"])
    return out


def test_combined_gcp_program_gateway_keeps_tls_only_off_http_and_every_allow_list(plan_of, tmp_path):
    """Gateway strategy: a TLS-only service's HTTPRoute attaches only to the ``https`` listener
    (a parentRef without sectionName would attach to ``http`` too), the ``http`` listener only
    redirects its host; every moved service's allow-list is a Cloud Armor policy (allow the
    ranges, deny the rest) its GCPBackendPolicy names, and no other policy exists."""
    plan = plan_of("gcp-combined")
    moved = _moved(plan)
    tls_only = {k for k, s in moved.items() if s["policies"]["tls_only"]}
    assert tls_only == {"default/goget", "default/tasks"}  # the check below is not vacuous
    run = _program_run(plan, tmp_path / "pulumi")
    routes = {f"{r.inputs['metadata']['namespace']}/{r.inputs['metadata']['name']}": r.inputs["spec"] for r in run.of_type(ROUTE)}
    served: dict[str, set[str]] = {}  # "ns/service" -> listener sections its routes attach to
    redirected: set[str] = set()
    for key, spec in routes.items():
        sections = {ref.get("sectionName", "ALL") for ref in spec["parentRefs"]}
        backends = {f"{key.split('/')[0]}/{b['name']}" for rule in spec["rules"] for b in rule.get("backendRefs", [])}
        for b in backends:
            served.setdefault(b, set()).update(sections)
        if not backends and sections == {"http"}:
            assert all(f["type"] == "RequestRedirect" and f["requestRedirect"]["scheme"] == "https" for rule in spec["rules"] for f in rule["filters"])
            redirected.update(spec["hostnames"])
    assert set(served) == set(moved)
    for key in tls_only:
        assert served[key] == {"https"}, f"{key}: TLS-only, yet its route attaches to {served[key]}"
    hosts = {r["service"]: r["host"] for ep in plan["entrypoints"] for r in ep["routes"]}
    assert redirected == {hosts[k.split("/")[1]] for k in tls_only}
    for key in set(moved) - tls_only:
        assert served[key] == {"ALL"}, key  # plain HTTP services keep both listeners
    # allow-lists: none of the moved corpus services has one (README: no licensed source found),
    # so no policy may appear; any moved service with ranges must get exactly its own
    want = {f"planner-{k.replace('/', '-')}": sorted(s["policies"]["source_ranges"]) for k, s in moved.items() if s["policies"]["source_ranges"]}
    assert _armor_rules(run) == want
    named = {r.inputs["spec"]["default"].get("securityPolicy") for r in run.of_type(GBP)} - {None}
    assert named == set(want)


def test_combined_gcp_ingress_strategy_keeps_tls_only_services(tmp_path):
    """Ingress strategy: a GKE Ingress redirects HTTP for all its hosts or none, and this one
    has plain-HTTP hosts, so the TLS-only goget / tasks would answer on port 80 in cleartext
    (before: moved, with only an HTTPS_ONLY_MIXED line in program.json). They stay
    (TLS_ONLY_INGRESS); every other row is as under the gateway strategy."""
    plan = _analyze("gcp-combined", tmp_path, "--strategy", "ingress")
    got = {k: (s["decision"], s["reasons"][0]["code"]) for k, s in _services(plan).items()}
    assert got.pop("default/goget")[0] == got.pop("default/tasks")[0] == "keep"
    expect = {k: (r.decision, r.code) for k, r in CASES["gcp-combined"].expect.items() if k not in ("default/goget", "default/tasks")}
    assert got == expect
    program = json.loads((tmp_path / "pulumi" / "program.json").read_text())
    assert not [x for x in program["limitations"] if x["code"] == "HTTPS_ONLY_MIXED"]
