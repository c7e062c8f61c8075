"""The speed-ups of issue 16 change no output: normalization, segmentation, parallel
classification."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gxatlas.analysis.classify import normalize
from gxatlas.cli import main
from gxatlas.segment import cut, user_words
from test_spark import sample_registry

TEXT = st.text(alphabet=st.sampled_from(
    list("广西南宁新能源电池制造销售；，。、（）()：:ＡＢＣａｂｃ１２３ 　\u0301\u0300ｶﾞ①㈱ABCabc123-")),
    max_size=60)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalize_is_nfkc_upper(text: str) -> None:
    assert normalize(text) == unicodedata.normalize("NFKC", text).upper()


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_search_words_cover_the_text(text: str) -> None:
    """Search segmentation (rjieba) gives words of the text, and every letter, digit and
    Chinese character of the text is in one of them."""
    words = cut(text)
    assert all(w in text and w.strip() for w in words)
    joined = "".join(words)
    assert all(ch in joined for ch in text if ch.isalnum() and unicodedata.category(ch) != "No")


SEARCH_TEXT = st.lists(st.sampled_from(
    ["广西", "中国", "一", "东盟", "發展", "電池", "制造", "销售", "；", ";", "，", ",", "。", "、",
     "（", "）", "(", ")", "：", ":", " ", "　", "\u0301", "ｶﾞ", "①", "㈱", "Ａ1", "abc", "-", ".",
     "—", "〔", "许可项目", "一般项目", "新能源汽车零部件"]), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(SEARCH_TEXT)
def test_search_tokens_by_clause_are_the_whole_parts_words(body: str) -> None:
    """The clause-memoized index words equal segmenting each whole normalized part."""
    from gxatlas.kb.search import search_tokens
    from gxatlas.names import canonical_name

    want = " ".join(w for part in body.split() for w in cut(canonical_name(part)))
    assert search_tokens(body) == want
    assert search_tokens(body) == want  # from the memo


@settings(max_examples=200, deadline=None)
@given(SEARCH_TEXT, SEARCH_TEXT)
def test_search_tokens_from_words_segmented_elsewhere(body: str, other: str) -> None:
    """Index words taken from parts segmented before (a registry's checking child) are the
    words computed here, whichever parts were segmented before."""
    from gxatlas.kb.search import part_words, search_tokens

    known = {p: part_words(p) for p in (body + " " + other).split()[::2]}
    assert search_tokens(body, known) == search_tokens(body)


def test_region_choice_memo_gives_what_choosing_gives() -> None:
    """The resolver remembers its choice per sequence of place names found: the same
    region as choosing afresh, for addresses that share the sequence or not."""
    from gxatlas.analysis.registry import RegionResolver
    from gxatlas.data import load_regions

    addresses = ["广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市青秀区民族大道2号",
                 "南宁市横州市", "柳州市柳南区", "广西柳州市鱼峰区", "广西壮族自治区南宁市兴宁区",
                 "湖南省长沙市岳麓区", "北海市银海区", "南宁", "横州", "某路1号", "钦州港"]
    shared = RegionResolver(load_regions())
    for text in addresses * 2:
        fresh = RegionResolver(load_regions())
        assert shared.find(text) == fresh.find(text), text


def test_search_segmentation_keeps_domain_words_whole() -> None:
    long_words = [w for w, _, _ in user_words()
                  if len(w) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in w)][:80]
    assert long_words
    for word in long_words:
        assert word in cut(f"发展{word}，推动") or word in cut(word), word
    assert {"新能源", "汽车"} <= set(cut("新能源汽车零部件"))


def test_parallel_classification_is_the_same(tmp_path: Path) -> None:
    path = sample_registry(tmp_path / "r.csv", rows=300)
    one = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--json"])
    two = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--json",
                                    "--jobs", "2"])
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stderr == two.stderr and "引号不配对" in one.stderr


CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -ａ"


CODES = st.one_of(
    st.text(alphabet=st.sampled_from(list(CODE_CHARS)), min_size=16, max_size=19),
    st.tuples(st.text(alphabet=st.sampled_from(list("0123456789")), min_size=8, max_size=8),
              st.text(alphabet=st.sampled_from(list("0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ")),
                      min_size=10, max_size=10)).map("".join))


@settings(max_examples=400, deadline=None)
@given(CODES, st.booleans())
def test_credit_code_check_is_stdnums(code: str, fix_digit: bool) -> None:
    """The fast path of ``check_credit_code`` accepts exactly what python-stdnum accepts."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    from gxatlas.analysis.registry import check_credit_code

    if fix_digit and len(code) == 18 and all(c in uscc._alphabet for c in code):
        code = code[:-1] + uscc.calc_check_digit(code)
    try:
        uscc.validate(code)
        valid = True
    except ValidationError:
        valid = False
    assert (check_credit_code(code) is None) == valid
