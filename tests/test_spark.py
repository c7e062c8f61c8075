"""The pipeline on Spark (local mode) gives what the CLI gives, row for row (issue 16).

PySpark and a Java runtime are installed by .ci/run; elsewhere these tests skip when PySpark
is missing, but in CI (CI=true) a missing PySpark is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.analysis.registry import RegistryRow, iter_registry, registry_chunks
from gxatlas.cli import main
from test_registry_bulk import _state

FIXTURES = Path(__file__).parent / "fixtures"
SCOPES = ["锂离子电池制造；技术服务", "汽车零部件及配件制造；模具制造", "餐饮服务；食品销售",
          "铝型材挤压加工；金属材料销售", "白砂糖生产；甘蔗种植", "企业管理咨询", "中药饮片加工"]
PLACES = ["南宁市青秀区民族大道", "柳州市柳南区航鹰大道", "北海市银海区", "钦州市钦南区", ""]


def _code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = "914501" + "%02d" % rng.randint(0, 99) + "MA" + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + uscc.calc_check_digit(body)


def sample_registry(path: Path, rows: int = 240, seed: int = 11) -> Path:
    """A registry with the awkward parts: quoted newlines, a broken quote, bad codes, rows
    without a name, an unused column."""
    rng = random.Random(seed)
    lines = ["企业名称,统一社会信用代码,住所,经营范围,电话"]
    for i in range(rows):
        name = f"广西{rng.choice('华盛鑫恒泰')}{i}{rng.choice(['新材料', '汽车', '食品'])}有限公司"
        code = _code(rng)
        if i % 37 == 5:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # bad check digit
        scope = rng.choice(SCOPES)
        if i % 29 == 3:
            scope = f'"{scope}；\n{rng.choice(SCOPES)}"'  # a quoted newline
        if i % 53 == 7:
            name = ""
        lines.append(f"{name},{code},{rng.choice(PLACES)}{i}号,{scope},0771-{i:07d}")
        if i == 100:
            lines.append('广西断引号有限公司,,"南宁市,汽车零部件制造,')  # never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_chunks_read_like_the_whole_file(tmp_path: Path) -> None:
    """No Spark needed: the chunks of a CSV, read in order, are the whole file's records."""
    path = sample_registry(tmp_path / "r.csv")
    whole = list(iter_registry(path))
    for parts in (1, 3, 7, 25):
        chunks = registry_chunks(path, parts=parts)
        assert len(chunks) >= min(parts, 2)
        got = [item for c in chunks for item in iter_registry(path, chunk=c)]
        assert got == whole, parts


@pytest.fixture(scope="module")
def spark():
    if not os.environ.get("CI"):
        pytest.importorskip("pyspark", reason="PySpark is not installed (pip install .[spark])")
    from gxatlas.spark import spark_session

    session = spark_session("local[2]", app="gxatlas tests")
    yield session
    session.stop()


def test_spark_classify_equals_the_cli(spark, tmp_path: Path) -> None:
    from gxatlas.spark import read_parquet, registry_items, spark_classify

    path = sample_registry(tmp_path / "r.csv")
    out = str(tmp_path / "out")
    assert spark_classify(spark, [str(path)], out=out, parts=4) > 200
    rows = sorted(read_parquet(out), key=lambda r: r["line"])
    got = [{"name": r["name"], "links": json.loads(r["links"])} for r in rows if r["name"]]
    res = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--json"])
    want = json.loads(res.stdout)
    assert len(got) == len(want) and got == want
    assert sum(bool(r["links"]) for r in want) > 100
    # and the validation is `enterprises import`'s: the same rows and problems
    spark_items = [i for i in registry_items(out)]
    file_items = list(iter_registry(path))
    assert [i for i in spark_items if isinstance(i, RegistryRow)] == \
        [i for i in file_items if isinstance(i, RegistryRow)]
    assert sorted(map(repr, spark_items)) == sorted(map(repr, file_items))


def test_import_from_parquet_equals_import_from_file(spark, tmp_path: Path,
                                                     atlas_url: str) -> None:
    from gxatlas.spark import spark_classify

    path = sample_registry(tmp_path / "r.csv", rows=120)
    out = str(tmp_path / "out")
    spark_classify(spark, [str(path)], out=out, parts=3)
    other = tmp_path / "other.sqlite"
    shutil.copy(atlas_url.removeprefix("sqlite:///"), other)
    a = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "import", str(path),
                                  "--json"])
    b = CliRunner().invoke(main, ["--db", f"sqlite:///{other}", "enterprises", "import",
                                  "--from-parquet", out, "--json"])
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert (a.exit_code, b.exit_code) == (1, 1)  # rows were refused, in both
    for k in ("rows", "errors", "warnings", "added", "updated", "regions"):
        assert ja[k] == jb[k], k
    assert _state(atlas_url) == _state(f"sqlite:///{other}")


DOCS = [FIXTURES / "kb" / "plan_a.txt", FIXTURES / "extract" / "prose.txt",
        FIXTURES / "extract" / "firms_projects.txt", FIXTURES / "heldout" / "invest_roundup.html",
        FIXTURES / "generalization" / "hk_trad.txt"]


def test_spark_extract_and_ingest_equal_the_cli(spark, tmp_path: Path, atlas_url: str) -> None:
    from gxatlas.spark import read_parquet, spark_extract

    docs = tmp_path / "docs"
    docs.mkdir()
    for d in DOCS:
        shutil.copy(d, docs / d.name)
    (docs / "broken.pdf").write_bytes(b"not a pdf")
    out = str(tmp_path / "out")
    assert spark_extract(spark, [str(docs)], out=out) == len(DOCS) + 1
    got = [line for r in read_parquet(out) for line in r["records"]]
    res = CliRunner().invoke(main, ["extract", str(docs)])
    want = [x for x in res.stdout.splitlines() if x.strip()]
    assert len(want) > 50 and got == want
    errors = [r["error"] for r in read_parquet(out) if r["error"]]
    assert len(errors) == 1 and "broken.pdf" in errors[0]
    # with the KB's names (`spark extract --kb-names`), ingest --from-parquet stores what
    # ingest stores
    from gxatlas.kb.names import known_names
    from gxatlas.kb.store import open_kb

    kb = open_kb(atlas_url)
    with kb.session() as s:
        gazetteer = known_names(s)
    kb.dispose()
    spark_extract(spark, [str(docs)], out=out, gazetteer=gazetteer)
    other = tmp_path / "other.sqlite"
    shutil.copy(atlas_url.removeprefix("sqlite:///"), other)
    a = CliRunner().invoke(main, ["--db", atlas_url, "ingest", str(docs), "--json"])
    b = CliRunner().invoke(main, ["--db", f"sqlite:///{other}", "ingest", "--from-parquet",
                                  out, "--json"])
    assert (a.exit_code, b.exit_code) == (1, 1)  # broken.pdf, in both
    strip = [{k: v for k, v in r.items() if k != "file"} for r in json.loads(a.stdout)]
    assert strip == [{k: v for k, v in r.items() if k != "file"} for r in json.loads(b.stdout)]
    assert _kb_facts(atlas_url) == _kb_facts(f"sqlite:///{other}")


def _kb_facts(url: str) -> list[tuple]:
    from sqlalchemy import select

    from gxatlas.kb.models import Document, Evidence
    from gxatlas.kb.store import open_kb

    kb = open_kb(url)
    with kb.session() as s:
        keys = dict(s.execute(select(Document.id, Document.key)).all())
        rows = sorted((e.entity_type, e.field, json.dumps(e.value, ensure_ascii=False),
                       keys.get(e.document_id), e.start, e.end, e.alignment)
                      for e in s.scalars(select(Evidence).where(Evidence.origin == "extracted")))
    kb.dispose()
    return rows
