"""all-MiniLM-L6-v2 sentence embeddings from its ONNX export, without Chroma's fixed-length padding.

Chroma's default function (`ONNXMiniLM_L6_V2`) pads every input to 256 tokens. Attention masks make the padding
irrelevant to the result, so padding each batch only to its longest input gives the same vectors for far less
work. Everything else matches Chroma: truncation at 256 tokens, token type ids of zero, mean pooling weighted by
the attention mask, then L2 normalisation.
"""

from __future__ import annotations

import logging
import tarfile
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from salient_library.errors import ModelMissing

log = logging.getLogger(__name__)

MODEL_FILES = ("config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json")
MAX_TOKENS = 256
DIMENSIONS = 384


def default_model_dir() -> Path:
    """Where Chroma itself keeps the model once it has downloaded it."""
    return Path.home() / ".cache" / "chroma" / "onnx_models" / "all-MiniLM-L6-v2" / "onnx"


def missing_files(model_dir: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (model_dir / name).is_file()]


class MiniLM:
    """One ONNX inference session and tokenizer, loaded on first use and shared by every caller."""

    def __init__(self, model_dir: Path, *, batch_size: int = 32) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                missing = missing_files(self.model_dir)
                if missing and self.model_dir == default_model_dir():
                    missing = self._fetch_like_chroma()
                if missing:
                    raise ModelMissing(self.model_dir, missing)
                # Imported here: both come with chromadb, and loading them is only worth it when embedding.
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest input of each batch
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = onnxruntime.InferenceSession(
                    str(self.model_dir / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def _fetch_like_chroma(self) -> list[str]:
        """Let Chroma download the model into its own cache, as it would for its default function.

        Only for the default directory (Chroma's cache): a configured directory is the operator's to fill.
        Offline the download fails fast, and the caller reports what is missing and how to fix it.
        """
        from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

        downloader = ONNXMiniLM_L6_V2()
        downloader.DOWNLOAD_PATH = self.model_dir.parent
        try:
            downloader._download_model_if_not_exists()  # pyright: ignore[reportPrivateUsage]
        except (OSError, ValueError, httpx.HTTPError, tarfile.TarError) as exc:
            log.warning("could not download the embedding model: %s", exc)
        return missing_files(self.model_dir)

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text, in the order given."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        session, tokenizer = self._load()
        # Sorting by length groups similar lengths into a batch, so little padding is left at all.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            picked = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in picked])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, inputs)[0]
            weights = mask[:, :, np.newaxis].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1)
            norms[norms == 0] = 1e-12
            out[picked] = pooled / norms[:, np.newaxis]
        return out


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
