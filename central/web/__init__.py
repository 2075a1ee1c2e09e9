"""The review web page for officers and the operations centre (`dendo-central web`)."""

from __future__ import annotations

from central.web.app import WebSettings, app_from_config, create_app

__all__ = ["WebSettings", "app_from_config", "create_app"]
