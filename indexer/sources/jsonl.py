"""Generic JSONL with a field map; the demo's community-forum posts (`community.jsonl`)."""
from __future__ import annotations

from .mapped import MappedConnector


class JsonlConnector(MappedConnector):
    name = "jsonl"
    source = "jsonl"
    channel = "community"
    default_filename = "community.jsonl"
    cursor_field = "updated_at"
    file_format = "jsonl"
    default_map = {
        "id": "id", "text": "body", "title": "title", "created_at": "created_at",
        "updated_at": "updated_at", "email": "email", "name": "author", "url": "url", "locale": "locale",
    }
