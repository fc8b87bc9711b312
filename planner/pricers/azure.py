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

Outbound: with outboundType ``loadBalancer`` (AKS's default) the ``kubernetes`` LB carries an
outbound rule and an outbound public IP that are not in the inventory. The outbound rule counts in
the rule tiers (PRICING-FACTS audit), so every cluster seen gets an ``AKS outbound <cluster>``
owner on its public LB with ``aks_outbound_rules`` rules (default 1) and ``aks_outbound_ips``
public IPs (default 1), on both sides of the plan. Set them in the rate table's ``settings``
(0 for clusters with outboundType userDefinedRouting / NAT gateway) or with the constructor's
``outbound_rules`` / ``outbound_ips``; an ``AZURE_OUTBOUND_COUNTED`` note states the figures
(``AZURE_OUTBOUND_NOT_COUNTED`` when set to 0).

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
OUTBOUND_RULES = 1  # AKS default outbound rule on the 'kubernetes' LB (outboundType loadBalancer)
OUTBOUND_IPS = 1


def is_internal(svc: Service) -> bool:
    return svc.annotations.get(INTERNAL_ANN, "").strip().lower() == "true"


def lb_name(cluster: str, internal: bool) -> str:
    return f"{cluster}/kubernetes-internal" if internal else f"{cluster}/kubernetes"


class AzurePricer:
    cloud = "azure"

    def __init__(self, table: RateTable | None = None, outbound_rules: int | None = None, outbound_ips: int | None = None):
        self.table = table or load_table("azure")
        settings = self.table.settings
        self.outbound_rules = int(settings.get("aks_outbound_rules", OUTBOUND_RULES) if outbound_rules is None else outbound_rules)
        self.outbound_ips = int(settings.get("aks_outbound_ips", OUTBOUND_IPS) if outbound_ips is None else outbound_ips)

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

    def outbound_footprint(self, cluster: str, project: str, region: str) -> Footprint:
        """The outbound rule(s) and IP(s) AKS puts on a cluster's public ``kubernetes`` LB."""
        return Footprint(owner=f"AKS outbound {cluster}", cloud="azure", project=project, region=region, kind="passthrough",
                         forwarding_rules=self.outbound_rules, addresses=self.outbound_ips, lb_type="standard", group=lb_name(cluster, False))

    def price(self, footprints: list[Footprint]) -> Pricing:
        out = Pricing()
        lbs: dict[tuple[str, str], list[Footprint]] = defaultdict(list)
        clusters: dict[str, tuple[str, str]] = {}
        for fp in footprints:
            lbs[(fp.region, fp.group or fp.owner)].append(fp)
            if fp.group:
                clusters.setdefault(fp.group.rsplit("/", 1)[0], (fp.project, fp.region))
        if self.outbound_rules or self.outbound_ips:
            for name, (project, region) in sorted(clusters.items()):
                lbs[(region, lb_name(name, False))].append(self.outbound_footprint(name, project, region))
        by_owner: dict[str, Decimal] = defaultdict(Decimal)  # exact; settled to cents once at the end
        first5 = self.table.rate(METER_REGION, "lb_rules_first5_hour")
        extra = self.table.rate(METER_REGION, "lb_rule_additional_hour")
        data = self.table.rate(METER_REGION, "lb_data_gb")
        for (region, lb), fps in sorted(lbs.items()):
            fps = sorted(fps, key=lambda f: f.owner)
            pool = f"azure {region} {lb}"
            owners = tuple(f.owner for f in fps)
            rules = sum(f.forwarding_rules for f in fps)
            lb_cost = tiered_rules(out, pool, "LB rules", rules, first5, extra, owners, "lb_rule", tuple(f.forwarding_rules for f in fps))
            for f in fps:
                by_owner[f.owner] += lb_cost * f.forwarding_rules / rules if rules else Decimal(0)
            ips = sum(f.addresses for f in fps)
            if ips:
                ip = self.table.rate(region, "public_ipv4_hour")
                qty = Decimal(ips) * HOURS_PER_MONTH
                out.add(CostLine(pool, f"Public IPv4 frontends ({ips})", "address-hour", qty, ip, ip.usd * qty, tuple(f.owner for f in fps if f.addresses), "public_ipv4", tuple(f.addresses for f in fps if f.addresses)))
                for f in fps:
                    if f.addresses:
                        by_owner[f.owner] += ip.usd * f.addresses * HOURS_PER_MONTH
            for fp in fps:
                if fp.usage is None:
                    continue
                out.data_priced = True
                for label, gb, kind in (("Data processed (in)", fp.usage.gib_in, "data_processing_in"), ("Data processed (out)", fp.usage.gib_out, "data_processing_out")):
                    if gb > 0:
                        out.add(CostLine(pool, f"{label}: {fp.owner}", "GB", gb, data, gb * data.usd, (fp.owner,), kind))
                        by_owner[fp.owner] += gb * data.usd
        if clusters and (self.outbound_rules or self.outbound_ips):
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AZURE_OUTBOUND_COUNTED", f"each cluster's 'kubernetes' load balancer carries {self.outbound_rules} outbound rule(s) and {self.outbound_ips} outbound public IP(s) (outboundType loadBalancer; not in the inventory), priced on both sides as 'AKS outbound <cluster>': the outbound rule counts in the 5-rule tier; set aks_outbound_rules / aks_outbound_ips in the rate table's settings (0 for userDefinedRouting or a NAT gateway)"))
        elif clusters:
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AZURE_OUTBOUND_NOT_COUNTED", "aks_outbound_rules and aks_outbound_ips are 0 in the rate table's settings: no outbound rule or outbound IP is counted on the clusters' 'kubernetes' load balancers"))
        out.by_owner = settle(by_owner)
        return out
