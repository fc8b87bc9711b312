"""Azure Standard Load Balancer as AKS uses it.

What AKS creates (PRICING-FACTS.md): one shared Standard LB per cluster named ``kubernetes``
(public frontends) and one named ``kubernetes-internal`` (private frontends, Services annotated
``service.beta.kubernetes.io/azure-load-balancer-internal: "true"``). Each LoadBalancer Service
adds a frontend IP configuration and one load-balancing rule per port and protocol.

Charges per load balancer (meters of catalog region ``Global``): the first 5 rules together a
flat hourly price, each further rule per hour, data processed per GB (in + out). Each public
frontend is a Standard static public IPv4 billed per hour in the cluster's region; private
frontends are free. Consolidation therefore saves rules beyond the 5th and public IPs, never a
whole load balancer.

Not in the inventory, so not counted: the outbound rule and outbound public IP AKS adds to the
``kubernetes`` LB when the cluster's outboundType is ``loadBalancer`` (same before and after, but
the rule can move the 5-rule tier by one; an ``AZURE_OUTBOUND_NOT_COUNTED`` note says so).

What consolidation would build on AKS: an in-cluster ingress controller (or Gateway
implementation) exposed by ONE LoadBalancer Service on the shared LB, listening on 80 and 443:
2 rules and 1 public IP (internal: 2 rules on ``kubernetes-internal``, no public IP).
Application Gateway (≈$0.246/h + capacity units, PRICING-FACTS marks it unsure) is the managed
alternative; it is not what the plan prices.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from planner.model import (
    HOURS_PER_MONTH,
    INFO,
    Cluster,
    CostLine,
    Footprint,
    Ingress,
    Note,
    Service,
    Usage,
)
from planner.pricers.base import Pricing, settle, tiered_rules
from planner.pricers.rates import RateTable, load_table

INTERNAL_ANN = "service.beta.kubernetes.io/azure-load-balancer-internal"
ENTRYPOINT_RULES = 2  # 80 and 443
METER_REGION = "global"


def is_internal(svc: Service) -> bool:
    return svc.annotations.get(INTERNAL_ANN, "").strip().lower() == "true"


def lb_name(cluster: str, internal: bool) -> str:
    return f"{cluster}/kubernetes-internal" if internal else f"{cluster}/kubernetes"


class AzurePricer:
    cloud = "azure"

    def __init__(self, table: RateTable | None = None):
        self.table = table or load_table("azure")

    def service_footprint(self, svc: Service, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A share of the cluster's shared LB: one rule per (port, protocol), one frontend IP."""
        internal = is_internal(svc)
        rules = len({(p.port, p.protocol) for p in svc.ports}) or 1
        return Footprint(
            owner=svc.ref, cloud="azure", project=cluster.project, region=cluster.region, kind="passthrough",
            forwarding_rules=rules, usage=usage, addresses=0 if internal else 1, lb_type="standard",
            group=lb_name(cluster.name, internal), internal=internal,
        )

    def ingress_footprint(self, ing: Ingress, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """Ingresses on AKS are served by a controller whose own LoadBalancer Service is what
        bills (priced as a Service) or by Application Gateway (not priced): None."""
        return None

    def gateway_footprint(self, gw, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """Gateway API on AKS (Application Gateway for Containers, or an in-cluster
        implementation behind its own Service) is not priced here: None."""
        return None

    def entrypoint_footprint(self, ep: dict, cluster: Cluster, usage: Usage | None) -> Footprint:
        """The proposed entrypoint = an ingress controller's one Service on the shared LB
        (2 rules for 80/443, 1 public IP when external)."""
        internal = bool(ep["internal"])
        return Footprint(
            owner=f"{ep['kind']} {ep['name']}", cloud="azure", project=cluster.project, region=cluster.region,
            kind="l7-internal" if internal else "l7", forwarding_rules=ENTRYPOINT_RULES, usage=usage,
            addresses=0 if internal else 1, lb_type="standard", group=lb_name(cluster.name, internal), internal=internal,
        )

    def data_rates(self, region: str) -> tuple[Decimal, Decimal]:
        r = self.table.rate(METER_REGION, "lb_data_gb").usd
        return (r, r)

    def price(self, footprints: list[Footprint]) -> Pricing:
        out = Pricing()
        lbs: dict[tuple[str, str], list[Footprint]] = defaultdict(list)
        for fp in footprints:
            lbs[(fp.region, fp.group or fp.owner)].append(fp)
        by_owner: dict[str, Decimal] = defaultdict(Decimal)  # exact; settled to cents once at the end
        first5 = self.table.rate(METER_REGION, "lb_rules_first5_hour")
        extra = self.table.rate(METER_REGION, "lb_rule_additional_hour")
        data = self.table.rate(METER_REGION, "lb_data_gb")
        for (region, lb), fps in sorted(lbs.items()):
            fps = sorted(fps, key=lambda f: f.owner)
            pool = f"azure {region} {lb}"
            owners = tuple(f.owner for f in fps)
            rules = sum(f.forwarding_rules for f in fps)
            lb_cost = tiered_rules(out, pool, "LB rules", rules, first5, extra, owners)
            for f in fps:
                by_owner[f.owner] += lb_cost * f.forwarding_rules / rules if rules else Decimal(0)
            ips = sum(f.addresses for f in fps)
            if ips:
                ip = self.table.rate(region, "public_ipv4_hour")
                qty = Decimal(ips) * HOURS_PER_MONTH
                out.add(CostLine(pool, f"Public IPv4 frontends ({ips})", "address-hour", qty, ip, ip.usd * qty, tuple(f.owner for f in fps if f.addresses)))
                for f in fps:
                    if f.addresses:
                        by_owner[f.owner] += ip.usd * f.addresses * HOURS_PER_MONTH
            for fp in fps:
                if fp.usage is None:
                    continue
                out.data_priced = True
                gb = fp.usage.gib_in + fp.usage.gib_out
                if gb <= 0:
                    continue
                cost = gb * data.usd
                out.add(CostLine(pool, f"Data processed (in + out): {fp.owner}", "GB", gb, data, cost, (fp.owner,)))
                by_owner[fp.owner] += cost
        if any(not f.internal for f in footprints):
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AZURE_OUTBOUND_NOT_COUNTED", "the outbound rule and outbound public IP AKS adds to the 'kubernetes' load balancer (outboundType loadBalancer) are not in the inventory and not counted; they bill the same before and after, but the outbound rule can move the 5-rule tier by one"))
        out.by_owner = settle(by_owner)
        return out
