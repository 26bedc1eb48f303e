"""all-MiniLM-L6-v2 sentence embeddings from its ONNX export, without Chroma's fixed-length padding.

Chroma's default function (`ONNXMiniLM_L6_V2`) pads every input to 256 tokens. Attention masks make the padding
irrelevant to the result, so padding each batch only to its longest input gives the same vectors for far less
work. Everything else matches Chroma: truncation at 256 tokens, token type ids of zero, mean pooling weighted by
the attention mask, then L2 normalisation.
"""

from __future__ import annotations

import logging
import os
import tarfile
import threading
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import numpy.typing as npt

from salient_library.errors import ModelMissing

log = logging.getLogger(__name__)

MODEL_FILES = ("config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json")
MAX_TOKENS = 256
DIMENSIONS = 384
# The vector space, not the files: the same model from Chroma's cache or a configured directory is one space.
MINILM_IDENTITY = "all-MiniLM-L6-v2"


MODEL_SUBDIR = Path("all-MiniLM-L6-v2") / "onnx"


def default_model_dir() -> Path:
    """Where Chroma itself keeps the model once it has downloaded it."""
    return Path.home() / ".cache" / "chroma" / "onnx_models" / MODEL_SUBDIR


def missing_files(model_dir: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (model_dir / name).is_file()]


def beside_checkout() -> Path | None:
    """`shared/models/all-MiniLM-L6-v2/onnx` beside a source checkout of Salient (machines without internet keep a
    copy there); None for an installed package."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "servers" / "library" / "pyproject.toml").is_file():
            return parent.parent / "shared" / "models" / MODEL_SUBDIR
    return None


def model_locations(configured: Path | None, data_dir: Path) -> list[Path]:
    """Where the model is looked for, in order: the setting (SALIENT_LIBRARY_MODEL_DIR) alone when it is given;
    otherwise beside the checkout, `<data_dir>/models/all-MiniLM-L6-v2/onnx`, then Chroma's cache (downloaded into
    on first use when online)."""
    if configured is not None:
        return [configured.expanduser()]
    beside = beside_checkout()
    return [*([beside] if beside else []), data_dir / "models" / MODEL_SUBDIR, default_model_dir()]


def find_model_dir(locations: list[Path]) -> Path:
    """The first location holding every model file, else the last one (Chroma's cache, or the setting)."""
    return next((where for where in locations if not missing_files(where)), locations[-1])


class Embedder(Protocol):
    """What ingestion and search need from an embedding provider."""

    @property
    def identity(self) -> str:
        """Names the vector space: vectors from embedders of different identities must never be compared."""
        ...

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text, in the order given."""
        ...


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class MiniLM:
    """One ONNX inference session and tokenizer, loaded on first use and shared by every caller.

    Texts are tokenized once, sorted by token count and cut into batches of similar length, each padded only
    to its own longest text: a batch of FAQ answers costs tens of tokens per row, not 256. A batch is also
    capped in padded tokens, so long texts go in smaller batches that stay in the CPU's caches.
    """

    identity = MINILM_IDENTITY
    _shared: dict[Path, MiniLM] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, model_dir: Path, *, looked: tuple[Path, ...] = ()) -> MiniLM:
        """The process's one instance for `model_dir`.

        An inference session is immutable and safe to call from several threads; loading it costs a few hundred
        milliseconds and ~90 MB, so every service in a process (several test servers, or the suite under
        `salient up`) shares it instead of loading its own.
        """
        key = model_dir.expanduser().resolve()
        with cls._shared_lock:
            model = cls._shared.get(key)
            if model is None:
                model = cls._shared[key] = cls(key, looked=looked)
            return model

    def __init__(
        self, model_dir: Path, *, looked: tuple[Path, ...] = (), batch_size: int = 32, token_budget: int = 2048
    ) -> None:
        """`looked`: every place the model was looked for before `model_dir` was chosen, for the error."""
        self.model_dir = model_dir
        self.looked = looked or (model_dir,)
        self.batch_size = batch_size
        self.token_budget = token_budget
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
                    raise ModelMissing([(where, missing_files(where)) for where in self.looked])
                # Imported here: both come with chromadb, and loading them is only worth it when embedding.
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.no_padding()  # each batch is padded to its own longest text below
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                # One session for the process, its operators spread over every core this process may use;
                # no inter-op pool (the graph is a chain, nothing runs side by side).
                options.intra_op_num_threads = _cores()
                options.inter_op_num_threads = 1
                options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
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

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """Positions grouped into batches: sorted by length, at most `batch_size` rows and `token_budget`
        padded tokens each (a single text always fits)."""
        order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
        out: list[list[int]] = []
        current: list[int] = []
        for i in order:
            # Sorted ascending, so this text is the longest of the batch if it joins.
            if current and (len(current) >= self.batch_size or (len(current) + 1) * lengths[i] > self.token_budget):
                out.append(current)
                current = []
            current.append(i)
        if current:
            out.append(current)
        return out

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text, in the order given."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        session, tokenizer = self._load()
        encoded = tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for picked in self.batches([len(e.ids) for e in encoded]):
            width = max(len(encoded[i].ids) for i in picked)
            ids = np.zeros((len(picked), width), dtype=np.int64)
            mask = np.zeros((len(picked), width), dtype=np.int64)
            for row, i in enumerate(picked):
                n = len(encoded[i].ids)
                ids[row, :n] = encoded[i].ids
                mask[row, :n] = 1
            inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, inputs)[0]
            weights = mask[:, :, np.newaxis].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1)
            norms[norms == 0] = 1e-12
            out[picked] = pooled / norms[:, np.newaxis]
        return out
