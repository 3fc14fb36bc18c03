"""Generic CSV with a field map; the demo's in-app feedback widget (`chats.csv`)."""
from __future__ import annotations

from .mapped import MappedConnector


class CsvConnector(MappedConnector):
    name = "csv"
    source = "csv"
    channel = "chat"
    default_filename = "chats.csv"
    cursor_field = "created_at"
    file_format = "csv"
    default_map = {
        "id": "id", "text": "message", "created_at": "created_at", "email": "email", "name": "name",
        "app_version": "app_version", "locale": "locale", "product_area": "page",
    }
