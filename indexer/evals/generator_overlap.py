"""How much of the demo taxonomy is copied from the demo generator's phrasing banks.

The demo evals are regression checks only if the classifier never saw the generator's phrases:
a taxonomy keyword that occurs in a template, or an example that shares a word trigram with one,
is counted. `python -m indexer.evals.generator_overlap` prints the counts (README)."""
from __future__ import annotations

import re

NGRAM = 3


def _words(text: str) -> list[str]:
    text = re.sub(r"\{[^}]*\}", " ", text.lower().replace("\u2019", "'"))  # slots are not phrasing
    return re.findall(r"[a-z0-9']+", text)


def _ngrams(words: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def template_texts() -> list[str]:
    from indexer.demo import vocab

    return [t.text for raw in vocab._RAW.values() for t in vocab._parse(raw)]


def overlap(taxonomy, templates: list[str]) -> dict:
    """Pure: which keywords occur in a template (word boundaries) and which examples share a
    word trigram with one."""
    joined = "\n".join(" ".join(_words(t)) for t in templates)
    grams = set().union(*(_ngrams(_words(t)) for t in templates)) if templates else set()
    kws = [k for s in taxonomy.sub_themes for k in s.keywords]
    exs = [e for s in taxonomy.sub_themes for e in s.examples]
    kw_hits = [k for k in kws if _words(k) and re.search(rf"(?<![\w']){re.escape(' '.join(_words(k)))}(?![\w'])", joined)]
    ex_hits = [e for e in exs if _ngrams(_words(e)) & grams]
    return {"keywords": len(kws), "keywords_in_templates": len(kw_hits), "keyword_hits": kw_hits,
            "examples": len(exs), "examples_sharing_a_trigram": len(ex_hits), "example_hits": ex_hits}


if __name__ == "__main__":
    import json
    import sys

    from indexer.enrich.taxonomy import load_taxonomy

    tax = load_taxonomy(sys.argv[1] if len(sys.argv) > 1 else None)
    print(json.dumps(overlap(tax, template_texts()), indent=2))
