"""VoxIndex: customer-feedback intelligence on Elasticsearch."""

__version__ = "0.1.0"
