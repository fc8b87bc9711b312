"""GCP Cloud Load Balancing: forwarding rules priced by pool, plus data processing.

Billing shape (PRICING-FACTS.md): the first 5 forwarding rules of a project in one region
cost a flat hourly charge together; each further rule is charged per hour. Global rules pool
separately. Passthrough Network LBs charge inbound data only; Application LBs (l7) charge
inbound and outbound.

Static external IPv4: free while a forwarding rule uses it; a footprint with
``lb_type="address"`` (``addresses`` = count, ``forwarding_rules`` = 0) is a reserved address
that nothing uses, billed per hour. Regional internal Application LBs are priced by their
forwarding rules and data processing; the per-proxy-instance charge Google lists for Envoy-based
regional LBs is not in the rate table, which a ``GCP_PROXY_CHARGE_UNPRICED`` note says.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from planner.model import (
    HOURS_PER_MONTH,
    WARN,
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



class GcpPricer:
    cloud = "gcp"

    def __init__(self, table: RateTable | None = None):
        self.table = table or load_table("gcp")

    # --- what each object costs as a load balancer (footprints) ---------------------------
    def service_footprint(self, svc: Service, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A GKE LoadBalancer Service: one regional forwarding rule per protocol."""
        rules = max(1, len({p.protocol for p in svc.ports}))
        return Footprint(owner=svc.ref, cloud="gcp", project=cluster.project, region=cluster.region, kind="passthrough", forwarding_rules=rules, usage=usage)

    def ingress_footprint(self, ing: Ingress, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """A GKE Ingress: class gce → global external ALB; gce-internal → regional internal ALB.
        One forwarding rule for HTTP, a second when TLS is set. Other classes: None."""
        rules = 2 if ing.has_tls else 1
        if ing.ingress_class == "gce":
            return Footprint(owner=ing.ref, cloud="gcp", project=cluster.project, region="global", kind="l7", forwarding_rules=rules, usage=usage)
        if ing.ingress_class == "gce-internal":
            return Footprint(owner=ing.ref, cloud="gcp", project=cluster.project, region=cluster.region, kind="l7-internal", forwarding_rules=rules, usage=usage)
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
        ``global``, regional ones in the cluster's region. Other classes (Istio, …): None."""
        where = self.GATEWAY_CLASSES.get(gw.gateway_class)
        if where is None:
            return None
        scope, kind = where
        rules = max(1, len({lst.port for lst in gw.listeners}))
        return Footprint(owner=gw.ref, cloud="gcp", project=cluster.project, region="global" if scope == "global" else cluster.region, kind=kind, forwarding_rules=rules, usage=usage, addresses=1)

    def entrypoint_footprint(self, ep: dict, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A new entrypoint of the plan: global external ALB, or regional internal ALB."""
        return Footprint(owner=f"{ep['kind']} {ep['name']}", cloud="gcp", project=cluster.project, region=cluster.region if ep["internal"] else "global", kind="l7-internal" if ep["internal"] else "l7", forwarding_rules=ep["forwarding_rules"], usage=usage)

    def data_rates(self, region: str) -> tuple[Decimal, Decimal]:
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
            rk = (fp.region, l7)
            pair = rates.get(rk)
            if pair is None:
                region = fp.region
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
        out = Pricing()
        pools: dict[tuple[str, str], list[Footprint]] = defaultdict(list)
        for fp in footprints:
            pools[(fp.project, fp.region)].append(fp)
        by_owner: dict[str, Decimal] = defaultdict(Decimal)
        for (project, region), fps in sorted(pools.items()):
            pool = f"gcp {project} {region}"
            reserved = [fp for fp in fps if fp.lb_type == "address"]
            fps = [fp for fp in fps if fp.lb_type != "address"]
            for fp in sorted(reserved, key=lambda f: f.owner):
                rate = self.table.rate(region, "address_reserved_unused_hour")
                qty = Decimal(fp.addresses) * HOURS_PER_MONTH
                out.add(CostLine(pool, f"Reserved static IPv4 not in use ({fp.addresses}): {fp.owner}", "address-hour", qty, rate, rate.usd * qty, (fp.owner,)))
                by_owner[fp.owner] += cents(rate.usd * qty)
            if not fps:
                continue
            if any(fp.kind == "l7-internal" for fp in fps):
                out.notes.append(Note(WARN, f"rates {self.table.name}", "GCP_PROXY_CHARGE_UNPRICED", f"regional internal Application LBs in {region} are priced by forwarding rules and data processing only; Google also lists a per-proxy-instance hourly charge for Envoy-based regional LBs that this rate table does not source (unsure)"))
            first5 = self.table.rate(region, "forwarding_rule_first5")
            extra = self.table.rate(region, "forwarding_rule_additional")
            rules = sum(fp.forwarding_rules for fp in fps)
            owners = tuple(sorted({fp.owner for fp in fps}))
            pool_cost = tiered_rules(out, pool, "forwarding rules", rules, first5, extra, owners)
            weights: dict[str, int] = defaultdict(int)
            for fp in fps:
                weights[fp.owner] += fp.forwarding_rules
            for owner, share in allocate(pool_cost, dict(weights)).items():
                by_owner[owner] += share
            # data processing, per footprint (every owner of the pool already has its share
            # of the rules above, so footprints without usage add nothing)
            for fp in sorted([fp for fp in fps if fp.usage is not None], key=lambda f: f.owner):
                out.data_priced = True
                # an imported catalog may carry the passthrough NLB's own inbound SKU
                rin = (not fp.kind.startswith("l7") and self.table.find(region, "passthrough_data_inbound_gib")) or self.table.rate(region, "data_inbound_gib")
                charges = [("Inbound data processing", fp.usage.gib_in, rin)]
                if fp.kind.startswith("l7"):
                    rout = self.table.rate(region, "data_outbound_gib")
                    charges.append(("Outbound data processing", fp.usage.gib_out, rout))
                for label, gib, rate in charges:
                    if gib <= 0:
                        continue
                    cost = gib * rate.usd
                    out.rates[rate.key] = rate
                    out.lines.append(CostLine(pool, f"{label}: {fp.owner}", "GiB", gib, rate, cost, (fp.owner,)))
                    by_owner[fp.owner] += cents(cost)
        out.by_owner = dict(sorted(by_owner.items()))
        return out
