"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure-style gateways, Ollama, vLLM).

The `openai` client does the HTTP work: retries with backoff on 429 and 5xx (honouring Retry-After), timeouts,
and the response's error bodies. Texts go in batches of `batch` per request; rows come back by `index`, so the
order is the caller's whatever order the server answers in. Vectors are L2-normalised here, because the
collection compares them by cosine and not every compatible server normalises.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from salient_library.errors import EmbeddingFailed


class OpenAIEmbedder:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        dimensions: int | None = None,
        batch: int = 64,
        timeout: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.dimensions = dimensions
        self.batch = batch
        self._api_key = api_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        # The base URL is left out: a gateway serving the same model gives the same vectors.
        return f"openai:{self.model}" + (f":{self.dimensions}" if self.dimensions else "")

    def _get(self) -> Any:
        with self._lock:
            if self._client is None:
                # Imported on first use: only deployments that choose this provider need the package.
                import os

                import openai

                key = self._api_key or os.environ.get("OPENAI_API_KEY") or "unset"  # local servers need none
                self._client = openai.OpenAI(
                    base_url=self.base_url, api_key=key, timeout=self._timeout, max_retries=self._max_retries
                )
            return self._client

    def close(self) -> None:
        """Close the client's connection pool: a kept-alive socket left to the collector is a leak (and a warning)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions or 0), dtype=np.float32)
        import openai

        client = self._get()
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch):
            # The API refuses empty strings; a space embeds as "nothing" just the same.
            part = [t if t.strip() else " " for t in texts[start : start + self.batch]]
            extra: dict[str, Any] = {"dimensions": self.dimensions} if self.dimensions else {}
            try:
                response = client.embeddings.create(model=self.model, input=part, encoding_format="float", **extra)
            except openai.APIStatusError as exc:
                raise EmbeddingFailed(self.base_url, f"HTTP {exc.status_code}: {exc.message}") from exc
            except openai.APIError as exc:  # connection errors and timeouts, after the client's retries
                raise EmbeddingFailed(self.base_url, str(exc)) from exc
            data = sorted(response.data, key=lambda item: item.index)
            if len(data) != len(part):
                raise EmbeddingFailed(self.base_url, f"{len(data)} vectors for {len(part)} texts")
            rows.extend(list(item.embedding) for item in data)
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
