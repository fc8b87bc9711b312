"""rewrite-target, use-regex, x-forwarded-prefix, upstream-vhost."""
from __future__ import annotations

import pytest

from tests.nginx_factory import HOST, fates, translate


@pytest.mark.parametrize("target, code", [
    ("/$2", "NGINX_REWRITE_CAPTURE"),
    ("/api/${1}", "NGINX_REWRITE_CAPTURE"),
    ("/", "NGINX_REWRITE_FULL_PATH"),       # nginx replaces the whole path: /api/x reaches the backend as /
    ("/v2", "NGINX_REWRITE_FULL_PATH"),
])
def test_rewrite_target_blocks(target, code):
    tr = translate({"rewrite-target": target}, rules=((HOST, "/api", "Prefix", "web", 80),))
    assert tr.decision == "keep" and tr.reason[0] == "NGINX_UNTRANSLATABLE"
    assert fates(tr)["rewrite-target"] == ("blocked", code)


def test_full_path_rewrite_message_shows_what_the_backend_would_see():
    tr = translate({"rewrite-target": "/"}, rules=((HOST, "/api", "Prefix", "web", 80),))
    msg = next(n.message for n in tr.notes if n.code == "NGINX_REWRITE_FULL_PATH")
    assert "nginx sends /api/x to the backend as /" in msg


@pytest.mark.parametrize("value, fate", [("true", "blocked"), ("false", "noted")])
def test_use_regex(value, fate):
    tr = translate({"use-regex": value}, rules=((HOST, "/api", "ImplementationSpecific", "web", 80),))
    assert fates(tr)["use-regex"] == (fate, "NGINX_REGEX_PATH")
    assert tr.migrates is (fate == "noted")


@pytest.mark.parametrize("ann, fate, code", [
    ({"x-forwarded-prefix": "/api"}, "warned", "NGINX_REQUEST_HEADER_LOST"),
    ({"upstream-vhost": "internal.example"}, "blocked", "NGINX_UPSTREAM_VHOST"),
    ({"preserve-trailing-slash": "true"}, "translated", "NGINX_NO_EQUIVALENT"),
])
def test_header_and_slash_annotations(ann, fate, code):
    (key,) = ann
    assert fates(translate(ann))[key] == (fate, code)
