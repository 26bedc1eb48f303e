"""Library settings: the shared server settings under the `SALIENT_LIBRARY_` prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings

from salient_library.embeddings import default_model_dir


class LibrarySettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_LIBRARY_", extra="ignore")

    port: int = Field(8104, ge=0, le=65535)
    model_dir: Path = Field(
        default_factory=default_model_dir, description="Directory of the all-MiniLM-L6-v2 ONNX model files."
    )
    chroma_path: Path | None = Field(None, description="Embedded Chroma directory; default <data_dir>/library-chroma.")
    file_roots: list[Path] = Field(default_factory=list, description="Directories whose files may be ingested.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file ingest accepts.")
    chunk_chars: int = Field(1200, ge=200, le=8000, description="Target chunk length in characters.")
    chunk_overlap: int = Field(200, ge=0, le=2000, description="Characters repeated between neighbouring chunks.")

    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "library-chroma"
