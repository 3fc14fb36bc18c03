"""Role-based field removal: the access layer's lists (voxindex.access.policy), kept under their old
names for the search API's callers. Viewers never receive revenue, renewal or person-level fields."""
from __future__ import annotations

from typing import Any

from voxindex.access import policy
from voxindex.access.policy import ALWAYS_EXCLUDED, VIEWER_EXCLUDED  # noqa: F401


class _Role:
    def __init__(self, sees_revenue: bool):
        self.role = "analyst" if sees_revenue else "viewer"


def source_excludes(sees_revenue: bool) -> list[str]:
    return policy.source_excludes(_Role(sees_revenue))


def redact_unit(doc: dict[str, Any], sees_revenue: bool) -> dict[str, Any]:
    return policy.redact_unit(doc, _Role(sees_revenue))
