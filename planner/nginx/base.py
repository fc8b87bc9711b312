"""The types every nginx feature module shares: what a translator sees, what it returns, and
the registry the translators join (one small named function per feature, ingress2gateway's
shape: ``pkg/i2gw/providers/ingressnginx/<feature>.go``).

A translator reads the ``nginx.ingress.kubernetes.io/*`` annotations of one Ingress and returns
:class:`Outcome` rows: each names the annotations it consumed, their fate (translated, noted,
warned, blocked), a note code and message, and the effect on the routes / backend policies.
Nothing here imports anything of planner's but the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from planner.model import BLOCK, INFO, WARN, Ingress

PREFIX = "nginx.ingress.kubernetes.io/"
F5_PREFIX = "nginx.org/"

#: fates of an annotation, and the note level each carries
TRANSLATED, NOTED, WARNED, BLOCKED = "translated", "noted", "warned", "blocked"
FATE_LEVEL = {TRANSLATED: INFO, NOTED: INFO, WARNED: WARN, BLOCKED: BLOCK}

_TRUE = ("true", "yes", "1", "on")


@dataclass(frozen=True)
class Ctx:
    """What a translator sees: the Ingress and its nginx annotations by suffix
    (``"rewrite-target"`` for ``nginx.ingress.kubernetes.io/rewrite-target``)."""

    ing: Ingress
    ann: Mapping[str, str]
    #: the core renders ``policies.deny_ranges`` as Cloud Armor deny rules (else a denylist blocks)
    deny_supported: bool = False

    def get(self, key: str, default: str | None = None) -> str | None:
        v = self.ann.get(key)
        return v.strip() if isinstance(v, str) else default

    def true(self, key: str) -> bool:
        return (self.get(key) or "").lower() in _TRUE

    def false(self, key: str) -> bool:
        return (self.get(key) or "").lower() in ("false", "no", "0", "off")

    def present(self, *keys: str) -> tuple[str, ...]:
        return tuple(k for k in keys if k in self.ann)


@dataclass(frozen=True)
class Outcome:
    """The fate of one or more annotations of one Ingress, and what it does to the plan.

    ``route`` keys are set on every route of the Ingress (plan contract keys: ``https_only``,
    ``redirect``, ``response_headers``, ``timeout_sec``); ``policy`` keys on the policy of every
    backend Service it routes to (``timeout_sec``, ``session_affinity``, ``cookie_ttl_sec``,
    ``backend_protocol``, ``tls_only``, ``source_ranges``, ``deny_ranges``); ``extra_routes``
    are partial route dicts (``path``, ``path_type``, ``redirect``, optional ``host``) added per
    host; ``extra_hosts`` more hostnames routed like the Ingress's own (server-alias)."""

    fate: str
    annotations: tuple[str, ...]
    code: str
    message: str
    route: Mapping[str, object] = field(default_factory=dict)
    policy: Mapping[str, object] = field(default_factory=dict)
    extra_routes: tuple[Mapping[str, object], ...] = ()
    extra_hosts: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        return FATE_LEVEL[self.fate]


TranslatorFn = Callable[[Ctx], "list[Outcome]"]


@dataclass(frozen=True)
class Translator:
    """One named translator: the annotation suffixes it owns (``keys``; ``suffix`` claims every
    annotation ending so, e.g. ``-snippet``) and the function."""

    name: str
    keys: tuple[str, ...]
    fn: TranslatorFn
    suffix: str = ""

    def owns(self, key: str) -> bool:
        return key in self.keys or bool(self.suffix and key.endswith(self.suffix))


REGISTRY: list[Translator] = []


def translator(*keys: str, suffix: str = "") -> Callable[[TranslatorFn], TranslatorFn]:
    """Register ``fn`` as the translator of ``keys`` (annotation suffixes)."""

    def wrap(fn: TranslatorFn) -> TranslatorFn:
        REGISTRY.append(Translator(fn.__name__, tuple(keys), fn, suffix))
        return fn

    return wrap


def full(*keys: str) -> str:
    """``a, b`` → ``nginx.ingress.kubernetes.io/a, nginx.ingress.kubernetes.io/b`` (for messages)."""
    return ", ".join(PREFIX + k for k in keys)


def quoted(value: str, limit: int = 80) -> str:
    """An annotation value for a message: repr-quoted, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def seconds(value: str | None) -> int | None:
    """nginx time value in seconds (``"60"``, ``"60s"``, ``"2m"``), or None when not one."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,9})\s*(s|m|h)?\s*", value)
    if not m:
        return None
    return int(m.group(1)) * {None: 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
