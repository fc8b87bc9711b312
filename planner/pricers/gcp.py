"""GCP Cloud Load Balancing: forwarding rules priced by pool, proxy instances of regional
Envoy-based LBs, data processing, Cloud Armor, Certificate Manager and reserved addresses.

Billing shape (PRICING-FACTS.md, audit corrections):

- Forwarding rules: the first 5 of a project in one region cost a flat hourly charge together;
  each further rule is charged per hour. Global rules pool separately.
- Regional internal / regional external Application LBs (Gateway classes ``gke-l7-rilb``,
  ``gke-l7-regional-external-managed``, Ingress class ``gce-internal``) are billed **per proxy
  instance-hour** plus data processing, not in the forwarding-rule pool. The proxies of a
  project's region (one proxy-only subnet per VPC and region) serve all its regional Envoy LBs,
  so they are priced per pool: ``max(MIN_PROXIES, sum of the footprints' known proxies)``.
  ``MIN_PROXIES`` = 3 is a secondary source's minimum (*unsure*), the proxy-hour rate $0.025 is
  infracost's (*unsure*); a ``GCP_PROXY_MINIMUM_ASSUMED`` note says so.
- Data processing: passthrough NLBs inbound only; Application LBs inbound and outbound. There are
  no global data-processing rates: a global LB's traffic is charged at its region's rate
  (``Footprint.data_region``, the cluster's region).
- Static external IPv4: free while a forwarding rule uses it (new addresses a plan reserves for
  its entrypoints are therefore not listed); a footprint with ``lb_type="address"``
  (``addresses`` = count, ``forwarding_rules`` = 0) is a reserved address that nothing uses,
  billed per hour (:meth:`GcpPricer.reserved_address_footprint`).
- Cloud Armor (Standard): per policy-month, per rule-month, per million requests (the last only
  when the footprint's Usage carries ``requests``).
- Certificate Manager: certificates per project, the first 100 free, then per certificate-month;
  certificate maps listed at $0. Kubernetes ManagedCertificates (Ingress) and Secrets are free and
  not counted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from operator import is_

from planner.model import (
    HOURS_PER_MONTH,
    INFO,
    Cluster,
    CostLine,
    Footprint,
    Gateway,
    Ingress,
    Note,
    Service,
    Usage,
    cents,
)
from planner.pricers.base import Pricing, allocate, tiered_rules
from planner.pricers.rates import RateTable, load_table



ALLOW_HTTP_ANN = "kubernetes.io/ingress.allow-http"
#: Assumed minimum of proxy instances per region and VPC for Envoy-based regional LBs (unsure:
#: one secondary source; Google documents only that proxies scale with traffic).
MIN_PROXIES = 3
#: Cloud Armor and Certificate Manager rates are global: read from the table's ``global`` region.
ARMOR_REGION = "global"
#: planner's Pulumi program puts at most 10 source ranges in one Cloud Armor allow rule.
ARMOR_RANGES_PER_RULE = 10
FREE_CERTIFICATES = 100
FREE_CERT_KINDS = {"managedcertificate", "secret", "sslcertificate", "ssl-certificate", "pre-shared"}
MILLION = Decimal(1_000_000)
#: Region whose data rates answer ``data_rates("global")`` (legacy callers; see data_rates).
FALLBACK_DATA_REGION = "us-central1"
#: Ingress classes as entrypoint classes: gce = global external ALB, gce-internal = regional internal.
INGRESS_CLASSES = {"gce": ("global", "l7"), "gce-internal": ("regional", "l7-internal")}


class GcpPricer:
    cloud = "gcp"

    def __init__(self, table: RateTable | None = None):
        self.table = table or load_table("gcp")
        self._passthrough: dict[tuple, Footprint] = {}  # (project, region, rules) -> owner-less footprint
        self._addresses: dict[tuple, Footprint] = {}  # (owner, project, region) -> reserved address

    # --- what each object costs as a load balancer (footprints) ---------------------------
    def service_footprint(self, svc: Service, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A GKE LoadBalancer Service: one regional forwarding rule per protocol."""
        rules = max(1, len({p.protocol for p in svc.ports}))
        shape = (cluster.project, cluster.region, rules)
        template = self._passthrough.get(shape)
        if template is None:
            template = self._passthrough[shape] = Footprint(owner="", cloud="gcp", project=cluster.project, region=cluster.region, kind="passthrough", forwarding_rules=rules)
        return template.like(owner=svc.ref, usage=usage)

    def ingress_footprint(self, ing: Ingress, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """A GKE Ingress: class gce → global external ALB (one rule for HTTP unless
        ``kubernetes.io/ingress.allow-http: "false"``, one more when TLS is set); gce-internal →
        regional internal ALB, billed per proxy. Other classes: None."""
        http = ing.annotations.get(ALLOW_HTTP_ANN, "").strip().lower() != "false"
        rules = max(1, int(http) + int(ing.has_tls))
        if ing.ingress_class == "gce":
            return Footprint(owner=ing.ref, cloud="gcp", project=cluster.project, region="global", kind="l7", forwarding_rules=rules, usage=usage, data_region=cluster.region)
        if ing.ingress_class == "gce-internal":
            return Footprint(owner=ing.ref, cloud="gcp", project=cluster.project, region=cluster.region, kind="l7-internal", forwarding_rules=rules, usage=usage, proxy_billed=True)
        return None

    #: GKE GatewayClasses → where their forwarding rules live (PRICING-FACTS: global rules pool
    #: apart from regional ones). Multi-cluster ("-mc") classes bill the same way.
    GATEWAY_CLASSES = {
        "gke-l7-global-external-managed": ("global", "l7"),
        "gke-l7-gxlb": ("global", "l7"),
        "gke-l7-global-external-managed-mc": ("global", "l7"),
        "gke-l7-gxlb-mc": ("global", "l7"),
        "gke-l7-regional-external-managed": ("regional", "l7"),
        "gke-l7-regional-external-managed-mc": ("regional", "l7"),
        "gke-l7-rilb": ("regional", "l7-internal"),
        "gke-l7-rilb-mc": ("regional", "l7-internal"),
    }

    def gateway_footprint(self, gw: Gateway, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """A GKE Gateway: one forwarding rule per distinct listener port; global classes pool in
        ``global`` (data at the cluster's region's rate), regional ones are billed per proxy in
        the cluster's region. Other classes (Istio, …): None."""
        where = self.GATEWAY_CLASSES.get(gw.gateway_class)
        if where is None:
            return None
        scope, kind = where
        rules = max(1, len({lst.port for lst in gw.listeners}))
        if scope == "global":
            return Footprint(owner=gw.ref, cloud="gcp", project=cluster.project, region="global", kind=kind, forwarding_rules=rules, usage=usage, addresses=1, data_region=cluster.region)
        return Footprint(owner=gw.ref, cloud="gcp", project=cluster.project, region=cluster.region, kind=kind, forwarding_rules=rules, usage=usage, addresses=1, proxy_billed=True)

    def entrypoint_footprint(self, ep: dict, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A new entrypoint of the plan. Reads ``ep["kind"]``, ``ep["name"]``, ``ep["internal"]``,
        ``ep["forwarding_rules"]`` and, when present, ``ep["class"]`` (a GatewayClass or Ingress
        class; default: ``gke-l7-rilb`` when internal, else the global external class),
        ``ep["proxies"]`` (int, regional classes), ``ep["security_policies"]`` (list of
        ``{"name", "services", "ranges", "rules"}``) and ``ep["certificates"]`` (list of
        ``{"name", "kind", "hosts"}``)."""
        cls = ep.get("class") or ("gke-l7-rilb" if ep["internal"] else "gke-l7-global-external-managed")
        scope, kind = self.GATEWAY_CLASSES.get(cls) or INGRESS_CLASSES.get(cls) or (("regional", "l7-internal") if ep["internal"] else ("global", "l7"))
        policies = ep.get("security_policies") or []
        certs, maps = certificate_counts(ep)
        regional = scope == "regional"
        return Footprint(
            owner=f"{ep['kind']} {ep['name']}", cloud="gcp", project=cluster.project, region=cluster.region if regional else "global",
            kind=kind, forwarding_rules=ep["forwarding_rules"], usage=usage, proxy_billed=regional, proxies=int(ep.get("proxies") or 0),
            data_region="" if regional else cluster.region, armor_policies=len(policies), armor_rules=sum(armor_rule_count(p) for p in policies),
            certificates=certs, certificate_maps=maps,
        )

    def reserved_address_footprint(self, owner: str, cluster: Cluster, global_: bool) -> Footprint:
        """A static external IPv4 left reserved but unused (e.g. a pinned address after the
        retire phase): billed per hour until released. Made once per address and place: each
        pricing of a plan lists the same object (so :meth:`reprice` can tell its pool unchanged)."""
        key = (owner, cluster.project, "global" if global_ else cluster.region)
        got = self._addresses.get(key)
        if got is None:
            got = self._addresses[key] = Footprint(owner=owner, cloud="gcp", project=key[1], region=key[2], kind="passthrough", forwarding_rules=0, usage=None, addresses=1, lb_type="address")
        return got

    def data_rates(self, region: str) -> tuple[Decimal, Decimal]:
        """Per-GiB (in, out) Application LB rates of ``region``. Pass the cluster's region for
        global LBs too (no global data-processing rate exists); ``"global"`` is accepted for
        older callers and answered with :data:`FALLBACK_DATA_REGION`'s rates."""
        if region == "global" and not self.table.find(region, "data_inbound_gib"):
            region = FALLBACK_DATA_REGION
        return (self.table.rate(region, "data_inbound_gib").usd, self.table.rate(region, "data_outbound_gib").usd)

    def data_totals(self, footprints: list[Footprint], units: list[int], scales) -> list[Decimal]:
        """For each ``scale``: what :meth:`price` would add to the total for data processing if
        ``footprints[i]`` carried ``scale * units[i]`` GiB in and out — the per-footprint
        charges, each rounded to cents as ``price`` rounds them (forwarding rules and reserved
        addresses do not depend on usage, so a priced total is the idle total plus this).
        Footprints with equal units and rates are charged alike: counted once per group."""
        rates: dict[tuple[str, bool], tuple] = {}
        groups: dict[tuple, int] = defaultdict(int)  # (unit, (rate in, rate out | None)) -> footprints
        for fp, u in zip(footprints, units):
            if u <= 0 or fp.lb_type == "address":
                continue
            l7 = fp.kind.startswith("l7")
            rk = (fp.data_region or fp.region, l7)
            pair = rates.get(rk)
            if pair is None:
                region = rk[0]
                rin = (not l7 and self.table.find(region, "passthrough_data_inbound_gib")) or self.table.rate(region, "data_inbound_gib")
                pair = rates[rk] = (rin.usd, self.table.rate(region, "data_outbound_gib").usd if l7 else None)
            groups[(u, pair)] += 1
        out = []
        for scale in scales:
            total = Decimal(0)
            if scale > 0:
                for (u, (rin, rout)), n in groups.items():
                    g = Decimal(scale * u)
                    charge = cents(g * rin)
                    if rout is not None:
                        charge += cents(g * rout)
                    total += charge * n
            out.append(total)
        return out

    def price(self, footprints: list[Footprint]) -> Pricing:
        return self._priced(footprints, {})

    def reprice(self, footprints: list[Footprint], prior: Pricing) -> Pricing:
        """``price(footprints)``, with every pool whose footprints are the very objects (in
        order) it held in ``prior`` (a pricing of this pricer) copied from ``prior``: a pool's
        lines, notes and owners' shares are its footprints' alone (frozen, so the same objects
        price the same). Cloud Armor and certificates (per project) are priced again."""
        return self._priced(footprints, getattr(prior, "pools", {}))

    def _priced(self, footprints: list[Footprint], known: dict) -> "GcpPricing":
        out = GcpPricing()
        pools: dict[tuple[str, str], list[Footprint]] = defaultdict(list)
        extras: list[Footprint] = []  # Cloud Armor / certificates: priced per project after the pools
        for fp in footprints:
            pools[(fp.project, fp.region)].append(fp)
            if fp.armor_policies or fp.certificates or fp.certificate_maps:
                extras.append(fp)
        by_owner: dict[str, Decimal] = defaultdict(Decimal)
        for key, fps in sorted(pools.items()):
            part = known.get(key)
            if part is None or not _same(part[0], fps):
                part = (fps, self._price_pool(key, fps))
            out.pools[key] = part
            _merge(out, part[1], by_owner)
        if extras:
            self._price_armor(out, extras, by_owner)
            self._price_certificates(out, extras, by_owner)
        out.by_owner = dict(by_owner)  # read by owner (get) and summed in exact cents: its order is no output
        return out

    def _price_pool(self, key: tuple[str, str], fps: list[Footprint]) -> Pricing:
        """One (project, region) pool: reserved addresses, proxies, forwarding rules, data."""
        project, region = key
        out = Pricing()
        by_owner: dict[str, Decimal] = defaultdict(Decimal)
        pool = f"gcp {project} {region}"
        reserved, proxied, ruled = [], [], []
        for fp in fps:
            (reserved if fp.lb_type == "address" else proxied if fp.proxy_billed else ruled).append(fp)
        for fp in sorted(reserved, key=lambda f: f.owner):
            rate = self.table.rate(region, "address_reserved_unused_hour")
            qty = Decimal(fp.addresses) * HOURS_PER_MONTH
            out.add(CostLine(pool, f"Reserved static IPv4 not in use ({fp.addresses}): {fp.owner}", "address-hour", qty, rate, rate.usd * qty, (fp.owner,), "static_ip"))
            by_owner[fp.owner] += cents(rate.usd * qty)
        if proxied:
            self._price_proxies(out, pool, region, proxied, by_owner)
        if ruled:
            self._price_rules(out, pool, region, ruled, by_owner)
        self._price_data(out, pool, [fp for fp in fps if fp.usage is not None and fp.lb_type != "address"], by_owner)
        out.by_owner = by_owner
        return out

    def _price_rules(self, out: Pricing, pool: str, region: str, fps: list[Footprint], by_owner: dict) -> None:
        """The forwarding-rule pool: flat first five, per rule beyond; split by rules per owner."""
        first5 = self.table.rate(region, "forwarding_rule_first5")
        extra = self.table.rate(region, "forwarding_rule_additional")
        weights: dict[str, int] = defaultdict(int)
        for fp in fps:
            weights[fp.owner] += fp.forwarding_rules
        owners = tuple(sorted(weights))
        weights = {o: weights[o] for o in owners}  # by name: allocate's ties are then sorted already
        pool_cost = tiered_rules(out, pool, "forwarding rules", sum(weights.values()), first5, extra, owners, "forwarding_rule", tuple(weights.values()))
        _add(by_owner, allocate(pool_cost, weights))

    def _price_proxies(self, out: Pricing, pool: str, region: str, fps: list[Footprint], by_owner: dict) -> None:
        """Proxy instances of a region's Envoy-based LBs: max(MIN_PROXIES, known proxies), split
        by each owner's proxies (1 when unknown)."""
        rate = self.table.rate(region, "proxy_instance_hour")
        weights: dict[str, int] = defaultdict(int)
        for fp in fps:
            weights[fp.owner] += max(1, fp.proxies)
        known = sum(fp.proxies for fp in fps)
        proxies = max(MIN_PROXIES, known)
        owners = tuple(sorted(weights))
        qty = Decimal(proxies) * HOURS_PER_MONTH
        why = "known" if known >= MIN_PROXIES else f"minimum {MIN_PROXIES} assumed"
        out.add(CostLine(pool, f"Proxy instances ({proxies}, {why})", "proxy-hour", qty, rate, rate.usd * qty, owners, "proxy_instance", tuple(weights[o] for o in owners)))
        for owner, share in allocate(rate.usd * qty, dict(weights)).items():
            by_owner[owner] += share
        if known < MIN_PROXIES:
            out.notes.append(Note(INFO, f"rates {self.table.name}", "GCP_PROXY_MINIMUM_ASSUMED", f"regional Envoy-based Application LBs in {region} are priced at {proxies} proxy instance(s) ({MIN_PROXIES} is the assumed minimum per region and VPC; Google adds proxies as traffic grows, each billed per hour; unsure)"))

    def _price_data(self, out: Pricing, pool: str, fps: list[Footprint], by_owner: dict) -> None:
        """Data processing per footprint, at the footprint's data region's rates (every owner
        already has its share of the pool, so footprints without usage add nothing)."""
        for fp in sorted(fps, key=lambda f: f.owner):
            out.data_priced = True
            region = fp.data_region or fp.region
            l7 = fp.kind.startswith("l7")
            # an imported catalog may carry the passthrough NLB's own inbound SKU
            rin = (not l7 and self.table.find(region, "passthrough_data_inbound_gib")) or self.table.rate(region, "data_inbound_gib")
            charges = [("Inbound data processing", fp.usage.gib_in, rin, "data_processing_in")]
            if l7:
                charges.append(("Outbound data processing", fp.usage.gib_out, self.table.rate(region, "data_outbound_gib"), "data_processing_out"))
            for label, gib, rate, kind in charges:
                if gib <= 0:
                    continue
                cost = gib * rate.usd
                out.add(CostLine(pool, f"{label}: {fp.owner}", "GiB", gib, rate, cost, (fp.owner,), kind))
                by_owner[fp.owner] += cents(cost)

    def _price_armor(self, out: Pricing, fps: list[Footprint], by_owner: dict) -> None:
        """Cloud Armor (Standard) per owner: policies and rules per month; requests per million
        only when the usage carries ``requests`` (otherwise the component is left out)."""
        for fp in sorted((f for f in fps if f.armor_policies), key=lambda f: f.owner):
            pool = f"gcp {fp.project} cloud-armor"
            pol, rule = self.table.rate(ARMOR_REGION, "armor_policy_month"), self.table.rate(ARMOR_REGION, "armor_rule_month")
            charges = [(f"Cloud Armor policies ({fp.armor_policies}): {fp.owner}", "policy-month", Decimal(fp.armor_policies), pol, "cloud_armor_policy"),
                       (f"Cloud Armor rules ({fp.armor_rules}): {fp.owner}", "rule-month", Decimal(fp.armor_rules), rule, "cloud_armor_rule")]
            requests = getattr(fp.usage, "requests", None) if fp.usage is not None else None
            if requests is not None:
                charges.append((f"Cloud Armor requests: {fp.owner}", "million requests", Decimal(requests) / MILLION, self.table.rate(ARMOR_REGION, "armor_requests_million"), "cloud_armor_requests"))
            for label, unit, qty, rate, kind in charges:
                if qty <= 0:
                    continue
                out.add(CostLine(pool, label, unit, qty, rate, rate.usd * qty, (fp.owner,), kind))
                by_owner[fp.owner] += cents(rate.usd * qty)

    def _price_certificates(self, out: Pricing, fps: list[Footprint], by_owner: dict) -> None:
        """Certificate Manager per project: the first :data:`FREE_CERTIFICATES` free (a $0 line),
        each further certificate per month (split by certificates per owner); certificate maps
        at $0. Lines appear even when their total is $0."""
        projects: dict[str, list[Footprint]] = defaultdict(list)
        for fp in fps:
            if fp.certificates or fp.certificate_maps:
                projects[fp.project].append(fp)
        for project, group in sorted(projects.items()):
            pool = f"gcp {project} certificate-manager"
            certs: dict[str, int] = defaultdict(int)
            maps: dict[str, int] = defaultdict(int)
            for fp in group:
                certs[fp.owner] += fp.certificates
                maps[fp.owner] += fp.certificate_maps
            total = sum(certs.values())
            owners = tuple(sorted(o for o in certs if certs[o]))
            weights = tuple(certs[o] for o in owners)
            if total:
                free = self.table.rate(ARMOR_REGION, "certificate_manager_first100_month")
                n_free = min(total, FREE_CERTIFICATES)
                out.add(CostLine(pool, f"Certificate Manager certificates 1-{n_free} of {total} (free)", "certificate-month", Decimal(n_free), free, free.usd * n_free, owners, "certificate", weights))
            if total > FREE_CERTIFICATES:
                rate = self.table.rate(ARMOR_REGION, "certificate_manager_certificate_month")
                qty = Decimal(total - FREE_CERTIFICATES)
                out.add(CostLine(pool, f"Certificate Manager certificates beyond {FREE_CERTIFICATES} ({total - FREE_CERTIFICATES})", "certificate-month", qty, rate, rate.usd * qty, owners, "certificate", weights))
                for owner, share in allocate(rate.usd * qty, {o: certs[o] for o in owners}).items():
                    by_owner[owner] += share
            map_owners = tuple(sorted(o for o in maps if maps[o]))
            if map_owners:
                rate = self.table.rate(ARMOR_REGION, "certificate_map_month")
                qty = Decimal(sum(maps.values()))
                out.add(CostLine(pool, f"Certificate maps ({qty})", "map-month", qty, rate, rate.usd * qty, map_owners, "certificate", tuple(maps[o] for o in map_owners)))
                for owner, share in allocate(rate.usd * qty, {o: maps[o] for o in map_owners}).items():
                    by_owner[owner] += share
            for owner in certs:
                by_owner[owner] += 0  # every owner is listed, even at $0


@dataclass
class GcpPricing(Pricing):
    """A GCP :class:`Pricing` with what :meth:`GcpPricer.reprice` copies from it: (project,
    region) -> (the pool's footprints, the pool's own pricing)."""

    pools: dict = field(default_factory=dict, compare=False, repr=False)


def _same(a: list, b: list) -> bool:
    """Whether ``a`` and ``b`` hold the very same objects in the same order."""
    return len(a) == len(b) and all(map(is_, a, b))


def _merge(out: Pricing, part: Pricing, by_owner: dict) -> None:
    """``part`` (one pool's pricing) appended to ``out`` as pricing its footprints in ``out``
    would have added it: lines, rates (first use first), notes, the owners' shares."""
    out.lines += part.lines
    out.rates.update(part.rates)
    out.notes += part.notes
    out.data_priced = out.data_priced or part.data_priced
    _add(by_owner, part.by_owner)


def _add(by_owner: dict, shares: dict) -> None:
    """``by_owner[owner] += share`` for every owner in ``shares``, the new owners in one
    ``update`` (``Decimal(0) + share`` is ``share``: shares are whole cents, never -0; sums of
    cents are exact, so grouping them by pool changes nothing)."""
    common = by_owner.keys() & shares.keys()  # an owner in several pools or lines (rare)
    summed = {owner: by_owner[owner] + shares[owner] for owner in common}
    by_owner.update(shares)
    if summed:
        by_owner.update(summed)


def armor_rule_count(policy: dict) -> int:
    """Rules of one Cloud Armor policy as planner's Pulumi program builds it: ``policy["rules"]``
    (a count or a list) when given, else one allow rule per :data:`ARMOR_RANGES_PER_RULE` source
    ranges plus the default-deny rule (12 ranges → 2 allow + 1 deny = 3 rules)."""
    rules = policy.get("rules")
    if isinstance(rules, int) and not isinstance(rules, bool):
        return max(0, rules)
    if isinstance(rules, (list, tuple)):
        return len(rules)
    ranges = len(policy.get("ranges") or [])
    return int((Decimal(ranges) / ARMOR_RANGES_PER_RULE).to_integral_value(rounding=ROUND_CEILING)) + 1


def certificate_counts(ep: dict) -> tuple[int, int]:
    """``(Certificate Manager certificates, certificate maps)`` an entrypoint creates, from
    ``ep["certificates"]`` (``{"name", "kind", "hosts"}``). Free kinds (a GKE Ingress's
    ``ManagedCertificate``, a Kubernetes ``Secret``, a classic Compute ``SslCertificate``) are
    not counted; a certificate without a kind is a ManagedCertificate on an Ingress and a
    Certificate Manager certificate on a Gateway. A Gateway with Certificate Manager
    certificates uses one certificate map."""
    default = "ManagedCertificate" if ep.get("kind") == "Ingress" else "certificate-manager"
    billed = 0
    for cert in ep.get("certificates") or []:
        kind = str((cert.get("kind") if isinstance(cert, dict) else None) or default)
        if kind.lower().replace("_", "-") not in FREE_CERT_KINDS:
            billed += 1
    return billed, 1 if billed and ep.get("kind") != "Ingress" else 0
