"""The web view, assembled: web.py's blueprint with the review queue's routes (review_web.py) on
it. Import the blueprint from here, never from web.py alone, which lacks /ui/review."""
from __future__ import annotations

from flask import Flask

from voxindex.config import get_settings
from voxindex.es import client

from . import review_web  # noqa: F401  (attaches /ui/review to the blueprint)
from .web import bp

__all__ = ["bp", "create_web_app"]


def create_web_app(settings=None, es=None) -> Flask:
    """A Flask app with only the web view (the search API's create_app also registers it)."""
    app = Flask("voxindex-web")
    settings = settings or get_settings()
    app.config["VOXINDEX_SETTINGS"] = settings
    app.config["VOXINDEX_ES"] = es or client(settings)
    app.register_blueprint(bp)
    return app
