"""ingress-nginx → GKE Gateway: detect the controller and its Ingresses (``detect``), translate
each Ingress's annotations and paths into plan routes and backend policies (``translate``, one
module per feature), and say what the core needs to price the result (``pricing``).

Imports only ``planner.model``; the core wires it in (see docs/nginx.md).
"""
