"""Importing CSV, Salient JSON and Shopify exports: idempotent, line-numbered errors, --strict, the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from catalog_support import DATA, load
from fastmcp import Client
from salient_catalog.errors import ImportFailed
from salient_catalog.server import build_server
from salient_catalog.settings import CatalogSettings
from support import console_script

HEADER = (
    "handle,name,brand,category,description,sku,variant_title,price,compare_at_price,currency,stock,"
    "attr:foldable,vattr:size"
)
CSV = f"""{HEADER}
cane-a,Offset Cane,Drive,canes,An offset walking cane.,BW-CANE-A,Standard,24.50,,USD,4,true,
brace-b,Knee Brace,Jobst,braces,A hinged knee brace.,BW-BRACE-S,S,39.00,45.00,USD,3,,S
brace-b,Knee Brace,Jobst,braces,A hinged knee brace.,BW-BRACE-M,M,39.00,45.00,USD,0,,M
bad-price,Broken Row,Drive,canes,Price is not a number.,BW-BAD,Standard,cheap,,USD,1,,
"""

SHOPIFY = {
    "products": [
        {
            "id": 632910392,
            "title": "Comfort Rollator",
            "handle": "comfort-rollator",
            "body_html": "<p>A <strong>rollator</strong> with a seat.</p>",
            "vendor": "Nova",
            "product_type": "Rollators",
            "tags": "seat, folding",
            "options": [{"name": "Color", "values": ["Red", "Blue"]}],
            "variants": [
                {
                    "id": 1,
                    "title": "Red",
                    "sku": "NOVA-R",
                    "price": "199.00",
                    "compare_at_price": None,
                    "inventory_quantity": 5,
                    "option1": "Red",
                },
                {
                    "id": 2,
                    "title": "Blue",
                    "sku": "NOVA-B",
                    "price": "199.00",
                    "compare_at_price": "229.00",
                    "inventory_quantity": -2,
                    "option1": "Blue",
                },
            ],
            "images": [{"src": "https://cdn.example/rollator.jpg"}],
        }
    ]
}


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "products.csv"
    path.write_text(CSV)
    return path


async def test_csv_import_reports_the_bad_line_and_imports_the_rest(db_url: str, csv_file: Path) -> None:
    with pytest.raises(ImportFailed):
        await load(db_url, file=csv_file)  # strict by default in load(): the bad row stops everything
    from catalog_support import load_lenient

    report = await load_lenient(db_url, csv_file)
    assert (report.created, report.failed) == (2, 1)
    assert report.problems == ["line 5 (handle 'bad-price'): price 'cheap' is not a number"]
    again = await load_lenient(db_url, csv_file)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    async with Client(build_server(CatalogSettings(db=db_url))) as client:
        brace = (await client.call_tool("get_product", {"id": "BW-BRACE-M"})).structured_content
        assert brace is not None
        assert [v["attributes"] for v in brace["variants"]] == [{"size": "S"}, {"size": "M"}]
        assert brace["on_sale"] is True
        cane = (await client.call_tool("get_product", {"id": "cane-a"})).structured_content
        assert cane is not None and cane["attributes"] == {"foldable": True}


async def test_strict_import_writes_nothing(db_url: str, csv_file: Path) -> None:
    with pytest.raises(ImportFailed) as caught:
        await load(db_url, file=csv_file)
    assert caught.value.problems == ["line 5 (handle 'bad-price'): price 'cheap' is not a number"]
    async with Client(build_server(CatalogSettings(db=db_url))) as client:
        result = (await client.call_tool("search_products", {})).structured_content
        assert result is not None and result["total"] == 0


async def test_shopify_export_maps_to_products(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "products.json"
    path.write_text(json.dumps(SHOPIFY))
    report = await load(db_url, file=path)
    assert report.created == 1 and report.categories_created == 1
    async with Client(build_server(CatalogSettings(db=db_url))) as client:
        product = (await client.call_tool("get_product", {"id": "NOVA-B"})).structured_content
    assert product is not None
    assert product["description"] == "A rollator with a seat."
    assert product["brand"] == "Nova" and product["category"] == "rollators"
    assert product["tags"] == ["seat", "folding"]
    blue = product["variants"][1]
    assert blue["attributes"] == {"color": "Blue"} and blue["stock"] == 0  # Shopify oversells go negative
    assert blue["compare_at_price"] == {"amount": "229.00", "currency": "USD"}


async def test_changed_product_is_updated_in_place(db_url: str, tmp_path: Path) -> None:
    data = json.loads((DATA / "small.json").read_text())
    await load(db_url)
    data["products"][1]["variants"][0]["price"] = "749.00"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    report = await load(db_url, file=changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    async with Client(build_server(CatalogSettings(db=db_url))) as client:
        titan = (await client.call_tool("get_product", {"id": "BW-TITAN"})).structured_content
        assert titan is not None and titan["price_from"]["amount"] == "749.00"
        hits = (await client.call_tool("search_products", {"price_max": 750, "query": "titan"})).structured_content
        assert hits is not None and hits["total"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: line 1"),
        ('{"items": []}', 'must be an object with a "products" list'),
        ("handle,name\nx,y\n", "CSV header lacks column(s) ['price', 'sku']"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    from salient_catalog.importer import parse_file

    path = tmp_path / ("f.json" if content.startswith("{") else "f.csv")
    path.write_text(content)
    with pytest.raises(ImportFailed, match=None) as caught:
        parse_file(path)
    assert message in str(caught.value)


def test_cli_import_is_rerunnable(tmp_path: Path, csv_file: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command = [console_script("salient-catalog"), "--db", url, "--account", "acme", "import", str(csv_file)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert first.returncode == 1, first.stderr  # one bad row
    assert "line 5 (handle 'bad-price')" in first.stderr
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert "0 created, 0 updated, 2 unchanged, 1 failed" in second.stderr
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, timeout=60)
    assert strict.returncode == 2
    assert "nothing was imported (--strict)" in strict.stderr and "line 5" in strict.stderr
