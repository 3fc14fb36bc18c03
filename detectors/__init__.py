"""Detectors and alerts: scheduled aggregation rules, watches matched on ingest, an alert
lifecycle with dedup/realert/silence, and alerters (webhook, Slack, email, Jira)."""
