"""Enterprise classification onto industrial-chain links.

An enterprise is read from its name and its business scope (经营范围). Every keyword of every
link of every chain template goes into one Aho–Corasick automaton (``pyahocorasick``), so one
pass over the text finds all candidate words. A keyword is dropped when a negative keyword
of the same link covers it (``隔膜泵`` cancels ``隔膜``), or when a longer keyword covers it
(``锂电池隔膜`` is the separator, not the cell; ``甘蔗种植`` does not also count ``蔗种``).

Each surviving word earns a weight for where it stands:

* in the name: 1.5, or 0.5 when the name says the firm trades (贸易、商贸、经营部 …);
* in a scope item (items are split at ；，。 and the permit headers): 1.0 when the item makes
  something (制造、生产、加工 …), 0.25 when it only sells (销售、批发、零售、进出口 … and no
  making verb), 0.5 when it is research or technical service only, 0.8 otherwise; items lose
  5% per place after the first (to at most −40%), since registries list the main business first.

A word counts once per link, with its best scope weight plus its name weight. A link is a hit
when its raw sum reaches ``MIN_RAW`` (1.0: one making item, or the name plus some scope
support); ``score = raw / (raw + 1)`` in (0, 1), rounded to two places.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

import ahocorasick

from gxatlas.data.chains import Chain, load_chains

MIN_RAW = 0.8
NAME_WEIGHT = 1.5
TRADE_NAME_WEIGHT = 0.5
MAKE_WEIGHT = 1.0
TRADE_WEIGHT = 0.25
RESEARCH_WEIGHT = 0.5
OTHER_WEIGHT = 0.8
DECAY_PER_ITEM = 0.05
MAX_DECAY = 0.2
DOMINANCE = 0.35  # a weak link (raw < WEAK_RAW) under this share of the best link is dropped
WEAK_RAW = 1.5

_MAKE = re.compile("制造|生产|加工|冶炼|提炼|开采|采选|选矿|种植|培育|育苗|建造|组装|装配|铸造|锻造|"
                   "压延|轧制|回收|利用|修理|维修|改装|研制|精炼|提取|屠宰|酿造|印刷|养殖|拆解")
_TRADE = re.compile("销售|批发|零售|进出口|代理|经销|采购|贸易|经营|租赁|配送|仓储|培训|教育|咨询|"
                    "施工|安装|中介|经纪")
_RESEARCH = re.compile("研发|研究|技术开发|技术服务|技术咨询|技术推广|技术转让|技术交流|设计|检测")
_TRADE_NAME = re.compile("贸易|商贸|经贸|商行|经营部|门市|商店|超市|销售|经销|供应链|进出口|"
                         "物资|商务|电子商务|百货|租赁|检测|检验|咨询|培训|教育|学校|协会|"
                         "(?:工程|装饰|安装|维修|服务)(?:有限公司|有限责任公司|部|中心|店)?$")
_ITEM_SPLIT = re.compile("[；;，,。\n]|一般项目[:：]|许可项目[:：]|一般经营项目[:：]|许可经营项目[:：]")
# boilerplate parentheses of registry scopes: （除依法须经批准的项目外…）（依法须经批准的项目…）
_BOILERPLATE = re.compile(r"[（(][^（）()]*(?:依法|批准|许可证|凭营业执照)[^（）()]*[）)]")


@dataclass(frozen=True)
class LinkHit:
    """One chain link an enterprise sits on, with the words that decided it."""

    chain: str
    chain_name: str
    link: str
    link_name: str
    score: float
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "chain_name": self.chain_name, "link": self.link,
                "link_name": self.link_name, "score": self.score,
                "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Classified:
    """One enterprise and its links (empty when it is on no chain)."""

    name: str
    links: tuple[LinkHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "links": [h.to_dict() for h in self.links]}


# NFKC's own mapping of the full-width forms and the ideographic space, which is nearly all
# that NFKC changes in registry text: mapped with str.translate, and full NFKC run only when
# something else is left to normalize, so the result is always NFKC's.
_FULLWIDTH = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = " "


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and upper-case Latin letters."""
    t = (text or "").translate(_FULLWIDTH)
    if not unicodedata.is_normalized("NFKC", t):
        t = unicodedata.normalize("NFKC", t)
    return t.upper()


def _clean_scope(scope: str) -> str:
    if "批准" not in scope and "依法" not in scope and "许可证" not in scope \
            and "凭营业执照" not in scope:
        return scope
    return _BOILERPLATE.sub("", scope)


def _item_weight(item: str, index: int) -> float:
    if _MAKE.search(item):
        base = MAKE_WEIGHT
    elif _TRADE.search(item):
        base = TRADE_WEIGHT
    elif _RESEARCH.search(item):
        base = RESEARCH_WEIGHT
    else:
        base = OTHER_WEIGHT
    return base * (1.0 - min(MAX_DECAY, DECAY_PER_ITEM * index))


class Classifier:
    """A compiled classifier for a set of chain templates (build once, call many times)."""

    def __init__(self, chains: Sequence[Chain]) -> None:
        self.chains = tuple(chains)
        # link index -> (chain id, chain name, link id, link name)
        self._links: list[tuple[str, str, str, str]] = []
        entries: dict[str, list[tuple[int, bool]]] = {}
        for ch in self.chains:
            for lk in ch.links:
                idx = len(self._links)
                self._links.append((ch.id, ch.name, lk.id, lk.name))
                for kw in lk.keywords:
                    entries.setdefault(normalize(kw), []).append((idx, False))
                for neg in lk.negative_keywords:
                    entries.setdefault(normalize(neg), []).append((idx, True))
        self._automaton = ahocorasick.Automaton()
        for word, refs in entries.items():
            self._automaton.add_word(word, (word, tuple(refs)))
        self._automaton.make_automaton()
        # industry id (industries.yaml) -> the "chain/link" keys it stands for
        self._by_industry: dict[str, list[str]] = {}
        for ch in self.chains:
            for lk in ch.links:
                for ind in lk.industries:
                    self._by_industry.setdefault(ind, []).append(f"{ch.id}/{lk.id}")

    def _matches(self, text: str) -> list[tuple[int, int, str, int]]:
        """Surviving keyword occurrences (start, end, word, link index) of one text."""
        found: list[tuple[int, int, str, int]] = []
        negatives: dict[int, list[tuple[int, int]]] = {}
        for end, (word, refs) in self._automaton.iter(text):
            start = end - len(word) + 1
            for idx, negative in refs:
                if negative:
                    negatives.setdefault(idx, []).append((start, end))
                else:
                    found.append((start, end, word, idx))
        if not found:
            return found
        kept = []
        for m in found:
            s, e, _, idx = m
            if any(ns <= s and e <= ne for ns, ne in negatives.get(idx, ())):
                continue
            # a strictly longer keyword (of any link) covers this one
            if any(o[0] <= s and e <= o[1] and o[1] - o[0] > e - s for o in found):
                continue
            kept.append(m)
        return kept

    def classify(self, name: str, scope: str) -> list[LinkHit]:
        """The links of one enterprise, best first."""
        best: dict[int, dict[str, float]] = {}  # link -> word -> best scope weight
        named: dict[int, dict[str, float]] = {}  # link -> word -> name weight
        n = normalize(name)
        if n:
            w_name = TRADE_NAME_WEIGHT if _TRADE_NAME.search(n) else NAME_WEIGHT
            for _, _, word, idx in self._matches(n):
                named.setdefault(idx, {})[word] = w_name
        s = normalize(_clean_scope(scope or ""))
        if s:
            matches = self._matches(s)
            if matches:
                # item k spans (starts[k], ends[k]); weights only for items with a match
                starts, ends = [0], []
                for sep in _ITEM_SPLIT.finditer(s):
                    ends.append(sep.start())
                    starts.append(sep.end())
                ends.append(len(s))
                nonblank = [k for k in range(len(ends)) if s[starts[k]:ends[k]].strip()]
                rank = {k: i for i, k in enumerate(nonblank)}
                cache: dict[int, float] = {}
                for start, _, word, idx in matches:
                    k = bisect.bisect_right(starts, start) - 1
                    w = cache.get(k)
                    if w is None:
                        w = cache[k] = _item_weight(s[starts[k]:ends[k]], rank.get(k, 0))
                    words = best.setdefault(idx, {})
                    if w > words.get(word, 0.0):
                        words[word] = w
        raws = {idx: sum(best.get(idx, {}).values()) + sum(named.get(idx, {}).values())
                for idx in set(best) | set(named)}
        top = max(raws.values(), default=0.0)
        hits: list[LinkHit] = []
        for idx, raw in raws.items():
            if raw < MIN_RAW or (raw < WEAK_RAW and raw < DOMINANCE * top):
                continue
            scope_words = best.get(idx, {})
            name_words = named.get(idx, {})
            chain_id, chain_name, link_id, link_name = self._links[idx]
            evidence = tuple(sorted(set(scope_words) | set(name_words),
                                    key=lambda w: (-(scope_words.get(w, 0) + name_words.get(w, 0)),
                                                   -len(w), w)))
            hits.append(LinkHit(chain=chain_id, chain_name=chain_name, link=link_id,
                                link_name=link_name, score=round(raw / (raw + 1.0), 2),
                                evidence=evidence))
        hits.sort(key=lambda h: (-h.score, h.chain, h.link))
        return hits


    def industry_links(self, industries: Iterable[str], *, placed: Iterable[str] = ()
                       ) -> dict[str, tuple[str, ...]]:
        """``chain/link`` → the industry names that stand for it (the templates' link
        ``industries``), for industry names as the KB records them (canonical or synonym),
        in the chains none of the ``placed`` ``chain/link`` keys (what the entity's own words
        gave) is in: words say more than a recorded industry."""
        if not self._by_industry:
            return {}
        done = {k.split("/", 1)[0] for k in placed}
        from gxatlas.data import load_industries

        table = load_industries()
        out: dict[str, list[str]] = {}
        for name in industries:
            rec = table.find(name)
            for key in self._by_industry.get(rec.id, ()) if rec is not None else ():
                if key.split("/", 1)[0] not in done:
                    out.setdefault(key, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    def mentions(self, text: str) -> dict[str, tuple[str, ...]]:
        """``chain/link`` → words, for every link a free text (a plan statement, a project
        name) mentions at all: no weights, no threshold, negatives still apply."""
        out: dict[str, set[str]] = {}
        for _, _, word, idx in self._matches(normalize(text)):
            chain_id, _, link_id, _ = self._links[idx]
            out.setdefault(f"{chain_id}/{link_id}", set()).add(word)
        return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.lru_cache(maxsize=8)
def _classifier(chains: tuple[Chain, ...] | None) -> Classifier:
    return Classifier(chains if chains is not None else load_chains())


def classifier(*, chains: Iterable[Chain] | None = None) -> Classifier:
    """The (cached) classifier of these chains, or of the bundled templates."""
    return _classifier(tuple(chains) if chains is not None else None)


def classify(name: str, scope: str, *, chains: Iterable[Chain] | None = None) -> list[LinkHit]:
    """The chain links of one enterprise from its name and business scope, best first."""
    return classifier(chains=chains).classify(name, scope)


def _name_scope(row: Any) -> tuple[str, str]:
    if isinstance(row, Mapping):
        return str(row.get("name") or ""), str(row.get("scope") or "")
    if isinstance(row, (tuple, list)):
        return str(row[0] or ""), str(row[1] if len(row) > 1 and row[1] else "")
    return str(getattr(row, "name", "") or ""), str(getattr(row, "scope", "") or "")


def classify_rows(rows: Iterable[Any], *, chains: Iterable[Chain] | None = None
                  ) -> Iterator[Classified]:
    """Classify a stream of enterprises one by one (nothing is held beyond the current row).

    A row is a ``RegistryRow`` (or any object with ``name`` and ``scope``), a mapping with
    those keys, or a ``(name, scope)`` pair.
    """
    clf = classifier(chains=chains)
    for row in rows:
        name, scope = _name_scope(row)
        yield Classified(name=name, links=tuple(clf.classify(name, scope)))


def _classify_chunk(args: tuple[Any, tuple[Chain, ...] | None]
                    ) -> tuple[list[Classified], list[Any]]:
    """Classify one chunk of a registry (in a worker process): its results and problems."""
    from gxatlas.analysis.registry import RegistryProblem, iter_registry

    chunk, chains = args
    clf = classifier(chains=chains)
    out: list[Classified] = []
    problems: list[Any] = []
    for item in iter_registry(chunk.path, names_only=True, chunk=chunk):
        if isinstance(item, RegistryProblem):
            problems.append(item)
        else:
            out.append(Classified(name=item.name, links=tuple(clf.classify(item.name,
                                                                           item.scope))))
    return out, problems


def classify_file(path: str, *, chains: Iterable[Chain] | None = None, jobs: int = 1,
                  on_problem=None) -> Iterator[Classified]:
    """Classify every named row of a registry file, in file order, calling ``on_problem``
    for each problem. With ``jobs`` > 1 a CSV is cut at record boundaries
    (``registry_chunks``) and classified in that many processes; the output is the same."""
    from gxatlas.analysis.registry import RegistryProblem, iter_registry, registry_chunks

    chains = tuple(chains) if chains is not None else None
    if jobs <= 1 or path.lower().endswith((".xlsx", ".xlsm")):
        def rows() -> Iterator[Any]:
            for item in iter_registry(path, names_only=True):
                if isinstance(item, RegistryProblem):
                    if on_problem is not None:
                        on_problem(item)
                    continue
                yield item
        yield from classify_rows(rows(), chains=chains)
        return
    import multiprocessing

    chunks = registry_chunks(path, parts=jobs * 8)
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for results, problems in pool.imap(_classify_chunk, [(c, chains) for c in chunks]):
            for p in problems:
                if on_problem is not None:
                    on_problem(p)
            yield from results


def enterprises_from_kb(*, db_url: str | None) -> Iterable[tuple[str, str]]:
    """``(name, scope)`` of every enterprise in the knowledge base, streamed. The KB is opened
    at once, so a missing KB is an error before any output is written."""
    from gxatlas.analysis.kbdata import enterprise_rows
    from gxatlas.kb.store import open_kb

    kb = open_kb(db_url)

    def rows() -> Iterable[tuple[str, str]]:
        with kb.session(write=False) as s:
            yield from enterprise_rows(s)

    return rows()
