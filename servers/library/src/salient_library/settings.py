"""Library settings: the shared server settings under the `SALIENT_LIBRARY_` prefix."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings

from salient_library.embeddings import model_locations

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class LibrarySettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_LIBRARY_", extra="ignore")

    port: int = Field(8104, ge=0, le=65535)

    # -- vector store ---------------------------------------------------------------------------------------
    chroma: str | None = Field(
        None,
        # CHROMA_PATH is this setting's earlier name: a store configured under it must not silently become empty.
        validation_alias=AliasChoices("chroma", "SALIENT_LIBRARY_CHROMA", "SALIENT_LIBRARY_CHROMA_PATH"),
        description="Embedded Chroma directory, or a Chroma server URL (http://host:port); "
        "default <data_dir>/library-chroma.",
    )
    chroma_token: SecretStr | None = Field(None, description="Bearer token for a Chroma server that requires one.")
    chroma_tenant: str = Field("default_tenant", min_length=3, max_length=512)
    chroma_database: str = Field(
        "default_database", min_length=3, max_length=512, description="Chroma database; created when missing."
    )

    # -- embeddings -----------------------------------------------------------------------------------------
    embeddings: Literal["minilm", "openai"] = Field(
        "minilm",
        description="minilm: Chroma's default model (all-MiniLM-L6-v2, ONNX) run locally from model_dir; "
        "openai: an OpenAI-compatible /v1/embeddings endpoint.",
    )
    model_dir: Path | None = Field(
        None,
        description="Directory of the all-MiniLM-L6-v2 ONNX model files; when unset the model is looked for beside "
        "the checkout (../shared/models/all-MiniLM-L6-v2/onnx), in <data_dir>/models/all-MiniLM-L6-v2/onnx, then "
        "in Chroma's cache (downloaded there on first use).",
    )
    embedding_base_url: str = Field("https://api.openai.com/v1", description="Base URL of the embeddings API.")
    embedding_model: str = Field("text-embedding-3-small", min_length=1, description="Model the API embeds with.")
    embedding_api_key: SecretStr | None = Field(
        None, description="API key; when unset the openai client reads OPENAI_API_KEY."
    )
    embedding_dimensions: int | None = Field(None, ge=1, le=8192, description="Ask the API for this many.")
    embedding_batch: int = Field(64, ge=1, le=2048, description="Texts per embeddings request.")
    embedding_timeout: float = Field(60.0, gt=0, description="Seconds per embeddings request.")

    # -- what ingest may read -------------------------------------------------------------------------------
    file_roots: list[Path] = Field(default_factory=list, description="Directories whose files may be ingested.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file or downloaded document ingest accepts.")
    url_allow_networks: list[Network] = Field(
        default_factory=list,
        description="Address ranges URLs may reach although private, loopback or link-local "
        "(e.g. ['10.20.0.0/16']); public addresses are always allowed.",
    )
    max_pages: int = Field(200, ge=1, le=10_000, description="Most pages one URL ingest may fetch.")
    max_depth: int = Field(5, ge=0, le=20, description="Deepest link-following a crawl may ask for.")
    max_crawl_bytes: int = Field(200_000_000, ge=1, description="Most bytes one URL ingest may download in all.")
    fetch_timeout: float = Field(20.0, gt=0, le=600, description="Seconds one page may take, body included.")
    crawl_timeout: float = Field(600.0, gt=0, description="Seconds one URL ingest may spend fetching.")
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = Field("SalientLibrary/0.1", min_length=1, description="Sent to sites; matched in robots.txt.")

    # -- chunking -------------------------------------------------------------------------------------------
    chunk_chars: int = Field(1200, ge=200, le=8000, description="Target chunk length in characters.")
    chunk_overlap: int = Field(200, ge=0, le=2000, description="Characters repeated between neighbouring chunks.")

    @field_validator("url_allow_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        # Accept a bare address ("127.0.0.1") as a one-address network.
        if isinstance(value, list):
            return [ipaddress.ip_network(str(v), strict=False) if isinstance(v, str) else v for v in value]
        return value

    def chroma_url(self) -> str | None:
        """The Chroma server's URL when one is configured, else None (embedded)."""
        if self.chroma and self.chroma.startswith(("http://", "https://")):
            return self.chroma
        return None

    def chroma_dir(self) -> Path:
        if self.chroma and self.chroma_url() is None:
            return Path(self.chroma).expanduser()
        return self.data_dir / "library-chroma"

    def model_locations(self) -> list[Path]:
        """Where the embedding model is looked for, in order (see `embeddings.model_locations`)."""
        return model_locations(self.model_dir, self.data_dir)
