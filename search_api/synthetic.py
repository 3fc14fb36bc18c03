"""A small handmade corpus of feedback units for the API's tests (and a fallback for the bench
when no real units are indexed). Texts are written for this file; embeddings come from the real
MiniLM embedder unless a function is given."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from elasticsearch import Elasticsearch

from indexer.bulk import RetryPolicy, bulk_write

from voxindex.config import IndexNames
from voxindex.model import (AccountContext, ContextTurn, FeedbackUnit, Provenance, Scored, TaxonomyLabels,
                            stable_id)

END = datetime(2026, 9, 30, tzinfo=timezone.utc)

# (theme, sub_theme, sentiment, intent, severity, text)
TEXTS = [
    ("reliability", "sync-failure", "negative", "bug", "high", "My edits made on the laptop never show up on my phone anymore."),
    ("reliability", "sync-failure", "negative", "bug", "high", "Sync has been stuck for two days, the desktop app is out of date."),
    ("reliability", "sync-failure", "negative", "bug", "critical", "Changes from the shared workspace are not syncing between our offices."),
    ("reliability", "crash", "negative", "bug", "high", "The iOS app crashes every time I open a report."),
    ("reliability", "crash", "negative", "bug", "medium", "App freezes and closes itself when I attach a photo."),
    ("reliability", "outage", "negative", "complaint", "critical", "Your service was down all morning, every page returned 503."),
    ("reliability", "data-loss", "negative", "bug", "critical", "Half of our project notes vanished overnight, nothing in the trash."),
    ("performance", "slow-load", "negative", "complaint", "medium", "Dashboards take thirty seconds to load since last week."),
    ("performance", "slow-load", "negative", "complaint", "low", "Everything feels sluggish, the spinner never stops."),
    ("performance", "slow-search", "negative", "complaint", "medium", "Searching our workspace takes ages and often times out."),
    ("billing", "double-charge", "negative", "complaint", "high", "I was billed twice for the same month on my credit card."),
    ("billing", "double-charge", "negative", "complaint", "high", "There are two identical charges on our card this month."),
    ("billing", "invoice-error", "negative", "question", "medium", "The invoice lists the wrong VAT number for our company."),
    ("billing", "refund-request", "negative", "complaint", "medium", "Please give me my money back for the unused seats."),
    ("billing", "pricing", "negative", "complaint", "low", "The new per-seat price is far too expensive for a small team."),
    ("access", "login-sso", "negative", "bug", "high", "Okta single sign-on fails with an error and we cannot get in."),
    ("access", "login-sso", "negative", "bug", "medium", "I keep getting logged out every few minutes."),
    ("access", "password-reset", "negative", "bug", "medium", "The password reset email never arrives in my inbox."),
    ("integrations", "api", "negative", "bug", "high", "The REST endpoint returns 429 even at very low volume."),
    ("integrations", "crm-integration", "negative", "bug", "medium", "Salesforce stopped receiving updates from your connector."),
    ("integrations", "chat-integration", "neutral", "bug", "low", "Slack notifications stopped arriving in our channel."),
    ("usability", "navigation", "negative", "complaint", "low", "I can never find the export button in the new menu."),
    ("usability", "mobile-app", "negative", "complaint", "low", "Buttons are tiny on the Android tablet layout."),
    ("usability", "onboarding", "neutral", "question", "low", "The docs do not explain how to invite my team."),
    ("feature-request", "reporting-export", "neutral", "feature_request", "low", "Please add CSV export for the weekly reports."),
    ("feature-request", "automation", "neutral", "feature_request", "low", "It would be great to automate recurring tasks with rules."),
    ("feature-request", "offline-mode", "neutral", "feature_request", "low", "Working without internet on flights would be a lifesaver."),
    ("support", "response-time", "negative", "complaint", "medium", "I have been waiting four days for anyone to reply to my ticket."),
    ("support", "support-quality", "positive", "praise", "low", "Alex from support was incredibly helpful and quick."),
    ("general", "praise", "positive", "praise", "low", "Love this product, our whole team uses it every day."),
    ("general", "churn-intent", "negative", "churn_risk", "high", "We are evaluating competitors and will not renew next year."),
    ("general", "churn-intent", "negative", "churn_risk", "high", "Honestly thinking about cancelling and moving to another tool."),
]
ACCOUNTS = [
    ("acc_0001", "Northwind Traders", "enterprise", "enterprise", "EU", 150000.0),
    ("acc_0002", "Contoso", "mid-market", "pro", "NA", 40000.0),
    ("acc_0003", "Fabrikam", "smb", "starter", "APAC", 4000.0),
]
SOURCES = [("zendesk", "ticket"), ("appstore", "review"), ("survey", "survey"), ("jsonl", "community")]


def build_units(embed: Callable[[list[str]], list[list[float]]]) -> list[FeedbackUnit]:
    texts = [t[-1] for t in TEXTS]
    vectors = embed(texts)
    units = []
    for i, ((theme, sub, sent, intent, sev, text), vec) in enumerate(zip(TEXTS, vectors)):
        acc_id, name, segment, plan, region, arr = ACCOUNTS[i % len(ACCOUNTS)]
        source, channel = SOURCES[i % len(SOURCES)]
        record_id = f"r{i:03d}"
        created = END - timedelta(days=(i * 7) % 58, hours=i)
        unit = FeedbackUnit(
            unit_id=stable_id(source, record_id, "c1", 0), source_record_id=record_id, source=source, channel=channel,
            connector=source, text=text, created_at=created, thread_id=record_id, position=1,
            app_version="4.8.2" if i % 2 else "4.9.0", account_id=acc_id,
            account=AccountContext(account_id=acc_id, name=name, arr=arr, rollup_arr=arr, plan=plan, segment=segment,
                                   region=region, health="red" if acc_id == "acc_0001" else "green"),
            person_id=f"p_{i % 7}",
            taxonomy=TaxonomyLabels(version="test", theme=[theme], sub_theme=[sub], primary_theme=theme, primary_sub_theme=sub),
            sentiment=Scored(sent, 0.9), severity=Scored(sev, 0.8), intent=Scored(intent, 0.8),
            embedding=[float(x) for x in vec],
            context=[ContextTurn("agent", "Thanks for reaching out, Dana, we are looking into it.", "c2")],
            provenance=Provenance(raw_ref=f"{source}.jsonl#L{i + 1}", record_part="c1"),
        )
        units.append(unit)
    # an exact duplicate of the first double-charge unit, grouped with it
    dup_src = units[10]
    dup = FeedbackUnit.from_doc(dup_src.to_doc())
    dup.unit_id = stable_id("zendesk", "r900", "c1", 0)
    dup.source_record_id = "r900"
    dup.created_at = dup_src.created_at + timedelta(hours=1)
    dup.duplicate_group = dup_src.duplicate_group = "d_0001"
    dup.is_duplicate = True
    units.append(dup)
    # an agent reply in the same ticket as unit 0: searchable context, never customer signal
    agent = FeedbackUnit.from_doc(units[0].to_doc())
    agent.unit_id = stable_id(units[0].source, units[0].source_record_id, "c2", 0)
    agent.text = "Agent here: sync issues are known, a fix for syncing ships tomorrow."
    agent.speaker_role, agent.is_customer_signal, agent.position = "agent", False, 2
    agent.provenance = Provenance(raw_ref=units[0].provenance.raw_ref, record_part="c2")
    agent.embedding = [float(x) for x in embed([agent.text])[0]]
    units.append(agent)
    return units


def index_units(es: Elasticsearch, names: IndexNames, units: list[FeedbackUnit]) -> None:
    actions = [{"_index": names.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in units]
    bulk_write(es, actions, RetryPolicy(), "indexing synthetic units", refresh=True).raise_for_failures("indexing synthetic units")


def minilm(settings=None) -> Callable[[list[str]], list[list[float]]]:
    from indexer.enrich.embed import get_embedder

    emb = get_embedder(settings, cache=False)
    return lambda texts: [list(map(float, v)) for v in emb.encode(texts)]
