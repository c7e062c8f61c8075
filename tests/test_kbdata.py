"""The analyses read the KB: chains and classification over stored enterprises, registry import."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.cli import main

REGISTRY = Path(__file__).parent / "fixtures" / "chains" / "registry_small.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_registry_import_stores_good_rows_once(atlas_url: str) -> None:
    r = run("--db", atlas_url, "enterprises", "import", str(REGISTRY), "--json")
    assert r.exit_code == 1  # some rows were skipped, and the exit status says so
    first = json.loads(r.stdout)
    assert first["added"] == first["rows"] > 0
    r = run("--db", atlas_url, "enterprises", "import", str(REGISTRY), "--json")
    again = json.loads(r.stdout)
    assert (again["added"], again["updated"], again["status"]) == (0, 0, "unchanged")
    assert again["rows"] == first["rows"]  # still validated and reported


def test_registry_check_only_stores_nothing(atlas_url: str) -> None:
    r = run("--db", atlas_url, "enterprises", "import", str(REGISTRY), "--check", "--json")
    assert json.loads(r.stdout)["added"] == 0
    r = run("--db", atlas_url, "search", "负极材料", "--type", "enterprise", "--json")
    assert json.loads(r.stdout) == [] or all("负极" not in h["title"] for h in json.loads(r.stdout))


def test_imported_enterprise_is_cited_to_file_and_line(atlas_url: str) -> None:
    run("--db", atlas_url, "enterprises", "import", str(REGISTRY))
    hits = json.loads(run("--db", atlas_url, "search", "电池", "--type", "enterprise",
                          "--json").stdout)
    assert hits
    d = json.loads(run("--db", atlas_url, "show", "enterprise", str(hits[0]["id"]),
                       "--json").stdout)
    srcs = [f["source"] for f in d["facts"] if f["source"]["origin"] == "user"]
    assert srcs and all(s["at"].startswith("line ") for s in srcs)


def test_classify_without_file_reads_the_kb(atlas_url: str) -> None:
    r = run("--db", atlas_url, "enterprises", "classify", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows and all({"name", "links"} <= set(x) for x in rows)
    assert any(x["links"] for x in rows)


def test_chains_from_kb_json_shape(atlas_url: str) -> None:
    run("--db", atlas_url, "enterprises", "import", str(REGISTRY))
    r = run("--db", atlas_url, "chains", "--region", "南宁", "--chain", "new_energy_battery",
            "--format", "json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    chain = res["chains"][0]
    assert {"id", "name", "links", "gaps"} <= set(chain)
    statuses = {lk["status"] for lk in chain["links"]}
    assert statuses <= {"strong", "present", "weak", "missing"}
    assert statuses - {"missing"}, "the KB's Nanning battery projects should show"
    for gap in chain["gaps"]:
        assert {"link", "status", "importance", "candidates"} <= set(gap)


def test_partners_chain_fit_from_kb(atlas_url: str) -> None:
    """A city whose firms hold links the home misses gets chain fit; the links are named."""
    sep = Path(__file__).parent / "fixtures" / "chains" / "registry_separator.csv"
    assert run("--db", atlas_url, "enterprises", "import", str(sep)).exit_code == 0
    from gxatlas.analysis.kbdata import partners_from_kb
    from gxatlas.kb.store import open_kb

    kb = open_kb(atlas_url)
    with kb.session() as s:
        report = partners_from_kb(s, home="南宁", chain_ids=("new_energy_battery",), top=30)
    by_region = {p["region"]: p for p in report["partners"]}
    assert by_region["柳州市"]["components"]["chain_fit"] > 0
    assert max(p["components"]["chain_fit"] for p in report["partners"]) == \
        by_region["柳州市"]["components"]["chain_fit"]
