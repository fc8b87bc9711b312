"""Every inventory source the ``analyze`` command accepts, assembled into one Inventory.

Order matters and is fixed: Kubernetes objects first (positional files, or ``--fleet``), then
usage (it names objects), then the gcloud listing (it matches objects and uses their IPs).
"""
from __future__ import annotations

from planner.inventory import check_namespace, read_inventory, reading_ahead
from planner.inventory.fleet import read_fleet
from planner.inventory.gcloud import read_forwarding_rules
from planner.inventory.routes import add_annotation_routes, read_routes_file
from planner.inventory.usage import read_usage
from planner.model import Cluster, Inventory, PlannerError


def add_source_arguments(p) -> None:
    """The source flags of ``planner analyze``."""
    p.add_argument("--fleet", default=None, metavar="FILE", help="YAML file listing several clusters (name, cloud, project, region, inventory, usage); replaces INVENTORY and --project/--region/--cluster")
    p.add_argument("-n", "--namespace", default=None, metavar="NS", help="namespace of manifests that name none, as kubectl/helm -n (default: 'default', noted per object); with --fleet use namespace: per cluster")
    p.add_argument("--usage", default=None, metavar="FILE", help="GiB in/out per month per service (CSV service,gib_in,gib_out or YAML), for data-processing charges")
    p.add_argument("--routes", default=None, metavar="FILE", help="YAML list of host/path routes you design (routes: [{host, path, service, port?, exact?, rewrite?}]): several services under one host, by path; with --fleet use routes: per cluster")
    p.add_argument("--gcp-forwarding-rules", default=None, metavar="FILE", dest="gcp_forwarding_rules", help="output of 'gcloud compute forwarding-rules list --format=json': exact rule counts and orphaned rules")


def assemble_inventory(args, default_paths: list[str], rate_table=None) -> Inventory:
    """Build the Inventory from parsed ``analyze`` arguments."""
    fleet = getattr(args, "fleet", None)
    if fleet:
        clash = [flag for flag, val in (("INVENTORY", args.inventory), ("--project", args.project), ("--region", args.region), ("--cluster", args.cluster), ("--namespace", getattr(args, "namespace", None))) if val]
        if clash:
            raise PlannerError(f"{fleet}: --fleet cannot be combined with {', '.join(clash)}; add those files as another cluster entry of the fleet file")
        inv, clusters = read_fleet(fleet)
        for fc in clusters:
            if fc.usage:
                read_usage(fc.usage, inv, default_cluster=fc.cluster.name)
        for fc in clusters:
            if fc.routes:
                read_routes_file(fc.routes, inv, default_cluster=fc.cluster.name)
        if getattr(args, "routes", None):
            raise PlannerError(f"{args.routes}: --routes cannot be combined with --fleet; give each cluster its own routes: file in {fleet}")
        default_cluster = None
    else:
        paths = args.inventory or default_paths
        cluster = Cluster(name=args.cluster or "main", cloud="gcp", project=args.project or "my-project", region=args.region or "us-central1")
        namespace = check_namespace(getattr(args, "namespace", None), "--namespace")
        with reading_ahead([(list(paths), cluster.name)]) as ahead:  # the second core, for many large files
            inv = read_inventory(paths, cluster, namespace=namespace, ahead=ahead)
        default_cluster = cluster.name
    if getattr(args, "usage", None):
        read_usage(args.usage, inv, default_cluster=default_cluster)
    if getattr(args, "routes", None):
        read_routes_file(args.routes, inv, default_cluster=default_cluster)
    add_annotation_routes(inv)  # planner.io/routes on Services the routes file does not name
    if getattr(args, "gcp_forwarding_rules", None):
        read_forwarding_rules(args.gcp_forwarding_rules, inv, rate_table)
    return inv
