"""Quality gates. A regression fails CI; no gate is one a constant predictor passes.

Real data first (the shared public corpora, ../shared/corpora): a fixed seeded sample per corpus,
floors within 0.02 of the value measured when the gate was set, and every gate also checks the
model beats the constant (majority / never-abstain / always-abstain) predictor on the same sample.

Then the regression checks on generated data: the hand-written fixture and a small demo dataset
(scored on a sample). These guard against breakage; they are not quality claims."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.evals.cli import run_tasks
from indexer.evals.real.corpora import DEFAULT_CORPORA

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "enrich_gt"
DEMO_LIMIT = 400

# ---------------------------------------------------------------- real data (shared corpora)
REAL_SEED = 0
TAXONOMY_LIMIT, ABSTENTION_LIMIT, CURVE_LIMIT = 200, 300, 200
# measured 2026-12-03 on these samples (seed 0), the eval taxonomies' descriptions whole (17 had
# been cut at a comma): banking77 0.644, sofmattress 0.555, curekart 0.480, powerplay11 0.579,
# clinc150 0.684 zero-shot macro-F1
ZERO_SHOT_MACRO_F1 = {"banking77": 0.63, "hint3-sofmattress": 0.54, "hint3-curekart": 0.46,
                      "hint3-powerplay11": 0.56, "clinc150": 0.67}
# measured (the lead rule, 2026-12-03): OOS recall clinc150 0.541, sofmattress 0.468, curekart 0.398,
# powerplay11 0.232, 9-intent CLINC150 taxonomies 0.817, 9-intent described Banking77 taxonomies
# against CLINC150's out-of-scope messages 0.884 and against other Banking77 intents 0.157 (support
# alone: 0.077); in-scope accuracy with abstention 0.670, 0.576, 0.482, 0.569, 0.854, 0.877
OOS_RECALL = {"clinc150": 0.52, "hint3-sofmattress": 0.45, "hint3-curekart": 0.38, "hint3-powerplay11": 0.21,
              "clinc150-9-intents": 0.80, "banking77-9-intents": 0.865, "banking77-9-intents-in-domain": 0.14}
IN_SCOPE_ACCURACY = {"clinc150": 0.65, "hint3-sofmattress": 0.56, "hint3-curekart": 0.46, "hint3-powerplay11": 0.55,
                     "clinc150-9-intents": 0.835, "banking77-9-intents": 0.857}
# measured: a 10-shot logreg head abstaining at its calibrated threshold: OOS recall clinc150 0.623,
# powerplay11 0.576, 9-intent CLINC150 taxonomies (5 draws) 0.870; in-scope accuracy with abstention
# 0.887, 0.618, 0.966; 9-intent described Banking77 taxonomies with 10-shot heads: OOS recall 0.874
# (CLINC150 out-of-scope) and 0.444 (other Banking77 intents), in-scope accuracy 0.939
LEARNED_OOS_RECALL = {"clinc150": 0.60, "hint3-powerplay11": 0.55, "clinc150-9-intents": 0.85,
                      "banking77-9-intents": 0.852, "banking77-9-intents-in-domain": 0.424}
LEARNED_IN_SCOPE_ACCURACY = {"clinc150": 0.87, "hint3-powerplay11": 0.60, "clinc150-9-intents": 0.95,
                             "banking77-9-intents": 0.919}
# measured: 10 examples per class, logreg head: banking77 0.821, sofmattress 0.771 macro-F1
TEN_SHOT_MACRO_F1 = {"banking77": 0.81, "hint3-sofmattress": 0.75}

needs_corpora = pytest.mark.skipif(not (DEFAULT_CORPORA / "intent").is_dir(),
                                   reason=f"the shared corpora are not at {DEFAULT_CORPORA}")


@pytest.fixture(scope="module")
def real():
    from indexer.evals.real import abstention, learning_curve, taxonomy_zero_shot

    out = {}
    out.update(taxonomy_zero_shot.run(DEFAULT_CORPORA, TAXONOMY_LIMIT, REAL_SEED))
    out.update(abstention.run(DEFAULT_CORPORA, ABSTENTION_LIMIT, REAL_SEED))
    out.update(learning_curve.run(DEFAULT_CORPORA, CURVE_LIMIT, REAL_SEED, datasets=tuple(TEN_SHOT_MACRO_F1),
                                  shots=(0, 10), methods=("logreg",), abstention=False))
    out.update(learning_curve.run(DEFAULT_CORPORA, ABSTENTION_LIMIT, REAL_SEED, datasets=(), abstention=True))
    return {k: v["value"] for k, v in out.items()}


def failures(real, floors, metric_of, baseline_of):
    bad = []
    for name, floor in floors.items():
        value, base = real[metric_of(name)], baseline_of(name)
        if value < floor:
            bad.append(f"{metric_of(name)} = {value} < floor {floor}")
        if value <= base:
            bad.append(f"{metric_of(name)} = {value} does not beat the constant predictor's {base}")
    return bad


@needs_corpora
def test_zero_shot_taxonomy_holds_on_real_intents(real):
    bad = failures(real, ZERO_SHOT_MACRO_F1, lambda n: f"{n}.zero_shot.macro_f1",
                   lambda n: real[f"{n}.majority_baseline.macro_f1"])
    assert not bad, "; ".join(bad)


@needs_corpora
def test_abstention_catches_out_of_scope_without_losing_in_scope(real):
    # never abstaining has OOS recall 0; always abstaining has in-scope accuracy 0
    bad = failures(real, OOS_RECALL, lambda n: f"{n}.zero_shot.oos_recall", lambda n: 0.0)
    bad += failures(real, IN_SCOPE_ACCURACY, lambda n: f"{n}.zero_shot.in_scope_accuracy", lambda n: 0.0)
    assert not bad, "; ".join(bad)


@needs_corpora
def test_a_learned_head_abstains_on_out_of_scope_messages(real):
    bad = failures(real, LEARNED_OOS_RECALL, lambda n: f"{n}.learned_abstention.shots_10.oos_recall", lambda n: 0.0)
    bad += failures(real, LEARNED_IN_SCOPE_ACCURACY, lambda n: f"{n}.learned_abstention.shots_10.in_scope_accuracy",
                    lambda n: 0.0)
    assert not bad, "; ".join(bad)


@needs_corpora
def test_ten_labeled_examples_per_class_beat_zero_shot(real):
    bad = failures(real, TEN_SHOT_MACRO_F1, lambda n: f"{n}.shots_10.logreg.macro_f1",
                   lambda n: real[f"{n}.shots_0.macro_f1"])
    assert not bad, "; ".join(bad)


# ---------------------------------------------------------------- regression checks (generated data)
# measured 2026-11 (fixture: sentiment acc 0.88, intent F1 0.89, dups F1 1.0); 2026-12 with the
# rewritten demo taxonomy and abstention (abstained units count as misses): theme 0.793, sub 0.791,
# severity macro-recall 0.653 (a constant scores 0.25; the old within-one-level gate let it pass)
FIXTURE_FLOORS = {
    ("taxonomy", "theme", "macro_f1"): 0.78,
    ("taxonomy", "sub_theme", "macro_f1"): 0.78,
    # Sentiment now comes from the trained model (real-data gates: tests/test_sentiment_model.py);
    # the rules scored 0.88 here, but their cues were written together with this fixture (issue 9).
    # Measured with the model: 0.796 (L=3 branch); 0.785 with the first L=4 branch (a three-epoch
    # candidate scored 0.753 here and was not shipped); 0.828 with the branch trained on mix B,
    # shipped now (models/sentiment/MODEL_CARD.md).
    ("sentiment", "sentiment", "accuracy"): 0.81,
    ("sentiment", "intent", "macro_f1"): 0.82,
    ("sentiment", "severity", "macro_recall"): 0.64,
    # A constant "medium" is within one level of 0.94 of this fixture: severity must beat the best
    # constant's macro-F1 (measured +0.558).
    ("sentiment", "severity_macro_f1_over_constant"): 0.5,
    ("duplicates", "f1"): 0.9,
    ("attribution", "customer_vs_other", "accuracy"): 0.98,
}
# measured on demo seed 7, 400-unit sample, 2026-12 (rewritten taxonomy, abstention): theme 0.792,
# sub 0.791, sentiment acc 0.785, intent F1 0.703, severity macro-recall 0.606; with the mix-B
# sentiment branch: sentiment acc 0.818, intent F1 0.708
DEMO_FLOORS = {
    ("taxonomy", "theme", "macro_f1"): 0.78,
    ("taxonomy", "sub_theme", "macro_f1"): 0.78,
    ("sentiment", "sentiment", "accuracy"): 0.80,
    ("sentiment", "intent", "macro_f1"): 0.68,
    ("sentiment", "severity", "macro_recall"): 0.59,
    # within one level, a constant "medium" scores 0.958 here (the model 0.950): gate on the
    # macro-F1 margin over the best constant instead (measured +0.470; sentiment acc 0.828 with the model)
    ("sentiment", "severity_macro_f1_over_constant"): 0.44,
}


def dig(d, path):
    for k in path:
        d = d[k]
    return d


def macro_recall(report: dict) -> float:
    per = report["per_class"]
    return sum(v["recall"] for v in per.values()) / len(per)


def constant_value(report: dict, metric: str) -> float:
    """What the best constant predictor scores on this classification report: the majority class
    for accuracy and macro-F1; 1/k for macro-recall (a constant recalls one class of k)."""
    per = report["per_class"]
    n = sum(v["support"] for v in per.values())
    share = max(v["support"] for v in per.values()) / n
    if metric == "accuracy":
        return share
    if metric == "macro_f1":
        return 2 * share / (1 + share) / len(per)
    if metric == "macro_recall":
        return 1 / len(per)
    raise KeyError(metric)


def check(result, floors):
    failures = []
    for path, floor in floors.items():
        task = result["tasks"]
        if path[-1] == "macro_recall":
            report = dig(task, path[:-1])
            value = macro_recall(report)
        else:
            value = dig(task, path)
            report = dig(task, path[:-1]) if isinstance(dig(task, path[:-1]), dict) else None
        if value is None or value < floor:
            failures.append(f"{'.'.join(path)} = {value} < floor {floor}")
        if report is not None and "per_class" in report:
            base = constant_value(report, path[-1])
            if value <= base:
                failures.append(f"{'.'.join(path)} = {value} does not beat a constant predictor ({base:.3f})")
    assert not failures, "quality regression: " + "; ".join(failures)


def test_a_constant_predictor_fails_the_severity_gate():
    # "medium" for everything: within-one-level agreement would pass; macro-recall does not
    report = {"per_class": {"low": {"recall": 0.0, "support": 30}, "medium": {"recall": 1.0, "support": 40},
                            "high": {"recall": 0.0, "support": 20}, "critical": {"recall": 0.0, "support": 10}}}
    result = {"tasks": {"sentiment": {"severity": report}}}
    with pytest.raises(AssertionError, match="constant"):
        check(result, {("sentiment", "severity", "macro_recall"): 0.0})


@pytest.mark.parametrize("level", ["low", "medium", "high", "critical"])
def test_a_constant_severity_fails_every_severity_gate_through_the_real_eval(monkeypatch, level):
    """The eval itself, on the fixture, with a model that says `level` for every unit (and the gold
    sentiment and intent, so nothing else can fail): each severity floor, alone, must fail."""
    from types import SimpleNamespace

    from indexer.evals import sentiment

    def constant(rows):
        return [(SimpleNamespace(label=r["sentiment"]), SimpleNamespace(label=r["intent"]), SimpleNamespace(label=level))
                for r in rows]

    monkeypatch.setattr(sentiment, "predict", constant)
    result = {"tasks": {"sentiment": sentiment.run(str(FIXTURE))}}
    gates = {path: floor for floors in (FIXTURE_FLOORS, DEMO_FLOORS) for path, floor in floors.items()
             if "severity" in path[1]}
    assert gates
    for path, floor in gates.items():
        with pytest.raises(AssertionError, match="quality regression"):
            check(result, {path: floor})
    # and the sentiment and intent gates pass on gold labels: it is severity that fails
    check(result, {p: f for p, f in FIXTURE_FLOORS.items() if p[0] == "sentiment" and "severity" not in p[1]})


def test_enrichment_quality_holds_on_hand_labeled_feedback():
    tasks = sorted({p[0] for p in FIXTURE_FLOORS})
    check(run_tasks(str(FIXTURE), tasks, echo=lambda *_: None), FIXTURE_FLOORS)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from indexer.demo.generate import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7, days=30, scale=0.3, progress=False)  # a broken generator fails these gates, never skips them
    return out


def test_enrichment_quality_holds_on_demo_data(demo_dir):
    tasks = sorted({p[0] for p in DEMO_FLOORS})
    check(run_tasks(str(demo_dir), tasks, DEMO_LIMIT, echo=lambda *_: None), DEMO_FLOORS)
