"""Serving the web app: a uvicorn server to run beside the rest of the host (`salient up`)."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI
from salient_core.settings import is_loopback

from salient_host.web.settings import WebSettings

log = logging.getLogger(__name__)


def exposure_problems(settings: WebSettings, host: str) -> list[str]:
    """What is unsafe about serving on `host` with `settings`; empty on loopback."""
    if is_loopback(host):
        return []
    problems = []
    if "secret_key" not in settings.model_fields_set:
        problems.append("SALIENT_WEB_SECRET_KEY is not set: sessions end at every restart and replicas disagree")
    if settings.cookie_secure is False:
        problems.append("SALIENT_WEB_COOKIE_SECURE=false beyond loopback sends session cookies in the clear")
    return problems


def web_server(app: FastAPI, settings: WebSettings, *, host: str = "127.0.0.1", port: int = 8100) -> uvicorn.Server:
    """A uvicorn server for `app`; `await server.serve()` runs it until `server.should_exit = True`.

    Behind a reverse proxy, start uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>` instead, so the
    per-IP rate limit sees the visitor's address and cookies see https.
    """
    for problem in exposure_problems(settings, host):
        log.warning("web chat on %s: %s", host, problem)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    return uvicorn.Server(config)
