"""`voxindex taxonomy`: show the taxonomy, re-label history with it, propose emerging themes."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("taxonomy", help="show, apply (re-label history) or extend the feedback taxonomy",
                       description="The versioned theme/sub-theme taxonomy (taxonomy/taxonomy.yaml).")
    tsub = p.add_subparsers(dest="taxonomy_command", metavar="ACTION", required=True)

    s = tsub.add_parser("show", help="print themes and sub-themes of a taxonomy file")
    s.add_argument("--taxonomy", metavar="FILE", help="taxonomy YAML (default: taxonomy/taxonomy.yaml)")
    s.set_defaults(func=_show)

    a = tsub.add_parser(
        "apply", help="re-label all indexed feedback into a new index version, then swap aliases atomically",
        description="Reads history through the read alias (point in time), re-labels taxonomy, sentiment, "
                    "intent and severity, writes <prefix>-feedback-v<N+1> and moves both aliases in one call. "
                    "Searches keep answering throughout.")
    a.add_argument("--taxonomy", metavar="FILE", help="taxonomy YAML to apply (default: taxonomy/taxonomy.yaml)")
    a.add_argument("--delete-old", action="store_true", help="delete the previous index after the swap")
    a.set_defaults(func=_apply)

    lrn = tsub.add_parser(
        "learn", help="fit a classifier for the taxonomy from its labeled examples and corrections",
        description="Fits a head over the encoder embeddings from the taxonomy's inline examples, an optional "
                    "CSV of text,sub_theme (--examples, or `examples_csv:` in the YAML) and the analysts' "
                    "corrections (POST /v1/units/<id>/label). Saved under VOXINDEX_HOME/taxonomy/, keyed by the "
                    "taxonomy version; ingest and `taxonomy apply` use it from then on.")
    lrn.add_argument("--taxonomy", metavar="FILE", help="taxonomy YAML (default: VOXINDEX_TAXONOMY or taxonomy/taxonomy.yaml)")
    lrn.add_argument("--examples", metavar="CSV", help="labeled examples, a CSV with a text,sub_theme header")
    lrn.add_argument("--method", choices=["logreg", "prototype"], default="logreg",
                     help="logreg (default: best on the learning curves) or prototype")
    lrn.set_defaults(func=_learn)

    e = tsub.add_parser(
        "emerging", help="cluster low-confidence units and propose candidate themes",
        description="Clusters customer units the classifier was unsure about and prints candidate themes "
                    "with their top terms and example unit ids, for a human to name and add to the YAML.")
    e.add_argument("--floor", type=float, default=None, help="confidence under which a unit counts (default: review floor)")
    e.add_argument("--k", type=int, default=None, help="number of clusters (default: sqrt(n/2))")
    e.add_argument("--min-size", type=int, default=3, help="smallest cluster worth proposing (default 3)")
    e.add_argument("--limit", type=int, default=5000, help="newest N low-confidence units to cluster")
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.set_defaults(func=_emerging)


def _show(args) -> int:
    from .taxonomy import load_taxonomy

    from voxindex.config import get_settings

    from .taxonomy import abstain_lead_zero_shot, abstain_zero_shot

    tax = load_taxonomy(args.taxonomy or get_settings().taxonomy_path)
    print(f"taxonomy {tax.version} ({tax.path})")
    for theme in tax.themes:
        print(f"  {theme}: " + ", ".join(s.name for s in tax.sub_themes if s.theme == theme))
    # what the file means besides its labels: the rest of the pipeline reads these from it
    for title, table in (("intent priors", tax.intent_priors), ("severity floors", tax.severity_floors)):
        print(f"{title}: " + (", ".join(f"{k} -> {v}" for k, v in sorted(table.items())) or "none"))
    k = len(tax.sub_themes)
    lead = abstain_lead_zero_shot(k)
    print(f"zero-shot abstention for {k} sub-themes: support < {abstain_zero_shot(k):.3f}"
          + (f" or lead < {lead:.3f}" if lead > -float("inf") else " (lead rule off below 9 sub-themes)")
          + "; a head fitted by `taxonomy learn` abstains on its own threshold")
    return 0


def _learn(args) -> int:
    from indexer.taxonomy_learn import learn
    from voxindex.config import get_settings

    path, head = learn(get_settings(), args.taxonomy, args.examples, args.method)
    labeled = sum(head.counts.values())
    thin = sorted(n for n, c in head.counts.items() if c == 0)
    print(f"{head.method} head for {len(head.sub_themes)} sub-themes from {labeled} labeled examples "
          f"(+ names, descriptions, inline examples); abstains under {head.threshold:.3f} -> {path}")
    if thin:
        print(f"{len(thin)} sub-themes have no labeled example yet (zero-shot prototypes only): {', '.join(thin[:10])}")
    from indexer.taxonomy_learn import CALIBRATED_SHOTS

    from indexer.taxonomy_learn import learn_report

    report = learn_report(get_settings(), args.taxonomy, args.examples, args.method)
    if report:
        def cell(m):
            return f"{m['value']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}]"

        lr, zs = report["learned"], report["zero_shot"]
        print(f"on examples it did not see ({report['folds']}-fold cross-validation over {report['examples']}): "
              f"accuracy {cell(lr['accuracy'])}, macro-F1 {cell(lr['macro_f1'])}; "
              f"zero-shot on the same examples: accuracy {cell(zs['accuracy'])}, macro-F1 {cell(zs['macro_f1'])}")
    few = sorted(n for n, c in head.counts.items() if c < CALIBRATED_SHOTS)
    if few:
        print(f"warning: {len(few)} sub-themes have fewer than {CALIBRATED_SHOTS} labeled examples, the count the "
              "abstention threshold was calibrated with; expect more units left unclassified until they get more")
    return 0


def _client():
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    return settings, es


def _apply(args) -> int:
    from indexer.taxonomy_apply import apply_taxonomy

    settings, es = _client()
    r = apply_taxonomy(settings, es, args.taxonomy, delete_old=args.delete_old)
    print(f"taxonomy {r.taxonomy_version}: {r.copied} units copied ({r.relabelled} re-labelled) "
          f"{r.old_index} -> {r.new_index} in {r.seconds:.1f}s; {r.caught_up} late writes caught up")
    return 0


def _emerging(args) -> int:
    from .emerging import low_confidence_units, propose
    from .taxonomy import REVIEW_FLOOR

    settings, es = _client()
    ids, texts, vecs = low_confidence_units(es, settings.indices.feedback, args.floor or REVIEW_FLOOR, args.limit)
    cands = propose(ids, texts, vecs, k=args.k, min_size=args.min_size)
    if args.json:
        print(json.dumps([c.__dict__ for c in cands], indent=2))
        return 0
    print(f"{len(ids)} low-confidence units -> {len(cands)} candidate themes")
    for i, c in enumerate(cands, 1):
        print(f"\n#{i}  {c.size} units, cohesion {c.cohesion:.2f}  terms: {', '.join(c.terms)}")
        for uid, text in zip(c.examples, c.sample_texts):
            print(f"    {uid}  {text}")
    return 0
