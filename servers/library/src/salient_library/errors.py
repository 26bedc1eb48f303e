"""Library errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   ├── OutsideRoots        a file path outside every configured root
│   ├── UnsupportedType     a file type the library cannot read
│   ├── FileTooLarge        a file or download above the size limit
│   ├── EmptyDocument       a file or text with no readable words
│   ├── UnsafeURL           a URL with another scheme, or reaching a private, loopback or link-local address
│   ├── FetchFailed         a URL that could not be fetched (unreachable, timeout, HTTP error, robots.txt)
│   └── EmbedderMismatch    a collection embedded by another model than the one configured now
├── NotFound
│   ├── UnknownCollection   no collection of that name in the caller's account
│   ├── UnknownSource       no source with that id in the caller's account
│   └── UnknownJob          no ingest job with that id in the caller's account
├── ModelMissing            the embedding model's files are in none of the places looked
└── EmbeddingFailed         the embeddings endpoint failed or answered nonsense
"""

from __future__ import annotations

from pathlib import Path

from salient_core.errors import InvalidInput, NotFound, SalientError


class OutsideRoots(InvalidInput):
    def __init__(self, path: str, roots: list[Path]) -> None:
        shown = ", ".join(str(r) for r in roots) or "none configured"
        super().__init__(
            f"Path {path!r} is outside the library's file roots ({shown}).",
            hint="Ingest only files under a configured root (setting SALIENT_LIBRARY_FILE_ROOTS).",
        )


class UnsupportedType(InvalidInput):
    def __init__(self, path: str, suffixes: list[str]) -> None:
        super().__init__(
            f"Cannot read {path!r}: unsupported file type.", hint=f"Supported types: {', '.join(suffixes)}."
        )


class FileTooLarge(InvalidInput):
    def __init__(self, path: str, size: int, limit: int, *, streamed: bool = False) -> None:
        amount = f"more than {limit:,} bytes" if streamed else f"{size:,} bytes, above the limit of {limit:,} bytes"
        super().__init__(
            f"{'Download' if streamed or '://' in path else 'File'} {path!r} is {amount}.",
            hint="Split the document or raise SALIENT_LIBRARY_MAX_FILE_BYTES.",
        )


class EmptyDocument(InvalidInput):
    def __init__(self, origin: str) -> None:
        super().__init__(f"No readable text in {origin!r}.", hint="Check the file; scanned PDFs need OCR first.")


class UnsafeURL(InvalidInput):
    def __init__(self, url: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"Refusing {url!r}: {reason}.",
            hint=hint
            or "Ingest public http(s) URLs only; an operator can allow address ranges with "
            "SALIENT_LIBRARY_URL_ALLOW_NETWORKS.",
        )


class FetchFailed(InvalidInput):
    def __init__(self, url: str, reason: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(f"Could not fetch {url!r}: {reason}.", hint=hint or "Check the URL and that the site is up.")
        self.url = url
        self.status = status


class EmbedderMismatch(InvalidInput):
    def __init__(self, collection: str, stored: str, configured: str) -> None:
        super().__init__(
            f"Collection {collection!r} was embedded with {stored!r}, but this server embeds with {configured!r}.",
            hint="Ingest into a new collection, delete this collection's sources, or restore the embeddings setting.",
        )


class UnknownCollection(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"No collection {name!r} in this account.", hint="Call list_collections to see the names.")


class UnknownSource(NotFound):
    def __init__(self, source_id: str) -> None:
        super().__init__(f"No source {source_id!r} in this account.", hint="Call list_sources or search first.")


class UnknownJob(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"No ingest job {job_id!r} in this account.", hint="Use the job_id that ingest returned.")


class ModelMissing(SalientError):
    def __init__(self, looked: list[tuple[Path, list[str]]]) -> None:
        places = "; ".join(f"{str(where)!r} (missing {', '.join(missing)})" for where, missing in looked)
        super().__init__(
            f"Embedding model all-MiniLM-L6-v2 not found. Looked in: {places}.",
            hint="Put the model's ONNX files in one of those directories (Chroma's cache is filled by a download "
            "when online), or point SALIENT_LIBRARY_MODEL_DIR at such a directory.",
        )


class EmbeddingFailed(SalientError):
    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(
            f"The embeddings endpoint {endpoint!r} failed: {reason}.",
            hint="Check SALIENT_LIBRARY_EMBEDDING_BASE_URL, _MODEL and the API key; nothing was written.",
        )
