"""The indexed-duplicates measure: a gold repeat is a group's member after its earliest indexed
one, and a constant predictor cannot score well on both precision and recall."""
from indexer.evals.duplicates_indexed import flag_scores, gold_repeats

A, B, C, D = ("zendesk", "1", "c1"), ("zendesk", "2", "c1"), ("appstore", "9", "body"), ("csv", "4", "row")
CREATED = {A: "2026-09-02T00:00:00Z", B: "2026-09-01T00:00:00Z", C: "2026-09-03T00:00:00Z", D: "2026-09-04T00:00:00Z"}


def test_the_earliest_indexed_member_of_a_gold_group_is_not_a_repeat_whatever_the_listed_order():
    assert gold_repeats([[A, B, C], [D, ("csv", "never", "indexed")]], CREATED) == {A, C}


def test_flagging_everything_or_nothing_scores_badly():
    gold = gold_repeats([[A, B, C]], CREATED)
    everything = flag_scores(set(CREATED), gold)
    nothing = flag_scores(set(), gold)
    assert everything["recall"]["value"] == 1.0 and everything["precision"]["value"] == 0.5
    assert nothing["recall"]["value"] == 0.0
    assert flag_scores({A, C}, gold)["precision"]["value"] == 1.0
