"""Run a generated Pulumi program in-process under Pulumi mocks and record what it registers.

``pulumi.runtime.set_mocks`` is installed once per process (DESIGN.md §5) with
``preview=False`` so outputs are known values. Each :func:`run_program` call resets the
recording, replaces the stack config, executes the program's ``__main__.py`` inside a
``@pulumi.runtime.test`` wrapper (which waits for every registration and re-raises failures)
and returns the resources registered and the stack exports, resolved.
"""
from __future__ import annotations

import hashlib
import json
import os
import runpy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import yaml

ADDRESS_TYPES = ("gcp:compute/globalAddress:GlobalAddress", "gcp:compute/address:Address")


@dataclass(frozen=True)
class Registered:
    typ: str
    name: str
    inputs: dict
    provider: str | None


@dataclass
class Run:
    resources: list[Registered] = field(default_factory=list)
    exports: dict = field(default_factory=dict)
    logs: list = field(default_factory=list)  # (level, message) logged by the program

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def kind(self, kind: str) -> list[Registered]:
        """Kubernetes objects of ``kind`` (typed or CustomResource)."""
        return [r for r in self.resources if r.typ.startswith("kubernetes:") and r.inputs.get("kind") == kind]

    def named(self, typ: str, name: str) -> Registered:
        found = [r for r in self.resources if r.typ == typ and r.name == name]
        assert len(found) == 1, f"{typ} {name}: {len(found)} registered"
        return found[0]

    def counts(self) -> dict[str, int]:
        """Registered resources by Pulumi type token."""
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.typ] = out.get(r.typ, 0) + 1
        return dict(sorted(out.items()))


def fake_ip(name: str, internal: bool) -> str:
    n = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16)
    return f"10.200.{n % 250}.{n // 250 % 250 + 1}" if internal else f"203.0.113.{n % 250 + 1}"


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registration. ``zones`` (managed zone name -> DNS name) answers
    ``gcp.dns.get_managed_zone``; ``certificate_state`` is the state every Certificate Manager
    certificate reports (``managed.state``)."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.zones: dict[str, str] = {}
        self.certificate_state = "ACTIVE"
        self.calls: list[tuple[str, dict]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        outputs = dict(args.inputs)
        if args.typ in ADDRESS_TYPES:
            outputs.setdefault("address", fake_ip(args.name, args.inputs.get("addressType") == "INTERNAL"))
        if args.typ == "gcp:certificatemanager/dnsAuthorization:DnsAuthorization":
            domain = args.inputs["domain"]
            outputs["dnsResourceRecords"] = [{"name": f"_acme-challenge.{domain}.", "type": "CNAME",
                                              "data": f"{hashlib.sha256(domain.encode()).hexdigest()[:12]}.4.authorize.certificatemanager.goog."}]
        if args.typ == "gcp:certificatemanager/certificate:Certificate":
            outputs["managed"] = dict(args.inputs.get("managed") or {}, state=self.certificate_state)
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs), args.provider))
        return [f"{args.name}-id", outputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append((args.token, dict(args.args)))
        if args.token == "gcp:dns/getManagedZone:getManagedZone":
            name = args.args.get("name")
            return {"name": name, "dnsName": self.zones.get(name, ""), "project": args.args.get("project")}
        return {}


MOCKS = RecordingMocks()
_installed = False


def install() -> None:
    """Install the mocks once per process, before any program is built."""
    global _installed
    if not _installed:
        pulumi.runtime.set_mocks(MOCKS, project="planner-migration", stack="test", preview=False)
        _installed = True


def right_kubeconfig(program_dir: Path, config: dict[str, str]) -> dict:
    """A kubeconfig whose contexts point at the plan's clusters (the context named by
    ``planner:context-<cluster>``, else a current-context named like GKE's)."""
    targets = json.loads((Path(program_dir) / "program.json").read_text(encoding="utf-8")).get("targets", [])
    contexts = []
    for t in targets:
        gke = t.get("gke_context") or f"gke_p_l_{t['cluster']}"
        contexts.append({"name": config.get(f"planner:context-{t['cluster']}") or gke, "context": {"cluster": gke if t.get("gke_context") else t["cluster"], "user": "u"}})
    return {"apiVersion": "v1", "kind": "Config", "contexts": contexts, "current-context": contexts[0]["name"] if contexts else None}


def run_program(program_dir: Path, config: dict[str, str] | None = None, kubeconfig: dict | None = None) -> Run:
    """Execute ``program_dir/__main__.py`` under the mocks with ``config`` as the stack config.

    ``kubeconfig`` (default: :func:`right_kubeconfig`) is written to a temporary file named by
    ``KUBECONFIG`` for the run; the program's ``pulumi.log`` messages are recorded in ``Run.logs``.
    """
    install()
    MOCKS.resources = []
    config = dict(config or {})
    pulumi.runtime.set_all_config(config)
    exports: dict = {}
    resolved: dict = {}
    logs: list[tuple[str, str]] = []
    real_export = pulumi.export
    real_log = {level: getattr(pulumi.log, level) for level in ("debug", "info", "warn", "error")}

    def record_export(name, value):
        exports[name] = value

    def recorder(level):
        def record(message, *args, **kwargs):
            logs.append((level, message))
        return record

    @pulumi.runtime.test
    def _run():
        pulumi.export = record_export
        try:
            runpy.run_path(str(Path(program_dir) / "__main__.py"), run_name="__main__")
        finally:
            pulumi.export = real_export
        return pulumi.Output.from_input(exports).apply(resolved.update)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kubeconfig"
        path.write_text(yaml.safe_dump(kubeconfig if kubeconfig is not None else right_kubeconfig(program_dir, config)), encoding="utf-8")
        old = os.environ.get("KUBECONFIG")
        os.environ["KUBECONFIG"] = str(path)
        for level in real_log:  # logged from apply callbacks too, so kept until every output resolved
            setattr(pulumi.log, level, recorder(level))
        try:
            try:
                _run()
            except Exception as exc:
                exc.logs = logs  # the messages the program logged before it failed
                raise
        finally:
            for level, fn in real_log.items():
                setattr(pulumi.log, level, fn)
            if old is None:
                os.environ.pop("KUBECONFIG", None)
            else:
                os.environ["KUBECONFIG"] = old
    return Run(resources=list(MOCKS.resources), exports=resolved, logs=logs)
