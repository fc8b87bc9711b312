"""Command line: wires the stages together and turns user errors into one line + exit 2."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from planner import __version__
from planner.model import Cluster, PlannerError

EXIT_BAD_INPUT = 2


def _analyze_parser(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="price every LoadBalancer and write plan.json, report.html and a Pulumi program",
        description="Read Kubernetes inventories (kubectl get svc,ingress -A -o json|yaml, or manifests), price each "
        "load balancer, propose consolidation into Gateway/Ingress entrypoints and write DIR/plan.json, "
        "DIR/report.html and DIR/pulumi/. With no INVENTORY, the bundled demo is analysed.",
    )
    p.add_argument("inventory", nargs="*", metavar="INVENTORY", help="file, directory (read recursively) or - for stdin")
    p.add_argument("--out", default="reports", metavar="DIR", help="output directory (default: reports/)")
    p.add_argument("--project", default=None, metavar="ID", help="GCP project of the cluster (default: my-project)")
    p.add_argument("--region", default=None, metavar="REGION", help="region of the cluster (default: us-central1)")
    p.add_argument("--cluster", default=None, metavar="NAME", help="cluster name used in the plan (default: main)")
    p.add_argument("--strategy", default="gateway", choices=["gateway", "ingress"], help="gateway: one GKE Gateway per visibility; ingress: one GKE Ingress per namespace")
    p.add_argument("--domain", default="example.com", metavar="DOMAIN", help="domain for generated hostnames <name>.<namespace>.<domain> (default: example.com)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planner", description="Kubernetes load-balancer cost and migration planner")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _analyze_parser(sub)
    return parser


def _summary_lines(plan: dict) -> list[str]:
    s = plan["summary"]
    return [
        f"load balancers: {s['load_balancers_before']} -> {s['load_balancers_after']}  "
        f"(forwarding rules {s['forwarding_rules_before']} -> {s['forwarding_rules_after']})",
        f"monthly cost:   ${s['current_monthly_usd']:,.2f} -> ${s['proposed_monthly_usd']:,.2f}  "
        f"(savings ${s['savings_monthly_usd']:,.2f}/month; {s['data_processing']['message']})",
        f"services:       {s['services_consolidated']} consolidated, {s['services_kept']} kept, "
        f"{len(plan['entrypoints'])} new entrypoint(s) [{plan['inputs']['strategy']}]",
    ]


def cmd_analyze(args) -> int:
    from planner.consolidate import Options, build_plan
    from planner.inventory import read_inventory
    from planner.render import write_outputs
    from planner.resources import demo_inventory

    paths = args.inventory or [str(demo_inventory())]
    cluster = Cluster(name=args.cluster or "main", cloud="gcp", project=args.project or "my-project", region=args.region or "us-central1")
    inv = read_inventory(paths, cluster)
    if not inv.services and not inv.ingresses:
        counted = ", ".join(f"{n} {k}" for k, n in inv.kind_counts.items()) or "nothing"
        print(f"note: no Service or Ingress objects found (read {counted})", file=sys.stderr)
    plan = build_plan(inv, Options(strategy=args.strategy, domain=args.domain, files=inv.files))
    written = write_outputs(plan, Path(args.out))
    for line in _summary_lines(plan):
        print(line)
    levels = {lvl: sum(1 for n in plan["notes"] if n["level"] == lvl) for lvl in ("block", "warn", "info")}
    print(f"notes:          {levels['block']} block, {levels['warn']} warn, {levels['info']} info (see the report)")
    for n in plan["notes"]:
        if n["level"] == "block":
            print(f"  block {n['code']}: {n['object']}: {n['message']}")
    for label, path in written:
        print(f"wrote {label}: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            return cmd_analyze(args)
        parser.error(f"unknown command {args.command}")
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
