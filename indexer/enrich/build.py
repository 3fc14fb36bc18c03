"""The enrichment pipeline, in order:

  pii -> identity -> account_context -> segment -> embed -> taxonomy -> sentiment -> duplicates

PII runs first so that everything after it (segments, embeddings, the index) sees redacted text.
Identity and account context need Elasticsearch and are added when `es` is given. Non-customer
units pass through every classifying stage untouched. Every stage is imported here, at the top:
a missing or renamed stage module is an import error, never a stage quietly left out.
"""
from __future__ import annotations

from indexer.identity.stage import identity_stage
from indexer.pipeline import Pipeline, Stage
from voxindex.config import get_settings

from .account_context import account_context_stage
from .duplicates import duplicates_stage
from .embed import embed_stage, get_embedder
from .pii import pii_stage
from .segment import segment_stage
from .sentiment import branch_model, sentiment_stage
from .taxonomy import get_classifier, taxonomy_stage


def build_pipeline(settings=None, es=None, embed: bool = True, **options) -> Pipeline:
    """Options: taxonomy_path (another taxonomy YAML), segment (default True), duplicates
    (default True), near_index (kNN duplicate lookups in the index, default True), pii,
    identity, account_context (default True each; identity and account context need `es`).

    embed=False builds a model-free pipeline (PII, identity, context, lexicon sentiment, exact
    duplicates): fast, for tests of other areas and machines without the weights."""
    settings = settings or get_settings()
    return Pipeline(stages=state_stages(settings, es, **options) + model_stages(settings, es, embed, **options))


def state_stages(settings, es=None, **options) -> list[Stage]:
    """The stages that hold a view of the indices, read now: the PII name gazetteer (people),
    identity (people, merge decisions, erasures) and account context (accounts). A long-lived
    caller (the API) builds these per run so an erasure or a new account counts at once."""
    stages: list[Stage] = []
    if options.get("pii", True):
        stages.append(pii_stage(settings))
    if es is not None:
        if options.get("identity", True):
            stages.append(identity_stage(settings, es))
        if options.get("account_context", True):
            stages.append(account_context_stage(settings, es))
    return stages


def model_stages(settings, es=None, embed: bool = True, **options) -> list[Stage]:
    """The stages that hold models and no view of the indices (segment, embed, taxonomy,
    sentiment, duplicates): built once per process by a long-lived caller."""
    stages: list[Stage] = []
    # the deployment's taxonomy (VOXINDEX_TAXONOMY / voxindex.yaml) labels units and gives intent priors
    taxonomy_path = options.get("taxonomy_path") or settings.taxonomy_path
    if embed:
        embedder = get_embedder(settings)
        share_branch_input(embedder, settings)
        classifier = get_classifier(taxonomy_path, embedder=embedder, settings=settings)
        if options.get("segment", True):
            stages.append(segment_stage(settings, classifier=classifier))
        stages.append(embed_stage(settings, embedder=embedder))
        stages.append(taxonomy_stage(settings, classifier=classifier))
        stages.append(sentiment_stage(settings, embedder=embedder, taxonomy_path=taxonomy_path))
        classifier._prototypes()  # embed the taxonomy prototypes now (model load), not in the first batch
    else:
        stages.append(sentiment_stage(settings, use_embeddings=False, taxonomy_path=taxonomy_path))
    if options.get("duplicates", True):
        stages.append(duplicates_stage(settings, es, near_index=options.get("near_index", True) and embed))
    return stages


def share_branch_input(embedder, settings) -> None:
    """The sentiment branch reads layer-L token states: the embedder keeps them from its passes over
    units, so the branch pays for no pass of its own there; with `sentiment_from_sentences` also
    for long messages, from their sentences' pass. Where no branch is shipped it keeps nothing."""
    model = branch_model(settings)
    if model is not None and hasattr(embedder, "share_layer"):  # a plain function (tests) keeps nothing
        embedder.share_layer, embedder.share_tokens = model.layer, model.max_tokens
        embedder.compose = bool(getattr(settings, "sentiment_from_sentences", False))



def warm_models(settings=None) -> list[str]:
    """Export (on a first run) and load every model file the enrichment runs: the configured
    encoder, and the prefix graph the sentiment branch's own pass uses. Returns what it loaded.

    `voxindex demo` runs this in a thread while Elasticsearch starts and the data is generated:
    the export steps run in child processes (indexer/encoder/export.py) and the sessions land in
    this process's caches, so the ingest that follows starts with them instead of exporting first.
    """
    from indexer.encoder import get_encoder

    from .sentiment import branch_input_encoder

    settings = settings or get_settings()
    loaded = [f"encoder {settings.encoder}"]
    get_encoder(settings)
    model = branch_model(settings)
    if model is not None:
        enc = branch_input_encoder(settings)
        if hasattr(enc, "prefix_session"):  # the torch reference has no prefix graph
            enc.prefix_session(model.layer)
            loaded.append(f"sentiment branch input ({enc.kind}, layers 0..{model.layer})")
    return loaded
