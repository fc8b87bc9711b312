"""AWS Elastic Load Balancing as EKS creates it: Classic LB, Network LB, Application LB.

What EKS creates (PRICING-FACTS.md):

- ``Service type: LoadBalancer`` → the in-tree cloud provider's **Classic LB**, unless
  ``service.beta.kubernetes.io/aws-load-balancer-type`` says ``nlb`` (in-tree NLB) or
  ``external`` / ``nlb-ip`` (AWS Load Balancer Controller NLB), or ``spec.loadBalancerClass`` is
  ``service.k8s.aws/nlb`` (controller NLB). One load balancer per Service.
- Scheme: ``service.beta.kubernetes.io/aws-load-balancer-scheme: internal|internet-facing``,
  else the legacy ``...-internal: "true"``; else the controller's default (internal) for
  controller-managed NLBs and internet-facing for in-tree ones.
- EKS Auto Mode: ``spec.loadBalancerClass: eks.amazonaws.com/nlb`` is a real NLB (scheme from the
  same annotation, internal by default, like the controller's); an Ingress whose class is ``alb``,
  the controller name ``eks.amazonaws.com/alb``, or a name listed in the table setting
  ``alb_ingress_classes`` (IngressClasses whose ``spec.controller`` is ``eks.amazonaws.com/alb``
  or ``ingress.k8s.aws/alb``) is an ALB.
- AWS Load Balancer Controller v2.5+: its webhook sets ``loadBalancerClass`` on *new* LoadBalancer
  Services, so with the controller installed an unannotated Service becomes an (internal) NLB, not
  a Classic LB; planner prices what the inventory says and an ``AWS_LBC_WEBHOOK`` note says so.
- ``Ingress`` of class ``alb`` → an **ALB** per IngressGroup: Ingresses with the same
  ``alb.ingress.kubernetes.io/group.name`` in one cluster (any namespace) share one ALB; an
  Ingress without a group is its own group. Scheme from ``alb.ingress.kubernetes.io/scheme``
  (controller default: internal).

Charges per load balancer: the hourly price, capacity units, public IPv4 per address.

- Capacity units (LCU for ALB, NLCU for NLB) are billed per hour on the highest of four
  dimensions. planner prices the **processed-bytes dimension only** (1 GB/h = 1 unit) and
  assumes traffic spread evenly over the month, so LCU-hours = GB processed (in + out). This is
  a lower bound when connections or rule evaluations dominate, or traffic is bursty.
- Classic LB: $/GB processed, in + out.
- Public IPv4: one address per availability zone of an internet-facing LB. AZ count from
  ``service.beta.kubernetes.io/aws-load-balancer-subnets`` or ``...-eip-allocations`` (Service),
  ``alb.ingress.kubernetes.io/subnets`` (Ingress); otherwise 3 (EKS clusters usually span three
  AZs; an ``AWS_AZS_ASSUMED`` note says so). Internal LBs have no public address.

What consolidation would build on EKS: one ALB per cluster and visibility via an IngressGroup
(``planner-external`` / ``planner-internal``), so every proposed entrypoint of a cluster and
visibility shares one ALB hourly charge.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from planner.model import (
    HOURS_PER_MONTH,
    INFO,
    WARN,
    Cluster,
    CostLine,
    Footprint,
    Ingress,
    Note,
    Service,
    Usage,
)
from planner.pricers.base import Pricing, settle
from planner.pricers.rates import RateTable, load_table

DEFAULT_AZS = 3
LB_TYPE_ANN = "service.beta.kubernetes.io/aws-load-balancer-type"
SCHEME_ANN = "service.beta.kubernetes.io/aws-load-balancer-scheme"
INTERNAL_ANN = "service.beta.kubernetes.io/aws-load-balancer-internal"
SUBNETS_ANN = "service.beta.kubernetes.io/aws-load-balancer-subnets"
EIP_ANN = "service.beta.kubernetes.io/aws-load-balancer-eip-allocations"
NLB_CLASS = "service.k8s.aws/nlb"
AUTO_NLB_CLASS = "eks.amazonaws.com/nlb"
NLB_CLASSES = {NLB_CLASS: "aws-load-balancer-controller", AUTO_NLB_CLASS: "eks-auto-mode"}
ALB_CLASS = "alb"
AUTO_ALB_CONTROLLER = "eks.amazonaws.com/alb"
ALB_INGRESS_CLASSES = frozenset({ALB_CLASS, AUTO_ALB_CONTROLLER, "ingress.k8s.aws/alb"})
ALB_GROUP_ANN = "alb.ingress.kubernetes.io/group.name"
ALB_SCHEME_ANN = "alb.ingress.kubernetes.io/scheme"
ALB_SUBNETS_ANN = "alb.ingress.kubernetes.io/subnets"

LABEL = {"clb": "Classic LB", "nlb": "Network LB", "alb": "Application LB"}
HOURLY = {"clb": "clb_hour", "nlb": "nlb_hour", "alb": "alb_hour"}
UNITS = {"nlb": ("nlb_nlcu_hour", "NLCU-hour"), "alb": ("alb_lcu_hour", "LCU-hour")}


def _count_list(value: str | None) -> int:
    return len([x for x in (value or "").split(",") if x.strip()])


def classify_service(svc: Service) -> tuple[str, bool, str]:
    """``(lb_type, internal, manager)`` for a LoadBalancer Service on EKS.

    ``lb_type`` is ``clb``, ``nlb`` or ``none`` (a ``loadBalancerClass`` that is not AWS's);
    ``manager`` is ``in-tree``, ``aws-load-balancer-controller``, ``eks-auto-mode`` or the
    foreign class. Controller- and Auto-Mode-managed NLBs are internal unless the scheme says
    otherwise."""
    ann = {k: v.strip().lower() for k, v in svc.annotations.items()}
    cls = svc.load_balancer_class
    lb_type_ann = ann.get(LB_TYPE_ANN, "")
    if cls and cls not in NLB_CLASSES:
        return "none", False, cls
    if cls in NLB_CLASSES:
        lb_type, manager = "nlb", NLB_CLASSES[cls]
    elif lb_type_ann in ("external", "nlb-ip"):
        lb_type, manager = "nlb", "aws-load-balancer-controller"
    elif lb_type_ann == "nlb":
        lb_type, manager = "nlb", "in-tree"
    else:
        lb_type, manager = "clb", "in-tree"
    if SCHEME_ANN in ann:
        internal = ann[SCHEME_ANN] == "internal"
    elif INTERNAL_ANN in ann:
        internal = ann[INTERNAL_ANN] in ("true", "0.0.0.0/0")
    else:
        internal = manager != "in-tree"
    return lb_type, internal, manager


def is_alb_ingress(ing: Ingress, classes: frozenset[str] = ALB_INGRESS_CLASSES) -> bool:
    """An Ingress the AWS Load Balancer Controller or EKS Auto Mode serves with an ALB."""
    return ing.ingress_class in classes


class AwsPricer:
    cloud = "aws"

    def __init__(self, table: RateTable | None = None):
        self.table = table or load_table("aws")
        extra = self.table.settings.get("alb_ingress_classes") or []
        self.alb_classes = ALB_INGRESS_CLASSES | frozenset(str(c) for c in extra)

    # --- footprints ----------------------------------------------------------------------
    def service_footprint(self, svc: Service, cluster: Cluster, usage: Usage | None) -> Footprint:
        """One Classic LB or NLB per Service; ``forwarding_rules`` counts its listeners."""
        lb_type, internal, _ = classify_service(svc)
        azs = _count_list(svc.annotations.get(SUBNETS_ANN)) or _count_list(svc.annotations.get(EIP_ANN))
        return Footprint(
            owner=svc.ref, cloud="aws", project=cluster.project, region=cluster.region,
            kind="passthrough", forwarding_rules=len({(p.port, p.protocol) for p in svc.ports}) or 1,
            usage=usage, addresses=0 if internal or lb_type == "none" else (azs or DEFAULT_AZS),
            lb_type=lb_type, group="", internal=internal, azs=azs,
        )

    def ingress_footprint(self, ing: Ingress, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """An ``alb`` Ingress → a share of its IngressGroup's ALB; other classes: None."""
        if not is_alb_ingress(ing, self.alb_classes):
            return None
        group = ing.annotations.get(ALB_GROUP_ANN, "").strip()
        internal = ing.annotations.get(ALB_SCHEME_ANN, "internal").strip().lower() != "internet-facing"
        azs = _count_list(ing.annotations.get(ALB_SUBNETS_ANN))
        key = f"{cluster.name}/group {group}" if group else f"{cluster.name}/{ing.namespace}/{ing.name}"
        return Footprint(
            owner=ing.ref, cloud="aws", project=cluster.project, region=cluster.region, kind="l7-internal" if internal else "l7",
            forwarding_rules=2 if ing.has_tls else 1, usage=usage, addresses=0 if internal else (azs or DEFAULT_AZS),
            lb_type="alb", group=key, internal=internal, azs=azs,
        )

    def gateway_footprint(self, gw, cluster: Cluster, usage: Usage | None) -> Footprint | None:
        """Gateway API on EKS (VPC Lattice, or the controller's ALB/NLB gateway classes) is not
        priced by planner: None (consolidation notes it GATEWAY_NOT_PRICED)."""
        return None

    def entrypoint_footprint(self, ep: dict, cluster: Cluster, usage: Usage | None) -> Footprint:
        """A proposed entrypoint = a share of one ALB per cluster and visibility (IngressGroup
        ``planner-external`` / ``planner-internal``)."""
        internal = bool(ep["internal"])
        vis = "internal" if internal else "external"
        return Footprint(
            owner=f"{ep['kind']} {ep['name']}", cloud="aws", project=cluster.project, region=cluster.region,
            kind="l7-internal" if internal else "l7", forwarding_rules=ep["forwarding_rules"], usage=usage,
            addresses=0 if internal else DEFAULT_AZS, lb_type="alb", group=f"{cluster.name}/group planner-{vis}", internal=internal,
        )

    def data_rates(self, region: str) -> tuple[Decimal, Decimal]:
        """Per-GiB processing figures for the summary text: ALB LCU price per GB (1 LCU = 1 GB/h)."""
        r = self.table.rate(region, "alb_lcu_hour").usd
        return (r, r)

    # --- prices ---------------------------------------------------------------------------
    def price(self, footprints: list[Footprint]) -> Pricing:
        out = Pricing()
        lbs: dict[tuple[str, str], list[Footprint]] = defaultdict(list)
        for fp in footprints:
            lbs[(fp.region, fp.group or fp.owner)].append(fp)
        by_owner: dict[str, Decimal] = defaultdict(Decimal)  # exact; settled to cents once at the end
        assumed_azs = False
        for (region, ident), fps in sorted(lbs.items()):
            fps = sorted(fps, key=lambda f: f.owner)
            lb_type = fps[0].lb_type or "nlb"
            owners = tuple(f.owner for f in fps)
            if lb_type == "none":
                for fp in fps:
                    by_owner[fp.owner] += 0
                    out.notes.append(Note(WARN, fp.owner, "AWS_LB_CLASS_NOT_PRICED", "spec.loadBalancerClass names a controller other than AWS's; no AWS load balancer is priced for it"))
                continue
            pool = f"aws {region} {LABEL[lb_type]} {ident}"
            fixed = Decimal(0)
            hourly = self.table.rate(region, HOURLY[lb_type])
            cost = hourly.usd * HOURS_PER_MONTH
            weights = tuple(f.forwarding_rules for f in fps)
            out.add(CostLine(pool, f"{LABEL[lb_type]} hours", "hour", HOURS_PER_MONTH, hourly, cost, owners, "lb_hour", weights))
            fixed += cost
            ips = max(fp.addresses for fp in fps)
            if ips:
                if not any(fp.azs for fp in fps):
                    assumed_azs = True
                ip = self.table.rate(region, "public_ipv4_hour")
                qty = Decimal(ips) * HOURS_PER_MONTH
                out.add(CostLine(pool, f"Public IPv4 addresses ({ips}, one per AZ)", "address-hour", qty, ip, ip.usd * qty, owners, "public_ipv4", weights))
                fixed += ip.usd * qty
            weight = sum(f.forwarding_rules for f in fps)
            for f in fps:
                by_owner[f.owner] += fixed * f.forwarding_rules / weight
            for fp in fps:
                if fp.usage is None:
                    continue
                out.data_priced = True
                if lb_type == "clb":
                    # Classic: $/GB processed, each direction its own component
                    rate = self.table.rate(region, "clb_data_gb")
                    for label, gb, kind in (("Data processed (in)", fp.usage.gib_in, "data_processing_in"), ("Data processed (out)", fp.usage.gib_out, "data_processing_out")):
                        if gb > 0:
                            out.add(CostLine(pool, f"{label}: {fp.owner}", "GB", gb, rate, gb * rate.usd, (fp.owner,), kind))
                            by_owner[fp.owner] += gb * rate.usd
                    continue
                gb = fp.usage.gib_in + fp.usage.gib_out
                if gb <= 0:
                    continue
                key, unit = UNITS[lb_type]
                rate, label = self.table.rate(region, key), f"{unit.split('-')[0]}s from data processed (1 GB/h each; bytes dimension only)"
                cost = gb * rate.usd
                out.add(CostLine(pool, f"{label}: {fp.owner}", unit, gb, rate, cost, (fp.owner,), "lcu" if lb_type == "alb" else "nlcu"))
                by_owner[fp.owner] += cost
        if assumed_azs:
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AWS_AZS_ASSUMED", f"internet-facing load balancers without a subnets / EIP annotation are priced in {DEFAULT_AZS} availability zones ({DEFAULT_AZS} public IPv4 addresses each)"))
        if any(fp.lb_type == "clb" for fp in footprints):
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AWS_LBC_WEBHOOK", "Services without a load-balancer type annotation or class are priced as Classic LBs (the in-tree controller); with the AWS Load Balancer Controller v2.5+ installed, its webhook sets loadBalancerClass service.k8s.aws/nlb on new LoadBalancer Services, which then become NLBs (internal by default); existing Services keep their load balancer"))
        if out.data_priced:
            out.notes.append(Note(INFO, f"rates {self.table.name}", "AWS_CAPACITY_UNITS_BYTES_ONLY", "ALB LCUs and NLB NLCUs are priced from processed bytes only (1 GB/h per unit, traffic spread evenly); new connections, active connections or rule evaluations can bill more"))
        out.by_owner = settle(by_owner)
        return out
