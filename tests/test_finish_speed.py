"""The plan's last step (``finish``) takes shortcuts at 100,000 services; each gives what the
plain way gives: the notes' order, the runbook's name lists, the service rows."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate import Evaluator, Options, assemble, design, pricing
from planner.consolidate.entries import reason_dicts, usd
from planner.consolidate.rules import default_policies
from planner.consolidate.runbook import _moves, _names
from planner.consolidate.summary import LEVEL_ORDER, note_dicts
from planner.consolidate.evaluate import EXTERNAL_DNS
from planner.model import INFO, WARN, Note
from tests.plan_factory import DNS, INTERNAL, inventory, svc
from tests.test_invariants import cases

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

words = st.sampled_from(["a", "a-b", "a.b", "a/b", "b", "B", "ab", "", "é", "z9"])
notes = st.builds(Note, st.sampled_from(["block", "warn", "info"]), words, words, words)


@given(st.lists(notes, max_size=40), st.randoms(use_true_random=False))
def test_note_dicts_sort_as_a_set_would(found, rnd):
    # runs in order, as services' notes come, and the rest shuffled: both sort alike
    found = found + sorted(found) + rnd.sample(found, len(found))
    plain = [Note(*t).to_dict() for t in sorted({(n.level, n.object, n.code, n.message) for n in found}, key=lambda t: (LEVEL_ORDER[t[0]], *t[1:]))]
    assert note_dicts(found) == plain
    assert [list(d) for d in note_dicts(found)] == [["level", "object", "code", "message"]] * len(plain)


@given(st.lists(words, max_size=60), st.integers(0, 40))
def test_names_are_the_first_of_the_sorted_list(items, limit):
    items_sorted = sorted(items)
    plain = ", ".join(items_sorted) if len(items) <= limit else ", ".join(items_sorted[:limit]) + f" and {len(items) - limit} more"
    assert _names(list(items), limit) == plain


policies = st.fixed_dictionaries({}, optional={
    "source_ranges": st.lists(st.just("10.0.0.0/8"), max_size=2), "session_affinity": st.sampled_from([None, "ClientIP"]),
    "timeout_sec": st.sampled_from([None, 0, 60, 3600]), "app_protocol": st.sampled_from([None, "HTTP2", "HTTP"]),
})
rows = st.fixed_dictionaries({
    "cluster": words, "namespace": words, "name": words, "decision": st.sampled_from(["consolidate", "keep"]),
    "policies": policies, "forwarding_rules": st.integers(0, 3),
}, optional={"load_balancer_ip": st.sampled_from([None, "", "10.1.2.3"])})


@given(st.lists(rows, max_size=30))
def test_moves_gather_what_one_pass_each_would(services):
    moving = [s for s in services if s["decision"] == "consolidate"]
    m = _moves(services)
    assert m.names == [f"{s['cluster']}/{s['namespace']}/{s['name']}" for s in moving]
    assert m.rules == sum(s["forwarding_rules"] for s in moving)
    assert m.armor == [f"{s['namespace']}/{s['name']}" for s in moving if s["policies"].get("source_ranges")]
    assert m.affinity == [f"{s['namespace']}/{s['name']}" for s in moving if s["policies"].get("session_affinity")]
    assert m.timeouts == [f"{s['namespace']}/{s['name']} ({s['policies']['timeout_sec']}s)" for s in moving if s["policies"].get("timeout_sec")]
    assert m.grpc == [f"{s['namespace']}/{s['name']}" for s in moving if s["policies"].get("app_protocol") == "HTTP2"]
    assert m.pinned == [f"{s['namespace']}/{s['name']} ({s['load_balancer_ip']})" for s in moving if s.get("load_balancer_ip")]


@st.composite
def moving_cases(draw):
    """Inventories where most services move (``cases()`` keeps most): web ports, with or without
    external-dns hosts (generated ones then), timeouts, source ranges, affinity, pinned IPs."""
    clusters = draw(st.sampled_from([("main",), ("east", "west")]))
    objs = []
    for i in range(draw(st.integers(1, 12))):
        ann = {}
        if draw(st.integers(0, 3)) == 0:
            ann.update(INTERNAL)
        hosts = draw(st.lists(st.sampled_from([f"h{k}.example.org" for k in range(12)]), max_size=2, unique=True))
        if hosts:
            ann[DNS] = ",".join(hosts)
        if draw(st.integers(0, 3)) == 0:
            ann["planner.io/backend-timeout"] = draw(st.sampled_from(["60", "3600"]))
        kw = {}
        if draw(st.integers(0, 3)) == 0:
            kw["load_balancer_source_ranges"] = ("10.0.0.0/8",)
        if draw(st.integers(0, 3)) == 0:
            kw["session_affinity"] = "ClientIP"
        if draw(st.integers(0, 3)) == 0:
            kw["load_balancer_ip"] = f"34.0.0.{i + 1}"
        ports = draw(st.sampled_from([((80, "TCP", "http"),), ((443, "TCP", "https"),), ((80, "TCP", "http"), (443, "TCP", "https")), ((8080, "TCP", "http"),), ((50051, "TCP", "grpc", "kubernetes.io/h2c"),), ((5432, "TCP", "postgres"),)]))
        objs.append(svc(f"s{i}", ports, ns=draw(st.sampled_from(["shop", "pay"])), cluster=draw(st.sampled_from(clusters)), ann=ann, **kw))
    return objs, clusters, {}, {"strategy": "gateway", "fold_ingresses": True, "keep_nonstandard_ports": draw(st.booleans()), "compare": False, "consolidate_anyway": draw(st.integers(0, 3)) > 0}


def _plain_service_row(e, priced, share: Decimal) -> dict:
    """``service_row`` the long way: every value made anew for its row."""
    svc, moving = e.svc, e.moving
    current = priced.before.by_owner.get(e.ref, Decimal(0))
    proposed = share if moving else current
    row = {
        "cluster": svc.cluster, "namespace": svc.namespace, "name": svc.name, "internal": e.internal,
        "ports": [{"name": p.name, "port": p.port, "protocol": p.protocol, "app_protocol": p.app_protocol} for p in svc.ports],
        "decision": e.decision, "reasons": reason_dicts(e.reasons),
        "current_monthly_usd": usd(current), "proposed_monthly_usd": usd(proposed), "marginal_savings_monthly_usd": usd(Decimal(0)),
        "entrypoint": e.slot.name if moving else None, "hosts": list(e.hosts) if moving else [],
        "forwarding_rules": e.rules, "addresses": list(svc.status_addresses), "load_balancer_ip": svc.load_balancer_ip,
        "source": str(svc.source), "policies": e.policies if moving else default_policies(), "routed_by": list(e.routed_by),
    }
    if e.break_even_gib is not None and (moving or e.reasons[0][0] == "TRAFFIC_BREAK_EVEN"):
        row["break_even_gib_per_month"] = float(e.break_even_gib)
    return row


def _plain_notes(entries, ev) -> list[Note]:
    out = []
    for e in entries:
        if e.moving:
            out += [Note(level, e.ref, code, message) for level, code, message in e.verdict.notes]
            if ev.is_generated(e.svc):
                out += [Note(WARN, e.ref, "HOST_GENERATED", f"no external-dns hostname: routed by the generated host {h} (domain {ev.opts.domain}, --domain); create its DNS record or set {EXTERNAL_DNS}") for h in e.hosts]
        else:
            out.append(Note(INFO, e.ref, e.reasons[0][0], "kept: " + e.reasons[0][1]))
    return out


@given(notes)
def test_fast_note_is_a_note(n):
    fast = assemble._note(n.level, n.object, n.code, n.message)
    assert type(fast) is Note and fast == n and hash(fast) == hash(n) and vars(fast) == vars(n)
    assert fast.to_dict() == n.to_dict() and not fast < n and not n < fast


@SLOW
@given(cases() | moving_cases(), st.sampled_from(["gateway", "ingress"]))
def test_service_rows_equal_the_plain_rows(case, strategy):
    objs, clusters, usage, opts = case
    ev = Evaluator(inventory(*objs, clusters=clusters, usage=usage), Options(**{**opts, "strategy": strategy, "compare": False}))
    c = design(ev, strategy)
    shares = pricing.shares(c.priced, c.design)
    found: list[Note] = []
    got = assemble.service_rows(c.entries, c.priced, shares, found, ev.is_generated, ev.opts.domain)
    assert [n.to_dict() for n in found] == [n.to_dict() for n in _plain_notes(c.entries, ev)]
    for e, row in zip(c.entries, got, strict=True):
        plain = _plain_service_row(e, c.priced, shares.get(e.ref, Decimal(0)))
        plain["risk"] = assemble._risk(e, e.moving and ev.is_generated(e.svc))
        assert json.dumps(row) == json.dumps(plain)  # keys in the same order too
    assert len({id(r) for r in got}) == len(got)  # each row its own dict (Money.apply writes into them)


@SLOW
@given(cases() | moving_cases())
def test_shares_equal_the_filtered_allocation(case):
    from planner.pricers.base import allocate

    objs, clusters, usage, opts = case
    ev = Evaluator(inventory(*objs, clusters=clusters, usage=usage), Options(**{**opts, "strategy": "gateway", "compare": False}))
    c = design(ev, "gateway")
    plain = {}
    for name, cost in c.priced.entrypoint_cost.items():
        got = allocate(cost, {e.ref: 1 for e in c.design.members[name]})
        plain.update((k, v) for k, v in got.items() if not k.startswith("Ingress "))
    assert pricing.shares(c.priced, c.design) == plain
    assert sum(plain.values(), Decimal(0)) == sum((cost for name, cost in c.priced.entrypoint_cost.items() if c.design.members[name]), Decimal(0))
