"""Our MiniLM gives Chroma's vectors (cosine >= 0.9999) without padding every input to 256 tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2
from library_support import require_model
from salient_library.chroma_function import MiniLMEmbeddingFunction
from salient_library.embeddings import MiniLM

MODEL_DIR_UNUSED = Path("/nonexistent")  # batching is planned before the model is loaded

TEXTS = [
    "How long does standard shipping take?",
    "hello",
    "",
    "Réglage du fauteuil roulant : largeur d'assise 18 pouces, poids 11,8 kg.",
    "SKU BW-WC-AEROLI-18-BLU — 549.00 USD",
    "word " * 400,  # beyond 256 tokens: truncated exactly as Chroma truncates
    *[f"Rollator number {i} has loop brakes and a padded seat. " * (1 + i % 6) for i in range(14)],
]


def test_vectors_match_chromas_default_function(monkeypatch) -> None:
    model_dir = require_model()
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "DOWNLOAD_PATH", model_dir.parent)
    theirs = np.array(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2()(TEXTS))
    ours = MiniLM(model_dir, batch_size=16).embed(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_embedding_function_round_trips_through_its_config() -> None:
    model_dir = require_model()
    function = MiniLMEmbeddingFunction(model_dir=str(model_dir))
    rebuilt = MiniLMEmbeddingFunction.build_from_config(function.get_config())
    first, second = function(["grab bars"]), rebuilt(["grab bars"])
    assert float(np.dot(first[0], second[0])) > 0.99999
    assert rebuilt.model.model_dir == model_dir


def test_batches_group_similar_lengths_within_a_token_budget() -> None:
    model = MiniLM(MODEL_DIR_UNUSED, batch_size=4, token_budget=300)
    lengths = [100, 5, 250, 7, 6, 120, 8, 9, 260]
    batches = model.batches(lengths)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 4 and (len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 300)
    # Sorted by length: the short texts share batches, the long ones go alone.
    assert batches[0] == [1, 4, 3, 6] and batches[-1] == [8]
