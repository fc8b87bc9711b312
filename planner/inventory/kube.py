"""Kubernetes objects (plain dicts) → typed model rows, with notes for what cannot be used.

Server-populated fields (``status``, ``managedFields``, ``clusterIP``, ``nodePort`` ...) are read
only where useful (status addresses) and never carried into generated code.
"""
from __future__ import annotations

import sys
from dataclasses import fields

from planner.model import (
    WARN,
    BackendConfig,
    Gateway,
    GatewayListener,
    HTTPRoute,
    Ingress,
    IngressPath,
    MeshGateway,
    Note,
    Port,
    RouteBackend,
    Service,
    Source,
)

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
GCE_DEFAULT_CLASS = "gce"
#: Annotations that hold server/client bookkeeping (a full copy of the object); never carried.
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
_DROPPED = DROPPED_ANNOTATIONS[0]


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _str_map(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _meta(doc: dict) -> tuple[str | None, str, dict, dict]:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name")
    name = name if isinstance(name, str) and name else None
    ns = meta.get("namespace")
    ns = ns if isinstance(ns, str) and ns else "default"
    annotations = {k: v for k, v in _str_map(meta.get("annotations")).items() if k not in DROPPED_ANNOTATIONS}
    return name, ns, annotations, _str_map(meta.get("labels"))


def object_ref(kind: str, cluster: str, doc: dict, source: Source) -> str:
    name, ns, _, _ = _meta(doc)
    return f"{kind} {cluster}/{ns}/{name or '<unnamed>'} ({source})"


_PROTOCOLS = ("TCP", "UDP", "SCTP")
_PORTED_TYPES = ("LoadBalancer", "NodePort", "ClusterIP")
#: Port tuples already built, by their fields: Services share equal (frozen) port tuples.
_PORTS_CACHE: dict[tuple, tuple[Port, ...]] = {}
_PORTS_CACHE_MAX = 65536
_new = object.__new__
_intern = sys.intern
#: Service's fields in order: :func:`service_values` returns them so.
SERVICE_FIELDS = tuple(f.name for f in fields(Service))


def parse_service(doc: dict, cluster: str, source: Source) -> tuple[Service | None, list[Note]]:
    """A Service row, or None with the note saying why it is left out."""
    svc = service_fast(doc, cluster, source)
    if svc is not None:
        return svc, []
    return _parse_service(doc, cluster, source)


def service_fast(doc: dict, cluster: str, source: Source) -> Service | None:
    """:func:`parse_service` for a well-formed Service (what kubectl prints), ~3x faster; None
    when anything would need a note or a second look (the caller then runs the full parser,
    which decides). Same Service, field for field, as the full parser builds."""
    values = service_values(doc, cluster, source)
    return None if values is None else service_of(values)


def service_of(values: tuple) -> Service:
    """The Service whose fields are ``values`` (in SERVICE_FIELDS order). What the frozen
    dataclass's __init__ does (one object.__setattr__ a field, ~4x slower): the instance dict
    filled in field order, so it stays a compact key-sharing dict (stores by name: twice as
    fast as updating it from ``zip(SERVICE_FIELDS, values)``)."""
    svc = _new(Service)
    d = svc.__dict__
    (d["cluster"], d["namespace"], d["name"], d["type"], d["ports"], d["source"], d["annotations"], d["labels"], d["selector"],
     d["load_balancer_ip"], d["load_balancer_source_ranges"], d["load_balancer_class"], d["external_traffic_policy"],
     d["session_affinity"], d["status_addresses"], d["source_ranges_from_annotation"]) = values
    return svc


def service_values(doc: dict, cluster: str, source: Source) -> tuple | None:
    """The field values (SERVICE_FIELDS order) of :func:`service_fast`'s Service, or None.
    Strings that repeat across Services (namespaces, types, policies, label values) are made
    one object each (sys.intern; exact str only): less memory, and the read-ahead worker's
    pickles refer to a string once instead of writing it again. The shapes kubectl prints go
    by :func:`_plain_values`; whatever it does not take, by :func:`_checked_values`."""
    try:
        values = _plain_values(doc, cluster, source)
    except TypeError:  # a map holding a non-string (sys.intern refuses it): the checked path decides
        values = None
    return values if values is not None else _checked_values(doc, cluster, source)


#: The Service types with ports, each to its (interned) name.
_TYPE_NAMES = {t: _intern(t) for t in _PORTED_TYPES}
#: A Service's status without a load balancer address (every ClusterIP Service's).
_NO_ADDRESS_STATUS = {"loadBalancer": {}}
_STR_OR_NONE = (str, type(None))
_TARGET_PORT_TYPES = (int, str, type(None))
#: Port tuples by the raw fields of exact types they are built from (see :func:`_plain_ports`).
_PLAIN_PORTS: dict[tuple, tuple[Port, ...]] = {}


def _plain_values(doc: dict, cluster: str, source: Source) -> tuple | None:
    """:func:`_checked_values` of a Service as kubectl prints it, in fewer steps: exact types
    (dict, str, int), a namespace, ports, string maps without the dropped annotation, no
    source ranges from the annotation. None for any other shape; TypeError where a string is
    expected and something else is found (sys.intern refuses it): the caller looks again."""
    meta = doc.get("metadata")
    spec = doc.get("spec")
    if type(meta) is not dict or type(spec) is not dict:
        return None
    name = meta.get("name")
    ns = meta.get("namespace")
    stype = spec.get("type", "ClusterIP")
    if type(name) is not str or type(ns) is not str or not name or not ns or type(stype) is not str:
        return None
    stype = _TYPE_NAMES.get(stype)
    ports = _plain_ports(spec.get("ports")) if stype is not None else None
    ann = meta.get("annotations")
    annotations = {} if ann is None else _plain_annotations(ann)
    ranges = _plain_ranges(spec.get("loadBalancerSourceRanges"), annotations)
    if ports is None or ranges is None:
        return None
    status = doc.get("status")
    addresses = () if status == _NO_ADDRESS_STATUS else _plain_addresses(status)
    labels = meta.get("labels")
    selector = spec.get("selector")
    lb_ip = spec.get("loadBalancerIP")
    lb_class = spec.get("loadBalancerClass")
    etp = spec.get("externalTrafficPolicy")
    affinity = spec.get("sessionAffinity")
    if type(lb_ip) not in _STR_OR_NONE or type(lb_class) not in _STR_OR_NONE:
        return None
    ns, name = _intern(ns), _intern(name)
    return (
        cluster, ns, name, stype, ports, source, annotations,
        {} if labels is None else _plain_labels(labels, name, ns),
        {} if selector is None else _plain_labels(selector, name, ns),
        lb_ip or None, ranges, lb_class,
        None if etp is None else "Cluster" if etp == "Cluster" and type(etp) is str else _intern(etp),
        None if affinity is None else "None" if affinity == "None" and type(affinity) is str else _intern(affinity),
        addresses, False,
    )


def _plain_annotations(raw) -> dict[str, str]:
    """The annotations of a map of strings without the dropped one, as the checked path copies
    them; TypeError for anything else."""
    if type(raw) is not dict or _DROPPED in raw:
        raise TypeError("not a plain string map")
    out = {k: v for k, v in raw.items() if type(k) is str and type(v) is str}
    if len(out) != len(raw):
        raise TypeError("not a plain string map")
    return out


def _plain_labels(raw, name: str, ns: str) -> dict[str, str]:
    """Labels (or a selector) of strings as the checked path copies them, values interned: a
    value equal to the (interned) ``name`` or ``ns`` is that string, which is what sys.intern
    returns for it, without hashing it again. TypeError for anything but a map of strings."""
    if type(raw) is not dict or _DROPPED in raw:
        raise TypeError("not a plain string map")
    out = {k: name if v == name else ns if v == ns else _intern(v) for k, v in raw.items() if type(k) is str}
    if len(out) != len(raw):
        raise TypeError("not a plain string map")
    return out


def _plain_ranges(spec_ranges, annotations: dict[str, str]) -> tuple[str, ...] | None:
    """:func:`source_ranges` of a Service whose ranges, if any, are in its spec; None when
    they come from the annotation (or the field is not a list): the checked path decides."""
    if spec_ranges is None:
        return None if SOURCE_RANGES_ANNOTATION in annotations else ()
    if type(spec_ranges) is list and spec_ranges:
        return tuple(sorted(map(str, spec_ranges)))
    return None


def _plain_ports(raw_ports) -> tuple[Port, ...] | None:
    """:func:`_fast_ports` of a non-empty list of port objects whose fields are of exact types
    (port int; protocol str; name, appProtocol str or absent; targetPort int, str or absent),
    looked up by those raw fields: equal exact-typed fields make equal ports. None otherwise."""
    if type(raw_ports) is not list or not raw_ports:
        return None
    key: tuple = ()
    for rp in raw_ports:
        if type(rp) is not dict:
            return None
        port = rp.get("port")
        proto = rp.get("protocol", "TCP")
        pname = rp.get("name")
        tp = rp.get("targetPort")
        ap = rp.get("appProtocol")
        if type(port) is not int or type(proto) is not str or type(pname) not in _STR_OR_NONE or type(tp) not in _TARGET_PORT_TYPES or type(ap) not in _STR_OR_NONE:
            return None
        key += (port, proto, pname, tp, ap)
    ports = _PLAIN_PORTS.get(key)
    if ports is None:
        ports = _fast_ports(raw_ports, "")
        if ports is not None:
            if len(_PLAIN_PORTS) >= _PORTS_CACHE_MAX:
                _PLAIN_PORTS.clear()
            _PLAIN_PORTS[key] = ports
    return ports


def _plain_addresses(status) -> tuple[str, ...]:
    """:func:`_fast_addresses`, a status with one ingress entry (or none) without a set."""
    if type(status) is dict:
        lb = status.get("loadBalancer")
        if type(lb) is dict:
            ingress = lb.get("ingress")
            if ingress is None:
                return ()
            if type(ingress) is list and len(ingress) == 1 and type(ingress[0]) is dict:
                address = ingress[0].get("ip") or ingress[0].get("hostname")
                if type(address) is str:
                    return (address,) if address else ()
    return _fast_addresses(status)


def _checked_values(doc: dict, cluster: str, source: Source) -> tuple | None:
    """:func:`service_values` of any document: every field's type checked as the full parser
    checks it."""
    meta = doc.get("metadata")
    spec = doc.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        return None
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return None
    stype = spec.get("type", "ClusterIP")
    if stype not in _PORTED_TYPES:
        return None
    ports = _fast_ports(spec.get("ports"), stype)
    if ports is None:
        return None
    ns = meta.get("namespace")
    ann = meta.get("annotations")
    labels = meta.get("labels")
    selector = spec.get("selector")
    lb_ip = spec.get("loadBalancerIP")
    lb_class = spec.get("loadBalancerClass")
    etp = spec.get("externalTrafficPolicy")
    affinity = spec.get("sessionAffinity")
    annotations = {sk: str(v) for k, v in ann.items() if v is not None and (sk := str(k)) not in DROPPED_ANNOTATIONS} if isinstance(ann, dict) else {}
    ranges, from_annotation = source_ranges(spec.get("loadBalancerSourceRanges"), annotations)
    return (
        cluster,
        (_intern(ns) if type(ns) is str else ns) if isinstance(ns, str) and ns else "default",
        _intern(name) if type(name) is str else name,
        _intern(stype) if type(stype) is str else stype,
        ports,
        source,
        annotations,
        {str(k): _intern(str(v)) for k, v in labels.items() if v is not None} if isinstance(labels, dict) else {},
        {str(k): _intern(str(v)) for k, v in selector.items() if v is not None} if isinstance(selector, dict) else {},
        lb_ip if isinstance(lb_ip, str) and lb_ip else None,
        ranges,
        lb_class if isinstance(lb_class, str) else None,
        (_intern(etp) if type(etp) is str else etp) if isinstance(etp, str) else None,
        (_intern(affinity) if type(affinity) is str else affinity) if isinstance(affinity, str) else None,
        _fast_addresses(doc.get("status")),
        from_annotation,
    )


def _fast_ports(raw_ports, stype: str) -> tuple[Port, ...] | None:
    """The Service's ports when every one is well-formed (shared tuples, see _PORTS_CACHE)."""
    if not isinstance(raw_ports, list):
        return None
    keys = []
    for rp in raw_ports:
        if not isinstance(rp, dict):
            return None
        port = rp.get("port")
        if type(port) is not int or not 1 <= port <= 65535:
            return None
        proto = rp.get("protocol", "TCP")
        if proto not in _PROTOCOLS:
            return None
        pname = rp.get("name")
        tp = rp.get("targetPort")
        ap = rp.get("appProtocol")
        keys.append((
            port,
            proto,
            pname if isinstance(pname, str) else None,
            tp if isinstance(tp, (int, str)) and not isinstance(tp, bool) else None,
            ap if isinstance(ap, str) else None,
        ))
    if not keys and stype == "LoadBalancer":
        return None
    key = tuple(keys)
    ports = _PORTS_CACHE.get(key)
    if ports is None:
        if len(_PORTS_CACHE) >= _PORTS_CACHE_MAX:
            _PORTS_CACHE.clear()
        ports = _PORTS_CACHE[key] = tuple(Port(port=k[0], protocol=k[1], name=k[2], target_port=k[3], app_protocol=k[4]) for k in keys)
    return ports


def _fast_addresses(status) -> tuple[str, ...]:
    """status.loadBalancer.ingress addresses (as _status_addresses reads them)."""
    if isinstance(status, dict):
        lb = status.get("loadBalancer")
        if isinstance(lb, dict):
            ingress = lb.get("ingress")
            if isinstance(ingress, list) and ingress:
                return tuple(sorted({a for i in ingress if isinstance(i, dict) for a in (i.get("ip") or i.get("hostname"),) if isinstance(a, str) and a}))
    return ()


def _parse_service(doc: dict, cluster: str, source: Source) -> tuple[Service | None, list[Note]]:
    name, ns, annotations, labels = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"Service <unnamed> ({source})", "MISSING_NAME", "Service has no metadata.name; left out of pricing")]
    ref = f"Service {cluster}/{ns}/{name}"
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    stype = spec.get("type", "ClusterIP")
    if stype not in SERVICE_TYPES:
        return None, [Note(WARN, ref, "UNKNOWN_SERVICE_TYPE", f"spec.type {str(stype)[:60]!r} is not a Kubernetes Service type ({source}); left out of pricing")]
    raw_ports = spec.get("ports")
    ports: list[Port] = []
    if stype in ("LoadBalancer", "NodePort", "ClusterIP"):
        if not isinstance(raw_ports, list) or not raw_ports:
            if stype == "LoadBalancer":
                return None, [Note(WARN, ref, "NO_PORTS", f"LoadBalancer Service has no spec.ports ({source}); left out of pricing")]
            raw_ports = []
        for i, rp in enumerate(raw_ports):
            if not isinstance(rp, dict):
                return None, [Note(WARN, ref, "BAD_PORT", f"spec.ports[{i}] is not an object ({source}); left out of pricing")]
            port = rp.get("port")
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                return None, [Note(WARN, ref, "BAD_PORT", f"spec.ports[{i}].port {str(port)[:40]!r} is not a port number ({source}); left out of pricing")]
            proto = rp.get("protocol", "TCP")
            if proto not in ("TCP", "UDP", "SCTP"):
                return None, [Note(WARN, ref, "BAD_PORT", f"spec.ports[{i}].protocol {str(proto)[:20]!r} is not TCP, UDP or SCTP ({source}); left out of pricing")]
            pname = rp.get("name") if isinstance(rp.get("name"), str) else None
            tp = rp.get("targetPort")
            tp = tp if isinstance(tp, (int, str)) and not isinstance(tp, bool) else None
            ap = rp.get("appProtocol") if isinstance(rp.get("appProtocol"), str) else None
            ports.append(Port(port=port, protocol=proto, name=pname, target_port=tp, app_protocol=ap))
    ranges, from_annotation = source_ranges(spec.get("loadBalancerSourceRanges"), annotations)
    selector = _str_map(spec.get("selector"))
    svc = Service(
        cluster=cluster,
        namespace=ns,
        name=name,
        type=stype,
        ports=tuple(ports),
        source=source,
        annotations=annotations,
        labels=labels,
        selector=selector,
        load_balancer_ip=spec.get("loadBalancerIP") if isinstance(spec.get("loadBalancerIP"), str) and spec.get("loadBalancerIP") else None,
        load_balancer_source_ranges=ranges,
        load_balancer_class=spec.get("loadBalancerClass") if isinstance(spec.get("loadBalancerClass"), str) else None,
        external_traffic_policy=spec.get("externalTrafficPolicy") if isinstance(spec.get("externalTrafficPolicy"), str) else None,
        session_affinity=spec.get("sessionAffinity") if isinstance(spec.get("sessionAffinity"), str) else None,
        status_addresses=_status_addresses(doc),
        source_ranges_from_annotation=from_annotation,
    )
    return svc, []


#: The annotation form of ``spec.loadBalancerSourceRanges`` (comma-separated CIDRs).
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def source_ranges(spec_ranges, annotations: dict[str, str]) -> tuple[tuple[str, ...], bool]:
    """The Service's allow-list as Kubernetes reads it, and whether it came from the annotation:
    ``spec.loadBalancerSourceRanges`` when it has entries, else the annotation split at commas
    (entries stripped; an empty entry is kept so the rules see an invalid range, as the API
    server would refuse it). Sorted."""
    if isinstance(spec_ranges, list) and spec_ranges:
        return tuple(sorted(str(r) for r in spec_ranges)), False
    raw = annotations.get(SOURCE_RANGES_ANNOTATION)
    if raw is None or not raw.strip():
        return (), False
    return tuple(sorted(r.strip() for r in raw.split(","))), True


def _status_addresses(doc: dict) -> tuple[str, ...]:
    status = doc.get("status") if isinstance(doc.get("status"), dict) else {}
    lb = status.get("loadBalancer") if isinstance(status.get("loadBalancer"), dict) else {}
    ingress = lb.get("ingress") if isinstance(lb.get("ingress"), list) else []
    return tuple(sorted({a for i in ingress if isinstance(i, dict) for a in (i.get("ip") or i.get("hostname"),) if isinstance(a, str) and a}))


def _backend(backend) -> tuple[str | None, int | str | None]:
    if not isinstance(backend, dict):
        return None, None
    if isinstance(backend.get("service"), dict):  # networking.k8s.io/v1
        svc = backend["service"]
        port = svc.get("port") if isinstance(svc.get("port"), dict) else {}
        return svc.get("name"), port.get("number", port.get("name"))
    return backend.get("serviceName"), backend.get("servicePort")  # v1beta1


def parse_ingress(doc: dict, cluster: str, source: Source) -> tuple[Ingress | None, list[Note]]:
    name, ns, annotations, _ = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"Ingress <unnamed> ({source})", "MISSING_NAME", "Ingress has no metadata.name; left out of pricing")]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    cls = spec.get("ingressClassName") if isinstance(spec.get("ingressClassName"), str) else None
    cls = cls or annotations.get("kubernetes.io/ingress.class")
    class_unset = not cls
    cls = cls or GCE_DEFAULT_CLASS
    paths: list[IngressPath] = []
    for rule in _list(spec.get("rules")):
        if not isinstance(rule, dict):
            continue
        host = rule.get("host") if isinstance(rule.get("host"), str) else None
        http = rule.get("http") if isinstance(rule.get("http"), dict) else {}
        for p in _list(http.get("paths")):
            if not isinstance(p, dict):
                continue
            svc, port = _backend(p.get("backend"))
            ptype = p.get("pathType") if isinstance(p.get("pathType"), str) else None
            paths.append(IngressPath(host=host, path=str(p.get("path") or "/"), service=svc if isinstance(svc, str) else None, port=port if isinstance(port, (int, str)) and not isinstance(port, bool) else None, path_type=ptype))
    tls = spec.get("tls") if isinstance(spec.get("tls"), list) else []
    tls_hosts = sorted({h for t in tls if isinstance(t, dict) for h in _list(t.get("hosts")) if isinstance(h, str)})
    tls_secrets = sorted({(h, t.get("secretName") if isinstance(t.get("secretName"), str) else "") for t in tls if isinstance(t, dict) for h in _list(t.get("hosts")) if isinstance(h, str)})
    has_tls = bool(tls) or "ingress.gcp.kubernetes.io/pre-shared-cert" in annotations or "networking.gke.io/managed-certificates" in annotations
    dsvc, _ = _backend(spec.get("defaultBackend") or spec.get("backend"))
    ing = Ingress(
        cluster=cluster,
        namespace=ns,
        name=name,
        ingress_class=str(cls),
        paths=tuple(sorted(paths, key=lambda p: (p.host or "", p.path, p.service or "", str(p.port)))),
        tls_hosts=tuple(tls_hosts),
        has_tls=has_tls,
        source=source,
        default_backend=dsvc if isinstance(dsvc, str) else None,
        annotations=annotations,
        status_addresses=_status_addresses(doc),
        tls_secrets=tuple(tls_secrets),
        class_unset=class_unset,
    )
    return ing, []


def _int_port(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535 else None


def parse_gateway(doc: dict, cluster: str, source: Source) -> tuple[Gateway | None, list[Note]]:
    """A Gateway API ``Gateway``; listeners with a usable port are kept, others noted."""
    name, ns, annotations, _ = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"Gateway <unnamed> ({source})", "MISSING_NAME", "Gateway has no metadata.name; left out of pricing")]
    ref = f"Gateway {cluster}/{ns}/{name}"
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    cls = spec.get("gatewayClassName")
    if not isinstance(cls, str) or not cls:
        return None, [Note(WARN, ref, "GATEWAY_NO_CLASS", f"Gateway has no spec.gatewayClassName ({source}); left out of pricing")]
    notes: list[Note] = []
    listeners: list[GatewayListener] = []
    raw = spec.get("listeners") if isinstance(spec.get("listeners"), list) else []
    for i, lst in enumerate(raw):
        port = _int_port(lst.get("port")) if isinstance(lst, dict) else None
        if port is None:
            notes.append(Note(WARN, ref, "BAD_LISTENER", f"spec.listeners[{i}] has no valid port ({source}); listener not counted"))
            continue
        proto = lst.get("protocol") if isinstance(lst.get("protocol"), str) else "HTTP"
        lname = lst.get("name") if isinstance(lst.get("name"), str) else f"listener-{i}"
        host = lst.get("hostname") if isinstance(lst.get("hostname"), str) else None
        listeners.append(GatewayListener(name=lname, port=port, protocol=proto, hostname=host))
    if not listeners:
        notes.append(Note(WARN, ref, "GATEWAY_NO_LISTENERS", f"Gateway has no listener with a valid port ({source}); left out of pricing"))
        return None, notes
    addrs: set[str] = set()
    status = doc.get("status") if isinstance(doc.get("status"), dict) else {}
    for block in (spec.get("addresses"), status.get("addresses")):
        for a in block if isinstance(block, list) else []:
            if isinstance(a, dict) and isinstance(a.get("value"), str) and a["value"]:
                addrs.add(a["value"])
    gw = Gateway(
        cluster=cluster,
        namespace=ns,
        name=name,
        gateway_class=cls,
        listeners=tuple(sorted(listeners, key=lambda x: (x.port, x.name))),
        source=source,
        addresses=tuple(sorted(addrs)),
        annotations=annotations,
    )
    return gw, notes


def parse_httproute(doc: dict, cluster: str, source: Source) -> tuple[HTTPRoute | None, list[Note]]:
    name, ns, _, _ = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"HTTPRoute <unnamed> ({source})", "MISSING_NAME", "HTTPRoute has no metadata.name; not read")]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    parents: set[str] = set()
    for ref in spec.get("parentRefs") if isinstance(spec.get("parentRefs"), list) else []:
        if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref.get("kind", "Gateway") == "Gateway":
            pns = ref.get("namespace") if isinstance(ref.get("namespace"), str) and ref.get("namespace") else ns
            parents.add(f"{pns}/{ref['name']}")
    hostnames = sorted({h for h in (spec.get("hostnames") or []) if isinstance(h, str)}) if isinstance(spec.get("hostnames"), list) else []
    paths: set[str] = set()
    backends: set[RouteBackend] = set()
    for rule in spec.get("rules") if isinstance(spec.get("rules"), list) else []:
        if not isinstance(rule, dict):
            continue
        for m in rule.get("matches") if isinstance(rule.get("matches"), list) else []:
            if isinstance(m, dict) and isinstance(m.get("path"), dict) and isinstance(m["path"].get("value"), str):
                paths.add(m["path"]["value"])
        for b in rule.get("backendRefs") if isinstance(rule.get("backendRefs"), list) else []:
            if isinstance(b, dict) and isinstance(b.get("name"), str) and b.get("kind", "Service") == "Service":
                bns = b.get("namespace") if isinstance(b.get("namespace"), str) and b.get("namespace") else ns
                backends.add(RouteBackend(namespace=bns, service=b["name"], port=_int_port(b.get("port"))))
    route = HTTPRoute(
        cluster=cluster,
        namespace=ns,
        name=name,
        parents=tuple(sorted(parents)),
        hostnames=tuple(hostnames),
        paths=tuple(sorted(paths)) or ("/",),
        backends=tuple(sorted(backends, key=lambda b: (b.namespace, b.service, b.port or 0))),
        source=source,
    )
    return route, []


def parse_istio_gateway(doc: dict, cluster: str, source: Source) -> tuple[MeshGateway | None, list[Note]]:
    """An Istio ``Gateway`` (networking.istio.io): only its ``spec.selector`` matters to planner
    (the proxies it configures, hence the LoadBalancer Service in front of them)."""
    name, ns, _, _ = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"Istio Gateway <unnamed> ({source})", "MISSING_NAME", "Istio Gateway has no metadata.name; not read")]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    selector = tuple(sorted(_str_map(spec.get("selector")).items()))
    return MeshGateway(cluster=cluster, namespace=ns, name=name, selector=selector, source=source), []


#: BackendConfig spec fields planner reads; any other field is reported as not carried.
_BACKEND_CONFIG_READ = ("timeoutSec", "connectionDraining")


def _seconds(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_backend_config(doc: dict, cluster: str, source: Source) -> tuple[BackendConfig | None, list[Note]]:
    """A GKE ``BackendConfig`` (cloud.google.com): its backend timeout and connection draining
    (what planner carries to the new entrypoint's backend policy), and the names of its other
    settings (reported, not carried)."""
    name, ns, _, _ = _meta(doc)
    if name is None:
        return None, [Note(WARN, f"BackendConfig <unnamed> ({source})", "MISSING_NAME", "BackendConfig has no metadata.name; not read")]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    draining = spec.get("connectionDraining") if isinstance(spec.get("connectionDraining"), dict) else {}
    other = tuple(sorted(str(k)[:60] for k, v in spec.items() if str(k) not in _BACKEND_CONFIG_READ and v is not None))
    return BackendConfig(
        cluster=cluster, namespace=ns, name=name,
        timeout_sec=_seconds(spec.get("timeoutSec")),
        draining_sec=_seconds(draining.get("drainingTimeoutSec")),
        other_settings=other,
        source=source,
    ), []
