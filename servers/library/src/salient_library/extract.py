"""Readable text out of Markdown, HTML, PDF and plain text, split into sections that carry a heading or a page.

Markdown front matter is metadata (title, aliases, tags), split off before the text is read: see `front_matter`.
Sections are what citations point at: a Markdown or HTML section knows its heading trail ("Returns > Hygiene
items"), a PDF section its page number. HTML goes through trafilatura first, which drops navigation, footers and
other boilerplate and gives back Markdown, so both formats share one heading parser.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from salient_core.errors import InvalidInput

from salient_library.errors import EmptyDocument
from salient_library.front_matter import split_front_matter

KINDS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "text"}
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    text: str
    heading: str = ""
    page: int | None = None


@dataclass
class Document:
    title: str
    kind: str
    sections: list[Section] = field(default_factory=list)
    # From Markdown front matter: other names of the page and its tags (indexed with the title, never cited text).
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def parse_markdown(text: str, *, fallback_title: str, kind: str = "markdown") -> Document:
    """Split on ATX headings; each section's heading is the trail of headings above it."""
    trail: list[tuple[int, str]] = []
    sections: list[Section] = []
    lines: list[str] = []
    title = ""

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append(Section(body, " > ".join(h for _, h in trail)))
        lines.clear()

    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        found = None if in_code else HEADING.match(line)
        if found is None:
            lines.append(line)
            continue
        flush()
        level, heading = len(found.group(1)), found.group(2).strip()
        if level == 1 and not title:
            title = heading
        trail = [(lvl, h) for lvl, h in trail if lvl < level] + [(level, heading)]
    flush()
    return Document(title or fallback_title, kind, sections)


def parse_html(html: str, *, fallback_title: str) -> Document:
    # trafilatura (with lxml, dateutil, courlan, htmldate) loads with the first HTML document, not on server start.
    import trafilatura

    body = trafilatura.extract(html, output_format="markdown", include_formatting=True, favor_recall=True) or ""
    metadata = trafilatura.extract_metadata(html)
    document = parse_markdown(body, fallback_title=fallback_title, kind="html")
    if metadata is not None and metadata.title:
        document.title = metadata.title
    return document


def parse_pdf(data: bytes, *, fallback_title: str) -> Document:
    # pypdf loads with the first PDF, not on server start.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.title) if reader.metadata and reader.metadata.title else ""
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidInput(f"Cannot read PDF {fallback_title!r}: {exc}.", hint="Check that the file is a PDF.") from exc
    sections = [Section(text.strip(), "", number) for number, text in enumerate(pages, 1) if text.strip()]
    if not title and sections:
        title = sections[0].text.splitlines()[0].strip()[:200]
    return Document(title or fallback_title, "pdf", sections)


def parse_text(text: str, *, title: str) -> Document:
    body = text.strip()
    return Document(title, "text", [Section(body)] if body else [])


def parse(data: bytes, kind: str, *, origin: str, title: str) -> Document:
    """The document in `data`; `title` is used when the document names none. Raises `EmptyDocument`."""
    if kind == "pdf":
        document = parse_pdf(data, fallback_title=title)
    else:
        text = data.decode("utf-8", errors="replace")
        if kind == "markdown":
            matter, body = split_front_matter(text)
            document = parse_markdown(body, fallback_title=title)
            if matter is not None:
                document.title = matter.title or document.title
                document.aliases, document.tags = matter.aliases, matter.tags
                document.description = matter.description or ""
        elif kind == "html":
            document = parse_html(text, fallback_title=title)
        else:
            document = parse_text(text, title=title)
    if not document.sections:
        raise EmptyDocument(origin)
    return document
