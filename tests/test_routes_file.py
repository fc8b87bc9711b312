"""Designed routes (--routes FILE, planner.io/routes): what the reader accepts and the one-line
errors it gives, each naming the file and line."""
from __future__ import annotations

import pytest

from planner.inventory.routes import add_annotation_routes, path_problem, read_routes_file
from planner.model import Cluster, Inventory, PlannerError, Port, Service, Source


def svc(name: str, ns: str = "shop", ports=(80,), annotations=None) -> Service:
    return Service("main", ns, name, "LoadBalancer", tuple(Port(p, "TCP", "http") for p in ports), Source("inv.yaml", 1), annotations=annotations or {})


def inventory(*services: Service) -> Inventory:
    inv = Inventory(clusters={"main": Cluster("main")})
    inv.services.extend(services)
    return inv


def write(tmp_path, text: str):
    f = tmp_path / "routes.yaml"
    f.write_text(text)
    return str(f)


THREE = """\
routes:
  - host: api.example.com
    path: /orders
    service: shop/orders
    rewrite: /
  - host: api.example.com
    path: /users
    service: shop/users
    port: 8080
  - host: api.example.com
    path: /health
    exact: true
    service: shop/status
"""


def test_three_services_under_one_host(tmp_path):
    inv = inventory(svc("orders"), svc("users", ports=(80, 8080)), svc("status"))
    path = write(tmp_path, THREE)
    read_routes_file(path, inv)
    got = [(r.host, r.path, r.path_type, r.service, r.port, r.rewrite, r.source, r.where) for r in inv.designed_routes]
    assert got == [
        ("api.example.com", "/orders", "PathPrefix", ("main", "shop", "orders"), None, "/", "routes-file", f"{path}:2"),
        ("api.example.com", "/users", "PathPrefix", ("main", "shop", "users"), 8080, None, "routes-file", f"{path}:6"),
        ("api.example.com", "/health", "Exact", ("main", "shop", "status"), None, None, "routes-file", f"{path}:10"),
    ]


def _error(tmp_path, text: str, inv: Inventory | None = None) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PlannerError) as err:
        read_routes_file(path, inv or inventory(svc("orders"), svc("users")))
    msg = str(err.value)
    assert "\n" not in msg
    return msg.replace(path, "FILE")


def test_same_host_and_path_twice_names_both_lines(tmp_path):
    text = "routes:\n  - {host: a.example.com, path: /x, service: shop/orders}\n  - {host: a.example.com, path: /x, service: shop/users}\n"
    assert _error(tmp_path, text) == "FILE:3: host a.example.com path /x is already routed by FILE:2"


def test_service_not_in_inventory(tmp_path):
    text = "routes:\n  - {host: a.example.com, path: /x, service: shop/nope}\n"
    assert _error(tmp_path, text) == "FILE:2: service main/shop/nope is not a LoadBalancer Service in the inventory"


@pytest.mark.parametrize("path, why", [
    ("orders", "is not absolute (it must start with '/')"),
    ("/items/{id}", "holds characters Gateway API path matches do not allow (regular expressions, '{', '}', spaces...)"),
    ("/v1/*", "holds '*', which Gateway API matches literally, not as a wildcard (a prefix route already covers everything below it)"),
    ("/a//b", "contains '//'"),
    ("/a/..", "ends with '/.' or '/..'"),
])
def test_paths_gateway_api_cannot_express(tmp_path, path, why):
    text = f"routes:\n  - {{host: a.example.com, path: '{path}', service: shop/orders}}\n"
    assert _error(tmp_path, text) == f"FILE:2: path {path!r} {why}"


def test_rewrite_on_an_exact_route(tmp_path):
    text = "routes:\n  - {host: a.example.com, path: /x, exact: true, rewrite: /, service: shop/orders}\n"
    assert _error(tmp_path, text).startswith("FILE:2: rewrite needs a prefix route")


def test_unknown_key_and_bad_host_and_port(tmp_path):
    assert _error(tmp_path, "routes:\n  - {host: a.example.com, path: /, service: shop/orders, weight: 3}\n") == \
        "FILE:2: routes[0]: unknown key 'weight' (allowed: host, path, exact, service, port, rewrite)"
    assert _error(tmp_path, "routes:\n  - {host: 'not a host', path: /, service: shop/orders}\n") == "FILE:2: host 'not a host' is not a DNS name"
    assert _error(tmp_path, "routes:\n  - {host: a.example.com, path: /, service: shop/orders, port: 443}\n") == \
        "FILE:2: Service main/shop/orders has no port 443 (it has 80)"
    assert _error(tmp_path, "hosts: []\n") == "FILE:1: a routes file is a mapping with one key, 'routes', holding a list of routes"


def test_fleet_needs_the_cluster_in_the_service(tmp_path):
    inv = inventory(svc("orders"))
    inv.clusters["other"] = Cluster("other")
    text = "routes:\n  - {host: a.example.com, path: /, service: shop/orders}\n"
    assert _error(tmp_path, text, inv) == "FILE:2: service 'shop/orders' must be cluster/namespace/name (several clusters are read)"
    path = write(tmp_path, "routes:\n  - {host: a.example.com, path: /, service: main/shop/orders}\n")
    read_routes_file(path, inv)
    assert inv.designed_routes[0].service == ("main", "shop", "orders")


def test_annotation_form():
    inv = inventory(svc("orders", annotations={"planner.io/routes": "api.example.com/orders, api.example.com/v2/orders", "planner.io/rewrite": "/"}))
    add_annotation_routes(inv)
    got = [(r.host, r.path, r.rewrite, r.source) for r in inv.designed_routes]
    assert got == [("api.example.com", "/orders", "/", "annotation"), ("api.example.com", "/v2/orders", "/", "annotation")]
    assert inv.designed_routes[0].where == "Service main/shop/orders (inv.yaml:1) annotation planner.io/routes"


def test_routes_file_wins_over_the_annotation(tmp_path):
    inv = inventory(svc("orders", annotations={"planner.io/routes": "other.example.com/"}))
    read_routes_file(write(tmp_path, "routes:\n  - {host: api.example.com, path: /orders, service: shop/orders}\n"), inv)
    add_annotation_routes(inv)
    assert [(r.host, r.source) for r in inv.designed_routes] == [("api.example.com", "routes-file")]
    assert [(n.level, n.code) for n in inv.notes] == [("info", "ROUTES_FILE_WINS")]


def test_annotation_with_a_bad_path_is_one_line():
    inv = inventory(svc("orders", annotations={"planner.io/routes": "api.example.com/items/{id}"}))
    with pytest.raises(PlannerError, match=r"^Service main/shop/orders \(inv.yaml:1\) annotation planner.io/routes: path '/items/\{id\}' holds"):
        add_annotation_routes(inv)


def test_path_problem_accepts_what_the_crd_accepts():
    for ok in ("/", "/orders", "/v2/orders/", "/a-b_c.d~e", "/%20x"):
        assert path_problem(ok) is None, ok
