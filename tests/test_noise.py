"""Noise of web reposts removed in normalization, offsets kept (gxatlas.ingest.normalize)."""

from __future__ import annotations

from pathlib import Path

from gxatlas.ingest import read
from gxatlas.ingest.normalize import (
    drop_boilerplate,
    identity,
    is_boilerplate,
    normalize,
    strip_noise,
)

FIX = Path(__file__).parent / "fixtures" / "noise"


def test_pinyin_glosses_go_and_offsets_map_back() -> None:
    original = "國民經(jīng)濟(jì)和社會(huì)發(fā)展"
    n = strip_noise(identity(original))
    assert n.text == "國民經濟和社會發展"
    i = n.text.index("濟")
    assert original[n.to_original(i, i + 1)[0]] == "濟"


def test_a_gloss_cut_off_at_a_line_end_goes() -> None:
    assert strip_noise(identity("全年城鎮(z\n下一行")).text == "全年城鎮\n下一行"
    assert strip_noise(identity("產業(y")).text == "產業"


def test_latin_in_brackets_is_no_gloss() -> None:
    text = "地区生产总值(GDP)和协定(RCEP)及(注)"
    assert strip_noise(identity(text)).text == text


def test_lost_characters_and_scraped_numbers_go() -> None:
    assert strip_noise(identity("????梧州讯")).text == "梧州讯"
    assert strip_noise(identity("新增\n003010\n企业")).text == "新增\n\n企业"
    kept = "电话0771-5555555,编号2023001,比重0.5%"
    assert strip_noise(identity(kept)).text == kept


def test_site_furniture_lines_go_metadata_and_prose_stay() -> None:
    assert is_boilerplate("加入收藏|会员中心")
    assert is_boilerplate("您当前的位置:首页>新闻中心>园区动态")
    assert is_boilerplate("统计公报年度索引:2023 2022 2021 2020 2019 2018")
    assert not is_boilerplate("时间:2024-02-08 09:30:00来源:某某县统计局点击:1288次")
    assert not is_boilerplate("各部门要高度关注企业诉求,做好服务。")
    text = "站内搜索:高级搜索\n正文第一句。\n"
    assert drop_boilerplate(identity(text)).text == "正文第一句。\n"


def test_a_noisy_repost_reads_clean() -> None:
    doc = read(FIX / "repost.txt")
    assert doc.title == "某某县2023年工业经济运行情况"
    assert doc.text.startswith("某某县2023年工业经济运行情况\n\n时间:2024-02-08")
    assert "(" not in doc.text and "?" not in doc.text and "003010" not in doc.text
    assert "\n\n\n" not in doc.text
    assert "全年全县规模以上工业总产值达到120.5亿元,比上年增长8.2%。" in doc.text
    s = doc.text.index("120.5亿元")
    o_start, o_end = doc.to_original(s, s + len("120.5亿元"))
    assert doc.original[o_start:o_end] == "120.5億元"
    assert doc.text.endswith("全县城镇")


def test_normalize_keeps_the_offset_invariant_on_noise() -> None:
    original = (FIX / "repost.txt").read_text(encoding="utf-8")
    n = normalize(original)
    assert len(n.offsets) == len(n.text) + 1 and n.offsets[-1] == len(original)
    assert list(n.offsets) == sorted(n.offsets)


def test_cell_marks_of_a_flattened_table_go() -> None:
    text = "表1 新增单位\n地区 |\n1-6月 |\n全区 |\n266 |\n正文一句 | 不是表格。\n"
    out = drop_boilerplate(identity(text)).text
    assert out.startswith("表1 新增单位\n地区\n1-6月\n全区\n266\n")
