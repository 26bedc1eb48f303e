"""`salient-crossfeed import`: every kind of data, re-runnable without duplicates, errors with their line numbers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from crossfeed_support import DATA, load, snapshot
from salient_crossfeed.errors import ConflictingRules, ImportFailed
from support import console_script

CROSSFEED = console_script("salient-crossfeed")


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CROSSFEED, "--db", url, "import", *args], capture_output=True, text=True, timeout=60)


def test_cli_import_is_idempotent_and_reports_bad_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = run(url, str(DATA / "small.yaml"))
    assert first.returncode == 0, first.stderr
    assert "products: 8 created" in first.stderr and "reps: 6 created" in first.stderr
    orders = run(url, str(DATA / "orders.csv"))
    assert orders.returncode == 0 and "orders: 8 created, 0 updated, 0 unchanged; 0 failed" in orders.stderr
    again = [run(url, str(DATA / "small.yaml")), run(url, str(DATA / "orders.csv"))]
    assert all(r.returncode == 0 for r in again)
    assert "products: 0 created, 0 updated, 8 unchanged" in again[0].stderr
    assert "orders: 0 created, 0 updated, 8 unchanged; 0 failed" in again[1].stderr

    more = tmp_path / "new-orders.csv"
    more.write_text(
        "order_id,customer,date,sku,quantity\n"
        "O9,hana,2026-02-01,W-18,1\n"
        "O9,hana,2026-02-01,C-1,1\n"
        "O10,ivan,2026-02-02,BW-NOPE,1\n"
        "O11,jo,2026-02-03,B-1,zero\n"
        "O1,alice,2026-01-05,W-18,3\n"
    )
    partial = run(url, "--kind", "orders", str(more))
    assert partial.returncode == 1
    assert "line 4: unknown SKU 'BW-NOPE' in order 'O10'; import it first" in partial.stderr
    assert "line 5: lines.0.quantity: Input should be a valid integer" in partial.stderr
    assert "line 6: order 'O1' was imported before with other content; orders cannot change" in partial.stderr
    assert "orders: 1 created, 0 updated, 0 unchanged; 3 failed" in partial.stderr


def test_csv_needs_a_kind_and_yaml_errors_name_their_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    odd = tmp_path / "stuff.csv"
    odd.write_text("sku,product,name,price\nX-1,x,X,1.00\n")
    unnamed = run(url, str(odd))
    assert unnamed.returncode == 2 and "pass --kind" in unnamed.stderr
    assert run(url, "--kind", "products", str(odd)).returncode == 0
    reps = tmp_path / "reps.yaml"
    reps.write_text(
        "reps:\n"
        "  - {id: zed, name: Zed, email: zed@x.example, role: VP, territories: [nowhere]}\n"
        "  - id: amy\n"
        "    name: Amy\n"
        "    email: not-an-email\n"
        "    role: ae\n"
        "    territories: [nowhere]\n"
        "  - {id: max, name: Max, email: max@x.example, role: AE, territories: [nowhere], time_zone: Mars/Base}\n"
    )
    bad = run(url, str(reps))
    assert bad.returncode == 1
    assert "line 2 (reps[0]): role: Input should be 'AE', 'SE', 'CSM' or 'SDR'" in bad.stderr
    assert "line 3 (reps[1]): email: String should match pattern" in bad.stderr
    assert "line 8 (reps[2]): time_zone: Unknown time zone 'Mars/Base'; use an IANA name" in bad.stderr


async def test_contradictory_territories_are_refused_and_nothing_changes(db_url: str, tmp_path: Path) -> None:
    await load(db_url, DATA / "small.yaml", DATA / "orders.csv")
    before = await snapshot(db_url)
    clash = tmp_path / "territories.yaml"
    clash.write_text(
        "territories:\n"
        "  - {id: west, name: West, priority: 50, rules: [{countries: [US], regions: [CA, OR]}]}\n"
        "  - {id: pacific, name: Pacific, priority: 50,\n"
        "     rules: [{countries: [us], postal_ranges: [['90000', '96199']]}]}\n"
    )
    with pytest.raises(ConflictingRules) as caught:
        await load(db_url, clash, strict=False)
    assert caught.value.problems == [
        "territories 'west' (rule 1: country in US; region in CA, OR) and 'pacific' (rule 1: country in US; "
        "postal range in 90000-96199) both have priority 50 and can match the same customer; give one a different "
        "priority or narrow a rule"
    ]
    assert await snapshot(db_url) == before
    # Against what is stored: a new territory that overlaps 'east' at its priority is refused too.
    east = tmp_path / "east.yaml"
    east.write_text("territories:\n  - {id: usa, name: USA, priority: 60, rules: [{countries: [US]}]}\n")
    with pytest.raises(ConflictingRules, match="1 contradiction"):
        await load(db_url, east)
    # Disjoint postal ranges at one priority are fine.
    east.write_text(
        "territories:\n  - {id: usa, name: USA, priority: 60, rules: [{countries: [CA], postal_prefixes: [V]}]}\n"
    )
    (report,) = await load(db_url, east)
    assert report.kinds["territories"].created == 1


async def test_strict_import_writes_nothing(db_url: str, tmp_path: Path) -> None:
    await load(db_url, DATA / "small.yaml")
    before = await snapshot(db_url)
    rules = tmp_path / "cross_sell.csv"
    rules.write_text(
        "id,primary,suggested,relationship,reason,priority\n"
        "bag-cushion,bag,cushion,accessory,Soft.,5\n"
        "ghost,chair,BW-GHOST,accessory,Invented.,5\n"
        "self,chair,W-20,accessory,Same product.,5\n"
        "neg,chair,bag,accessory,Negative.,-1\n"
    )
    with pytest.raises(ImportFailed) as caught:
        await load(db_url, rules, strict=True)
    assert caught.value.problems == [
        "line 5: priority: Input should be greater than or equal to 0",
        "line 3: unknown product or SKU 'BW-GHOST' in suggested; import it first",
        "line 4: primary and suggested are the same product",
    ]
    assert await snapshot(db_url) == before
    (lenient,) = await load(db_url, rules, strict=False)
    assert lenient.kinds["cross_sell"].created == 1 and lenient.failed == 3
