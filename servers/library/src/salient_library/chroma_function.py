"""`MiniLM` as a Chroma embedding function, registered with Chroma under its own name.

The library hands Chroma vectors it made itself, so serving never needs this; it is for code that gives Chroma a
function to embed with (and reopens such a collection later). It lives apart from `embeddings` so that loading the
model's code does not load chromadb.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from salient_library.embeddings import MAX_TOKENS, MiniLM, default_model_dir


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """`MiniLM` as a Chroma embedding function, so a collection reopened later knows how it was embedded."""

    def __init__(self, model_dir: str | None = None, model: MiniLM | None = None) -> None:
        self.model = model or MiniLM(Path(model_dir) if model_dir else default_model_dir())

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.model.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "salient_minilm_l6_v2"

    def get_config(self) -> dict[str, Any]:
        return {"model_dir": str(self.model.model_dir)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        return MiniLMEmbeddingFunction(model_dir=config.get("model_dir"))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "l2", "ip"]

    def max_tokens(self) -> int:
        return MAX_TOKENS
