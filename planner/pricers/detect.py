"""Which cloud an inventory runs on, and which cloud the plan prices.

Evidence read from the objects (any one object is enough; each cloud's evidence is counted):

- aws: annotations ``service.beta.kubernetes.io/aws-*`` or ``alb.ingress.kubernetes.io/*``,
  ``spec.loadBalancerClass: service.k8s.aws/*`` or ``eks.amazonaws.com/*`` (EKS Auto Mode),
  Ingress class ``alb`` or ``eks.amazonaws.com/alb``, status hostnames
  ``*.elb.amazonaws.com`` / ``*.elb.<region>.amazonaws.com``;
- azure: annotations ``service.beta.kubernetes.io/azure-*``, Ingress class
  ``azure-application-gateway`` / ``webapprouting.kubernetes.azure.com``, status hostnames
  ``*.cloudapp.azure.com``;
- gcp: annotations ``cloud.google.com/*`` or ``networking.gke.io/*``, Ingress class
  ``gce`` / ``gce-internal`` set explicitly.

Choice (:func:`resolve_cloud`): the ``--cloud`` flag, else the clouds the fleet file names,
else the inventory's evidence, else ``gcp``. An explicit choice that disagrees with the evidence
wins, with a ``CLOUD_MISMATCH`` warn note. Evidence for several clouds without an explicit
choice is a ``CLOUD_AMBIGUOUS`` warn note and the cloud with most evidence (ties: gcp, aws,
azure) is used.
"""
from __future__ import annotations

import re
from collections import Counter

from planner.model import INFO, WARN, Inventory, Note, PlannerError

CLOUDS = ("gcp", "aws", "azure")
DEFAULT_CLOUD = "gcp"
#: NLB ``name.elb.<region>.amazonaws.com``; CLB / ALB ``name.<region>.elb.amazonaws.com``.
ELB_HOST = re.compile(r"\.elb\.([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$")


#: Annotation prefixes that show a cloud on a Service, in the order they are tried on each key.
_SERVICE_ANNOTATIONS = (("service.beta.kubernetes.io/aws-", "aws"), ("service.beta.kubernetes.io/azure-", "azure"),
                        ("cloud.google.com/", "gcp"), ("networking.gke.io/", "gcp"))
_ANY_SERVICE_ANNOTATION = tuple(prefix for prefix, _ in _SERVICE_ANNOTATIONS)


def _evidence_service(svc) -> str | None:
    for key in svc.annotations:
        if key.startswith(_ANY_SERVICE_ANNOTATION):  # one test for most keys, which show nothing
            return next(cloud for prefix, cloud in _SERVICE_ANNOTATIONS if key.startswith(prefix))
    if (svc.load_balancer_class or "").startswith(("service.k8s.aws/", "eks.amazonaws.com/")):
        return "aws"
    for addr in svc.status_addresses:
        a = addr.lower().rstrip(".")
        if "amazonaws.com" in a and ELB_HOST.search(a):  # the regex's literal part first: addresses are mostly IPs
            return "aws"
        if a.endswith(".cloudapp.azure.com"):
            return "azure"
    return None


def _evidence_ingress(ing) -> str | None:
    if ing.ingress_class in ("alb", "eks.amazonaws.com/alb", "ingress.k8s.aws/alb") or any(k.startswith("alb.ingress.kubernetes.io/") for k in ing.annotations):
        return "aws"
    if ing.ingress_class in ("azure-application-gateway", "webapprouting.kubernetes.azure.com") or any(k.startswith("appgw.ingress.kubernetes.io/") for k in ing.annotations):
        return "azure"
    explicit_gce = ing.annotations.get("kubernetes.io/ingress.class") in ("gce", "gce-internal")
    if explicit_gce or any(k.startswith(("cloud.google.com/", "networking.gke.io/", "ingress.gcp.kubernetes.io/")) for k in ing.annotations):
        return "gcp"
    return None


def detect_cloud(inv: Inventory) -> tuple[Counter, dict[str, str]]:
    """Evidence count per cloud and, per cloud, the first object (sorted) that shows it."""
    counts: Counter = Counter()
    first: dict[str, str] = {}
    for objects, evidence in ((inv.services, _evidence_service), (inv.ingresses, _evidence_ingress)):
        # the smallest key per cloud, in one pass: the first of that cloud in key order (a
        # stable sort keeps the earlier of equal keys, and so does the strict ``<``)
        lowest: dict[str, tuple] = {}  # cloud -> (key, position, cloud, object)
        for i, obj in enumerate(objects):
            cloud = evidence(obj)
            if cloud:
                counts[cloud] += 1
                best = lowest.get(cloud)
                if best is None or obj.key < best[0]:
                    lowest[cloud] = (obj.key, i, cloud, obj)
        for _, _, cloud, obj in sorted(lowest.values(), key=lambda b: b[:2]):  # services before ingresses
            first.setdefault(cloud, obj.ref)
    return counts, first


def resolve_cloud(inv: Inventory, flag: str | None = None, fleet_clouds: set[str] | None = None, fleet_name: str = "fleet file") -> tuple[str, str, list[Note]]:
    """``(cloud, reason, notes)`` for the plan. Deterministic; see the module docstring."""
    counts, first = detect_cloud(inv)
    notes: list[Note] = []
    seen = ", ".join(f"{c} ({counts[c]} object(s), e.g. {first[c]})" for c in CLOUDS if counts[c])
    if flag is not None and flag not in CLOUDS:
        raise PlannerError(f"--cloud {flag!r} is not one of {', '.join(CLOUDS)}")
    fleet = sorted(c for c in (fleet_clouds or set()) if c)
    for c in fleet:
        if c not in CLOUDS:
            raise PlannerError(f"{fleet_name}: cloud {c!r} is not one of {', '.join(CLOUDS)}")
    if len(fleet) > 1:
        raise PlannerError(f"{fleet_name}: clusters on several clouds ({', '.join(fleet)}); a plan prices one cloud: split the fleet file and run planner analyze once per cloud")
    if flag:
        cloud, reason = flag, f"--cloud {flag}"
    elif len(fleet) == 1:
        cloud, reason = fleet[0], f"fleet file (cloud: {fleet[0]})"
    else:
        cloud = reason = ""
    detected = [c for c in CLOUDS if counts[c]]
    if cloud:
        others = [c for c in detected if c != cloud]
        if others:
            notes.append(Note(WARN, "inputs", "CLOUD_MISMATCH", f"priced as {cloud} ({reason}) but the inventory shows {seen}; the explicit choice wins"))
        elif detected:
            reason += f"; the inventory agrees ({seen})"
        return cloud, reason, notes
    if not detected:
        return DEFAULT_CLOUD, "default: no cloud-specific annotation, class or hostname found in the inventory (use --cloud)", [
            Note(INFO, "inputs", "CLOUD_DEFAULTED", "no cloud-specific annotation, load balancer class or status hostname found; priced as gcp (use --cloud aws|azure otherwise)")
        ]
    best = min(detected, key=lambda c: (-counts[c], CLOUDS.index(c)))
    reason = f"detected from the inventory: {seen}"
    if len(detected) > 1:
        notes.append(Note(WARN, "inputs", "CLOUD_AMBIGUOUS", f"the inventory shows several clouds ({seen}); priced as {best} (most evidence); use --cloud to choose"))
    return best, reason, notes


def internal_elsewhere(svc) -> bool:
    """Is this Service internal by AWS's or Azure's annotations? (GKE's are read by the
    consolidation rules.) AWS: the scheme annotations, and the AWS Load Balancer Controller's
    default (internal) for controller-managed NLBs; Azure: ``azure-load-balancer-internal``."""
    cloud = _evidence_service(svc)
    if cloud == "aws":
        from planner.pricers.aws import classify_service

        lb_type, internal, _ = classify_service(svc)
        return internal and lb_type != "none"
    if cloud == "azure":
        from planner.pricers.azure import is_internal

        return is_internal(svc)
    return False
