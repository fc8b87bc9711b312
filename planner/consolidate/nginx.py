"""Step 3b, ``--migrate-ingress-nginx`` (issue 12): ingress-nginx's Ingresses onto the
cluster's GKE Gateway, its controller's load balancer retired last.

ingress-nginx reached end of maintenance in March 2026 (no more security fixes), so a
migration the user asks for is security-driven: it is planned even when it costs more than
keeping ingress-nginx's load balancer, and the plan says what it costs (``NGINX_MIGRATION_COSTS``)
instead of keeping it with ``NO_SAVINGS``.

Per cluster where the option is on: :func:`planner.nginx.detect.detect` finds the controller
Services and the Ingresses they serve, :func:`planner.nginx.merge.translate_all` translates
them. A migrating Ingress's routes (contract shape, ``source: "nginx"``) go on the cluster's
Gateway for its visibility (the slot is created when no Service moves there); its hosts are
claimed after existing GKE Ingresses' and HTTPRoutes' and before any moving Service's (they
serve today). Its backend policies (timeouts, affinity, Cloud Armor allow-lists, backend
protocol) land in ``nginx_migration[].backend_policies`` for the program, the allow-lists also
in the entrypoint's ``security_policies`` (so the pricer prices them), its TLS hosts in the
entrypoint's certificates (a kept Secret where the translation says so). A kept Ingress is an
``existing_entrypoints`` entry with its reason. The controller's Service is patched to
ClusterIP in the retire phase only when every Ingress it serves moved
(:func:`planner.nginx.detect.retirements`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from planner.consolidate import certificates
from planner.consolidate.strategies import Slot, gateway
from planner.model import INFO, WARN, Note, Usage, cents
from planner.nginx.detect import NginxCluster, Retirement, detect, retirements
from planner.nginx.merge import host_units, keep, translate_all
from planner.nginx.pricing import CONTROLLER_COMPUTE_NOTE, rules_for
from planner.nginx.translate import KEEP, Translation

SECURITY_REASON = "ingress-nginx reached end of maintenance in March 2026 and gets no more security fixes"


def enabled(opts, cluster: str) -> bool:
    """The option is on for ``cluster`` (``--migrate-ingress-nginx``, or the fleet entry's
    ``migrate_ingress_nginx: true``)."""
    return bool(getattr(opts, "migrate_ingress_nginx", False)) or cluster in (getattr(opts, "nginx_clusters", None) or ())


@dataclass
class NginxPlan:
    """What the nginx step decided for one strategy."""

    clusters: dict[str, NginxCluster]
    translations: dict[tuple, Translation]  # ingress key -> its translation
    slots: dict[tuple, Slot]  # migrating ingress key -> the Gateway slot it moves to
    notes: list[Note]
    strategy: str
    retire: list[Retirement] = field(default_factory=list)

    @property
    def keys(self) -> frozenset:
        """Every ingress-nginx Ingress of an enabled cluster (left out of GKE folding)."""
        return frozenset(self.translations)

    def migrating(self) -> list[Translation]:
        return [t for k, t in sorted(self.translations.items()) if t.migrates]

    @property
    def retired(self) -> frozenset[str]:
        """Refs of the controller Services whose load balancer retires."""
        return frozenset(r.controller for r in self.retire if r.retire)

    @property
    def protected(self) -> frozenset[str]:
        """Slot names carrying a migration the user asked for: never kept with NO_SAVINGS."""
        return frozenset(s.name for k, s in self.slots.items() if self.translations[k].migrates)

    def units(self, slot_name: str) -> dict[str, int]:
        """Ingress ref -> 1 for the migrating Ingresses of ``slot_name`` (cost shares)."""
        return {self.translations[k].ingress: 1 for k, s in sorted(self.slots.items()) if s.name == slot_name and self.translations[k].migrates}


def _internal_tls(tr: Translation, internal: bool) -> Translation:
    """An internal Gateway is built without TLS (the program cannot give it certificates): a
    TLS Ingress served internally stays rather than drop TLS."""
    if internal and tr.migrates and tr.tls:
        return keep(tr, "NGINX_INTERNAL_TLS", f"TLS host(s) {', '.join(h.host for h in tr.tls)} on an internal Gateway: planner builds internal Gateways with HTTP only; it stays rather than drop TLS")
    return tr


def prepare(ev, strategy: str) -> NginxPlan | None:
    """Detect and translate ingress-nginx in every enabled cluster (None: the option is off)."""
    inv, opts = ev.inv, ev.opts
    names = [c for c in sorted(inv.clusters) if enabled(opts, c)]
    if not names:
        return None
    found = detect(inv.ingresses, inv.services, getattr(inv, "ingress_classes", ()), names)
    clusters = {c: found[c] for c in names if c in found and found[c].runs_nginx}
    by_key = {i.key: i for i in inv.ingresses}
    translations: dict[tuple, Translation] = {}
    slots: dict[tuple, Slot] = {}
    notes: list[Note] = []
    multi = len(inv.clusters) > 1
    for name, nc in clusters.items():
        notes.extend(nc.notes)
        ings = [by_key[k] for k in nc.ingresses]
        for tr in translate_all(ings, inv.services, internal=nc.internal):
            internal = nc.internal(by_key[tr.key])
            tr = _internal_tls(tr, internal)
            if strategy != "gateway" and tr.migrates:
                tr = keep(tr, "NGINX_NOT_GATEWAY", f"strategy {strategy}: ingress-nginx Ingresses move only onto a Gateway (routes from several namespaces, one address)")
            translations[tr.key] = tr
            slots[tr.key] = gateway(SimpleNamespace(cluster=name), internal, multi)
    return NginxPlan(clusters, translations, slots, notes, strategy)


def _taken(tr: Translation, slot: Slot, claims: dict) -> str | None:
    for r in tr.routes:
        c = claims.get(r["host"])
        if c is not None and c["owner"] != tr.ingress and (c["entrypoint"] != slot.name or r["path"] in c["paths"]):
            return f"host {r['host']} path {r['path']} is already served by {c['owner']}"
    return None


def claim(np: NginxPlan | None, claims: dict) -> None:
    """Claim the migrating Ingresses' hosts on their Gateway (after existing GKE Ingresses and
    HTTPRoutes, before moving Services); one already taken keeps the Ingress (and its host
    unit), and kept Ingresses' hosts stay claimed where they are served today."""
    if np is None:
        return
    trs = np.translations
    changed = False
    for key, tr in sorted(trs.items()):
        why = _taken(tr, np.slots[key], claims) if tr.migrates else None
        if why:
            trs[key] = keep(tr, "NGINX_HOST_TAKEN", f"{why}; two entrypoints would claim it")
            changed = True
    if changed:
        for cluster in sorted({k[0] for k in trs}):
            part = {k: t for k, t in trs.items() if k[0] == cluster}
            host_units(part)
            trs.update(part)
    for key, tr in sorted(trs.items()):
        target = np.slots[key].name if tr.migrates else None
        for r in tr.routes:
            c = claims.setdefault(r["host"], {"entrypoint": target, "owner": tr.ingress, "paths": {}})
            c["paths"].setdefault(r["path"], tr.ingress)
    for name, nc in sorted(np.clusters.items()):
        np.retire.extend(retirements(nc, [t for k, t in sorted(trs.items()) if k[0] == name]))


def add_slots(np: NginxPlan | None, design) -> None:
    """The Gateway slots migrating Ingresses need, created when no Service moves there."""
    if np is None:
        return
    for key, slot in sorted(np.slots.items()):
        if np.translations[key].migrates:
            design.slots.setdefault(slot.name, slot)
    design.nginx = np


def _armor(tr: Translation, multi: bool) -> list[dict]:
    out = []
    for p in tr.policies:
        pol = dict(p.policy)
        rules = rules_for(pol)
        if rules:
            name = "-".join(["planner", *([tr.key[0]] if multi else []), p.namespace, p.service])
            out.append({"name": name, "services": [f"Service {tr.key[0]}/{p.namespace}/{p.service}"], "ranges": len(pol.get("source_ranges") or []) + len(pol.get("deny_ranges") or []), "rules": rules})
    return out


def _certificates(ep: dict, managed: list[str], secrets: dict[str, tuple[str, str]], notes: list[Note]) -> list[dict]:
    """Certificate Manager certificates for ``managed`` hosts; kept Secrets when every TLS host
    of the Gateway has one (a certificate map and listener certificateRefs do not mix: the
    Secrets' hosts then get Google-managed certificates too, noted)."""
    if managed and secrets:
        notes.append(Note(INFO, f"Gateway {ep['name']}", "NGINX_TLS_SECRET_MAP", f"hosts {', '.join(sorted(secrets))} get Google-managed certificates instead of their Secrets: the Gateway's other TLS hosts need a certificate map, which listener Secrets do not combine with"))
        managed, secrets = sorted(set(managed) | set(secrets)), {}
    out = certificates.group(ep["name"], ep["kind"], ep["namespace"], managed) if managed else []
    by_secret: dict[tuple[str, str], list[str]] = {}
    for host, sec in sorted(secrets.items()):
        by_secret.setdefault(sec, []).append(host)
    for (ns, secret), hosts in sorted(by_secret.items()):
        out.append({"name": f"{ns}-{secret}", "kind": "Secret", "namespace": ns, "secret": secret, "hosts": hosts})
    return out


def extend_entrypoints(np: NginxPlan | None, eps: list[dict], multi: bool, notes: list[Note]) -> None:
    """Routes, TLS hosts, certificates and Cloud Armor policies of the migrating Ingresses on
    their entrypoints (the dicts the pricer prices)."""
    if np is None:
        return
    by_slot: dict[str, list[Translation]] = {}
    for k, t in sorted(np.translations.items()):
        if t.migrates:
            by_slot.setdefault(np.slots[k].name, []).append(t)
    for ep in eps:
        mine = by_slot.get(ep["name"])
        if not mine:
            continue
        ep["routes"] = ep["routes"] + [dict(r) for t in mine for r in t.routes]
        managed = [h for h in ep["tls_hosts"]]
        secrets: dict[str, tuple[str, str]] = {}
        for t in mine:
            for h in t.tls:
                if h.mode == "secret":
                    secrets[h.host] = (h.namespace, h.secret)
                else:
                    managed.append(h.host)
        managed = sorted(set(managed) - set(secrets))
        ep["tls_hosts"] = sorted(set(managed) | set(secrets))
        if ep["tls_hosts"] and not any(lst["protocol"] == "HTTPS" for lst in ep["listeners"]):
            ep["listeners"] = ep["listeners"] + [{"name": "https", "protocol": "HTTPS", "port": 443}]
            ep["forwarding_rules"] = len(ep["listeners"])
        ep["certificates"] = _certificates(ep, managed, secrets, notes)
        armor = {p["name"]: p for p in ep.get("security_policies") or []}
        for t in mine:
            for p in _armor(t, multi):
                armor.setdefault(p["name"], p)
        ep["security_policies"] = [armor[n] for n in sorted(armor)]


def usage(np, inv, slot_name: str) -> list[Usage | None]:
    """Traffic the migrating Ingresses bring to ``slot_name``: each Ingress's own usage row,
    else (when every Ingress of a retiring controller moves here) the controller Service's."""
    if np is None or not inv.usage:
        return []
    keys = [k for k, s in sorted(np.slots.items()) if s.name == slot_name and np.translations[k].migrates]
    own = [inv.usage.get(k) for k in keys if inv.usage.get(k) is not None]
    if own:
        return own
    out = []
    for r in np.retire:
        served = {k for k in np.clusters[r.key[0]].serves if r.controller in np.clusters[r.key[0]].serves[k]}
        if r.retire and served and served <= set(keys):
            out.append(inv.usage.get(r.key))
    return out


# --- plan output ---------------------------------------------------------------------------

def _fates(t: Translation) -> list[dict]:
    return [{"annotation": f.annotation, "fate": f.fate, "code": f.code} for f in t.fates]


def _backend_policies(trs: list[Translation], services: dict) -> list[dict]:
    out: dict[tuple, dict] = {}
    for t in trs:
        for p in t.policies:
            row = p.to_dict()
            svc = services.get((t.key[0], p.namespace, p.service))
            routed = sorted({r["port"] for r in t.routes if r.get("service") == p.service and r.get("port") is not None}
                            | {b["port"] for r in t.routes for b in r.get("backends") or [] if b["service"] == p.service})
            protos = {pt.port: pt.protocol for pt in svc.ports} if svc else {}
            row["ports"] = [{"port": port, "protocol": protos.get(port, "TCP")} for port in routed]
            out.setdefault((p.namespace, p.service), row)
    return [out[k] for k in sorted(out)]


def rows(np: NginxPlan | None, inv, priced, eps: list[dict], design) -> list[dict]:
    """``plan["nginx_migration"]``: per cluster, the Ingresses and their annotations' fates, the
    money before and after, and whether the controller's load balancer retires."""
    if np is None:
        return []
    from planner.pricers.base import allocate

    services = {s.key: s for s in inv.services}
    by_owner_before, by_owner_after = priced.before.by_owner, priced.after.by_owner
    ep_cost = {ep["name"]: Decimal(str(ep.get("monthly_usd", 0))) for ep in eps}
    out = []
    for name, nc in sorted(np.clusters.items()):
        trs = [t for k, t in sorted(np.translations.items()) if k[0] == name]
        rets = [r for r in np.retire if r.key[0] == name]
        instance = {c.ref: c.instance for c in nc.controllers}
        before = sum((by_owner_before.get(c.ref, Decimal(0)) for c in nc.controllers), Decimal(0))
        staying_cost = sum((by_owner_after.get(r.controller, Decimal(0)) for r in rets if not r.retire), Decimal(0))
        share = Decimal(0)
        for slot_name in sorted({np.slots[t.key].name for t in trs if t.migrates}):
            if slot_name in ep_cost:
                members = {e.ref: 1 for e in design.members.get(slot_name, [])}
                members.update(np.units(slot_name))
                share += sum((v for k, v in allocate(ep_cost[slot_name], members).items() if k.startswith("Ingress ")), Decimal(0))
        after = share + staying_cost
        out.append({
            "cluster": name,
            "controller": [c.ref for c in nc.controllers],
            "ingresses": [{"ref": t.ingress, "decision": "migrate" if t.migrates else "keep", "reason": (t.reason[1] if t.reason else "moves to the Gateway"),
                           "code": (t.reason[0] if t.reason else "NGINX_MIGRATED"), "entrypoint": np.slots[t.key].name if t.migrates else None,
                           "routes": len(t.routes) if t.migrates else 0, "fates": _fates(t)} for t in trs],
            "gateway_share_usd": float(cents(share)),
            "before_usd": float(cents(before)), "after_usd": float(cents(after)), "delta_usd": float(cents(after) - cents(before)),
            "retire_controller": bool(rets) and all(r.retire for r in rets),
            "controllers": [{"ref": r.controller, "retire": r.retire, "reason": r.reason, "staying": list(r.staying), "release": instance.get(r.controller, "")} for r in rets],
            "staying": sorted({s for r in rets for s in r.staying} | {t.ingress for t in trs if not t.migrates}),
            "backend_policies": _backend_policies([t for t in trs if t.migrates], services),
        })
    return out


def plan_notes(np: NginxPlan | None, migration: list[dict], notes: list[Note]) -> None:
    """Every translation note, each kept Ingress's reason, each controller's fate, and what the
    migration costs (a warn when it costs more: it is planned for security, not money)."""
    if np is None:
        return
    notes.extend(np.notes)
    for key, t in sorted(np.translations.items()):
        notes.extend(t.notes)
    for r in np.retire:
        if r.retire:
            notes.append(Note(INFO, r.controller, "NGINX_CONTROLLER_RETIRED", f"{r.reason}: its Service is patched to ClusterIP in the retire phase (never deleted); the Deployment and the Ingresses are left to the runbook's manual steps"))
        else:
            notes.append(Note(INFO, r.controller, "NGINX_CONTROLLER_STAYS", f"kept: {r.reason}" + (f" ({', '.join(r.staying[:10])})" if r.staying else "")))
    for row in migration:
        if not any(i["decision"] == "migrate" for i in row["ingresses"]):
            continue
        delta = Decimal(str(row["delta_usd"]))
        if delta > 0:
            notes.append(Note(WARN, f"cluster {row['cluster']}", "NGINX_MIGRATION_COSTS", f"moving ingress-nginx's Ingresses to the Gateway costs ${cents(delta)}/month more (${cents(Decimal(str(row['before_usd'])))} → ${cents(Decimal(str(row['after_usd'])))}); planned anyway, as asked: {SECURITY_REASON}"))
        else:
            notes.append(Note(INFO, f"cluster {row['cluster']}", "NGINX_MIGRATION_SAVES", f"moving ingress-nginx's Ingresses to the Gateway saves ${cents(-delta)}/month (${cents(Decimal(str(row['before_usd'])))} → ${cents(Decimal(str(row['after_usd'])))}); {SECURITY_REASON}"))
        notes.append(Note(INFO, f"cluster {row['cluster']}", "NGINX_CONTROLLER_COMPUTE", CONTROLLER_COMPUTE_NOTE))


def existing_rows(np: NginxPlan | None, inv) -> list[dict]:
    """One ``existing_entrypoints`` entry per ingress-nginx Ingress: ``migrate`` (its routes are
    on the Gateway named in ``folded_into``) or ``keep`` with its reason."""
    if np is None:
        return []
    by_key = {i.key: i for i in inv.ingresses}
    out = []
    for key, t in sorted(np.translations.items()):
        ing = by_key[key]
        out.append({
            "cluster": ing.cluster, "namespace": ing.namespace, "name": ing.name, "kind": "Ingress", "class": ing.ingress_class,
            "internal": np.clusters[key[0]].internal(ing), "tls": ing.has_tls, "forwarding_rules": 0, "monthly_usd": 0.0, "priced": False,
            "routes": [{"host": p.host, "path": p.path, "namespace": ing.namespace, "service": p.service, "port": p.port} for p in ing.paths],
            "decision": "migrate" if t.migrates else "keep",
            "reason": {"code": "NGINX_MIGRATED", "message": f"ingress-nginx Ingress: its {len(t.routes)} route(s) move to Gateway {np.slots[key].name}; its load balancer is the controller's (priced there)"} if t.migrates
            else {"code": t.reason[0], "message": t.reason[1]},
            "folded_into": np.slots[key].name if t.migrates else None,
        })
    return out
