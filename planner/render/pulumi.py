"""The Pulumi program: a standalone Pulumi Python project generated from the plan.

``write(plan, out_dir)`` writes into ``out_dir``:

- ``program.json``  every value that comes from the plan (names, namespaces, hosts, ranges), as
  data. This module turns the plan into resource-shaped records; it never decides anything the
  plan did not decide.
- ``__main__.py``   the program, rendered from ``templates/pulumi/__main__.py.j2``. It contains
  no inventory string at all: it loads ``program.json`` and runs one data-driven loop per
  resource type, so an injection payload in a name or host can only ever be a string value.
- ``Pulumi.yaml``, ``requirements.txt``, ``README.md``.

The program is phased (stack config ``planner:phase`` = build | cutover | retire); see
``docs/pulumi.md``.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from planner.model import Cluster, PlannerError
from planner.render.jsonplan import json_pieces, maybe_small_float

PROGRAM_DATA = "program.json"
DATA_FORMAT = 1
#: Cloud Armor: at most 10 IP ranges per basic (SRC_IPS_V1) match.
ARMOR_RANGES_PER_RULE = 10
ARMOR_FIRST_PRIORITY = 1000
ARMOR_DEFAULT_PRIORITY = 2147483647
#: GKE ManagedCertificate limits.
MANAGED_CERT_MAX_DOMAINS = 100
MANAGED_CERTS_PER_INGRESS = 15
GATEWAY_API = "gateway.networking.k8s.io/v1"
#: the project a plan carries when the inventory / --project named none
PLACEHOLDER_PROJECT = Cluster.__dataclass_fields__["project"].default
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"

# each run of characters other than [a-z0-9] becomes one "-": what replacing each run of
# characters other than [a-z0-9-] by "-", then each run of dashes by one, gives
_SLUG = re.compile(r"[^a-z0-9]+")
# exactly the names resource_name() returns unchanged (lower-case, starts with a letter, no
# leading, trailing or doubled "-"): checked first, as most parts are already safe
_SAFE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_NEG_ANNOTATION = json.dumps({"ingress": True}, sort_keys=True)
_NO_PORTS: frozenset = frozenset()  # the routed ports of a service no route reaches
_NO_SOURCES: frozenset = frozenset()  # the sources of a host no route names


#: bytes.translate table: every byte other than [a-z0-9] becomes "-"
_DASHES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else ord("-") for c in range(256))


def _slug(low: str) -> str:
    """``_SLUG.sub("-", low)``: each run of characters other than [a-z0-9] one "-". An ASCII
    text (a host, a name) through bytes.translate (each such byte a "-") and the runs of
    dashes collapsed; any other through the regex."""
    if not low.isascii():
        return _SLUG.sub("-", low)
    out = low.encode("ascii").translate(_DASHES)
    while b"--" in out:
        out = out.replace(b"--", b"-")
    return out.decode("ascii")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def resource_name(*parts: str, limit: int = 63) -> str:
    """A GCP / Kubernetes-label-safe name (``[a-z]([-a-z0-9]*[a-z0-9])?``, <= ``limit``).

    The readable slug is kept when the parts are already safe; otherwise (or when too long) a
    short hash of the original parts is appended, so distinct inputs never collide.
    """
    raw = "-".join(parts)
    if len(raw) <= limit and _SAFE.fullmatch(raw):
        return raw
    slug = _slug(raw.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = "p-" + slug if slug else "p"
    if slug == raw and len(slug) <= limit:
        return slug
    suffix = _digest(raw)
    head = slug[: limit - len(suffix) - 1].rstrip("-")
    return f"{head}-{suffix}"


def _key(*parts: object) -> str:
    """Pulumi logical name: unique per resource type, readable (``"/".join(map(str, parts))``)."""
    try:
        return "/".join(parts)  # every part a str, as a plan's names are
    except TypeError:
        return "/".join(map(str, parts))


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _cert_groups(ep: dict, tls_hosts: list[str]) -> list[dict]:
    """Certificates of an entrypoint: the plan's grouping (``entrypoints[].certificates``) when it
    has one, else one certificate per block of at most 100 hosts. Only ``tls_hosts`` are kept."""
    wanted = set(tls_hosts)
    planned = ep.get("certificates")
    if planned:
        groups = [{"name": c["name"], "hosts": sorted(h for h in c["hosts"] if h in wanted)} for c in planned]
        covered = {h for g in groups for h in g["hosts"]}
        rest = sorted(wanted - covered)
        groups = [g for g in groups if g["hosts"]]
    else:
        rest = sorted(wanted)
        groups = []
    for chunk in _chunks(rest, MANAGED_CERT_MAX_DOMAINS):
        groups.append({"name": f"{ep['name']}-cert-{len(groups) + 1}", "hosts": chunk})
    return groups


#: Gateway API limits per HTTPRoute (CRD maxItems).
ROUTE_MAX_RULES = 16
ROUTE_MAX_HOSTNAMES = 16
REDIRECT_STATUS = 301
_PATH_CHARS = re.compile(r"(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+")


class RouteError(ValueError):
    """A plan route the Gateway API / GKE Ingress cannot express exactly."""


def route_path(path: str | None, path_type: str | None) -> tuple[str, str]:
    """``(type, value)`` of a plan route's path (see :func:`_route_path`); remembered for
    strings, as a plan's routes share few paths ("/", "/api"...)."""
    if (path is None or type(path) is str) and (path_type is None or type(path_type) is str):
        return _route_path_of_strings(path, path_type)
    return _route_path(path, path_type)


def _route_path(path: str | None, path_type: str | None) -> tuple[str, str]:
    """``(type, value)`` of a plan route's path: ``PathPrefix`` or ``Exact``.

    A folded GKE Ingress path ``/*`` or ``/v1/*`` (ImplementationSpecific) is the prefix ``/`` or
    ``/v1``; Gateway API (and the Prefix Ingress type) would match a ``*`` literally, so any other
    ``*``, a template like ``/items/{id}`` or a path the Gateway API CRD refuses raises RouteError.
    """
    value = path or "/"
    kind = path_type or "PathPrefix"
    if kind in ("ImplementationSpecific", "Prefix"):
        kind = "PathPrefix"
    if kind not in ("PathPrefix", "Exact"):
        raise RouteError(f"path type {kind!r} is not PathPrefix or Exact")
    if kind == "PathPrefix" and (value == "*" or value.endswith("/*")):
        value = value[:-2] or "/" if value != "*" else "/"
    bad = [m for m, hit in (
        ("must start with '/'", not value.startswith("/")),
        ("contains '*' (a wildcard that is not a trailing '/*')", "*" in value),
        ("has characters a URL path cannot carry", not _PATH_CHARS.fullmatch(value)),
        ("contains '//', '/./', '/../', '%2f' or '#'", any(x in value for x in ("//", "/./", "/../", "%2f", "%2F", "#"))),
        ("ends with '/.' or '/..'", value.endswith(("/.", "/.."))),
    ) if hit]
    if bad:
        raise RouteError(f"path {path!r} cannot be expressed: {bad[0]}")
    return kind, value


_route_path_of_strings = lru_cache(maxsize=4096)(_route_path)  # pure: the same answer, or RouteError again


def _add_routed_ports(routed_ports: dict, cl: str, routes: list[dict]) -> None:
    """(cluster, namespace, service) -> the ports the routes reach, for each backend with
    both: _route_backends' backends, a route with neither a redirect nor backends read
    directly (its service and port)."""
    for r in routes:
        get = r.get
        if get("redirect") or get("backends"):
            backends = [(b.get("service"), b.get("port")) for b in _route_backends(r)]
        else:
            backends = [(get("service"), get("port"))]
        for service, port in backends:
            if service is not None and port is not None:
                got = routed_ports.get(key := (cl, r["namespace"], service))
                if got is None:
                    routed_ports[key] = {port}
                else:
                    got.add(port)


def _route_backends(r: dict) -> list[dict]:
    if r.get("redirect"):
        return []
    return list(r.get("backends") or [{"service": r.get("service"), "port": r.get("port")}])


def route_rule(r: dict) -> dict:
    """One Gateway API HTTPRoute rule for a plan route (raises RouteError when it cannot be expressed)."""
    plain = _plain_rule(r)
    if plain is not None:
        return plain
    kind, value = route_path(r.get("path"), r.get("path_type"))
    match: dict = {"path": {"type": kind, "value": value}}
    if r.get("headers"):
        match["headers"] = [{"type": "Exact", "name": h["name"], "value": h["value"]} for h in sorted(r["headers"], key=itemgetter("name", "value"))]
    rule: dict = {"matches": [match]}
    filters = []
    if r.get("redirect"):
        red = r["redirect"]
        spec: dict = {"statusCode": int(red.get("status_code") or REDIRECT_STATUS)}
        if red.get("scheme"):
            spec["scheme"] = red["scheme"]
        if red.get("hostname"):
            spec["hostname"] = red["hostname"]
        if red.get("path"):
            route_path(red["path"], "Exact")  # same syntax rules
            spec["path"] = {"type": "ReplaceFullPath", "replaceFullPath": red["path"]}
        filters.append({"type": "RequestRedirect", "requestRedirect": spec})
    else:
        refs = []
        for b in _route_backends(r):
            if b.get("service") is None or not isinstance(b.get("port"), int) or isinstance(b.get("port"), bool):
                raise RouteError(f"backend {b.get('service')!r} port {b.get('port')!r} is not a numeric service port")
            ref = {"name": b["service"], "port": b["port"]}
            if "weight" in b and b["weight"] is not None:
                ref["weight"] = int(b["weight"])
            refs.append(ref)
        rule["backendRefs"] = sorted(refs, key=itemgetter("name", "port"))
        if r.get("rewrite") is not None:
            route_path(r["rewrite"], "Exact")
            path = ({"type": "ReplacePrefixMatch", "replacePrefixMatch": r["rewrite"]} if kind == "PathPrefix"
                    else {"type": "ReplaceFullPath", "replaceFullPath": r["rewrite"]})
            filters.append({"type": "URLRewrite", "urlRewrite": {"path": path}})
        headers = (r.get("response_headers") or {}).get("set") or {}
        if headers:
            filters.append({"type": "ResponseHeaderModifier", "responseHeaderModifier": {"set": [{"name": k, "value": v} for k, v in sorted(headers.items())]}})
    if filters:
        rule["filters"] = filters
    if r.get("timeout_sec"):
        rule["timeouts"] = {"request": f"{int(r['timeout_sec'])}s"}
    return rule


def _plain_rule(r: dict) -> dict | None:
    """route_rule of a route to one (service, numeric port) with nothing else to express (most
    routes), built directly; None for any other route (route_rule's general path decides)."""
    get = r.get
    if get("redirect") or get("headers") or get("backends") or get("rewrite") is not None or get("response_headers") or get("timeout_sec"):
        return None
    service, port = get("service"), get("port")
    if service is None or type(port) is not int:
        return None
    kind, value = route_path(get("path"), get("path_type"))
    return {"matches": [{"path": {"type": kind, "value": value}}], "backendRefs": [{"name": service, "port": port}]}


def _listener(listeners: list[dict], protocol: str) -> str | None:
    return next((lst["name"] for lst in listeners if lst["protocol"] == protocol), None)


#: = json.dumps(rule, sort_keys=True, separators=(",", ":")), without a new encoder per call
_compact_rule_text = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _rule_key(rule: dict) -> bytes:
    """A rule's canonical text, what groups and orders the rules: ``_compact_rule_text(rule)``
    as ASCII bytes. It sorts as json.dumps' spaced text does (a separator's space is never
    where two texts first differ: the text before it ends in the same separator in both).

    orjson writes the same bytes when its text is ASCII without DEL (json escapes DEL and every
    non-ASCII character; the other control characters both escape alike), holds no ``null``
    (orjson writes NaN and the infinities as null) and no float below 1e-4 in size; anything
    else, or a value orjson refuses, takes json's encoder."""
    import orjson

    try:
        raw = orjson.dumps(rule, option=_rule_option())
    except TypeError:
        raw = None
    if raw is not None and raw.isascii() and b"\x7f" not in raw and b"null" not in raw and not maybe_small_float(raw):
        return raw
    return _compact_rule_text(rule).encode("ascii")


@lru_cache(maxsize=1)
def _rule_option() -> int:
    """orjson's options for json's text: sorted keys; dataclasses, datetimes and subclasses of
    the JSON types passed through (then refused: json's encoder decides)."""
    import orjson

    return orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _where(r: dict) -> str:
    """A plan route as limitations name it."""
    return f"route {r.get('host')}{r.get('path')}"


def _gateway_routes(ep: dict, tls_hosts: list[str], listeners: list[dict], route_names: set, limit) -> tuple[list[dict], list[str]]:
    """HTTPRoute records of a Gateway entrypoint and the namespaces its listeners must admit.

    One HTTPRoute per plan route name (the service's name; a folded Ingress rule keeps its own)
    and TLS mode; hosts with the same rules share it. A TLS-only route attaches to the HTTPS
    listener only, and the HTTP listener answers its hosts with a 301 to https (one redirect
    HTTPRoute in the Gateway's namespace).
    """
    cl, name = ep["cluster"], ep["name"]
    https = _listener(listeners, "HTTPS")
    http = _listener(listeners, "HTTP")
    tls = set(tls_hosts)
    by_group: dict[tuple, dict] = {}  # (namespace, route name, TLS-only) -> host -> [(rule, its key or None)]
    tls_only_hosts: set[str] = set()
    for r in ep["routes"]:
        try:
            rule, text = _keyed_rule(r)
        except RouteError as exc:
            limit(_where(r), "ROUTE_NOT_RENDERED", f"{exc}; this route is not rendered (keep its current load balancer or add it to an HTTPRoute by hand)")
            continue
        https_only = bool(r.get("https_only"))
        if https_only and (https is None or r.get("host") not in tls):
            limit(_where(r), "HTTPS_ONLY_NO_LISTENER", f"route is TLS-only but Gateway {name} has no HTTPS listener or certificate for host {r.get('host')!r}; not rendered (it would be served over plain HTTP)")
            continue
        if https_only:
            tls_only_hosts.add(r["host"])
        key = (r["namespace"], r.get("name") or r.get("service") or "redirect", https_only)
        by_group.setdefault(key, {}).setdefault(r.get("host"), []).append((rule, text))
    base = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": name, "namespace": ep["namespace"]}
    gateway = {"name": name, "namespace": ep["namespace"], "key": ep.get("gateway_key") or _key(cl, name)}
    records = []
    for (ns, route_name, https_only), hosts in sorted(by_group.items()):
        parent = dict(base, sectionName=https) if https_only else dict(base)
        lone = _lone_rule(hosts)
        if lone is not None:  # a service's own route: one record, its rule's key never needed
            rname = resource_name("planner", route_name, "tls") if https_only else resource_name("planner", route_name)
            records.append(_route_record(cl, ns, rname, route_names, gateway, [parent], list(hosts), [lone]))
            continue
        chunks = [(rules[i : i + ROUTE_MAX_RULES], hs[j : j + ROUTE_MAX_HOSTNAMES])
                  for rules, hs in _group_rules(hosts)
                  for i in range(0, len(rules), ROUTE_MAX_RULES) for j in range(0, max(len(hs), 1), ROUTE_MAX_HOSTNAMES)]
        for i, (rules, group_hosts) in enumerate(chunks):
            parts = [route_name] + (["tls"] if https_only else []) + ([str(i + 1)] if len(chunks) > 1 else [])
            records.append(_route_record(cl, ns, resource_name("planner", *parts), route_names, gateway, [parent], group_hosts, rules))
    route_namespaces = {ns for ns, _, _ in by_group}
    if tls_only_hosts and http:
        ns = ep["namespace"]
        route_namespaces.add(ns)
        redirect = {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": REDIRECT_STATUS}}]}
        hosts = sorted(tls_only_hosts)
        chunks = _chunks(hosts, ROUTE_MAX_HOSTNAMES)
        for i, chunk in enumerate(chunks):
            parts = [name, "https-redirect"] + ([str(i + 1)] if len(chunks) > 1 else [])
            records.append(_route_record(cl, ns, resource_name("planner", *parts), route_names, gateway, [dict(base, sectionName=http)], chunk, [redirect]))
    return records, sorted(route_namespaces)


def _keyed_rule(r: dict) -> tuple[dict, bytes | None]:
    """route_rule(r) and its _rule_key, or None for the key of a plain rule to a str service
    (json writes it whatever its strings hold): computed only when its HTTPRoute group has
    other rules or hosts to sort it with (_group_rules). Any other rule's key is made at once,
    so an error it raises is raised where it was."""
    plain = _plain_rule(r)
    if plain is not None and type(r["service"]) is str:
        return plain, None
    rule = plain if plain is not None else route_rule(r)
    return rule, _rule_key(rule)


def _lone_rule(hosts: dict) -> dict | None:
    """The rule of an HTTPRoute group (host -> its [(rule, key or None)]) of one host with one
    rule (most groups: a service's own route); None for any other group."""
    if len(hosts) == 1:
        [rules] = hosts.values()
        if len(rules) == 1:
            return rules[0][0]
    return None


def _group_rules(hosts: dict) -> list[tuple[list, list]]:
    """``(rules, hosts)`` of one HTTPRoute group (host -> its [(rule, key or None)]), as
    _hosts_by_rules orders them, the rules as dicts (any of those with the same key: they
    are written alike)."""
    rule_of: dict[bytes, dict] = {}  # a rule's canonical text (_rule_key) -> the rule
    texts: dict = {}
    for host, rules in hosts.items():
        keys = texts[host] = set()
        for rule, text in rules:
            text = text if text is not None else _rule_key(rule)
            rule_of.setdefault(text, rule)
            keys.add(text)
    return [([rule_of[x] for x in rules], hs) for rules, hs in _hosts_by_rules(texts)]


def _hosts_by_rules(hosts: dict) -> list[tuple[tuple, list]]:
    """``(rules, hosts)`` of one HTTPRoute group (host -> its rules' texts): the hosts with the
    same rules together, in host order (None last), the lists ordered by their first host."""
    if len(hosts) == 1:  # most groups: a service's own host
        [(host, rules)] = hosts.items()
        return [(tuple(sorted(rules)), [host])]
    return _hosts_by_rules_plain(hosts)


def _hosts_by_rules_plain(hosts: dict) -> list[tuple[tuple, list]]:
    groups: dict[tuple, list] = {}
    for host, rules in sorted(hosts.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        groups.setdefault(tuple(sorted(rules)), []).append(host)
    return sorted(groups.items(), key=lambda kv: kv[1][0] or "")


def _route_record(cl, ns, rname, route_names, gateway, parents, hosts, rules) -> dict:
    """One HTTPRoute record; ``gateway`` (its Gateway's name, namespace and key) is shared by
    the Gateway's routes (it is written, never changed)."""
    if (cl, ns, rname) in route_names:  # e.g. a folded Ingress rule named like a service
        rname = resource_name(rname, "r" + _digest(repr((gateway["name"], hosts))))
    route_names.add((cl, ns, rname))
    return {
        "key": _key(cl, ns, rname), "cluster": cl, "name": rname, "namespace": ns,
        "gateway": gateway,
        "parent_refs": parents,
        "hostnames": [h for h in hosts if h is not None],
        "rules": rules,
    }


#: GKE ManagedCertificate: each domain at most 63 characters (the CRD's pattern refuses longer).
MANAGED_CERT_MAX_DOMAIN = 63
_INGRESS_ONLY_PLAIN = ("redirect", "rewrite", "headers", "response_headers", "timeout_sec")


def _certifiable(ep: dict, tls_hosts: list[str], limit) -> list[str]:
    """TLS hosts a ManagedCertificate can carry; longer ones are reported and left out."""
    too_long = [h for h in tls_hosts if len(h) > MANAGED_CERT_MAX_DOMAIN]
    for h in too_long:
        limit(f"host {h}", "MANAGED_CERT_DOMAIN_TOO_LONG",
              f"{len(h)}-character host: a ManagedCertificate domain has at most {MANAGED_CERT_MAX_DOMAIN} characters (GKE refuses it); "
              f"Ingress {ep['name']} serves it without a Google-managed certificate: add a pre-shared certificate or Secret by hand")
    return [h for h in tls_hosts if len(h) <= MANAGED_CERT_MAX_DOMAIN]


def _ingress_rules(ep: dict, limit) -> tuple[list[dict], set]:
    """Ingress path records of an Ingress entrypoint (sorted) and its TLS-only hosts.

    Only what an Ingress path expresses: host, path (Prefix / Exact) and one backend. A route with
    a redirect, rewrite, header match, weighted backends, response headers or a per-route timeout
    is not rendered (reported): the core keeps such Ingresses.
    """
    rules, tls_only = [], set()
    for r in ep["routes"]:
        extra = [k for k in _INGRESS_ONLY_PLAIN if r.get(k)] + (["backends"] if len(r.get("backends") or []) > 1 else [])
        backend = (r.get("backends") or [{"service": r.get("service"), "port": r.get("port")}])[0]
        try:
            kind, value = route_path(r.get("path"), r.get("path_type"))
        except RouteError as exc:
            limit(_where(r), "ROUTE_NOT_RENDERED", f"{exc}; this route is not rendered (keep its current load balancer)")
            continue
        if extra:
            limit(_where(r), "ROUTE_NOT_RENDERED", f"an Ingress path cannot carry {', '.join(extra)}; this route is not rendered (use the gateway strategy or keep its current load balancer)")
            continue
        if backend.get("service") is None or backend.get("port") is None:
            limit(_where(r), "ROUTE_NOT_RENDERED", f"route to service {backend.get('service')!r} has no port; add it to the Ingress by hand")
            continue
        if r.get("https_only"):
            tls_only.add(r.get("host"))
        rules.append({"host": r.get("host"), "path": value, "path_type": "Exact" if kind == "Exact" else "Prefix",
                      "service": backend["service"], "port": backend["port"]})
    rules.sort(key=lambda r: (r["host"] or "", r["path"], r["path_type"], r["service"], str(r["port"])))
    return rules, tls_only


#: Service port appProtocol / GKE Ingress app-protocols per backend protocol (policies.backend_protocol).
GATEWAY_APP_PROTOCOL = {"H2C": "kubernetes.io/h2c", "HTTP2": "HTTP2", "HTTPS": "HTTPS"}
INGRESS_APP_PROTOCOL = {"HTTP2": "HTTP2", "HTTPS": "HTTPS"}


def backend_protocol(policies: dict) -> str:
    """``HTTP`` | ``HTTPS`` | ``H2C`` | ``HTTP2``: the plan's ``backend_protocol``, or for older plans
    the one ``app_protocol`` implies (its ``HTTP2`` was gRPC in clear text, i.e. h2c)."""
    proto = policies.get("backend_protocol")
    if proto:
        return proto
    return {"HTTP2": "H2C", "HTTPS": "HTTPS"}.get(policies.get("app_protocol") or "", "HTTP")


def _backend_protocol_patch(s: dict, ep: dict, routed: set, limit) -> tuple[list, bool, dict]:
    """Ports to patch with appProtocol, whether an existing value is replaced, and the Ingress's
    ``cloud.google.com/app-protocols`` entries (port name -> HTTPS | HTTP2)."""
    proto = backend_protocol(s.get("policies") or {})
    if ep["kind"] == "Ingress" and proto == "H2C":
        limit(_service_object(s), "BACKEND_H2C_INGRESS",
              "the backend speaks HTTP/2 in clear text (h2c, e.g. gRPC without TLS), which a GKE Ingress cannot reach "
              "(its HTTP2 backends must serve TLS): requests would fail; keep this Service's load balancer or use the gateway strategy")
        return [], False, {}
    want = (GATEWAY_APP_PROTOCOL if ep["kind"] == "Gateway" else INGRESS_APP_PROTOCOL).get(proto)
    ports, force, ingress_protocols = [], False, {}
    if not want:
        return ports, force, ingress_protocols
    obj = _service_object(s)
    for p in sorted(s["ports"], key=itemgetter("port", "protocol")):
        if p["port"] not in routed:
            continue
        if p.get("app_protocol") != want:
            ports.append({"port": p["port"], "protocol": p["protocol"], "app_protocol": want})
            force = force or p.get("app_protocol") is not None
        if ep["kind"] == "Ingress":
            if p.get("name"):
                ingress_protocols[p["name"]] = want
            else:
                limit(obj, "BACKEND_PROTOCOL_UNNAMED_PORT", f"port {p['port']} has no name, so the Ingress annotation cloud.google.com/app-protocols cannot set {want} for it: name the port")
    return ports, force, ingress_protocols


def _service_object(s: dict) -> str:
    """A plan service as limitations name it."""
    return f"Service {s['cluster']}/{s['namespace']}/{s['name']}"


def _host_sources(plan: dict) -> dict[tuple, set]:
    """(entrypoint, host) -> the plan routes' ``source`` values (absent in older plans)."""
    out: dict[tuple, set] = {}
    for ep in plan["entrypoints"]:
        name = ep["name"]
        for r in ep["routes"]:
            host, source = r.get("host"), r.get("source")
            if host is not None and source:
                got = out.get((name, host))
                if got is None:
                    out[name, host] = {source}
                else:
                    got.add(source)
    return out


def _targets(plan: dict, used: set) -> list[dict]:
    """Project, location and GKE context name of each cluster the program touches."""
    out = []
    for c in sorted(plan.get("clusters", []), key=itemgetter("name")):
        if c["name"] not in used:
            continue
        project, location = c.get("project"), c.get("location") or c.get("region")
        if project == PLACEHOLDER_PROJECT:  # --project not given: the plan does not know it
            project = None
        out.append({"cluster": c["name"], "project": project, "location": location,
                    "gke_context": f"gke_{project}_{location}_{c['name']}" if project and location else None})
    return out


def _secret_refs(ep: dict, tls_hosts: list[str]) -> list[dict]:
    """The kept TLS Secrets of a Gateway (``certificates[].kind == "Secret"``, ingress-nginx
    migration): used only when every TLS host has one (the plan guarantees it)."""
    certs = [c for c in ep.get("certificates") or [] if c.get("kind") == "Secret"]
    covered = {h for c in certs for h in c["hosts"]}
    if not certs or not set(tls_hosts) <= covered:
        return []
    return sorted(({"name": c["secret"], "namespace": c["namespace"]} for c in certs), key=itemgetter("namespace", "name"))


def _nginx_records(plan: dict, eps_by_name: dict, multi: bool, armor: list, backend_objs: list, patches: list, limit) -> None:
    """``--migrate-ingress-nginx``: the backend policies of the migrated Ingresses' Services
    (GCPBackendPolicy, Cloud Armor allow/deny rules, appProtocol at cutover) and, in the retire
    phase, the controller Service patched to ClusterIP when every Ingress it serves moved."""
    have = {b["key"] for b in backend_objs}
    nginx_eps: dict[tuple, dict] = {}
    for ep in plan["entrypoints"]:
        for r in ep["routes"]:
            if r.get("source") == "nginx":
                for b in _route_backends(r):
                    nginx_eps.setdefault((ep["cluster"], r["namespace"], b.get("service")), ep)
    for row in plan.get("nginx_migration") or []:
        cl = row["cluster"]
        for bp in row.get("backend_policies") or []:
            ns, svc = bp["namespace"], bp["service"]
            ep = nginx_eps.get((cl, ns, svc))
            obj = f"Service {cl}/{ns}/{svc}"
            if ep is None:
                continue
            config_name = resource_name("planner", svc)
            if _key(cl, ns, config_name) in have:
                limit(obj, "NGINX_POLICY_MERGED", "this Service also moves from its own load balancer; its backend policy is the Service's (the Ingress's nginx settings are not applied twice)")
                continue
            allow, deny = sorted(bp.get("source_ranges") or []), sorted(bp.get("deny_ranges") or [])
            armor_name = None
            if (allow or deny) and ep["internal"]:
                limit(obj, "SOURCE_RANGES_INTERNAL", f"ingress-nginx source ranges cannot be enforced by Cloud Armor on internal Gateway {ep['name']}; restrict access by hand before cutover")
            elif allow or deny:
                armor_name = resource_name("planner", *([cl] if multi else []), ns, svc)
                rules = [{"priority": ARMOR_FIRST_PRIORITY + i, "action": "deny(403)", "ranges": chunk, "description": "deny ingress-nginx denylist-source-range"} for i, chunk in enumerate(_chunks(deny, ARMOR_RANGES_PER_RULE))]
                rules += [{"priority": ARMOR_FIRST_PRIORITY + len(rules) + i, "action": "allow", "ranges": chunk, "description": "allow ingress-nginx whitelist-source-range"} for i, chunk in enumerate(_chunks(allow, ARMOR_RANGES_PER_RULE))]
                rules.append({"priority": ARMOR_DEFAULT_PRIORITY, "action": "deny(403)" if allow else "allow", "ranges": ["*"], "description": "default deny" if allow else "default allow"})
                armor.append({"key": _key(cl, ns, svc), "name": armor_name, "description": f"planner: ingress-nginx source ranges of Service {ns}/{svc}", "rules": rules})
            affinity, timeout = bp.get("session_affinity"), bp.get("timeout_sec")
            if armor_name or affinity or timeout:
                backend_objs.append({
                    "key": _key(cl, ns, config_name), "cluster": cl, "name": config_name, "namespace": ns, "service": svc,
                    "kind": "GCPBackendPolicy", "security_policy": armor_name, "security_policy_key": _key(cl, ns, svc) if armor_name else None,
                    "session_affinity": affinity, "timeout_sec": timeout, "cookie_ttl_sec": bp.get("cookie_ttl_sec") if affinity == "GENERATED_COOKIE" else None,
                })
            want = GATEWAY_APP_PROTOCOL.get(bp.get("backend_protocol") or "HTTP")
            if want and bp.get("ports"):
                patches.append({"key": _key(cl, ns, svc), "cluster": cl, "namespace": ns, "name": svc, "build_annotations": {}, "cutover_annotations": {},
                                "cutover_ports": [{"port": p["port"], "protocol": p["protocol"], "app_protocol": want} for p in bp["ports"]],
                                "cutover_force": True, "retire": False, "retire_clear_source_ranges": False, "cutover_take_ownership": False, "retire_drop_annotations": []})
        for c in row.get("controllers") or []:
            if not c["retire"]:
                continue
            _, cns, cname = c["ref"].split(" ", 1)[1].split("/", 2)
            patches.append({"key": _key(cl, cns, cname), "cluster": cl, "namespace": cns, "name": cname, "build_annotations": {}, "cutover_annotations": {},
                            "cutover_ports": [], "cutover_force": False, "retire": True, "retire_clear_source_ranges": False, "cutover_take_ownership": False, "retire_drop_annotations": []})


class _Records:
    """The program's records while program_data builds them: one list per resource type, the
    limitations found on the way, and what later steps look up (routed ports, route names)."""

    def __init__(self, plan: dict):
        self.strategy = plan["inputs"]["strategy"]
        self.multi = len(plan.get("clusters", [])) > 1
        self.addresses, self.namespaces, self.gateways, self.http_routes = [], set(), [], []
        self.ingresses, self.managed_certs, self.backend_objs, self.armor, self.frontend_configs = [], [], [], [], []
        self.cert_maps, self.certs, self.cert_entries, self.dns, self.limitations = [], [], [], [], []
        self.grants: list[dict] = []
        self.patches: list[dict] = []
        self.used_clusters: set[str] = set()
        self.routed_ports: dict[tuple, set] = {}
        self.route_names: set[tuple] = set()
        self.ep_by_name: dict[str, dict] = {}

    def limit(self, obj: str, code: str, message: str) -> None:
        self.limitations.append({"object": obj, "code": code, "message": message})

    def add_entrypoint(self, ep: dict) -> None:
        """The address, and the Gateway (certificates, routes) or Ingress, of one entrypoint."""
        cl, name, internal = ep["cluster"], ep["name"], ep["internal"]
        ep_key = _key(cl, name)
        self.ep_by_name[name] = {"key": ep_key, "internal": internal}
        self.used_clusters.add(cl)
        # GCP names (and the Gateway / Ingress names GKE derives its own from) stay <= 63
        # characters: a long namespace in "planner-<namespace>" is shortened with a hash suffix
        addr = dict(ep["address"], name=resource_name(ep["address"]["name"]))
        self.addresses.append({"key": ep_key, "cluster": cl, "entrypoint": name, "name": addr["name"], "global": bool(addr["global"]), "region": addr.get("region"), "internal": internal})
        _add_routed_ports(self.routed_ports, cl, ep["routes"])
        tls_hosts = sorted(ep["tls_hosts"])
        if tls_hosts and internal:
            self.limit(f"{ep['kind']} {name}", "INTERNAL_HTTP_ONLY",
                       f"internal {ep['kind']} {name} is created with HTTP only: Google-managed certificates for "
                       f"{'gke-l7-rilb through a certificate map' if ep['kind'] == 'Gateway' else 'gce-internal Ingress (ManagedCertificate)'} "
                       f"are not supported; hosts {', '.join(tls_hosts)} need a pre-shared regional certificate or a Secret added by hand")
            tls_hosts = []
        if ep["kind"] == "Gateway":
            self.gateways.append(self._gateway(ep, ep_key, tls_hosts, addr["name"]))
        else:
            self.ingresses.append(self._ingress(ep, ep_key, tls_hosts, addr["name"]))

    @staticmethod
    def _entrypoint_record(ep: dict, ep_key: str, address: str) -> dict:
        return {"key": ep_key, "cluster": ep["cluster"], "name": resource_name(ep["name"]), "namespace": ep["namespace"], "class": ep["class"],
                "internal": ep["internal"], "address": address, "address_key": ep_key}

    def _gateway(self, ep: dict, ep_key: str, tls_hosts: list[str], address: str) -> dict:
        """A Gateway record; its TLS (kept Secrets, or a certificate map) and HTTPRoutes on the way."""
        cl, name = ep["cluster"], ep["name"]
        self.namespaces.add((cl, ep["namespace"]))
        certmap = None
        secret_refs = _secret_refs(ep, tls_hosts)  # ingress-nginx migration: kept TLS Secrets
        if secret_refs:
            for ref in secret_refs:
                if ref["namespace"] != ep["namespace"]:
                    self.grants.append({"key": _key(cl, ref["namespace"], name, ref["name"]), "cluster": cl, "namespace": ref["namespace"],
                                        "name": resource_name(name, ref["name"]), "from_namespace": ep["namespace"], "secret": ref["name"]})
        elif tls_hosts:
            certmap = resource_name(name, "certmap")
            self.cert_maps.append({"key": ep_key, "name": certmap, "description": f"planner: TLS hosts of Gateway {name}"})
            self._certificates(ep, ep_key, tls_hosts)
        listeners = [dict(lst) for lst in ep["listeners"] if lst["protocol"] == "HTTP" or tls_hosts]
        if secret_refs:
            for lst in listeners:
                if lst["protocol"] == "HTTPS":
                    lst["tls"] = {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": r["name"], "namespace": r["namespace"]} for r in secret_refs]}
        routes, route_namespaces = _gateway_routes(dict(ep, name=resource_name(name), gateway_key=ep_key), tls_hosts, listeners, self.route_names, self.limit)
        self.http_routes += routes
        return dict(self._entrypoint_record(ep, ep_key, address), listeners=listeners, route_namespaces=route_namespaces,
                    certificate_map=certmap, certificate_map_key=ep_key if certmap else None)

    def _certificates(self, ep: dict, ep_key: str, tls_hosts: list[str]) -> None:
        """Certificate Manager certificates of a Gateway's certificate map, and their map entries."""
        cl, name = ep["cluster"], ep["name"]
        for group in _cert_groups(ep, tls_hosts):
            cert_key = _key(cl, name, group["name"])
            self.certs.append({"key": cert_key, "name": resource_name(group["name"]), "domains": group["hosts"],
                               # used when a DNS zone is configured: the certificate is ACTIVE before cutover
                               "dns_authorizations": [{"key": _key(cl, name, "auth", h), "name": resource_name("planner", h, "auth"), "domain": h} for h in group["hosts"]]})
            for host in group["hosts"]:
                self.cert_entries.append({"key": _key(cl, name, host), "name": resource_name("planner", host, "entry"), "map": ep_key, "hostname": host, "certificate": cert_key})

    def _ingress(self, ep: dict, ep_key: str, tls_hosts: list[str], address: str) -> dict:
        """An Ingress record; its ManagedCertificates and FrontendConfig on the way."""
        cl, name = ep["cluster"], ep["name"]
        tls_hosts = _certifiable(ep, tls_hosts, self.limit)
        cert_names = []
        groups = _cert_groups(ep, tls_hosts)
        domain_chunks = [g["hosts"] for g in groups]
        if len(domain_chunks) > MANAGED_CERTS_PER_INGRESS:
            left = [h for c in domain_chunks[MANAGED_CERTS_PER_INGRESS:] for h in c]
            self.limit(f"Ingress {name}", "MANAGED_CERT_LIMIT", f"an Ingress takes at most {MANAGED_CERTS_PER_INGRESS} ManagedCertificates of {MANAGED_CERT_MAX_DOMAINS} domains; {len(left)} host(s) get no certificate: {', '.join(left)}")
            domain_chunks = domain_chunks[:MANAGED_CERTS_PER_INGRESS]
        if len(domain_chunks) > 1:
            self.limit(f"Ingress {name}", "MANAGED_CERT_SPLIT", f"{len(tls_hosts)} TLS hosts split over {len(domain_chunks)} ManagedCertificates (at most {MANAGED_CERT_MAX_DOMAINS} domains each)")
        for group, chunk in zip(groups, domain_chunks):
            mc = resource_name(group["name"])
            cert_names.append(mc)
            self.managed_certs.append({"key": _key(cl, ep["namespace"], mc), "cluster": cl, "name": mc, "namespace": ep["namespace"], "domains": chunk})
        rules, tls_only = _ingress_rules(ep, self.limit)
        frontend = None
        if rules and tls_only and tls_only == {r["host"] for r in rules} and tls_only <= set(tls_hosts):
            # every host is TLS-only: port 80 answers with a 301 to https (FrontendConfig), as the
            # Gateway's HTTP listener does; no backend is ever served over plain HTTP
            frontend = resource_name(name, "https-redirect")
            self.frontend_configs.append({"key": _key(cl, ep["namespace"], frontend), "cluster": cl, "name": frontend, "namespace": ep["namespace"]})
        elif tls_only:
            self.limit(f"Ingress {name}", "HTTPS_ONLY_MIXED",
                       f"hosts {', '.join(sorted(h or '*' for h in tls_only))} are TLS-only today, but this Ingress also serves plain-HTTP hosts "
                       f"(a GKE Ingress redirects to HTTPS for all its hosts or none): they answer on port 80 too; give them their own Ingress or use the gateway strategy")
        return dict(self._entrypoint_record(ep, ep_key, address), managed_certificates=cert_names, rules=rules, frontend_config=frontend)

    def add_service(self, key: tuple, s: dict, ep: dict | None) -> None:
        """A consolidated service: its security policy, backend policy/config and Service patch."""
        cl, ns, svc = key
        pol = s.get("policies") or {}
        if ep is None:
            self.limit(f"Service {cl}/{ns}/{svc}", "ENTRYPOINT_MISSING", f"consolidated into {s['entrypoint']!r}, which is not among the plan's entrypoints; nothing rendered for it")
            return
        self.used_clusters.add(cl)
        ranges = sorted(pol.get("source_ranges") or [])
        armor_name = self._service_armor(key, ep, ranges)
        affinity = pol.get("session_affinity")
        timeout = pol.get("timeout_sec")
        config_name = None
        if armor_name or affinity or timeout:
            config_name = resource_name("planner", svc)
            self.backend_objs.append({
                "key": _key(cl, ns, config_name), "cluster": cl, "name": config_name, "namespace": ns, "service": svc,
                "kind": "GCPBackendPolicy" if ep["kind"] == "Gateway" else "BackendConfig",
                "security_policy": armor_name, "security_policy_key": _key(cl, ns, svc) if armor_name else None,
                "session_affinity": affinity, "timeout_sec": timeout,
            })
        self.patches.append(self._service_patch(key, s, ep, ranges, config_name))

    def _service_armor(self, key: tuple, ep: dict, ranges: list[str]) -> str | None:
        """The Cloud Armor policy enforcing a service's loadBalancerSourceRanges (its name), if any."""
        cl, ns, svc = key
        if ranges and ep["internal"]:
            self.limit(f"Service {cl}/{ns}/{svc}", "SOURCE_RANGES_INTERNAL",
                       f"loadBalancerSourceRanges {', '.join(ranges)} cannot be enforced by a Cloud Armor backend policy on an internal "
                       f"{ep['kind']}; restrict access by hand (firewall on the clients' side) before cutover")
            return None
        if not ranges:
            return None
        armor_name = resource_name("planner", *([cl] if self.multi else []), ns, svc)
        rules = [{"priority": ARMOR_FIRST_PRIORITY + i, "action": "allow", "ranges": chunk, "description": "allow loadBalancerSourceRanges"} for i, chunk in enumerate(_chunks(ranges, ARMOR_RANGES_PER_RULE))]
        rules.append({"priority": ARMOR_DEFAULT_PRIORITY, "action": "deny(403)", "ranges": ["*"], "description": "default deny"})
        self.armor.append({"key": _key(cl, ns, svc), "name": armor_name, "description": f"planner: loadBalancerSourceRanges of Service {ns}/{svc}", "rules": rules})
        return armor_name

    def _service_patch(self, key: tuple, s: dict, ep: dict, ranges: list[str], config_name: str | None) -> dict:
        """What each phase changes on the Service: annotations, appProtocol, and ClusterIP at retire."""
        cl, ns, svc = key
        pol = s.get("policies") or {}
        build_ann: dict[str, str] = {}
        cutover_ann: dict[str, str] = {}
        if ep["kind"] == "Ingress":
            # Container-native load balancing (NEGs): the Ingress reaches the Pods directly, so it
            # keeps working when retire turns the Service into a ClusterIP (no NodePort left).
            build_ann["cloud.google.com/neg"] = _NEG_ANNOTATION
        if config_name and ep["kind"] == "Ingress":
            # Added at build, not cutover: the new Ingress serves as soon as it exists, and without
            # this annotation its backend would run without the Cloud Armor policy.
            build_ann["cloud.google.com/backend-config"] = json.dumps({"default": config_name}, sort_keys=True)
        ports, force, ingress_protocols = _backend_protocol_patch(s, ep, self.routed_ports.get(key, _NO_PORTS), self.limit)
        if ingress_protocols:
            cutover_ann["cloud.google.com/app-protocols"] = json.dumps(ingress_protocols, sort_keys=True)
        from_annotation = bool(ranges) and bool(pol.get("source_ranges_annotation"))
        drop = []
        if from_annotation:
            # The allow-list is the annotation, owned by the user's field manager: server-side
            # apply cannot remove a field another manager owns, and the API server refuses the
            # annotation on a ClusterIP Service. So cutover takes sole ownership (a forced apply
            # of the same ranges spelt differently: a conflicting value moves ownership, an equal
            # one would only share it; the old load balancer's firewall is unchanged), and retire
            # leaves the annotation out of the same apply that sets ClusterIP: with no owner left
            # the API server removes it.
            cutover_ann[SOURCE_RANGES_ANNOTATION] = ", ".join(ranges)
            drop.append(SOURCE_RANGES_ANNOTATION)
        return {
            "key": _key(cl, ns, svc), "cluster": cl, "namespace": ns, "name": svc,
            "build_annotations": build_ann, "cutover_annotations": cutover_ann,
            "cutover_ports": ports, "cutover_force": force, "retire": True,
            # the API server refuses loadBalancerSourceRanges on a ClusterIP Service (Forbidden);
            # Cloud Armor enforces them on the new path since build
            "retire_clear_source_ranges": bool(ranges) and not from_annotation,
            "cutover_take_ownership": from_annotation,
            "retire_drop_annotations": drop,
        }

    def add_dns(self, plan: dict) -> None:
        """A record per DNS change (not for hosts planner made up, or routed by several
        entrypoints), then the hosts handed to external-dns on each Gateway / Ingress."""
        host_sources = _host_sources(plan)
        domain_given = bool(plan["inputs"].get("domain_given"))
        generated: dict[str, list[str]] = {}
        host_count = Counter(d["host"] for d in plan.get("dns_changes", []))
        ep_by_name, dns, only_generated = self.ep_by_name, self.dns, {"generated"}
        for d in sorted(plan.get("dns_changes", []), key=itemgetter("host", "entrypoint")):
            host, entrypoint = d["host"], d["entrypoint"]
            ep = ep_by_name.get(entrypoint)
            conflict = host_count[host] > 1
            if conflict:
                self.limit(f"host {host}", "DNS_HOST_CONFLICT", f"host {host} is routed by several entrypoints; its A record is left to you (listed under manual_dns_changes)")
            if ep is None:
                self.limit(f"host {host}", "ENTRYPOINT_MISSING", f"DNS change names entrypoint {entrypoint!r}, which the plan does not create")
                continue
            sources = host_sources.get((entrypoint, host), _NO_SOURCES)
            # a host planner made up (no annotation, rule or routes file names it) is no DNS name to publish
            if sources and sources <= only_generated and not domain_given:
                generated.setdefault(entrypoint, []).append(host)
                continue
            dns.append({"key": _key(entrypoint, host), "host": host, "entrypoint": entrypoint, "address_key": ep["key"], "internal": ep["internal"], "conflict": conflict,
                             "old_addresses": sorted(d.get("old_addresses", [])),
                             # external-dns already owns the record: hand the host to it, never create a rival record
                             "external_dns": "external-dns" in sources})
        for entrypoint, hosts in sorted(generated.items()):
            self.limit(f"entrypoint {entrypoint}", "DNS_GENERATED_HOSTS",
                       f"{len(hosts)} host(s) were generated by planner (no external-dns annotation, Ingress rule or routes file names them), so no DNS record is made for them: "
                       f"{', '.join(hosts[:5])}{' ...' if len(hosts) > 5 else ''}; re-run with --domain or give the Services real hostnames")
        handed = {}
        for d in self.dns:
            if d["external_dns"] and not d["conflict"]:
                handed.setdefault(d["address_key"], []).append(d["host"])
        for rec in self.gateways + self.ingresses:
            rec["external_dns_hosts"] = sorted(handed.get(rec["key"], []))

    def data(self, plan: dict) -> dict:
        """The program's data: every list sorted by key (gateways, ingresses, DNS in build order)."""
        folded = [{"cluster": x["cluster"], "namespace": x["namespace"], "name": x["name"], "kind": x["kind"], "folded_into": x.get("folded_into")}
                  for x in sorted(plan.get("existing_entrypoints", []), key=itemgetter("cluster", "namespace", "name"))
                  if x.get("decision") == "fold"]
        by_key = itemgetter("key")
        return {
            "format": DATA_FORMAT,
            "folded": folded,
            "generator": dict(plan.get("generator", {})),
            "strategy": self.strategy,
            "clusters": sorted(self.used_clusters),
            # what the stack must point at: the program refuses another project or cluster
            "targets": _targets(plan, self.used_clusters),
            "addresses": self.addresses,
            "namespaces": [{"key": _key(c, n), "cluster": c, "name": n} for c, n in sorted(self.namespaces)],
            "security_policies": sorted(self.armor, key=by_key),
            "certificate_maps": self.cert_maps,
            "certificates": sorted(self.certs, key=by_key),
            "certificate_map_entries": sorted(self.cert_entries, key=by_key),
            "gateways": self.gateways,
            "http_routes": sorted(self.http_routes, key=by_key),
            "ingresses": self.ingresses,
            "managed_certificates": sorted(self.managed_certs, key=by_key),
            "frontend_configs": sorted(self.frontend_configs, key=by_key),
            "backend_policies": sorted((b for b in self.backend_objs if b["kind"] == "GCPBackendPolicy"), key=by_key),
            "backend_configs": sorted((b for b in self.backend_objs if b["kind"] == "BackendConfig"), key=by_key),
            "service_patches": sorted(self.patches, key=by_key),
            "reference_grants": sorted(self.grants, key=by_key),
            "dns": self.dns,
            "limitations": sorted({(x["object"], x["code"], x["message"]): x for x in self.limitations}.values(), key=itemgetter("object", "code", "message")),
        }


def program_data(plan: dict) -> dict:
    """Turn the plan into the records the program loops over (pure; sorted; JSON-safe)."""
    records = _Records(plan)
    services = {(s["cluster"], s["namespace"], s["name"]): s for s in plan["services"]}
    consolidated = sorted(k for k, s in services.items() if s["decision"] == "consolidate")
    for ep in sorted(plan["entrypoints"], key=itemgetter("cluster", "name")):
        records.add_entrypoint(ep)
    eps_by_name = {e["name"]: e for e in plan["entrypoints"]}
    for key in consolidated:
        s = services[key]
        records.add_service(key, s, eps_by_name.get(s["entrypoint"]))
    _nginx_records(plan, eps_by_name, records.multi, records.armor, records.backend_objs, records.patches, records.limit)
    records.add_dns(plan)
    return records.data(plan)


def _templates():
    import jinja2

    from planner.resources import templates_dir

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "pulumi")),
        autoescape=False,  # Python/YAML output; no inventory string is ever passed to these templates
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Program:
    """A rendered Pulumi project: each file's name and bytes, in the order they are written
    (the data file first), and the data program.json holds (kept with them: a program
    rendered in a forked child is written and the child ends, its data never freed object by
    object)."""

    files: tuple[tuple[str, list], ...]  # (file name, byte pieces)
    data: dict = field(default_factory=dict, repr=False, compare=False)

    def write_to(self, out_dir: Path) -> Path:
        out_dir = Path(out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlannerError(f"{out_dir}: cannot create output directory: {exc.strerror or exc}") from None
        for name, pieces in self.files:
            with open(out_dir / name, "wb") as fh:
                for piece in pieces:
                    fh.write(piece)
        return out_dir


def render(plan: dict) -> Program:
    """The Pulumi project for ``plan``, in memory."""
    try:
        data = program_data(plan)
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlannerError(f"plan: not a plan the Pulumi renderer can read ({type(exc).__name__}: {exc}); regenerate it with planner analyze") from None
    env = _templates()
    # Only renderer-controlled values reach the templates: counts, the data file's name, versions.
    context = {
        "data_file": PROGRAM_DATA,
        "generator_version": str(data["generator"].get("version", "")),
        "strategy": data["strategy"],
        # limitations left out: they follow from the values (e.g. a host's length), exported anyway
        "counts": {k: len(v) for k, v in sorted(data.items()) if isinstance(v, list) and k != "limitations"},
    }
    if not re.fullmatch(r"[0-9A-Za-z.+-]*", context["generator_version"]) or data["strategy"] not in ("gateway", "ingress"):
        raise PlannerError(f"plan: unexpected generator version or strategy {context['generator_version']!r}/{data['strategy']!r}")
    # = (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode(), faster
    files = [(PROGRAM_DATA, json_pieces(data, indent=1))]
    files += [(name, [env.get_template(f"{name}.j2").render(**context).encode("utf-8")]) for name in ("__main__.py", "Pulumi.yaml", "requirements.txt")]
    return Program(tuple(files), data)


def write(plan: dict, out_dir: Path) -> Path:
    """Write the Pulumi project for ``plan`` into ``out_dir`` and return ``out_dir``."""
    return render(plan).write_to(out_dir)
