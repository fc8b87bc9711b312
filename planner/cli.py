"""Command line: wires the stages together and turns user errors into one line + exit 2."""
from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from collections import Counter
from pathlib import Path

from planner import __version__
from planner.model import PlannerError

EXIT_BAD_INPUT = 2
MAX_LISTED = 10  # objects left out of the plan listed on the terminal (all are in the report)
# --domain: DNS labels of letters, digits and inner hyphens, at least two labels, 253 characters at most
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_domain(domain: str) -> str:
    """``--domain``: a DNS name generated hosts can end in, lower-cased; one line otherwise."""
    text = domain.strip().lower().rstrip(".")
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise PlannerError(f"--domain {domain[:60]!r}: not a DNS domain name (dot-separated labels of letters, digits and inner '-', e.g. example.com)")
    return text


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
    p.add_argument("--strategy", default="auto", choices=["auto", "gateway", "ingress"], help="gateway: one GKE Gateway per cluster and visibility; ingress: one GKE Ingress per namespace; auto (default): the cheapest feasible of the two")
    p.add_argument("--compare", action="store_true", help="build the plan for every strategy and print/report them side by side")
    p.add_argument("--keep-nonstandard-ports", action="store_true", help="keep services that clients reach on ports other than 80/443 instead of moving them with a warning")
    p.add_argument("--migrate-ingress-nginx", action="store_true", help="move ingress-nginx's Ingresses onto the cluster's Gateway and retire its controller's load balancer (ingress-nginx is end of maintenance since March 2026); per cluster in a fleet file: migrate_ingress_nginx: true")
    p.add_argument("--fold-ingresses", action=argparse.BooleanOptionalAction, default=True, help="fold existing GKE Ingresses into the new Gateway (default: yes)")
    p.add_argument("--min-savings", default="0", type=_usd_arg, metavar="USD", help="move a group of services (one new entrypoint) only when that saves more than USD per month (default: more than 0.00)")
    p.add_argument("--consolidate-anyway", action="store_true", help="move groups whose move saves nothing; the plan states what that costs")
    p.add_argument("--overlap-days", default=14, type=_days_arg, metavar="DAYS", help="days old and new load balancers run side by side (build and cutover) for migration_overlap_usd (default: 14)")
    p.add_argument("--proxy-instances", default=3, type=_days_arg, metavar="N", help="proxy instances priced per regional (internal) L7 entrypoint (default: 3, the claimed minimum; unsure)")
    p.add_argument("--domain", default=None, metavar="DOMAIN", help="domain for generated hostnames <name>.<namespace>.<domain> (default: example.com)")
    _format_argument(p)
    from planner.inventory.sources import add_source_arguments

    add_source_arguments(p)
    from planner.pricers.options import add_pricing_arguments

    add_pricing_arguments(p)


def _usd_arg(text: str):
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}")
    return value


def _days_arg(text: str) -> int:
    if not text.isdigit() or int(text) > 3650:
        raise argparse.ArgumentTypeError(f"not a number of days (0-3650): {text!r}")
    return int(text)


def _format_argument(p) -> None:
    from planner.render import FORMATS

    p.add_argument("--format", action="append", dest="formats", choices=list(FORMATS), metavar="FORMAT",
                   help=f"output format, repeatable: {', '.join(FORMATS)} (default: html and json; plan.json and the "
                   "Pulumi program are always written)")


def _render_parser(sub) -> None:
    p = sub.add_parser(
        "render",
        help="re-render the report, summaries and Pulumi program from a plan.json alone",
        description="Validate PLAN.json against the plan schema and write the chosen formats (and the Pulumi program) again.",
    )
    p.add_argument("plan", metavar="PLAN.json", help="a plan written by planner analyze")
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default: the plan's directory)")
    _format_argument(p)


def cmd_render(args) -> int:
    import json

    import jsonschema

    from planner.render import DEFAULT_FORMATS, jsonplan, write_outputs

    path = Path(args.plan)
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlannerError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PlannerError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PlannerError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    try:
        jsonplan.validate(plan)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise PlannerError(f"{path}: not a valid plan: {where}: {exc.message[:200]}") from None
    out = Path(args.out) if args.out else path.resolve().parent
    for label, written in write_outputs(plan, out, tuple(args.formats or DEFAULT_FORMATS)):
        print(f"wrote {label}: {written}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planner", description="Kubernetes load-balancer cost and migration planner")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _analyze_parser(sub)
    from planner.inventory.collect import add_parser as _collect_parser

    _collect_parser(sub)
    _render_parser(sub)
    from planner.pricers.options import add_prices_parser

    add_prices_parser(sub)
    return parser


def _summary_lines(plan: dict) -> list[str]:
    s = plan["summary"]
    return [
        f"load balancers: {s['load_balancers_before']} -> {s['load_balancers_after']}  "
        f"(forwarding rules {s['forwarding_rules_before']} -> {s['forwarding_rules_after']})",
        f"monthly cost:   ${s['current_monthly_usd']:,.2f} -> ${s['proposed_monthly_usd']:,.2f}  "
        f"(savings ${s['savings_monthly_usd']:,.2f}/month; {s['data_processing']['message']})",
    ] + _migration_lines(s) + [
        f"services:       {s['services_consolidated']} consolidated, {s['services_kept']} kept, "
        f"{len(plan['entrypoints'])} new entrypoint(s) [{_strategy_label(plan['inputs'])}]",
    ] + _traffic_lines(plan)


def _migration_lines(s: dict) -> list[str]:
    """Overlap and payback (plans written before they existed have neither)."""
    if "migration_overlap_usd" not in s:
        return []
    payback = f"pays back in {s['payback_days']:,.1f} days" if s.get("payback_days") is not None else "never pays back (the plan saves nothing)"
    return [f"migration:      ${s['migration_overlap_usd']:,.2f} extra while old and new run side by side for {s.get('overlap_days', 14)} days; {payback}"]


def _strategy_label(inputs: dict) -> str:
    requested = inputs.get("strategy_requested")
    if requested and requested != inputs["strategy"]:
        return f"{requested} -> {inputs['strategy']}"
    return inputs["strategy"]


def _traffic_lines(plan: dict) -> list[str]:
    """Without usage, the savings at 100 and 1,000 GiB per service per month (idle != bill)."""
    rows = [r for r in plan.get("traffic_scenarios") or [] if r["gib_per_service"]]
    if not rows or not plan["services"]:
        return []
    from planner.render.view import gib_text, loss_above

    parts = [f"{r['gib_per_service']:,} GiB/service/month saves ${r['savings_monthly_usd']:,.2f}" for r in rows]
    lines = ["with traffic:   " + "; ".join(parts).replace("saves $-", "costs $") + " (pass --usage FILE for real figures)"]
    gib = loss_above(plan)
    if gib is not None and plan["summary"]["savings_monthly_usd"] > 0:
        lines.append(f"                the saving turns into a loss above about {gib_text(gib)} GiB per moved service per month")
    return lines


def _comparison_lines(plan: dict) -> list[str]:
    """``--compare``: the strategies side by side, one column each."""
    rows = plan.get("comparison") or []
    if not rows:
        return []
    table = [
        ("strategy", [r["strategy"] + (" *" if r["chosen"] else "") for r in rows]),
        ("load balancers after", [str(r["load_balancers_after"]) for r in rows]),
        ("forwarding rules after", [str(r["forwarding_rules_after"]) for r in rows]),
        ("monthly cost after", [f"${r['proposed_monthly_usd']:,.2f}" for r in rows]),
        ("savings / month", [f"${r['savings_monthly_usd']:,.2f}" for r in rows]),
        ("warn / block notes", [f"{r['notes_warn']} / {r['notes_block']}" for r in rows]),
    ]
    width = max(len(label) for label, _ in table)
    cols = [max(len(v[i]) for _, v in table) for i in range(len(rows))]
    out = ["compare:"] + [f"  {label:<{width}}  " + "  ".join(f"{v:>{cols[i]}}" for i, v in enumerate(vals)) for label, vals in table]
    out.append(f"  (* chosen: {plan['inputs'].get('strategy_reason', plan['inputs']['strategy'])})")
    return out


def cmd_analyze(args) -> int:
    from planner.inventory import UNUSABLE_OBJECT_CODES
    from planner.consolidate import Options, build_plan
    from planner.render import EarlyProgram, write_outputs
    from planner.resources import demo_inventory

    from planner.inventory.sources import assemble_inventory
    from planner.pricers.rates import load_table

    domain_given = args.domain is not None  # the user's own domain: its generated hosts are real names
    args.domain = check_domain(args.domain if domain_given else "example.com")
    demo = demo_inventory()
    try:  # shown relative to the working directory when it is below it (stable plan.json)
        demo = demo.relative_to(Path.cwd())
    except ValueError:
        pass
    inv = assemble_inventory(args, [str(demo)], load_table("gcp"))
    if not inv.services and not inv.ingresses:
        counted = ", ".join(f"{n} {k}" for k, n in inv.kind_counts.items()) or "nothing"
        print(f"note: no usable Service or Ingress objects (read {counted}; see the notes below)", file=sys.stderr)
    from planner.pricers.options import apply_pricing_options

    pricing = apply_pricing_options(args, inv)  # cloud (flag / fleet / detected), --rates, --usage-default
    early = EarlyProgram()  # large plans: the Pulumi program renders beside the rest of the run
    try:
        plan = build_plan(inv, Options(strategy=args.strategy, domain=args.domain, domain_given=domain_given, files=inv.files, keep_nonstandard_ports=args.keep_nonstandard_ports, fold_ingresses=args.fold_ingresses, compare=args.compare, min_savings=args.min_savings, consolidate_anyway=args.consolidate_anyway, overlap_days=args.overlap_days, proxy_instances=args.proxy_instances, migrate_ingress_nginx=args.migrate_ingress_nginx, nginx_clusters=frozenset(inv.nginx_clusters), **pricing), ready=early)
        _LAST_RUN[:] = [inv, plan]
        written = write_outputs(plan, Path(args.out), tuple(args.formats or ("html", "json")), early)
    finally:
        early.cancel()  # the run failed before writing: the early program writes nothing
    for line in _summary_lines(plan):
        print(line)
    for line in _comparison_lines(plan):
        print(line)
    levels = Counter(n["level"] for n in plan["notes"])  # one pass over every note (100k+ on a large fleet)
    print(f"notes:          {levels['block']} block, {levels['warn']} warn, {levels['info']} info (see the report)")
    for n in plan["notes"]:
        if n["level"] == "block":
            print(f"  block {n['code']}: {n['object']}: {n['message']}")
    unusable = [n for n in plan["notes"] if n["code"] in UNUSABLE_OBJECT_CODES]
    for n in unusable[:MAX_LISTED]:
        print(f"  {n['level']} {n['code']}: {n['object']}: {n['message']}")
    if len(unusable) > MAX_LISTED:
        print(f"  ... and {len(unusable) - MAX_LISTED} more object(s) left out: see the report's notes")
    for label, path in written:
        print(f"wrote {label}: {path}")
    return 0


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command that ran, so a bad flag shows that command's usage."""
    found = parser
    for dest in ("command", "prices_command"):
        sub = next((a for a in found._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, dest, None)
        if sub is None or name not in sub.choices:
            break
        found = sub.choices[name]
    return found


#: the inventory and plan of the last ``analyze`` in this process. Freeing them (millions of
#: small objects) takes about a second at 100,000 services and changes nothing the user sees:
#: ``main`` returns without it and ``entry``, the ``planner`` command, exits without it. The
#: next in-process run replaces them, so at most one run's objects are kept.
_LAST_RUN: list = []


def entry() -> None:
    """The ``planner`` command: ``main``, then exit at once, once the output is flushed (every
    file is closed and every forked writer waited for by then), skipping the teardown of the
    run's objects."""
    rc = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        rc = rc or 1
    os._exit(rc)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # a typo'd flag: the usage of the command it was given to, not the top-level one
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    # planner builds millions of small objects that form no reference cycles: the cyclic
    # collector only re-scans them (about a quarter of the run time at 100k services, and a
    # higher peak RSS; see bench/). Off while a command runs, restored after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(parser, args)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "analyze":
            return cmd_analyze(args)
        if args.command == "prices":
            from planner.pricers.options import cmd_prices

            return cmd_prices(args)
        if args.command == "render":
            return cmd_render(args)
        if args.command == "collect":
            from planner.inventory.collect import run as cmd_collect

            return cmd_collect(args)
        parser.error(f"unknown command {args.command}")
    except PlannerError as exc:
        print("error: " + " ".join(str(exc).splitlines()), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    entry()
