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
from gxatlas.segment import cut, tokenizer
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
def test_cached_segmentation_is_jiebas(text: str) -> None:
    want = [w for w in tokenizer().cut_for_search(text) if w.strip()]
    assert cut(text) == want
    assert cut(text) == want  # from the cache


def test_parallel_classification_is_the_same(tmp_path: Path) -> None:
    path = sample_registry(tmp_path / "r.csv", rows=300)
    one = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--json"])
    two = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--json",
                                    "--jobs", "2"])
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stderr == two.stderr and "引号不配对" in one.stderr
