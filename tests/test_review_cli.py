"""`gxatlas review`: the queue, one fact with its text, accept / edit / merge / reject / undo,
the log, a stale version's conflict, and the analyses' --include-pending."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.cli import main
from gxatlas.kb.documents import store_document
from gxatlas.kb.store import open_kb
from review_kit import plan_facts, read_doc, write_doc


def run(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, *args])


def test_review_flow_from_the_command_line(atlas_url: str, tmp_path: Path) -> None:
    kb = open_kb(atlas_url)
    doc = read_doc(write_doc(tmp_path))
    with kb.session() as s:
        store_document(s, doc, plan_facts(doc))
    kb.dispose()
    res = run(atlas_url, "review", "--json")
    assert res.exit_code == 0, res.output
    page = json.loads(res.stdout)
    ids = {i["name"]: i["id"] for i in page["items"]}
    assert page["total"] == 3 and set(ids) == {"主导产业", "示例县新兴材料产业园", "新锐科技有限公司"}
    listing = run(atlas_url, "review").stdout
    assert "待审核" in listing and "置信度 0.50" in listing and "后缀匹配" in listing

    shown = run(atlas_url, "review", "show", str(ids["主导产业"]), "--context", "20")
    assert shown.exit_code == 0 and "主导产业3个" in shown.stdout

    # the monitor leaves the junk out and says so on stderr; --include-pending shows it
    mon = run(atlas_url, "monitor", "--region", "南宁", "--json")
    assert "主导产业" not in [r["indicator"] for r in json.loads(mon.stdout)]
    assert "待审核" in mon.stderr
    mon = run(atlas_url, "monitor", "--region", "南宁", "--json", "--include-pending")
    assert "主导产业" in [r["indicator"] for r in json.loads(mon.stdout)]

    res = run(atlas_url, "review", "accept", str(ids["示例县新兴材料产业园"]), "--reviewer", "张三",
              "--json")
    accept = json.loads(res.stdout)
    assert accept["reviewer"] == "张三" and accept["after"]["status"] == "confirmed"
    parks = json.loads(run(atlas_url, "parks", "--json").stdout)
    assert "示例县新兴材料产业园" in [p["name"] for p in parks]
    # a stale version is a conflict naming who acted: exit 1, one line, nothing changed
    res = run(atlas_url, "review", "reject", str(ids["示例县新兴材料产业园"]), "--version", "1")
    assert res.exit_code == 1 and "张三" in res.stderr and "刷新" in res.stderr

    res = run(atlas_url, "review", "edit", str(ids["主导产业"]), "--set", "target_value=6",
              "--name", "主导产业数量", "--reviewer", "李四")
    assert res.exit_code == 0, res.output
    res = run(atlas_url, "review", "edit", str(ids["主导产业"]), "--set", "colour=red")
    assert res.exit_code == 1 and "不可修改" in res.stderr
    res = run(atlas_url, "review", "merge", str(ids["新锐科技有限公司"]), "柳工", "--json")
    merge = json.loads(res.stdout)
    assert merge["after"]["into_name"] == "柳工"
    assert run(atlas_url, "review", "undo", str(merge["id"])).exit_code == 0
    assert run(atlas_url, "review", "undo", str(merge["id"])).exit_code == 1  # already undone

    log = run(atlas_url, "review", "log").stdout
    assert "李四 修改" in log and "target_value 5→6" in log and "并入 柳工" in log
    assert "张三 确认" in log
    left = json.loads(run(atlas_url, "review", "--json").stdout)
    assert [i["name"] for i in left["items"]] == ["新锐科技有限公司"]
