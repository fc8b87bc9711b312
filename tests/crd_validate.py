"""Offline validation of generated Kubernetes objects against the official CRDs.

The CRDs vendored in ``tests/fixtures/crds/`` (see PROVENANCE.md there) are loaded once; each
custom resource is checked against its version's ``openAPIV3Schema`` the way the API server
treats a structural schema under ``fieldValidation=Strict``: an object schema that declares
``properties`` admits no other field unless it says ``x-kubernetes-preserve-unknown-fields``
(or ``additionalProperties``), ``x-kubernetes-int-or-string`` admits an integer or a string.

The CEL rules (``x-kubernetes-validations``) are not evaluated by a CEL engine; the ones that
matter for what planner emits are re-stated in Python below (path syntax, filter combinations,
redirect/rewrite constraints, parentRef sectionNames, listener uniqueness), each with the CRD's
own message so a failure reads like the API server's.

BackendConfig / FrontendConfig (cloud.google.com) have no published CRD: their fields are
checked against the field sets documented on GKE's "Ingress configuration" page.

Core kinds (Service, Ingress, Namespace) go to ``kubernetes-validate`` (strict).
"""
from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import jsonschema
import yaml

CRD_DIR = Path(__file__).resolve().parent / "fixtures" / "crds"
K8S_VERSION = "1.30"
CORE_KINDS = ("Service", "Ingress", "Namespace")

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
PATH_CHARS = re.compile(r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$")
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")

# GKE "Configuring Ingress features through BackendConfig / FrontendConfig parameters"
# (cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration): the documented fields.
INT, STR, BOOL, NUM = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}, {"type": "number"}


def _obj(**props) -> dict:
    return {"type": "object", "properties": props, "additionalProperties": False}


_HEADERS = _obj(headers={"type": "array", "items": STR})
BACKEND_CONFIG_SPEC = _obj(
    cdn=_obj(enabled=BOOL, cachePolicy=_obj(includeHost=BOOL, includeProtocol=BOOL, includeQueryString=BOOL,
                                             queryStringBlacklist={"type": "array", "items": STR},
                                             queryStringWhitelist={"type": "array", "items": STR}),
             cacheMode=STR, clientTtl=INT, defaultTtl=INT, maxTtl=INT, negativeCaching=BOOL,
             negativeCachingPolicy={"type": "array"}, requestCoalescing=BOOL, serveWhileStale=INT,
             signedUrlCacheMaxAgeSec=INT, signedUrlKeys={"type": "array"}),
    connectionDraining=_obj(drainingTimeoutSec=INT),
    customRequestHeaders=_HEADERS,
    customResponseHeaders=_HEADERS,
    healthCheck=_obj(checkIntervalSec=INT, timeoutSec=INT, healthyThreshold=INT, unhealthyThreshold=INT,
                     type={"enum": ["HTTP", "HTTPS", "HTTP2"]}, requestPath=STR, port=INT),
    iap=_obj(enabled=BOOL, oauthclientCredentials=_obj(secretName=STR)),
    logging=_obj(enable=BOOL, sampleRate=NUM),
    securityPolicy={**_obj(name=STR), "required": ["name"]},
    sessionAffinity=_obj(affinityType={"enum": ["CLIENT_IP", "GENERATED_COOKIE", "NONE"]}, affinityCookieTtlSec=INT),
    timeoutSec={"type": "integer", "minimum": 1},
)
FRONTEND_CONFIG_SPEC = _obj(
    redirectToHttps=_obj(enabled=BOOL, responseCodeName={"enum": ["MOVED_PERMANENTLY_DEFAULT", "FOUND", "SEE_OTHER", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT"]}),
    sslPolicy=STR,
)
DOCUMENTED = {("cloud.google.com/v1", "BackendConfig"): BACKEND_CONFIG_SPEC,
              ("networking.gke.io/v1beta1", "FrontendConfig"): FRONTEND_CONFIG_SPEC}


def structural(schema):
    """The schema as the API server applies it: unknown fields are errors."""
    if isinstance(schema, list):
        return [structural(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: structural(v) for k, v in schema.items() if k != "x-kubernetes-validations"}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    if schema.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
    return out


@functools.lru_cache(maxsize=None)
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> structural openAPIV3Schema, for every served version of every vendored CRD."""
    out = {}
    for path in sorted(CRD_DIR.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for v in doc["spec"]["versions"]:
                if v.get("served", True):
                    schema = structural(v["schema"]["openAPIV3Schema"])
                    # the API server always admits these at the root, declared or not
                    for field in ("apiVersion", "kind"):
                        schema.setdefault("properties", {}).setdefault(field, {"type": "string"})
                    schema["properties"].setdefault("metadata", {"type": "object"})
                    out[(f"{group}/{v['name']}", kind)] = schema
    return out


def _schema_errors(obj: dict, schema: dict, where: str) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{where}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))]


def _meta_errors(obj: dict, where: str) -> list[str]:
    errs = []
    meta = obj.get("metadata") or {}
    name, ns = meta.get("name", ""), meta.get("namespace")
    if not (DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        errs.append(f"{where}: metadata.name {name!r} is not a DNS subdomain name (<= 253)")
    if obj["kind"] in ("Gateway", "HTTPRoute", "Namespace") and not (DNS_LABEL.match(name) and len(name) <= 63):
        errs.append(f"{where}: metadata.name {name!r} is not a DNS label (<= 63)")
    if ns is not None and not (DNS_LABEL.match(ns) and len(ns) <= 63):
        errs.append(f"{where}: metadata.namespace {ns!r} is not a DNS label (<= 63)")
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            if not LABEL_KEY.match(key) or len(key.split("/")[0]) >= 253:
                errs.append(f"{where}: metadata.{field} key {key!r} is not a qualified name")
            if not isinstance(value, str):
                errs.append(f"{where}: metadata.{field}[{key}] must be a string")
            elif field == "labels" and not re.fullmatch(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", value) or (field == "labels" and len(value) > 63):
                errs.append(f"{where}: metadata.labels[{key}] value {value!r} is not a label value")
    return errs


# --- CEL rules of the Gateway API CRDs, re-stated ------------------------------------------------

def _path_errors(path: dict) -> list[str]:
    if path.get("type") not in ("Exact", "PathPrefix"):
        return []
    v = path.get("value", "/")
    rules = [
        (v.startswith("/"), "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"),
        *[(bad not in v, f"must not contain '{bad}' when type one of ['Exact', 'PathPrefix']") for bad in ("//", "/./", "/../", "%2f", "%2F", "#")],
        *[(not v.endswith(end), f"must not end with '{end}' when type one of ['Exact', 'PathPrefix']") for end in ("/..", "/.")],
        (bool(PATH_CHARS.match(v)), "must only contain valid characters for types ['Exact', 'PathPrefix']"),
        # planner's own rule: GKE Ingress's "/*" is a prefix, Gateway API matches "*" literally
        ("*" not in v, "planner: '*' in a Gateway API path matches a literal '*' (a folded Ingress wildcard was not translated)"),
    ]
    return [msg for ok, msg in rules if not ok]


def _filter_errors(filters: list[dict]) -> list[str]:
    errs = []
    types = [f.get("type") for f in filters]
    if "RequestRedirect" in types and "URLRewrite" in types:
        errs.append("May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both")
    for t in ("CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"):
        if types.count(t) > 1:
            errs.append(f"{t} filter cannot be repeated")
    fields = {"RequestHeaderModifier": "requestHeaderModifier", "ResponseHeaderModifier": "responseHeaderModifier",
              "RequestMirror": "requestMirror", "RequestRedirect": "requestRedirect", "URLRewrite": "urlRewrite",
              "ExtensionRef": "extensionRef", "CORS": "cors"}
    for f in filters:
        for t, field in fields.items():
            if field in f and f.get("type") != t:
                errs.append(f"filter.{field} must be nil if the filter.type is not {t}")
            if field not in f and f.get("type") == t:
                errs.append(f"filter.{field} must be specified for {t} filter.type")
        for field in ("requestRedirect", "urlRewrite"):
            p = (f.get(field) or {}).get("path")
            if p:
                for ptype, key in (("ReplaceFullPath", "replaceFullPath"), ("ReplacePrefixMatch", "replacePrefixMatch")):
                    if p.get("type") == ptype and key not in p:
                        errs.append(f"{key} must be specified when type is set to '{ptype}'")
                    if key in p and p.get("type") != ptype:
                        errs.append(f"type must be '{ptype}' when {key} is set")
    return errs


def _prefix_rewrite(filters: list[dict], field: str) -> bool:
    return any(((f.get(field) or {}).get("path") or {}).get("type") == "ReplacePrefixMatch" for f in filters)


def httproute_cel(spec: dict) -> list[str]:
    errs = []
    refs = spec.get("parentRefs") or []
    seen: dict[tuple, list] = {}
    for p in refs:
        seen.setdefault((p.get("group", "gateway.networking.k8s.io"), p.get("kind", "Gateway"), p["name"], p.get("namespace") or ""), []).append(p.get("sectionName"))
    for sections in seen.values():
        if len(sections) > 1 and None in sections:
            errs.append("sectionName must be specified when parentRefs includes 2 or more references to the same parent")
        if len(sections) != len(set(sections)):
            errs.append("sectionName must be unique when parentRefs includes 2 or more references to the same parent")
    rules = spec.get("rules") or []
    if sum(len(r.get("matches") or [{}]) for r in rules) >= 128:
        errs.append("While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128")
    for rule in rules:
        filters = rule.get("filters") or []
        backends = rule.get("backendRefs") or []
        matches = rule.get("matches") or [{"path": {"type": "PathPrefix", "value": "/"}}]
        if backends and any("requestRedirect" in f for f in filters):
            errs.append("RequestRedirect filter must not be used together with backendRefs")
        one_prefix = len(matches) == 1 and (matches[0].get("path") or {"type": "PathPrefix"}).get("type") == "PathPrefix"
        if _prefix_rewrite(filters, "requestRedirect") and not one_prefix:
            errs.append("When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified")
        if _prefix_rewrite(filters, "urlRewrite") and not one_prefix:
            errs.append("When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified")
        errs += _filter_errors(filters)
        for b in backends:
            if b.get("group", "") == "" and b.get("kind", "Service") == "Service" and "port" not in b:
                errs.append("Must have port for Service reference")
            errs += _filter_errors(b.get("filters") or [])
        for m in matches:
            errs += _path_errors(m.get("path") or {})
        timeouts = rule.get("timeouts") or {}
        if "request" in timeouts and "backendRequest" in timeouts and _seconds(timeouts["request"]) and _seconds(timeouts["backendRequest"]) > _seconds(timeouts["request"]):
            errs.append("backendRequest timeout cannot be longer than request timeout")
    return errs


def _seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)(ms|h|m|s)", duration))


def gateway_cel(spec: dict) -> list[str]:
    errs = []
    listeners = spec.get("listeners") or []
    names = [lst["name"] for lst in listeners]
    if len(names) != len(set(names)):
        errs.append("Listener name must be unique within the Gateway")
    combos = [(lst["port"], lst["protocol"], lst.get("hostname")) for lst in listeners]
    if len(combos) != len(set(combos)):
        errs.append("Combination of port, protocol and hostname must be unique for each listener")
    for lst in listeners:
        if lst["protocol"] in ("HTTP", "TCP", "UDP") and "tls" in lst:
            errs.append("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']")
    return errs


CEL = {"HTTPRoute": httproute_cel, "Gateway": gateway_cel}


def errors(obj: dict) -> list[str]:
    """Every reason the API server (strict field validation) would refuse ``obj``; [] when it is fine."""
    api, kind = obj.get("apiVersion"), obj.get("kind")
    where = f"{kind} {(obj.get('metadata') or {}).get('namespace')}/{(obj.get('metadata') or {}).get('name')}"
    if kind in CORE_KINDS and api in ("v1", "networking.k8s.io/v1"):
        import kubernetes_validate

        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            return [f"{where}: {exc}"]
        return _meta_errors(obj, where)
    errs = _meta_errors(obj, where)
    if (api, kind) in DOCUMENTED:
        unknown = sorted(set(obj) - {"apiVersion", "kind", "metadata", "spec"})
        errs += [f"{where}: unknown field {k!r}" for k in unknown]
        return errs + _schema_errors(obj.get("spec", {}), DOCUMENTED[(api, kind)], where + " spec")
    schema = crd_schemas().get((api, kind))
    if schema is None:
        return [f"{where}: no CRD vendored for {api} {kind}"]
    body = copy.deepcopy(obj)
    body["metadata"] = {}  # metadata is checked above; CRD schemas leave it to the API server
    errs += _schema_errors(body, schema, where)
    errs += [f"{where}: {m}" for m in CEL.get(kind, lambda s: [])(obj.get("spec") or {})]
    return errs
