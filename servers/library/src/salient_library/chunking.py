"""Heading-aware chunks with overlap.

A chunk never spans two sections, so its heading and page are exact. Inside a section, paragraphs are packed up
to the target length; the next chunk starts with the tail of the previous one (whole words), so a sentence cut
at a boundary is still found whole in one of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salient_library.extract import Document, Section

PARAGRAPHS = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    heading: str
    page: int | None
    start: int  # where the chunk's section begins in the document's text, so read_source can continue from it


def _pieces(text: str, size: int) -> list[str]:
    """Paragraphs, with any paragraph longer than `size` cut at word boundaries."""
    out: list[str] = []
    for paragraph in PARAGRAPHS.split(text):
        paragraph = paragraph.strip()
        while len(paragraph) > size:
            cut = paragraph.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            out.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if paragraph:
            out.append(paragraph)
    return out


def _tail(text: str, overlap: int) -> str:
    if overlap <= 0 or len(text) <= overlap:
        return text if overlap > 0 else ""
    tail = text[-overlap:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail


def chunk_section(section: Section, *, size: int, overlap: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in _pieces(section.text, size):
        if current and len(current) + 2 + len(piece) > size:
            chunks.append(current)
            carried = _tail(current, overlap)
            current = f"{carried}\n\n{piece}" if carried else piece
        else:
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def chunk_document(document: Document, *, size: int, overlap: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    offset = 0
    for section in document.sections:
        for text in chunk_section(section, size=size, overlap=overlap):
            chunks.append(Chunk(len(chunks), text, section.heading, section.page, offset))
        offset += len(section.text) + 2
    return chunks
