"""`salient import` and `salient ingest` as a user runs them: forwarded to the real servers, on scratch data."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from host_support import SALIENT, Completed, clean_env, write_config
from support import ROOT

PRODUCTS_CSV = """handle,name,brand,category,description,sku,variant_title,price,stock
cane-a,Offset Cane,Drive,canes,An offset walking cane.,BW-CANE-A,Standard,24.50,4
brace-b,Knee Brace,Jobst,braces,A hinged knee brace.,BW-BRACE-S,S,39.00,3
bad-price,Broken Row,Drive,canes,Price is not a number.,BW-BAD,Standard,cheap,1
"""
CROSSFEED_CSV = """sku,product,name,category,price
W-18,chair,Light Chair,wheelchairs,500.00
C-1,cushion,Gel Cushion,accessories,50.00
"""


def salient(*args: str, cwd: Path = ROOT, **env: str) -> Completed:
    done = subprocess.run([SALIENT, *args], capture_output=True, text=True, cwd=cwd, env=clean_env(**env), timeout=90)
    return Completed(done.returncode, done.stdout, done.stderr)


def rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def flat(text: str) -> str:
    """Error text with the panel borders and line wrapping of typer's usage errors taken out."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The scratch directory the configured servers keep their data in."""
    return tmp_path / "data"


@pytest.fixture
def config(tmp_path: Path, data: Path) -> Path:
    """Each server pointed at the scratch directory a different way: by `env`, by `args`, by a data directory."""
    servers = {
        "catalog": {"command": "salient-catalog", "env": {"SALIENT_CATALOG_DB": f"sqlite:///{data / 'catalog.db'}"}},
        "crossfeed": {"command": "salient-crossfeed", "args": ["--db", f"sqlite:///{data / 'crossfeed.db'}"]},
        "library": {
            "command": "salient-library",
            "args": ["--log-level", "WARNING"],
            "env": {"SALIENT_LIBRARY_DATA_DIR": str(data / "library")},
        },
    }
    return write_config(tmp_path / "config", {"servers": servers})


def test_import_catalog_runs_the_configured_server_and_returns_its_exit_code(
    tmp_path: Path, config: Path, data: Path
) -> None:
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS_CSV, encoding="utf-8")
    # The user's own environment reaches the server too: the CSV has no currency column.
    args = ["import", "catalog", str(products), "--account", "acme", "--config", str(config)]
    done = salient(*args, SALIENT_CATALOG_DEFAULT_CURRENCY="EUR")
    assert done.code == 1, done.stderr  # the server's code: one row skipped
    assert "line 4 (handle 'bad-price')" in done.stderr
    assert "account 'acme': 2 created, 0 updated, 0 unchanged, 1 failed" in done.stderr
    assert rows(data / "catalog.db", "SELECT account_id, sku, price, currency FROM variants ORDER BY sku") == [
        ("acme", "BW-BRACE-S", 39, "EUR"),
        ("acme", "BW-CANE-A", 24.5, "EUR"),
    ]
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "salient").exists()  # not the default data directory


def test_import_crossfeed_forwards_its_options(tmp_path: Path, config: Path, data: Path) -> None:
    items = tmp_path / "items.csv"  # the name says nothing: --kind does
    items.write_text(CROSSFEED_CSV, encoding="utf-8")
    done = salient("import", "crossfeed", str(items), "--kind", "products", "--strict", "-c", str(config))
    assert done.code == 0, done.stderr
    assert "account 'demo': products: 2 created" in done.stderr
    assert rows(data / "crossfeed.db", "SELECT account_id, sku, product FROM cf_products ORDER BY sku") == [
        ("demo", "C-1", "cushion"),
        ("demo", "W-18", "chair"),
    ]


def test_ingest_a_directory_into_the_library(tmp_path: Path, config: Path, data: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text("# Returns\n\nReturn any item within 30 days for a refund.\n", encoding="utf-8")
    (docs / "warranty.txt").write_text("Every scooter has a two-year warranty.\n", encoding="utf-8")
    # A relative path, from a working directory that is not the configuration's.
    done = salient("ingest", "docs", "--collection", "kb", "--tag", "policies", "--config", str(config), cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert "collection 'kb' of account 'demo': 2 added" in done.stderr
    ingested = rows(data / "library" / "library.db", "SELECT collection, origin, tags FROM library_sources")
    assert sorted(ingested) == [
        ("kb", str(docs.resolve() / "returns.md"), '["policies"]'),
        ("kb", str(docs.resolve() / "warranty.txt"), '["policies"]'),
    ]


def test_without_a_configuration_the_installed_server_uses_the_default_data_directory(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
    done = salient("import", "catalog", "products.csv", "--strict", cwd=tmp_path)
    assert done.code == 2, done.stderr  # --strict and a bad row: nothing imported
    assert "note: no configuration at config/salient.yaml: running salient-catalog with your environment" in done.stderr
    assert "nothing was imported (--strict)" in done.stderr
    default_db = Path(os.environ["XDG_DATA_HOME"]) / "salient" / "catalog.db"
    assert rows(default_db, "SELECT count(*) FROM products") == [(0,)]


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]
    says: str
    servers: dict[str, Any] = field(default_factory=dict)  # replaces the fixture's servers when given


REMOTE = {"url": "https://catalog.internal.example/mcp", "headers": {"Authorization": "Bearer ${CATALOG_TOKEN:-x}"}}
CASES = [
    Case("missing file", ["import", "catalog", "nope.csv"], "'nope.csv' does not exist. Nothing was imported."),
    Case("a directory", ["import", "catalog", "."], "'.' is a directory; import takes one file."),
    Case(
        "unknown server",
        ["import", "crm", "contacts.csv"],
        "unknown server 'crm': salient import works with catalog, crossfeed "
        "(documents go to the library with salient ingest).",
    ),
    Case(
        "remote server",
        ["import", "catalog", "products.csv", "--strict", "--account", "acme"],
        "servers.catalog: a remote server (at catalog.internal.example); import writes to the server's own database, "
        "so it runs on its machine. "
        "Fix: on that machine, run `salient-catalog --account acme import products.csv --strict`",
        {"catalog": REMOTE},
    ),
    Case(
        "remote library",
        ["ingest", "docs/", "my notes.md", "-c", "kb"],
        "Fix: on that machine, run `salient-library ingest docs/ 'my notes.md' --collection kb`",
        {"library": REMOTE | {"url": "http://10.0.0.7:8104/mcp"}},
    ),
    Case(
        "not configured",
        ["import", "crossfeed", "orders.csv"],
        "servers.crossfeed: not configured (configured: catalog). "
        "Fix: add `crossfeed: {command: salient-crossfeed}` under `servers:`",
        {"catalog": {"command": "salient-catalog"}},
    ),
    Case(
        "not installed",
        ["import", "catalog", "products.csv"],
        "servers.catalog.command: 'salient-katalog' is not installed here (not on PATH, nor in ",
        {"catalog": {"command": "salient-katalog"}},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused_with_the_fix_and_nothing_changed(case: Case, tmp_path: Path, config: Path, data: Path) -> None:
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
    if case.servers:
        config = write_config(tmp_path / "config", {"servers": case.servers})
    done = salient(*case.args, "--config", str(config), cwd=tmp_path)
    assert done.code == 2
    assert case.says in flat(done.stderr)
    assert not data.exists()
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "salient").exists()
