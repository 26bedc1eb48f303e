"""Importing products from CSV, Salient JSON, or a Shopify `products.json` export.

Re-importing a file changes nothing: each product's normalised content is hashed, and a product whose hash is
unchanged is skipped. A malformed row is reported with where it is (CSV line, or JSON `products[i]`); the rest
still imports, unless `strict` is set, in which case nothing is written. The whole import is one transaction,
so a crash part-way leaves the catalog as it was.

CSV columns (one row per variant; rows of one product share its `handle`):
`handle, name, brand, category, description, url, images (|-separated), tags (|-separated), sku, variant_title,
price, compare_at_price, currency, stock`, plus `attr:<key>` for product attributes and `vattr:<key>` for
variant attributes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator
from salient_core.db import Database, utcnow
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salient_catalog import repository as repo
from salient_catalog.errors import ImportFailed
from salient_catalog.models import Category, Product, Synonym, Variant

Progress = Callable[[int], None]
T = TypeVar("T")
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _scalar(value: Any) -> Any:
    """CSV cells are text: read numbers and booleans back into their types."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in ("true", "yes"):
        return True
    if text.lower() in ("false", "no"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


class VariantIn(BaseModel):
    sku: str = Field(min_length=1, max_length=120)
    title: str = Field("", max_length=300)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    compare_at_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    stock: int = Field(0, ge=0)
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("sku")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ProductIn(BaseModel):
    handle: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=300)
    brand: str = Field("", max_length=120)
    category: str | None = Field(None, max_length=200)
    description: str = ""
    url: str | None = Field(None, max_length=1000)
    images: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    variants: list[VariantIn] = Field(min_length=1)

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


class CategoryIn(BaseModel):
    slug: str = Field(min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    description: str = ""


class SynonymIn(BaseModel):
    term: str = Field(min_length=1, max_length=200)
    expansion: str = Field(min_length=1, max_length=500)


@dataclass
class Parsed:
    """A file read into validated records, plus the problems found on the way."""

    products: list[tuple[str, ProductIn]] = field(default_factory=list)
    categories: list[CategoryIn] = field(default_factory=list)
    synonyms: list[SynonymIn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    categories_created: int = 0
    synonyms_saved: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.categories_created or self.synonyms_saved)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed; "
            f"{self.categories_created} new categories, {self.synonyms_saved} synonyms saved"
        )


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in error.errors(include_url=False))


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html or "")
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


# -- parsers -------------------------------------------------------------------------------------------------


def parse_file(path: Path, *, default_currency: str = "USD") -> Parsed:
    """Read a CSV or JSON file (native or Shopify) into validated records."""
    if not path.is_file():
        raise ImportFailed(f"No file at {str(path)!r}.", [])
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return parse_csv(text, default_currency=default_currency)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"{path.name} is not valid JSON: line {exc.lineno}: {exc.msg}.", []) from exc
        return parse_json(data, default_currency=default_currency)
    raise ImportFailed(f"Cannot import {path.name!r}: use a .csv or .json file.", [])


def parse_csv(text: str, *, default_currency: str = "USD") -> Parsed:
    parsed = Parsed()
    reader = csv.DictReader(io.StringIO(text))
    required = {"handle", "name", "sku", "price"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ImportFailed(f"CSV header lacks column(s) {sorted(missing)}; line 1 must name them.", [])
    groups: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in reader:
        line = reader.line_num
        handle = (row.get("handle") or "").strip()
        try:
            variant = VariantIn(
                sku=row.get("sku") or "",
                title=row.get("variant_title") or "",
                price=_decimal(row.get("price")),
                compare_at_price=_decimal(row.get("compare_at_price")) if row.get("compare_at_price") else None,
                currency=(row.get("currency") or default_currency).strip().upper(),
                stock=int(row.get("stock") or 0),
                attributes={k[6:]: _scalar(v) for k, v in row.items() if k and k.startswith("vattr:") and v},
            )
        except (ValidationError, ValueError) as exc:
            detail = _describe(exc) if isinstance(exc, ValidationError) else str(exc)
            parsed.problems.append(f"line {line} (handle {handle!r}): {detail}")
            continue
        if handle not in groups:
            groups[handle] = (
                line,
                {
                    "handle": handle,
                    "name": row.get("name") or "",
                    "brand": row.get("brand") or "",
                    "category": row.get("category") or None,
                    "description": row.get("description") or "",
                    "url": row.get("url") or None,
                    "images": [s for s in (row.get("images") or "").split("|") if s],
                    "tags": [s for s in (row.get("tags") or "").split("|") if s],
                    "attributes": {k[5:]: _scalar(v) for k, v in row.items() if k and k.startswith("attr:") and v},
                    "variants": [],
                },
            )
        groups[handle][1]["variants"].append(variant)
    for handle, (line, data) in groups.items():
        try:
            parsed.products.append((f"line {line}", ProductIn.model_validate(data)))
        except ValidationError as exc:
            parsed.problems.append(f"line {line} (handle {handle!r}): {_describe(exc)}")
    return parsed


def _decimal(value: str | None) -> Decimal:
    try:
        return Decimal((value or "").strip().lstrip("$"))
    except InvalidOperation as exc:
        raise ValueError(f"price {value!r} is not a number") from exc


def parse_json(data: Any, *, default_currency: str = "USD") -> Parsed:
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise ImportFailed('JSON must be an object with a "products" list (Salient or Shopify products.json).', [])
    parsed = Parsed()
    for i, item in enumerate(data.get("categories") or []):
        try:
            parsed.categories.append(CategoryIn.model_validate(item))
        except ValidationError as exc:
            parsed.problems.append(f"categories[{i}]: {_describe(exc)}")
    for i, item in enumerate(data.get("synonyms") or []):
        try:
            parsed.synonyms.append(SynonymIn.model_validate(item))
        except ValidationError as exc:
            parsed.problems.append(f"synonyms[{i}]: {_describe(exc)}")
    for i, item in enumerate(data["products"]):
        where = f"products[{i}]"
        try:
            record = _from_shopify(item, default_currency) if _is_shopify(item) else item
            if isinstance(record, dict):
                for v in record.get("variants") or []:
                    if isinstance(v, dict):
                        v.setdefault("currency", default_currency)
            product = ProductIn.model_validate(record)
        except (ValidationError, ValueError, TypeError, AttributeError) as exc:
            handle = item.get("handle") if isinstance(item, dict) else None
            detail = _describe(exc) if isinstance(exc, ValidationError) else str(exc)
            parsed.problems.append(f"{where} (handle {handle!r}): {detail}")
            continue
        parsed.products.append((where, product))
    return parsed


def _is_shopify(item: Any) -> bool:
    return isinstance(item, dict) and ("body_html" in item or "product_type" in item or "vendor" in item)


def _from_shopify(item: dict[str, Any], currency: str) -> dict[str, Any]:
    """Map one product of Shopify's `/products.json` to Salient's shape."""
    options = [o.get("name", f"option{i + 1}") for i, o in enumerate(item.get("options") or [])]
    variants = []
    for v in item.get("variants") or []:
        attrs = {}
        for i, option in enumerate(options[:3]):
            value = v.get(f"option{i + 1}")
            if value and value != "Default Title":
                attrs[slugify(option).replace("-", "_")] = _scalar(value)
        variants.append(
            {
                "sku": v.get("sku") or f"{item.get('handle')}-{v.get('id')}",
                "title": "" if v.get("title") == "Default Title" else v.get("title") or "",
                "price": v.get("price"),
                "compare_at_price": v.get("compare_at_price") or None,
                "currency": currency,
                "stock": max(int(v.get("inventory_quantity") or 0), 0),
                "attributes": attrs,
            }
        )
    tags = item.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    return {
        "handle": item.get("handle"),
        "name": item.get("title"),
        "brand": item.get("vendor") or "",
        "category": slugify(item["product_type"]) if item.get("product_type") else None,
        "description": html_to_text(item.get("body_html") or ""),
        "url": item.get("url"),
        "images": [img.get("src") for img in item.get("images") or [] if img.get("src")],
        "tags": tags,
        "variants": variants,
    }


# -- writing -------------------------------------------------------------------------------------------------


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def write(
    db: Database, account: str, parsed: Parsed, *, strict: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Write parsed records for `account` in one transaction; see the module docstring for the rules."""
    report = ImportReport(failed=len(parsed.problems), problems=list(parsed.problems))
    seen: dict[str, str] = {}
    skus: dict[str, str] = {}
    products: list[ProductIn] = []
    for where, p in parsed.products:
        clash = seen.get(p.handle) or next((skus[v.sku.lower()] for v in p.variants if v.sku.lower() in skus), None)
        if clash:
            report.failed += 1
            report.problems.append(f"{where} (handle {p.handle!r}): handle or SKU already used at {clash}")
            continue
        seen[p.handle] = where
        skus.update({v.sku.lower(): where for v in p.variants})
        products.append(p)
    if strict and report.problems:
        raise ImportFailed(f"{len(report.problems)} bad row(s); nothing was imported (--strict).", report.problems)
    async with db.transaction(account=account) as session:
        category_ids = await _write_categories(session, account, parsed.categories, products, report)
        await _write_synonyms(session, account, parsed.synonyms, report)
        written = await _write_products(session, account, products, category_ids, report, progress)
        if report.changed:
            await repo.bump_revision(session, account, written)
    return report


async def _write_categories(
    session: AsyncSession,
    account: str,
    categories: list[CategoryIn],
    products: list[ProductIn],
    report: ImportReport,
) -> dict[str, int]:
    existing = {c.slug: c for c in await repo.list_categories(session, account)}
    wanted = {c.slug: c for c in categories}
    for p in products:  # categories named only by products are created on the fly
        if p.category and slugify(p.category) not in wanted:
            wanted[slugify(p.category)] = CategoryIn(
                slug=slugify(p.category), name=p.category.replace("-", " ").title()
            )
    for spec in wanted.values():
        row = existing.get(spec.slug)
        if row is None:
            row = Category(account_id=account, slug=spec.slug, name=spec.name, description=spec.description)
            session.add(row)
            existing[spec.slug] = row
            report.categories_created += 1
        elif spec.slug in {c.slug for c in categories}:
            row.name, row.description = spec.name, spec.description
    await session.flush()
    for spec in categories:
        parent = existing.get(spec.parent) if spec.parent else None
        if spec.parent and parent is None:
            report.problems.append(f"category {spec.slug!r}: unknown parent {spec.parent!r}; kept at the top")
        existing[spec.slug].parent_id = parent.id if parent else None
    await session.flush()
    return {slug: c.id for slug, c in existing.items()}


async def _write_synonyms(session: AsyncSession, account: str, synonyms: list[SynonymIn], report: ImportReport) -> None:
    existing = {s.term.lower(): s for s in await repo.list_synonyms(session, account)}
    for s in synonyms:
        row = existing.get(s.term.lower())
        if row is None:
            row = Synonym(account_id=account, term=s.term.lower(), expansion=s.expansion)
            session.add(row)
            existing[row.term] = row
            report.synonyms_saved += 1
        elif row.expansion != s.expansion:
            row.expansion = s.expansion
            report.synonyms_saved += 1
    await session.flush()


def _product_values(account: str, p: ProductIn, category_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "account_id": account,
        "handle": p.handle,
        "name": p.name,
        "brand": p.brand,
        "category_id": category_ids.get(slugify(p.category)) if p.category else None,
        "description": p.description,
        "url": p.url,
        "images": p.images,
        "tags": p.tags,
        "attributes": p.attributes,
        "content_hash": p.content_hash(),
        "updated_at": utcnow(),
    }


def _variant_values(account: str, product_id: int, p: ProductIn) -> list[dict[str, Any]]:
    return [
        {
            "account_id": account,
            "product_id": product_id,
            "sku": v.sku,
            "title": v.title,
            "price": v.price,
            "compare_at_price": v.compare_at_price,
            "currency": v.currency,
            "stock": v.stock,
            "attributes": v.attributes,
            "position": i,
        }
        for i, v in enumerate(p.variants)
    ]


async def _write_products(
    session: AsyncSession,
    account: str,
    products: list[ProductIn],
    category_ids: dict[str, int],
    report: ImportReport,
    progress: Progress | None,
) -> list[int]:
    """Insert new products and update changed ones; returns the ids of both."""
    written: list[int] = []
    query = select(Product.handle, Product.id, Product.content_hash).where(Product.account_id == account)
    existing = {handle: (pid, digest) for handle, pid, digest in await session.execute(query)}
    owners = {
        sku.lower(): pid
        for sku, pid in await session.execute(
            select(Variant.sku, Variant.product_id).where(Variant.account_id == account)
        )
    }
    for batch in _batches(products, 1000):
        fresh, changed = [], []
        for p in batch:
            current = existing.get(p.handle)
            if current is None:
                fresh.append(p)
            elif current[1] == p.content_hash():
                report.unchanged += 1
            else:
                changed.append((current[0], p))
        for p in [*fresh, *(p for _, p in changed)]:
            own = existing.get(p.handle, (None,))[0]
            taken = next((v.sku for v in p.variants if owners.get(v.sku.lower()) not in (None, own)), None)
            if taken:
                raise ImportFailed(
                    f"SKU {taken!r} of {p.handle!r} belongs to another product; nothing was imported.",
                    [f"handle {p.handle!r}: SKU {taken!r} already used by another product"],
                )
        if fresh:
            rows = [{**_product_values(account, p, category_ids), "created_at": utcnow()} for p in fresh]
            result = await session.execute(insert(Product).returning(Product.id, Product.handle), rows)
            ids = {handle: pid for pid, handle in result.all()}
            variants = [v for p in fresh for v in _variant_values(account, ids[p.handle], p)]
            await session.execute(insert(Variant), variants)
            report.created += len(fresh)
            written += ids.values()
        for pid, p in changed:
            await session.execute(
                update(Product).where(Product.id == pid).values(_product_values(account, p, category_ids))
            )
            await session.execute(delete(Variant).where(Variant.product_id == pid))
            await session.flush()
            await session.execute(insert(Variant), _variant_values(account, pid, p))
            report.updated += 1
            written.append(pid)
        if progress:
            progress(len(batch))
    return written


async def import_file(
    db: Database,
    account: str,
    path: Path,
    *,
    strict: bool = False,
    default_currency: str = "USD",
    progress: Progress | None = None,
) -> ImportReport:
    parsed = parse_file(path, default_currency=default_currency)
    return await write(db, account, parsed, strict=strict, progress=progress)
