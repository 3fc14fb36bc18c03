"""The taxonomy abstains when nothing fits, learns from labeled examples and corrections, and
carries intent priors in its file (docs/taxonomy.md)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from indexer.corrections import read_corrections, record
from indexer.enrich.embed import get_embedder
from indexer.enrich.taxonomy import TaxonomyClassifier, get_classifier, load_taxonomy
from indexer.evals.real.abstention import choose_threshold
from indexer.evals.real.stats import bootstrap, wilson
from indexer.taxonomy_learn import collect_examples, fit, learn, load

SMALL = """\
version: "t-1"
examples_csv: examples.csv
themes:
  billing:
    description: Charges and refunds
    intent: complaint
    sub_themes:
      refund: {description: the customer wants money back}
      double-charge: {description: charged twice for one purchase}
  access:
    description: Signing in
    sub_themes:
      login: {description: cannot log in to the account, intent: bug}
"""
CSV = """text,sub_theme
"Please return the fee you took for the plan I cancelled",refund
"I need a reimbursement for last month",refund
"Two identical payments left my account for one order",double-charge
"My card shows the same subscription debited two times",double-charge
"The sign-in page rejects my password although it is right",login
"Locked out of my workspace since this morning",login
"""


@pytest.fixture(scope="module")
def embedder(base_settings):
    return get_embedder(base_settings)


@pytest.fixture
def small(tmp_path):
    (tmp_path / "taxonomy.yaml").write_text(SMALL)
    (tmp_path / "examples.csv").write_text(CSV)
    return tmp_path / "taxonomy.yaml"


def test_wilson_and_bootstrap_intervals_hold_the_value_and_repeat_with_the_seed():
    m = wilson(80, 100)
    assert m["lo"] < 0.8 < m["hi"] and 0 <= m["lo"] and m["hi"] <= 1 and m["n"] == 100
    assert wilson(0, 10)["lo"] == 0.0 and wilson(10, 10)["hi"] == 1.0
    x = np.array([1.0] * 30 + [0.0] * 70)
    a, b = bootstrap(lambda i: float(x[i].mean()), len(x), seed=3), bootstrap(lambda i: float(x[i].mean()), len(x), seed=3)
    assert a == b and a["lo"] < 0.3 < a["hi"]


def test_calibration_picks_the_highest_threshold_within_the_in_scope_budget():
    gold = ["a", "a", "a", "a", "b", "oos", "oos"]
    best = ["a", "a", "a", "b", "b", "a", "b"]
    support = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.1, 0.3])
    # correct in-scope supports: 0.9, 0.8, 0.7, 0.6; a threshold above 0.6 loses one of five (20 points)
    t, report = choose_threshold([("x", gold, best, support, "oos")], max_drop=0.03)
    assert 0.3 < t <= 0.6
    assert report["oos_recall"]["x"] == 1.0 and report["drop"]["x"] == 0.0


@pytest.mark.parametrize("sub_theme, error", [
    ("{description: refund, return or replacement}", "unknown key.s. return or replacement.*put the text in quotes"),
    ("{description: refunds, keyword: [refund]}", "unknown key.s. keyword; allowed: description, keywords"),
    ("{description: refunds, intent: angry}", "intent 'angry'; use one of"),
])
def test_a_taxonomy_file_with_a_key_or_value_it_does_not_know_is_refused_with_the_fix(tmp_path, sub_theme, error):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(f"version: '1'\nthemes:\n  money:\n    sub_themes:\n      refund: {sub_theme}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_taxonomy(path)
    path.write_text("version: '1'\nthemes:\n  money:\n    sub_themes:\n"
                    "      refund: {description: \"refund, return or replacement\"}\n", encoding="utf-8")
    assert load_taxonomy(path).sub_themes[0].description == "refund, return or replacement"


def test_ingest_with_a_broken_taxonomy_file_stops_before_creating_anything(tmp_path, monkeypatch, capsys, es,
                                                                            unset_prefix):
    from pathlib import Path

    from voxindex import cli

    bad = tmp_path / "taxonomy.yaml"
    bad.write_text("version: '1'\nthemes:\n  money:\n    sub_themes:\n      refund: {description: refund, or a return}\n")
    monkeypatch.setenv("VOXINDEX_TAXONOMY", str(bad))
    chats = Path(__file__).parent / "fixtures" / "sources" / "chats.csv"
    assert cli.main(["ingest", str(chats)]) == 2
    assert "put the text in quotes" in capsys.readouterr().err
    assert not es.indices.get(index=f"{unset_prefix}*", expand_wildcards="all")


def test_intent_priors_come_from_the_taxonomy_file(small):
    tax = load_taxonomy(small)
    assert tax.intent_prior("billing", "refund") == "complaint"
    assert tax.intent_prior("access", "login") == "bug"
    assert tax.intent_prior(None, None) is None
    shipped = load_taxonomy()
    assert shipped.intent_priors["churn-intent"] == "churn_risk"
    assert shipped.intent_priors["reliability"] == "bug"


def test_a_unit_that_fits_no_sub_theme_gets_none_and_is_not_confident(embedder):
    clf = TaxonomyClassifier(load_taxonomy(), embedder)
    on, off = clf.predict(["I was charged twice for the same month on my card",
                           "what is the boiling point of water at sea level in kelvin"])
    assert on.primary_sub_theme == "double-charge" and not on.unclassified
    assert off.unclassified and off.sub_themes == [] and off.best_guess is not None
    labels = clf.labels(off)
    assert labels.confident is False and labels.unclassified and labels.needs_review
    assert labels.primary_sub_theme is None and labels.sub_theme == [] and labels.theme == []
    assert clf.labels(on).confident is True


def _basis_classifier(k: int) -> TaxonomyClassifier:
    """k sub-themes whose prototypes all embed to the basis vector e_i: a unit's score for
    sub-theme i is its i-th coordinate (no keywords)."""
    import re

    from indexer.enrich.taxonomy import SubTheme, Taxonomy

    subs = tuple(SubTheme("t", f"s{i}", f"topic s{i}", (), ()) for i in range(k))

    def embed(texts):
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, t in enumerate(texts):
            out[row, int(re.search(r"s(\d+)", t).group(1))] = 1.0
        return out

    return TaxonomyClassifier(Taxonomy("b-1", {"t": ""}, subs, path="<basis>"), embed)


def test_an_in_domain_message_that_fits_every_sub_theme_alike_is_unclassified():
    """Support alone passes a message that is about the taxonomy's domain but none of its
    sub-themes; its lead over the mean score does not (docs/taxonomy.md)."""
    clf = _basis_classifier(9)
    focused = np.zeros(384, dtype=np.float32)
    focused[[0, 1]] = [0.9, 0.3]
    flat = np.zeros(384, dtype=np.float32)
    flat[:9] = 1 / 3  # fits all nine at 0.333, well above the support threshold
    on, off = clf.predict(["a", "b"], np.stack([focused / np.linalg.norm(focused), flat]))
    assert on.primary_sub_theme == "s0" and not on.unclassified
    assert off.support > clf.abstain and off.lead < clf.abstain_lead
    assert off.unclassified and off.sub_themes == [] and clf.margin(off) < 0 < clf.margin(on)


def test_the_lead_rule_is_off_below_the_smallest_calibrated_taxonomy():
    clf = _basis_classifier(5)
    flat = np.zeros((1, 384), dtype=np.float32)
    flat[0, :5] = 1 / np.sqrt(5)
    [pred] = clf.predict(["a"], flat)
    assert clf.abstain_lead == -np.inf and not pred.unclassified
    assert TaxonomyClassifier(clf.taxonomy, clf.embed, abstain=-np.inf).abstain_lead == -np.inf  # "never abstain"


def test_the_lead_scale_is_the_largest_that_keeps_every_calibration_set_within_budget():
    from indexer.evals.real.abstention import lead_scale

    # one in-scope set of 100 right answers at k = 9, support always passing, leads 0, 0.002, ... 0.198
    lead = np.arange(100) * 0.002
    sets = [("x", 9, ["a"] * 100, ["a"] * 100, np.ones(100), lead, None)]
    assert lead_scale(sets, {9: 0.1, 150: 0.1}) == (0.0, {})  # even 0.5 x 0.1 abstains on 25 right answers
    # 0.0075 x factor: 1.0 .. 0.85 abstain on 4 (3.75 .. 3.2 steps of 0.002), 0.8 on exactly 3 (0, 0.002, 0.004)
    scale, drops = lead_scale(sets, {9: 0.0075, 150: 0.0075})
    assert scale == 0.8 and drops == {"x": 0.03}


def test_learn_fits_a_head_from_csv_and_corrections_and_ingest_uses_it(small, tmp_path, embedder, base_settings):
    settings = replace(base_settings, home=tmp_path / "home", taxonomy_path=str(small))
    record(settings, "u-1", "I got billed for the same order on two days", "double-charge", "refund", "t-1", "ana")
    record(settings, "u-2", "nothing fits", "login", None, "t-1", "ana")
    record(settings, "u-2", "The login link in the email is broken", "login", None, "t-1", "ana")  # latest wins
    assert len(read_corrections(settings)) == 2
    rows = collect_examples(load_taxonomy(small), settings=settings)
    assert ("The login link in the email is broken", "login") in rows and len(rows) == 8
    path, head = learn(settings)
    assert path.exists() and head.counts == {"refund": 2, "double-charge": 3, "login": 3}
    assert load(path).sub_themes == head.sub_themes
    clf = get_classifier(settings=settings, embedder=embedder)
    assert clf.head is not None
    pred = clf.predict(["Could I have my money back for the unused months?"])[0]
    assert pred.primary_sub_theme == "refund" and clf.labels(pred).learned


def test_a_stale_head_is_ignored_when_the_taxonomy_changes(small, embedder):
    tax = load_taxonomy(small)
    head = fit(tax, ["money back please"], ["refund"], embedder, "prototype")
    changed = replace(tax, version="t-2")
    assert TaxonomyClassifier(changed, embedder, head=head).head is None
    assert TaxonomyClassifier(tax, embedder, head=head).head is head


def test_learn_rejects_examples_for_unknown_sub_themes(small, embedder):
    with pytest.raises(ValueError, match="does not have"):
        fit(load_taxonomy(small), ["hello"], ["no-such-sub-theme"], embedder)


def test_the_demo_taxonomy_is_not_copied_from_the_demo_generator():
    from indexer.evals.generator_overlap import overlap, template_texts

    o = overlap(load_taxonomy(), template_texts())
    assert o["examples"] == 52 and o["examples_sharing_a_trigram"] == 0, o["example_hits"]
    # plain domain words ("refund", "slack") occur in any text about the domain; phrases must not creep back
    assert o["keywords_in_templates"] <= 80, o["keyword_hits"]


def test_learn_reports_how_the_head_does_on_examples_it_did_not_see(small, embedder):
    from indexer.taxonomy_learn import cross_validate

    tax = load_taxonomy(small)
    rows = [("Please return the fee you took for the plan I cancelled", "refund"),
            ("I need a reimbursement for last month", "refund"),
            ("Give me my money back for the broken order", "refund"),
            ("I want a refund for the annual plan", "refund"),
            ("Two identical payments left my account for one order", "double-charge"),
            ("My card shows the same subscription debited two times", "double-charge"),
            ("You billed me twice this month", "double-charge"),
            ("The invoice was charged two times on my card", "double-charge"),
            ("The sign-in page rejects my password although it is right", "login"),
            ("Locked out of my workspace since this morning", "login"),
            ("I cannot log in to my account anymore", "login"),
            ("The login screen keeps saying my password is wrong", "login")]
    texts, labels = [t for t, _ in rows], [l for _, l in rows]
    report = cross_validate(tax, texts, labels, embedder, folds=4)
    assert report is not None and report["examples"] == 12
    for who in ("learned", "zero_shot"):
        acc = report[who]["accuracy"]
        assert acc["n"] == 12 and acc["lo"] <= acc["value"] <= acc["hi"]
    assert report["learned"]["accuracy"]["value"] >= 0.75  # these are easy: a broken fit would miss
    assert cross_validate(tax, texts[:7], labels[:7], embedder, folds=4) is None  # too few to hold out


def test_taxonomy_show_says_what_the_file_means_besides_its_labels(small, capsys):
    from voxindex import cli

    small.write_text(small.read_text().replace("double-charge: {description: charged twice for one purchase}",
                                               "double-charge: {description: charged twice for one purchase, severity: high}"))
    assert cli.main(["taxonomy", "show", "--taxonomy", str(small)]) == 0
    out = capsys.readouterr().out
    assert "billing: refund, double-charge" in out
    assert "intent priors: billing -> complaint, login -> bug" in out
    assert "severity floors: double-charge -> high" in out
    assert "zero-shot abstention for 3 sub-themes: support < 0.235 (lead rule off below 9 sub-themes)" in out
