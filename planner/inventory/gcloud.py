"""``--gcp-forwarding-rules FILE``: the cloud's own list of forwarding rules, as written by
``gcloud compute forwarding-rules list --format=json``.

Each rule is matched to the inventory object that owns it:

1. GKE writes ``{"kubernetes.io/service-name":"ns/name"}`` (Services) or
   ``{"kubernetes.io/ingress-name":"ns/name"}`` (Ingress) into the rule's ``description``;
2. otherwise by IP: a Service's ``status.loadBalancer`` addresses / ``spec.loadBalancerIP``, an
   Ingress's status addresses, a Gateway's addresses;

only among clusters of the rule's project (and region, for regional rules). Rules nobody owns
are *orphans*: each becomes an extra :class:`Footprint` (priced with the rest of its pool) and a
``warn`` note ``ORPHANED_FORWARDING_RULE`` saying what deleting it would save. A Service with
more rules in the listing than the inventory implies gets ``MORE_FORWARDING_RULES`` and its
surplus rules are priced under its name; a LoadBalancer Service of a listed pool with no rule at
all gets ``NO_FORWARDING_RULE_FOUND``.
"""
from __future__ import annotations

import json
import re
from collections import Counter

from planner.inventory.loader import decode, loads_json, read_bytes
from planner.model import HOURS_PER_MONTH, INFO, WARN, Footprint, Inventory, Note, PlannerError, cents

FREE_TIER_RULES = 5
_SELF = re.compile(r"projects/([^/]+)/(?:regions/([^/]+)|global)/forwardingRules/([^/]+)$")
_REGION = re.compile(r"regions/([^/]+)$")


def _rule_place(path: str, i: int, rule: dict) -> tuple[str, str, str]:
    name = rule.get("name")
    if not isinstance(name, str) or not name:
        raise PlannerError(f"{path}: [{i}]: forwarding rule has no name")
    link = rule.get("selfLink")
    if isinstance(link, str):
        m = _SELF.search(link)
        if m:
            return m.group(1), m.group(2) or "global", name
    raise PlannerError(f"{path}: [{i}] ({name[:60]}): no selfLink naming projects/<project>/regions/<region>|global (use gcloud ... --format=json)")


def _owner_hint(rule: dict) -> tuple[str | None, str | None]:
    """(kind, "ns/name") from a GKE-written description, else (None, None)."""
    desc = rule.get("description")
    if not isinstance(desc, str) or not desc.lstrip().startswith("{"):
        return None, None
    try:
        data = json.loads(desc)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    for key, kind in (("kubernetes.io/service-name", "Service"), ("kubernetes.io/ingress-name", "Ingress")):
        if isinstance(data.get(key), str) and data[key].count("/") == 1:
            return kind, data[key]
    return None, None


def read_forwarding_rules(path: str, inv: Inventory, table=None) -> dict:
    """Match a gcloud listing against ``inv``; add orphans to ``inv.extra_footprints`` and notes.

    ``table`` is the GCP :class:`RateTable` (for the saving figures and to know which regions
    are priced). Returns counts for the CLI: ``{"rules", "matched", "orphans", "pools"}``."""
    rules = _load_rules(path)
    inv.files.append(path)
    owners = _Owners(inv)
    m = _match(path, rules, owners)
    _settle_ambiguous(m, owners, inv.notes)
    _service_notes(path, m, owners, inv)
    _price_orphans(m, table, inv)
    return {"rules": len(rules), "matched": sum(m.owned.values()), "orphans": len(m.orphans), "pools": dict(sorted(m.pool_rules.items()))}


def _load_rules(path: str) -> list:
    """The listing's rules: a JSON list (anything else is refused with one line)."""
    text = decode(path, read_bytes(path))
    if not text.strip():
        raise PlannerError(f"{path}: empty file")
    rules = loads_json(path, text, " (expected gcloud ... --format=json)")
    if not isinstance(rules, list):
        raise PlannerError(f"{path}: expected a JSON list of forwarding rules (gcloud compute forwarding-rules list --format=json)")
    return rules


class _Owners:
    """What the inventory owns, per project: its LoadBalancer Services, Ingresses and Gateways
    by (kind, project, "ns/name") and by (project, IP), with each one's IPs and region."""

    def __init__(self, inv: Inventory):
        self.lbs = inv.load_balancers
        self.by_name: dict[tuple[str, str, str], list] = {}  # one object per cluster
        self.by_ip: dict[tuple[str, str], list] = {}
        self.ips_of: dict[object, set[str]] = {}
        self.region_of: dict[object, str] = {}
        for obj in list(self.lbs) + list(inv.ingresses) + list(inv.gateways):
            self._add(obj, inv.clusters[obj.cluster])

    def _add(self, obj, cl) -> None:
        self.by_name.setdefault((type(obj).__name__, cl.project, f"{obj.namespace}/{obj.name}"), []).append(obj)
        ips = set(getattr(obj, "status_addresses", ()) or ()) | set(getattr(obj, "addresses", ()) or ())
        if getattr(obj, "load_balancer_ip", None):
            ips.add(obj.load_balancer_ip)
        self.ips_of[obj] = ips
        for ip in ips:
            self.by_ip.setdefault((cl.project, ip), []).append(obj)
        self.region_of[obj] = cl.region

    def fits(self, obj, region: str) -> bool:
        """A Service's passthrough rule lives in its cluster's region."""
        return type(obj).__name__ != "Service" or self.region_of[obj] == region

    def candidates(self, rule: dict, hint: tuple[str | None, str | None], project: str, region: str) -> list:
        """The objects that may own ``rule``: by the description GKE writes (``hint``, see
        :func:`_owner_hint`), narrowed by the rule's IP when several clusters hold that name;
        else by the IP alone."""
        kind, ref = hint
        ip = rule.get("IPAddress") if isinstance(rule.get("IPAddress"), str) else None
        cands = [o for o in self.by_name.get((kind, project, ref), []) if self.fits(o, region)] if kind else []
        if len(cands) > 1 and ip:
            cands = [o for o in cands if ip in self.ips_of[o]] or cands
        if not cands and ip:
            cands = [o for o in self.by_ip.get((project, ip), []) if self.fits(o, region)]
        return cands


def _implied(obj) -> int:
    """The forwarding rules the inventory implies for ``obj``."""
    if type(obj).__name__ == "Service":
        return max(1, len({p.protocol for p in obj.ports}))
    if type(obj).__name__ == "Ingress":
        return 2 if obj.has_tls else 1
    return max(1, len({lst.port for lst in obj.listeners}))


class _Matches:
    """The listing matched: rules per pool, rules per owner, orphans and ambiguous rules."""

    def __init__(self):
        self.pool_rules: Counter[tuple[str, str]] = Counter()
        self.owned: Counter[object] = Counter()
        self.orphans: list[tuple[str, str, str, dict]] = []
        self.ambiguous: list[tuple[str, str, list]] = []


def _match(path: str, rules: list, owners: _Owners) -> _Matches:
    """Each rule to its one owner, or an orphan, or ambiguous (several candidates)."""
    m = _Matches()
    seen: set[tuple[str, str, str]] = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise PlannerError(f"{path}: [{i}]: expected a forwarding rule object, got {type(rule).__name__}")
        project, region, name = _rule_place(path, i, rule)
        if (project, region, name) in seen:
            raise PlannerError(f"{path}: [{i}]: forwarding rule {project}/{region}/{name[:60]} listed twice")
        seen.add((project, region, name))
        m.pool_rules[(project, region)] += 1
        hint = _owner_hint(rule)
        cands = owners.candidates(rule, hint, project, region)
        if not cands:
            m.orphans.append((project, region, name, rule))
        elif len(cands) == 1:
            m.owned[cands[0]] += 1
        else:
            m.ambiguous.append((f"ForwardingRule {project}/{region}/{name}", hint[1], cands))
    return m


def _settle_ambiguous(m: _Matches, owners: _Owners, notes: list) -> None:
    """Same namespace/name in several clusters of one project+region, IP unknown: after every
    certain match, each rule goes to the first candidate still short of its implied rules."""
    for owner, ref, cands in m.ambiguous:
        obj = ([o for o in cands if m.owned[o] < _implied(o)] or cands)[0]
        m.owned[obj] += 1
        others = ", ".join(o.ref for o in cands if o is not obj)
        notes.append(Note(INFO, owner, "RULE_MATCH_AMBIGUOUS", f"description names {ref}, which exists in several clusters; counted for {obj.ref} (also possible: {others})"))


def _service_notes(path: str, m: _Matches, owners: _Owners, inv: Inventory) -> None:
    """Surplus rules on a Service (priced under it), and Services with no rule in a listed pool."""
    listed_pools = set(m.pool_rules)
    for svc in owners.lbs:
        cl = inv.clusters[svc.cluster]
        want = _implied(svc)
        got = m.owned.get(svc, 0)
        if got > want:
            inv.notes.append(Note(WARN, svc.ref, "MORE_FORWARDING_RULES", f"{path} lists {got} forwarding rules for this Service, the inventory implies {want}; the {got - want} extra rule(s) are priced under it"))
            inv.extra_footprints.append(Footprint(owner=svc.ref, cloud="gcp", project=cl.project, region=cl.region, kind="passthrough", forwarding_rules=got - want, usage=None, addresses=0))
        elif got == 0 and (cl.project, cl.region) in listed_pools:
            inv.notes.append(Note(INFO, svc.ref, "NO_FORWARDING_RULE_FOUND", f"{path} shows no forwarding rule for this Service in {cl.project}/{cl.region} (not provisioned yet, or matched by neither description nor IP); priced as the inventory implies"))


def _price_orphans(m: _Matches, table, inv: Inventory) -> None:
    """Each orphan as an extra footprint of its pool with what deleting it saves (not priced,
    with a note, where its region has no rates)."""
    for project, region, name, rule in sorted(m.orphans, key=lambda o: o[:3]):
        owner = f"ForwardingRule {project}/{region}/{name}"
        if table is not None and region not in table.regions:
            inv.notes.append(Note(WARN, owner, "ORPHANED_FORWARDING_RULE", f"not owned by any Service, Ingress or Gateway in the inventory; region {region} has no rates, so it is not priced"))
            continue
        scheme = rule.get("loadBalancingScheme") if isinstance(rule.get("loadBalancingScheme"), str) else ""
        kind = "l7" if region == "global" or scheme == "EXTERNAL_MANAGED" else ("l7-internal" if scheme == "INTERNAL_MANAGED" else "passthrough")
        inv.extra_footprints.append(Footprint(owner=owner, cloud="gcp", project=project, region=region, kind=kind, forwarding_rules=1, usage=None, addresses=1))
        n = m.pool_rules[(project, region)]
        inv.notes.append(Note(WARN, owner, "ORPHANED_FORWARDING_RULE", f"not owned by any Service, Ingress or Gateway in the inventory (IP {str(rule.get('IPAddress', '?'))[:45]}); {_saving(project, region, n, table)}"))


def _saving(project: str, region: str, n: int, table) -> str:
    """What deleting one rule of a pool of ``n`` listed rules saves (marginal, per month)."""
    if table is None:
        return f"its pool {project}/{region} has {n} rule(s)"
    first5 = table.rate(region, "forwarding_rule_first5").usd * HOURS_PER_MONTH
    extra = table.rate(region, "forwarding_rule_additional").usd * HOURS_PER_MONTH
    if n > FREE_TIER_RULES:
        return f"deleting it would save ${cents(extra)}/month (its pool {project}/{region} has {n} rules, beyond the flat first {FREE_TIER_RULES})"
    if n == 1:
        return f"deleting it would save ${cents(first5)}/month (the only rule in {project}/{region}: the pool's flat charge goes away)"
    return f"deleting it saves $0.00/month on its own: its pool {project}/{region} has {n} rules, within the flat ${cents(first5)}/month charge for the first {FREE_TIER_RULES}"


__all__ = ["read_forwarding_rules"]
