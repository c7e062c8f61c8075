"""Issue 15 (imports): registry headers in English and Chinese, unused columns, re-import
under another name or encoding, bad credit codes refused."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.analysis.registry import RegistryProblem, iter_registry
from gxatlas.cli import main

SMALL = Path(__file__).parent / "fixtures" / "chains" / "registry_small.csv"
ENGLISH = ("company_name,Credit Code,address,region,registered capital,founded,"
           "business_scope,revenue,tags")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _english(tmp_path: Path, header: str = ENGLISH, name: str = "en.csv") -> Path:
    lines = SMALL.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(lines[1:]), encoding="utf-8")
    return path


def test_english_headers_classify_as_the_chinese_ones(tmp_path: Path) -> None:
    en = _english(tmp_path)
    zh = json.loads(run("enterprises", "classify", str(SMALL), "--json").stdout)
    got = json.loads(run("enterprises", "classify", str(en), "--json").stdout)
    assert got == zh and sum(bool(r["links"]) for r in got) >= 4
    # and the import reads every field, as with Chinese headers
    rows_en = [r for r in iter_registry(en) if not isinstance(r, RegistryProblem)]
    rows_zh = [r for r in iter_registry(SMALL) if not isinstance(r, RegistryProblem)]
    assert rows_en == rows_zh


def test_every_unused_column_is_named(tmp_path: Path) -> None:
    path = _english(tmp_path, header=ENGLISH.replace("tags", "phone"))
    res = run("enterprises", "import", str(path), "--check")
    assert "“phone”不是已知的表头，未使用" in res.stderr
    dup = _english(tmp_path, header=ENGLISH.replace("region", "name"), name="dup.csv")
    res = run("enterprises", "classify", str(dup), "--json")
    assert "“name”与前面的列同为 name，未使用" in res.stderr


def test_classify_refuses_a_registry_without_scope(tmp_path: Path) -> None:
    path = _english(tmp_path, header=ENGLISH.replace("business_scope", "notes"))
    res = run("enterprises", "classify", str(path), "--json")
    assert res.exit_code == 1 and res.stdout == ""
    assert "经营范围" in res.stderr and "en.csv" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_same_content_under_another_name_or_encoding(tmp_path: Path, atlas_url: str) -> None:
    first = json.loads(run("--db", atlas_url, "enterprises", "import", str(SMALL),
                           "--json").stdout)
    assert first["status"] == "added" and first["added"] == first["rows"] == 5
    other = tmp_path / "改名.csv"
    other.write_bytes(SMALL.read_bytes())
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(SMALL.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    for path in (other, gbk):
        res = run("--db", atlas_url, "enterprises", "import", str(path), "--json")
        assert res.exception is None or isinstance(res.exception, SystemExit), res.output
        again = json.loads(res.stdout)
        assert (again["status"], again["added"], again["updated"]) == ("unchanged", 0, 0)
        assert again["document"] == "registry:registry_small.csv"
        res = run("--db", atlas_url, "enterprises", "import", str(path))
        assert "未重复存入" in res.stdout and "Traceback" not in res.output
    stats = json.loads(run("--db", atlas_url, "stats", "--json").stdout)
    res = run("--db", atlas_url, "show", "enterprise", "广西甲锂能新材料有限公司", "--json")
    facts = [f for f in json.loads(res.stdout)["facts"] if f["source"]["origin"] == "user"]
    assert len([f for f in facts if f["field"] == "name"]) == 1  # cited once, not three times
    assert stats["counts"]["enterprise"] >= 5


def test_bad_credit_code_is_not_imported(atlas_url: str) -> None:
    res = run("--db", atlas_url, "enterprises", "import", str(SMALL), "--json")
    data = json.loads(res.stdout)
    bad = [p for p in data["problems"] if p["line"] == 4]
    assert bad and bad[0]["severity"] == "error" and "校验位错误" in bad[0]["problem"]
    res = run("--db", atlas_url, "show", "enterprise", "广西乙负极材料有限公司", "--json")
    assert res.exit_code == 1  # not stored
