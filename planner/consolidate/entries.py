"""The typed data the planning steps pass along: options, one :class:`Entry` per LoadBalancer
Service, one :class:`ExistingItem` per existing GKE Ingress, and the money helpers.

Entries are immutable: a step that changes a decision returns a new entry (:func:`evolve`,
:func:`keep`) instead of editing one in place. An :class:`Entry` is a named tuple, not a
dataclass: a plan makes one per Service and strategy, and every step reads them in a loop, so
their size (a sixth of a dataclass instance with its ``__dict__``) decides how fast those loops run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from planner.model import Cluster, Footprint, Ingress, Service, Usage, cents
from planner.consolidate.rules import Verdict
from planner.consolidate.strategies import Slot

CONSOLIDATE, KEEP = "consolidate", "keep"


@dataclass
class Options:
    strategy: str = "auto"
    domain: str = "example.com"
    domain_given: bool = False  # --domain passed: generated hosts are the user's names (inputs.domain_given)
    cloud: str = "gcp"
    cloud_reason: str = "default (GCP first)"
    files: list[str] = field(default_factory=list)
    rates: str | None = None  # rate table file (planner prices import) instead of pricing/<cloud>.yaml
    keep_nonstandard_ports: bool = False
    fold_ingresses: bool = True
    compare: bool = False
    #: a group moves only when that saves more than this (USD/month; ``--min-savings``)
    min_savings: Decimal = Decimal(0)
    consolidate_anyway: bool = False  # move groups that save nothing, and say what it costs
    overlap_days: int = 14  # old and new run side by side this long (build + cutover)
    #: regional (internal) L7 entrypoints: proxy instances priced (PRICING-FACTS: a 3-proxy
    #: minimum is claimed by a secondary source, unsure; global entrypoints have none)
    proxy_instances: int = 3
    #: --migrate-ingress-nginx: every cluster's ingress-nginx Ingresses move to its Gateway
    migrate_ingress_nginx: bool = False
    #: clusters whose fleet entry says ``migrate_ingress_nginx: true``
    nginx_clusters: frozenset = frozenset()


class Entry(NamedTuple):
    """One LoadBalancer Service as the plan sees it: where it would go and what is decided
    (compared, hashed and iterated by nobody: a tuple only for its size)."""

    svc: Service
    ref: str
    pid: int  # equal ports, equal id (memo key of the primary port)
    cluster: Cluster
    internal: bool
    slot: Slot  # the entrypoint it would move to
    verdict: Verdict  # what the rules said
    policies: dict  # verdict.policies (a field: read in most steps' loops)
    rules: int  # forwarding rules it holds today
    routed_by: tuple[str, ...]
    addresses: tuple[str, ...]  # rules.reserved_addresses(svc): what its move leaves reserved
    decision: str = CONSOLIDATE
    reasons: tuple[tuple[str, str], ...] = ()  # (code, message), the first decides
    hosts: tuple[str, ...] = ()
    break_even_gib: Decimal | None = None
    saving: Decimal | None = None  # what retiring its forwarding rules saves (break-even)
    added: Decimal | None = None  # L7 data processing its move adds (usage known)
    moving: bool = True  # decision == CONSOLIDATE (a field: read in every step's loop)
    #: the designed routes (``--routes`` / ``planner.io/routes``) it is routed by; empty: ``/``
    #: on each of its hosts
    designed: tuple = ()


@dataclass(frozen=True)
class ExistingItem:
    """An existing Ingress: folded into a new Gateway, or kept with a reason."""

    ing: Ingress
    fp: Footprint | None
    decision: str  # fold | keep
    reason: tuple[str, str]
    slot: Slot | None = None


def evolve(obj, **changes):
    """A copy of the immutable ``obj`` (an :class:`Entry`, or a frozen dataclass) with
    ``changes``; ``dataclasses.replace`` and ``Entry._replace`` without their per-call
    checks (it runs for most entries of a 100,000-service plan)."""
    if type(obj) is Entry:
        values = list(obj)
        for name, value in changes.items():
            values[_ENTRY_INDEX[name]] = value
        return _tuple_new(Entry, values)
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__, **changes)
    return copy


_ENTRY_INDEX = {name: i for i, name in enumerate(Entry._fields)}
_tuple_new = tuple.__new__


def keep(e: Entry, code: str, message: str) -> Entry:
    return evolve(e, decision=KEEP, moving=False, reasons=((code, message),))


def reason_dicts(reasons: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"code": c, "message": m} for c, m in reasons]


# --- money -------------------------------------------------------------------------------
_USD: dict[Decimal, float] = {}


def usd(value: Decimal) -> float:
    """Dollars as a JSON float, cents rounded half up (memoised: plans repeat a few amounts)."""
    if not value:  # 0 and -0 are equal keys but not equal floats
        return float(cents(value))
    got = _USD.get(value)
    if got is None:
        got = float(cents(value))
        if len(_USD) < 100_000:
            _USD[value] = got
    return got


def sum_usage(usages: list[Usage | None]) -> Usage | None:
    """Traffic of an entrypoint: the sum of its members' known usage (members without usage are
    unpriced before and after alike); None when no member's usage is known."""
    known = [u for u in usages if u is not None]
    if not known:
        return None
    return Usage(sum((u.gib_in for u in known), Decimal(0)), sum((u.gib_out for u in known), Decimal(0)))
