"""Step 1, feasibility rules: one :class:`Entry` per LoadBalancer Service, kept with the first
rule's reason or bound for its strategy's entrypoint.

:class:`Evaluator` holds what every strategy's plan computes alike (``auto`` / ``--compare``
build several): the pricer, the sorted services with their visibility, routes and current
footprints, and memoised rule verdicts, slots, hosts and primary ports. The memo stays inside
it: the steps only call its methods.
"""
from __future__ import annotations

from operator import attrgetter

from planner.consolidate import designed, existing
from planner.consolidate.entries import KEEP, Entry, Options
from planner.consolidate.rules import Context, Verdict, context_facts, evaluate, evaluation_key, is_internal, primary_port, reserved_addresses, strategy_shape, unmatched_mesh_gateways, uses_entrypoint, uses_strategy, valid_hostname
from planner.consolidate.strategies import STRATEGIES, Slot, gateway, ingress
from planner.model import BLOCK, WARN, Footprint, Inventory, Note, Service
from planner.pricers import get_pricer
from planner.pricers.base import Pricing

EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
_KEY = attrgetter("cluster", "namespace", "name")  # == Service.key, built in C
#: Entrypoint / address names a verdict is first made with (NUL never appears in a name); a
#: service whose fields contain NUL is evaluated with the real names instead.
_EP_PLACEHOLDER, _ADDR_PLACEHOLDER = "\x00entrypoint\x00", "\x00address\x00"
#: What the rest of the inventory tells the rules about most Services: nothing.
_NO_FACTS = {"mesh_evidence": (), "backend_config": None}


def _has_nul(value) -> bool:
    """Whether any text in ``value`` (strings, tuples, dataclasses) may hold NUL: its repr
    shows NUL as the escape \\x00 (a literal backslash-x00 in the text also matches, which
    only makes the planner evaluate that service directly)."""
    return "\\x00" in repr(value)


def _named_verdict(base: Verdict, entrypoint: str) -> Verdict:
    """``base`` (evaluated with the placeholder names) as evaluated for ``entrypoint``."""
    address = f"{entrypoint}-ip"

    def fill(text: str) -> str:
        return text.replace(_ADDR_PLACEHOLDER, address).replace(_EP_PLACEHOLDER, entrypoint)

    return Verdict(
        keep=(base.keep[0], fill(base.keep[1])) if base.keep else None,
        notes=[(level, code, fill(message)) for level, code, message in base.notes],
        policies=base.policies,
    )


def external_dns_hosts(svc: Service, notes: list[Note]) -> list[str]:
    """The valid hostnames of ``svc``'s external-dns annotation (invalid ones warned in ``notes``)."""
    raw = svc.annotations.get(EXTERNAL_DNS, "")
    hosts: list[str] = []
    for h in (x.strip().lower().rstrip(".") for x in raw.split(",")):
        if not h:
            continue
        if valid_hostname(h):
            hosts.append(h)
        else:
            notes.append(Note(WARN, svc.ref, "INVALID_HOSTNAME", f"annotation {EXTERNAL_DNS} holds {h[:80]!r}, not a valid DNS name; not used"))
    return hosts


def generated_host(svc: Service, domain: str, notes: list[Note]) -> list[str]:
    """``[<name>.<namespace>.<domain>]``, or none (a ``NO_VALID_HOST`` block note) when that
    is not a valid DNS name."""
    generated = f"{svc.name}.{svc.namespace}.{domain}".lower()
    if valid_hostname(generated):
        return [generated]
    notes.append(Note(BLOCK, svc.ref, "NO_VALID_HOST", f"no valid hostname for this service (generated {generated[:80]!r} is not a DNS name)"))
    return []


def service_hosts(svc: Service, domain: str, notes: list[Note]) -> list[str]:
    """The hostnames a moved service is routed by: its external-dns names, else a generated one
    (``is_generated`` tells which)."""
    return hosts_and_origin(svc, domain, notes)[0]


def hosts_and_origin(svc: Service, domain: str, notes: list[Note]) -> tuple[list[str], bool]:
    """:func:`service_hosts`, and whether they are the generated one (no valid external-dns name)."""
    annotated = external_dns_hosts(svc, notes)
    return sorted(set(annotated or generated_host(svc, domain, notes))), not annotated


class Evaluator:
    """Rules, slots, hosts and current footprints of one inventory, memoised across strategies."""

    def __init__(self, inv: Inventory, opts: Options):
        self.inv, self.opts = inv, opts
        self.pricer = pricer = get_pricer(opts.cloud, opts.rates)
        self.lbs = sorted(inv.load_balancers, key=_KEY)
        routed = {key: tuple(refs) for key, refs in existing.routed_by(inv).items()}
        usage = inv.usage
        # without mesh gateways, Gateway API Gateways and BackendConfigs, context_facts is
        # _NO_FACTS for every Service
        has_facts = bool(inv.mesh_gateways or inv.gateways or inv.backend_configs)
        self._key_ids: dict[tuple, int] = {}  # evaluation key, visibility, routes -> small int
        self._direct: set[int] = set()
        self._strategic: set[int] = set()  # key ids whose verdict reads the strategy
        #: (svc, internal, routed_by, cluster, forwarding rules, reserved addresses, key id or None, names the entrypoint, port id, ref)
        self.rows: list[tuple] = []
        self.service_fps: list[Footprint] = []
        ports_by_id: dict[int, int] = {}  # id(ports tuple) -> port id (every tuple stays alive in inv)
        ports_by_value: dict[tuple, int] = {}
        #: service key -> context_facts (mesh evidence, BackendConfig) when it has any
        self._facts: dict[tuple, dict] = {}
        strategic_by_shape: dict[tuple, bool] = {}  # (port id, *strategy_shape) -> uses_strategy
        for svc in self.lbs:
            key = _KEY(svc)  # svc.key, built once
            cluster = inv.clusters[svc.cluster]
            fp = pricer.service_footprint(svc, cluster, usage.get(key) if usage else None)
            internal = is_internal(svc)
            routed_by = routed.get(key, ())
            pid = ports_by_id.get(id(svc.ports))
            if pid is None:  # hashing Ports is slow: once per ports tuple (readers share them)
                pid = ports_by_id[id(svc.ports)] = ports_by_value.setdefault(svc.ports, len(ports_by_value))
            facts = context_facts(svc, inv) if has_facts else _NO_FACTS
            if facts is not _NO_FACTS and (facts["mesh_evidence"] or facts["backend_config"] is not None):
                self._facts[key] = facts
            # a verdict that reads the strategy (TLS-only services, gRPC behind today's TLS) is
            # memoised per strategy
            shape = (pid, *strategy_shape(svc))
            strategic = strategic_by_shape.get(shape)
            if strategic is None:
                strategic = strategic_by_shape[shape] = uses_strategy(svc)
            kid = self._key_id(svc, pid, internal, routed_by, facts, strategic)
            # a service footprint's owner is its Service's ref (every pricer's contract)
            self.rows.append((svc, internal, routed_by, cluster, fp.forwarding_rules, reserved_addresses(svc), kid, uses_entrypoint(svc, internal), pid, fp.owner))
            self.service_fps.append(fp)
        #: notes on what the rest of the inventory told no Service (an Istio Gateway matching none)
        self.context_notes: list[Note] = unmatched_mesh_gateways(inv) if inv.mesh_gateways else []
        self._designed = designed.by_service(inv)  # service key -> its designed routes
        self._verdicts: dict = {}  # key id -> Verdict (placeholder names); (key id, entrypoint) -> filled in
        self._before: Pricing | None = None
        self._hosts: dict[tuple, tuple[list[str], bool, list[Note]]] = {}  # service key -> (hosts, generated, their notes)
        self._slots: dict[tuple, Slot] = {}  # (strategy, cluster, namespace, internal) -> Slot
        self._primary_ports: dict[int, int] = {}  # port id -> primary_port(...).port
        self._routed: dict[tuple, tuple] = {}  # (port id, visibility, entrypoint, by path, rule notes) -> reasons
        self._generated: dict[str, bool] = {}  # external-dns annotation -> no valid host in it
        self._index: dict[str, int] | None = None  # service ref -> row index (_row_index)

    def _key_id(self, svc: Service, pid: int, internal: bool, routed_by: tuple, facts: dict, strategic: bool) -> int | None:
        read = evaluation_key(svc)
        if read is None:
            return None
        ekey = (pid, *read[1:])  # read[0] is svc.ports
        full = (ekey, internal, routed_by, facts["mesh_evidence"], facts["backend_config"], strategic)
        kid = self._key_ids.get(full)
        if kid is None:
            kid = self._key_ids[full] = len(self._key_ids)
            if strategic:
                self._strategic.add(kid)
            if _has_nul((read, routed_by, facts["mesh_evidence"])):
                self._direct.add(kid)  # a placeholder could collide with its text
        return kid

    def slot(self, strategy: str, svc: Service, internal: bool) -> Slot:
        skey = (strategy, svc.cluster, svc.namespace, internal)
        slot = self._slots.get(skey)
        if slot is None:
            slot_of = STRATEGIES[strategy]
            slot = slot_of(svc, internal, len(self.inv.clusters) > 1)
            if slot_of in (gateway, ingress):  # these read cluster and namespace only
                self._slots[skey] = slot
        return slot

    def verdict(self, row: tuple, slot: Slot, strategy: str) -> Verdict:
        svc, internal, routed_by, _, _, _, kid, named, _, _ = row
        keep_odd = self.opts.keep_nonstandard_ports
        facts = self._facts.get(svc.key, _NO_FACTS)
        if kid is None or kid in self._direct:
            return evaluate(svc, Context(keep_nonstandard_ports=keep_odd, internal=internal, entrypoint=slot.name, address=f"{slot.name}-ip", routed_by=routed_by, strategy=strategy, **facts))
        k, read = ((kid, strategy), strategy) if kid in self._strategic else (kid, "")
        verdict = self._verdicts.get((k, slot.name) if named else k)
        if verdict is None:
            base = self._verdicts.get(k)
            if base is None:
                base = self._verdicts[k] = evaluate(svc, Context(keep_nonstandard_ports=keep_odd, internal=internal, entrypoint=_EP_PLACEHOLDER, address=_ADDR_PLACEHOLDER, routed_by=routed_by, strategy=read, **facts))
            verdict = base
            if named:
                verdict = self._verdicts[(k, slot.name)] = _named_verdict(base, slot.name)
        return verdict

    def designed_routes(self, svc: Service) -> tuple:
        """The host/path routes the user designed for ``svc`` (``()``: none)."""
        return self._designed.get(svc.key, ()) if self._designed else ()

    def is_generated(self, svc: Service) -> bool:
        """Whether ``svc``'s hosts are the generated ``<name>.<namespace>.<domain>`` (known
        once :meth:`hosts` has read them)."""
        raw = svc.annotations.get(EXTERNAL_DNS, "")
        if not raw:
            return True
        made = self._hosts.get(svc.key)
        if made is not None:
            return made[1]
        got = self._generated.get(raw)
        if got is None:
            got = self._generated[raw] = not any(valid_hostname(h) for h in (x.strip().lower().rstrip(".") for x in raw.split(",")) if h)
        return got

    def hosts(self, svc: Service, notes: list[Note]) -> list[str]:
        """``service_hosts`` (the same for every strategy: made once, its notes replayed; the
        list is shared, read-only)."""
        got = self._hosts.get(svc.key)
        if got is None:
            found: list[Note] = []
            got = self._hosts[svc.key] = (*hosts_and_origin(svc, self.opts.domain, found), found)
        if got[2]:
            notes.extend(got[2])
        return got[0]

    def routed_reasons(self, e: Entry, by_path: bool) -> tuple[tuple[str, str], ...]:
        """A routed entry's reasons: ``HTTP_CONSOLIDATE`` (its ports, its entrypoint), then its
        rule notes. Memoised: the services of one entrypoint mostly share ports and verdict."""
        notes = e.verdict.notes
        key = (e.pid, e.internal, e.slot.kind, e.slot.name, by_path, *notes)
        got = self._routed.get(key)
        if got is None:
            vis = "internal" if e.internal else "external"
            by = "by host and path" if by_path else "by host"
            got = self._routed[key] = (("HTTP_CONSOLIDATE", f"HTTP(S)/gRPC on port(s) {', '.join(str(p.port) for p in e.svc.ports)}: routed {by} through the {vis} {e.slot.kind} {e.slot.name}"),
                                       *((code, message) for _, code, message in notes))
        return got

    def primary_port(self, e: Entry) -> int:
        port = self._primary_ports.get(e.pid)
        if port is None:
            port = self._primary_ports[e.pid] = primary_port(e.svc).port
        return port

    def _row_index(self) -> dict[str, int]:
        """LoadBalancer Service ref -> its index in ``rows`` and ``service_fps`` (made once)."""
        if self._index is None:
            self._index = {row[-1]: i for i, row in enumerate(self.rows)}
        return self._index

    def footprint_of(self, ref: str) -> Footprint:
        """A LoadBalancer Service's current footprint, by ref."""
        return self.service_fps[self._row_index()[ref]]

    def service_of(self, ref: str) -> Service | None:
        """The LoadBalancer Service of ``ref`` (None: no such Service)."""
        i = self._row_index().get(ref)
        return None if i is None else self.rows[i][0]

    def entries(self, strategy: str) -> list[Entry]:
        """:func:`rule_entries`: the memo lookups inlined (one pass per Service and strategy)."""
        out: list[Entry] = []
        slots, verdicts, direct, strategic = self._slots, self._verdicts, self._direct, self._strategic
        for row in self.rows:
            svc, internal, routed_by, cluster, rules, addresses, kid, named, pid, ref = row
            slot = slots.get((strategy, svc.cluster, svc.namespace, internal)) or self.slot(strategy, svc, internal)
            if kid is None or kid in direct:
                verdict = None
            else:
                k = (kid, strategy) if kid in strategic else kid
                verdict = verdicts.get((k, slot.name) if named else k)
            if verdict is None:
                verdict = self.verdict(row, slot, strategy)
            if verdict.keep:
                out.append(Entry(svc, ref, pid, cluster, internal, slot, verdict, verdict.policies, rules, routed_by, addresses, decision=KEEP, reasons=(verdict.keep,), moving=False))
            else:
                out.append(Entry(svc, ref, pid, cluster, internal, slot, verdict, verdict.policies, rules, routed_by, addresses))
        return out

    def current_fps(self) -> list[Footprint]:
        """Today's footprints of the LoadBalancer Services and the inventory's extra ones, a
        new list each time (the design appends today's Ingresses and Gateways to it)."""
        return [*self.service_fps, *self.inv.extra_footprints]

    def price_current(self, current_fps: list[Footprint]) -> Pricing:
        """Today's pricing (``current_fps`` is the same for every strategy: priced once)."""
        if self._before is None:
            self._before = self.pricer.price(current_fps)
        return self._before


def rule_entries(ev: Evaluator, strategy: str) -> list[Entry]:
    """Every LoadBalancer Service as an entry: kept with the first rule's reason, or moving."""
    return ev.entries(strategy)
