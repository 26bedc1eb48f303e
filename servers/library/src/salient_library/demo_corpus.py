"""The demo company's help center (Brightwell Home Health): 51 short documents in Markdown, HTML and PDF.

The texts live in `demo/help_center.json`; `write_corpus` renders them to files deterministically (HTML with
navigation and footer around the article, PDF with one page per section), so re-ingesting finds them unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from salient_library.pdf import write_pdf

BASE_URL = "https://brightwell.example/help/"

DOCS_FILE = files("salient_library") / "demo" / "help_center.json"


@dataclass(frozen=True)
class Doc:
    slug: str
    format: str
    title: str
    sections: list[tuple[str, str]]


def load_docs() -> list[Doc]:
    raw = json.loads(DOCS_FILE.read_text(encoding="utf-8"))
    return [Doc(d["slug"], d["format"], d["title"], [(s["heading"], s["text"]) for s in d["sections"]]) for d in raw]


def _markdown(title: str, sections: list[tuple[str, str]]) -> str:
    return f"# {title}\n\n" + "".join(f"## {heading}\n\n{text}\n\n" for heading, text in sections)


def _html(title: str, sections: list[tuple[str, str]]) -> str:
    body = "".join(f"<h2>{heading}</h2>\n<p>{text}</p>\n" for heading, text in sections)
    # Navigation and footer are there on purpose: extraction must drop them.
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/shop">Shop</a> <a href="/help">Help center</a></nav>'
        f"<main><article><h1>{title}</h1>\n{body}</article></main>"
        "<footer>Copyright Brightwell Home Health. Cookie settings. Terms of use.</footer></body></html>"
    )


def write_corpus(directory: Path) -> dict[str, str]:
    """Write every document into `directory`; returns file name -> public URL, for citations."""
    directory.mkdir(parents=True, exist_ok=True)
    urls: dict[str, str] = {}
    for doc in load_docs():
        slug, fmt, title, sections = doc.slug, doc.format, doc.title, doc.sections
        name = f"{slug}.{fmt}"
        if fmt == "md":
            data = _markdown(title, sections).encode()
        elif fmt == "html":
            data = _html(title, sections).encode()
        else:
            data = write_pdf([[title, "", heading, *text.split(". ")] for heading, text in sections], title=title)
        path = directory / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        urls[name] = BASE_URL + slug
    return urls
