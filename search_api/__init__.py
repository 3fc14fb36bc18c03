"""The VoxIndex HTTP API: search, units with provenance, analytics, alerts and ingest.

`create_app()` in `search_api.app` builds the Flask app; `voxindex serve` runs it under waitress.
"""
