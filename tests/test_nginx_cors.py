"""enable-cors / cors-* → response headers; preflight lost (warn); several origins block."""
from __future__ import annotations

from tests.nginx_factory import codes, fates, translate


def test_cors_defaults_become_response_headers():
    tr = translate({"enable-cors": "true"})
    assert tr.migrates
    (route,) = tr.routes
    assert route["response_headers"] == {"set": {
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Headers": "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization",
        "Access-Control-Allow-Methods": "GET, PUT, POST, DELETE, PATCH, OPTIONS",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Max-Age": "1728000",
    }}
    assert "NGINX_CORS_PREFLIGHT" in codes(tr, "warn")


def test_one_origin_and_expose_headers():
    tr = translate({"enable-cors": "true", "cors-allow-origin": "https://app.example.com", "cors-expose-headers": "X-Trace"})
    headers = tr.routes[0]["response_headers"]["set"]
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Expose-Headers"] == "X-Trace"


def test_several_origins_block():
    tr = translate({"enable-cors": "true", "cors-allow-origin": "https://a.example.com, https://b.example.com"})
    assert tr.decision == "keep"
    assert fates(tr)["cors-allow-origin"] == ("blocked", "NGINX_CORS")


def test_cors_settings_without_enable_are_noted():
    tr = translate({"cors-allow-origin": "https://a.example.com"})
    assert tr.migrates and "response_headers" not in tr.routes[0]
    assert fates(tr)["cors-allow-origin"] == ("noted", "NGINX_CORS")


def test_header_value_with_control_characters_blocks():
    assert fates(translate({"enable-cors": "true", "cors-allow-headers": "X-A\r\nSet-Cookie: x"}))["cors-allow-headers"][0] == "blocked"
