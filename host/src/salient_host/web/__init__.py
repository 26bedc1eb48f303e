"""The web chat, the embeddable widget, the HTTP API and the admin view (see app.py)."""

from salient_host.web.admin_data import AdminData, StatusSource
from salient_host.web.app import create_web_app
from salient_host.web.settings import WebSettings, accounts_from_config

__all__ = ["AdminData", "StatusSource", "WebSettings", "accounts_from_config", "create_web_app"]
