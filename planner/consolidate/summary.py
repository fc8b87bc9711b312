"""Step 7, the summary and the plan document (notes sorted once, runbook, pricing extras)."""
from __future__ import annotations

from planner import __version__
from planner.consolidate.entries import ExistingItem, Options, usd
from planner.consolidate.pricing import Priced
from planner.consolidate.runbook import runbook
from planner.model import Inventory, Note

SCHEMA_VERSION = "1.0"
LEVEL_ORDER = {"block": 0, "warn": 1, "info": 2}
LEVELS = {v: k for k, v in LEVEL_ORDER.items()}


def _data_processing(ev, inv: Inventory, priced: Priced) -> dict:
    regions = sorted({c.region for c in inv.clusters.values()}) or ["us-central1"]
    rin, rout = ev.pricer.data_rates(regions[0])
    priced_data = priced.before.data_priced or priced.after.data_priced
    if priced_data:
        message = "data processing priced from usage"
    else:
        message = f"plus data processing at ${rin}/GiB inbound (and ${rout}/GiB outbound through Application LBs)"
    return {"priced": priced_data, "message": message, "inbound_usd_per_gib": float(rin), "outbound_usd_per_gib": float(rout)}


def summary(ev, services: list[dict], items: list[ExistingItem], gateways: list[tuple], entrypoints: list[dict], priced: Priced) -> dict:
    inv = ev.inv
    current_total, proposed_total = priced.before.total, priced.after.total
    n_cons = sum(1 for s in services if s["decision"] == "consolidate")
    priced_existing = sum(1 for x in items if x.fp is not None) + sum(1 for _, gfp in gateways if gfp is not None)
    n_folded = sum(1 for x in items if x.fp is not None and x.decision == "fold")
    n_lbs = len(ev.lbs)
    return {
        "current_monthly_usd": usd(current_total),
        "proposed_monthly_usd": usd(proposed_total),
        "savings_monthly_usd": usd(current_total - proposed_total),
        "load_balancers_before": n_lbs + priced_existing,
        "load_balancers_after": (n_lbs - n_cons) + (priced_existing - n_folded) + len(entrypoints),
        "forwarding_rules_before": sum(fp.forwarding_rules for fp in priced.current_fps),
        "forwarding_rules_after": sum(fp.forwarding_rules for fp in priced.proposed_fps),
        "services_total": len(services),
        "services_consolidated": n_cons,
        "services_kept": len(services) - n_cons,
        "data_processing": _data_processing(ev, inv, priced),
        "objects_read": dict(inv.kind_counts),
    }


def note_dicts(notes: list[Note]) -> list[dict]:
    """The notes once each, by level, object, code, message (a Note is equal to another with
    the same four fields, so its sort key is a unique key). Deduplicated in their own order,
    not through a set: they come in long sorted runs (services' notes in entries' order),
    which the sort merges instead of sorting 100,000s of keys from scratch."""
    keys = sorted(dict.fromkeys([(LEVEL_ORDER[n.level], n.object, n.code, n.message) for n in notes]))
    return [{"level": LEVELS[lv], "object": obj, "code": code, "message": msg} for lv, obj, code, msg in keys]


def skeleton(ev, opts: Options, strategy: str, sections: dict) -> dict:
    """The plan of ``sections`` (summary, services, existing_entrypoints, entrypoints,
    dns_changes, nginx_migration) with its inputs and clusters: every key in its place, in
    order, its costs, rates, phases, leftover addresses, notes and runbook still to come
    (:func:`write_down`, after the money). The Pulumi program reads nothing of those."""
    inv = ev.inv
    plan = {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "planner", "version": __version__},
        "inputs": {
            "files": list(inv.files), "strategy": strategy, "strategy_requested": strategy, "domain": opts.domain, "domain_given": opts.domain_given, "cloud": opts.cloud, "cloud_reason": opts.cloud_reason,
            "options": {"keep_nonstandard_ports": opts.keep_nonstandard_ports, "fold_ingresses": opts.fold_ingresses, "compare": opts.compare},
        },
        "summary": sections["summary"],
        "clusters": [{"name": c.name, "cloud": c.cloud, "project": c.project, "region": c.region} for c in sorted(inv.clusters.values(), key=lambda c: c.name)],
        "services": sections["services"],
        "existing_entrypoints": sections["existing_entrypoints"],
        "entrypoints": sections["entrypoints"],
        "costs": None,
        "rates": None,
        "dns_changes": sections["dns_changes"],
        "phases": None,
        "leftover_addresses": None,
        "runbook": [],
        "notes": None,
    }
    if "nginx_migration" in sections:  # --migrate-ingress-nginx
        plan["nginx_migration"] = sections["nginx_migration"]
        plan["inputs"]["options"]["migrate_ingress_nginx"] = True
    return plan


def write_down(plan: dict, priced: Priced, notes: list[Note]) -> dict:
    """The plan's costs, rates, notes and runbook (the runbook reads the entrypoints, the
    services, the existing entrypoints, the clusters, the DNS changes and the ingress-nginx
    rows: all in the skeleton)."""
    before, after = priced.before, priced.after
    plan["costs"] = {"current": [line.to_dict() for line in before.lines], "proposed": [line.to_dict() for line in after.lines]}
    plan["rates"] = [r.to_dict() for r in sorted({**before.rates, **after.rates}.values(), key=lambda r: r.key)]
    plan["notes"] = note_dicts(notes)
    plan["runbook"] = runbook(plan)
    return plan
