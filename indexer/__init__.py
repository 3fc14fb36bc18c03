"""Indexers: sources -> feedback units -> enriched units -> Elasticsearch."""
