"""`enterprises classify` writes exactly what it wrote before its fast paths (issue 16).

``fixtures/classify/registry*.{json,txt}.expected`` were written by the classifier as it was
before the fast paths (main at 1c958cd): ``registry.csv`` is bench/classify_bench.py's
generator (160 rows, seed 16) plus hand-written rows (negatives, full-width letters, trade
names, boilerplate, blank items, rows without a name); ``registry_awkward.csv`` adds a broken
quote, undecodable bytes and a quoted newline, so that the reader goes line by line. The
classifier is also compared with a plain reference (substring search, the weighting rules
written out) on generated texts, and the bulk CSV reader with the line-by-line one.
"""

from __future__ import annotations

import csv
import json
import io
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gxatlas.analysis import classify as C
from gxatlas.analysis import registry as R
from gxatlas.cli import main
from gxatlas.data.chains import load_chains
from gxatlas.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "classify"


@pytest.mark.parametrize("stem", ["registry", "registry_awkward"])
@pytest.mark.parametrize("fmt, suffix", [("json", "json"), ("table", "txt")])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_output_is_byte_identical(stem: str, fmt: str, suffix: str, jobs: str) -> None:
    path = FIXTURES / f"{stem}.csv"
    res = CliRunner().invoke(main, ["enterprises", "classify", str(path), "--format", fmt,
                                    "--jobs", jobs])
    assert res.exit_code == 0, res.output
    assert res.stdout_bytes == (FIXTURES / f"{stem}.{suffix}.expected").read_bytes()
    expected_err = (FIXTURES / f"{stem}.err.expected").read_text(encoding="utf-8")
    assert res.stderr.replace(str(path), path.name) == expected_err


# --- the classifier against a plain reference ----------------------------------------------

def _reference_matches(words: dict[str, list[tuple[int, bool]]], text: str
                       ) -> list[tuple[int, int, str, int]]:
    """Surviving (start, end, word, link) by plain substring search, in the order of their
    end, longest first (the order an Aho–Corasick pass reports them)."""
    found, negatives = [], {}
    occurrences = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            occurrences.append((at + len(word) - 1, -len(word), word))
            at = text.find(word, at + 1)
    for end, neg_len, word in sorted(occurrences):
        start = end + neg_len + 1
        for idx, negative in words[word]:
            if negative:
                negatives.setdefault(idx, []).append((start, end))
            else:
                found.append((start, end, word, idx))
    return [m for m in found
            if not any(ns <= m[0] and m[1] <= ne for ns, ne in negatives.get(m[3], ()))
            and not any(o[0] <= m[0] and m[1] <= o[1] and o[1] - o[0] > m[1] - m[0]
                        for o in found)]


def _reference(chains, name: str, scope: str) -> list[dict]:
    """The classification rules of the module doc, written plainly."""
    links, words = [], {}
    for ch in chains:
        for lk in ch.links:
            idx = len(links)
            links.append((ch.id, ch.name, lk.id, lk.name))
            for kw in lk.keywords:
                words.setdefault(_nfkc(kw), []).append((idx, False))
            for kw in lk.negative_keywords:
                words.setdefault(_nfkc(kw), []).append((idx, True))
    best, named = {}, {}
    n = _nfkc(name)
    w_name = C.TRADE_NAME_WEIGHT if C._TRADE_NAME.search(n) else C.NAME_WEIGHT
    for _, _, word, idx in _reference_matches(words, n):
        named.setdefault(idx, {})[word] = w_name
    s = _nfkc(C._clean_scope(scope))
    bounds = [0] + [x for m in C._ITEM_SPLIT.finditer(s) for x in m.span()] + [len(s)]
    items = list(zip(bounds[::2], bounds[1::2]))
    ranks = {}
    for k, (a, b) in enumerate(items):
        if s[a:b].strip():
            ranks[k] = len(ranks)
    for start, _, word, idx in _reference_matches(words, s):
        k = max(i for i, (a, _) in enumerate(items) if a <= start)
        w = C._item_weight(s[items[k][0]:items[k][1]], ranks.get(k, 0))
        if w > best.setdefault(idx, {}).get(word, 0.0):
            best[idx][word] = w
    raws = {i: sum(best.get(i, {}).values()) + sum(named.get(i, {}).values())
            for i in set(best) | set(named)}
    top = max(raws.values(), default=0.0)
    out = []
    for idx, raw in raws.items():
        if raw < C.MIN_RAW or (raw < C.WEAK_RAW and raw < C.DOMINANCE * top):
            continue
        sw, nw = best.get(idx, {}), named.get(idx, {})
        evidence = sorted(set(sw) | set(nw), key=lambda w: (-(sw.get(w, 0) + nw.get(w, 0)),
                                                             -len(w), w))
        chain, chain_name, link, link_name = links[idx]
        out.append({"chain": chain, "chain_name": chain_name, "link": link,
                    "link_name": link_name, "score": round(raw / (raw + 1.0), 2),
                    "evidence": evidence})
    return sorted(out, key=lambda h: (-h["score"], h["chain"], h["link"]))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").upper()


CHAINS = tuple(load_chains())
KEYWORDS = sorted({w for ch in CHAINS for lk in ch.links
                   for w in (*lk.keywords, *lk.negative_keywords)})
PIECES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(["；", "，", "。", ";", ",", "\n", "一般项目：", "许可项目:", "、", " ", "　",
                     "生产", "制造", "加工", "销售", "批发", "研发", "技术服务", "设计", "组装",
                     "贸易", "商贸", "有限公司", "经营部", "ＰＡＣＫ", "ｂｍｓ", "ﬁ", "①",
                     "（依法须经批准的项目，经相关部门批准后方可开展经营活动）", "(许可证)"]),
    st.text(alphabet="锂电池铝糖纸船钢药材料隔膜泵零部件汽车石灰碳酸钙生活用纸中成", max_size=3))
TEXTS = st.lists(PIECES, max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS, TEXTS)
def test_classifier_equals_the_reference(name: str, scope: str) -> None:
    clf = C.classifier()
    got = [h.to_dict() for h in clf.classify(name, scope)]
    assert got == _reference(CHAINS, name, scope)
    assert clf.links_json(clf.scored(name, scope)) == json.dumps(
        got, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXTS, st.one_of(TEXTS, st.sampled_from(["", "\x00", "锂电池\x00隔膜生产",
                                                                   "\x01电池制造"]))),
                max_size=8))
def test_a_batch_is_classified_as_its_rows_one_by_one(rows) -> None:
    """Texts are normalized and matched joined by NUL: a NUL in a text changes nothing."""
    clf = C.classifier()
    names, scopes = [n for n, _ in rows], [s for _, s in rows]
    assert clf.scored_many(names, scopes) == [clf.scored(n, s) for n, s in rows]
    assert [clf.classify(n, s) for n, s in rows] == [
        [h for h in (C.LinkHit(**d) for d in _ref_dicts(n, s))] for n, s in rows]


def _ref_dicts(name: str, scope: str) -> list[dict]:
    return [{**d, "evidence": tuple(d["evidence"])} for d in _reference(CHAINS, name, scope)]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_is_nfkc_upper(text: str) -> None:
    assert C.normalize(text) == _nfkc(text)


# --- the bulk CSV reader against the line-by-line one --------------------------------------

def _line_by_line(path: Path, monkeypatch: pytest.MonkeyPatch, **kw) -> list:
    with monkeypatch.context() as m:
        m.setattr(R, "_BLOCK_ENCODINGS", {})
        return list(R._csv_records(path, **kw))


CELLS = st.lists(st.sampled_from(['a', '锂电池', '"', '""', ',', '\n', '\r\n', '\r', ' ', '',
                                  '\ufeff', '；', 'x"y', '"q"']), max_size=6).map("".join)
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=12)


@settings(max_examples=300, deadline=None)
@given(ROWS, st.booleans(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       st.integers(min_value=1, max_value=64))
def test_bulk_reader_reads_as_line_by_line(tmp_path_factory, rows, quote_all: bool,
                                           encoding: str, block: int) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(["企业名称", "经营范围"])
    for row in rows:
        if row[0] == "a":  # a hand-broken line: an unbalanced quote
            buf.write('"broken,' + row[-1] + "\n")
        else:
            writer.writerow(row)
    path = tmp_path_factory.mktemp("csv") / "r.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(R, "_BLOCK", block)
        assert list(R._csv_records(path)) == _line_by_line(path, mp)
        try:
            chunks = R.registry_chunks(path, parts=3)
        except InputError:  # a tiny GB 18030 sample taken for another encoding
            chunks = []
        for chunk in chunks:
            assert list(R._csv_records(path, chunk=chunk, width=len(chunk.header))) \
                == _line_by_line(path, mp, chunk=chunk, width=len(chunk.header))
    finally:
        mp.undo()


@pytest.mark.parametrize("stem", ["registry", "registry_awkward"])
def test_bulk_reader_on_the_fixtures(stem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / f"{stem}.csv"
    for block in (1 << 20, 4096, 300):
        monkeypatch.setattr(R, "_BLOCK", block)
        assert list(R._csv_records(path)) == _line_by_line(path, monkeypatch)
