"""Economic-complexity measures of a region × industry table (经济复杂度指标).

`measures(table)` takes a long table (columns ``region``, ``industry``, ``value``, optional
``year``) and returns a frozen :class:`Measures` with three DataFrames:

- ``regions``: region, diversity, eci, coi
- ``industries``: industry, ubiquity, pci
- ``pairs``: region, industry, rca, presence, density, cog (one row per region × industry)

Definitions follow the Harvard Growth Lab (Hidalgo & Hausmann 2009; Hausmann et al. 2014) and
its `ecomplexity` package, so the numbers agree with it to 1e-6 where it is right:

- RCA (Balassa): ``rca[c,p] = (x[c,p] / x[c]) / (x[p] / x)``.
- presence ``M[c,p] = 1`` when RCA ≥ ``rca_threshold`` (or RPOP, or either: ``presence=``).
- diversity ``k_c = Σ_p M``; ubiquity ``k_p = Σ_c M``.
- ECI/PCI: the eigenvector of the second largest eigenvalue of
  ``M̃ = D_p⁻¹ Mᵀ D_c⁻¹ M`` (PCI direction ``q``), ``ECI_raw = D_c⁻¹ M q``; the sign makes ECI
  correlate positively with diversity; ``eci = (ECI_raw − mean) / std`` and
  ``pci = (q − mean(ECI_raw)) / std(ECI_raw)`` (population std), so that a region's ECI is the
  mean PCI of the industries it is present in. We solve the symmetric form
  ``D^{-1/2} … D^{-1/2}`` with ``eigh`` on the smaller side (ARPACK on the deflated operator past
  200), which is exact and much cheaper than a general eigen-solver.
- proximity ``φ[p,p'] = Σ_c M[c,p] M[c,p'] / max(k_p, k_p')`` (the smaller of the two
  conditional probabilities; ``φ[p,p] = 1``).
- density ``d[c,p] = Σ_p' M[c,p'] φ[p,p'] / Σ_p' φ[p,p']`` (with ``knn=k``: only the k industries
  nearest to ``p``, ``p`` itself excluded, weighted by φ; `ecomplexity` sums the unweighted
  presence there, which is wrong).
- COI ``= Σ_p d[c,p] (1 − M[c,p]) q_p``, standardized across regions.
- COG ``[c,p] = (1 − M[c,p]) Σ_p' (1 − M[c,p']) φ[p',p] q_p' / Σ_p'' φ[p',p'']``, divided by
  std(ECI_raw) — the Growth Lab's Stata/`ecomplexity` form (it omits the book's
  ``− d[c,p]·PCI_p`` term; we keep their form so figures agree with theirs).

ECI and PCI are computed on the largest connected part of the region–industry network; regions
and industries outside it get NaN and a note. Regions (and industries) with zero total are
dropped with a note. An empty table, negative or missing values, duplicate rows and a matrix
too small for eigenvectors raise :class:`gxatlas.errors.InputError`.

`similarity(...)` is location–location similarity as Datawheel's `economic-complexity` defines
it: the Pearson correlation between regions of ``log(RCA + ε)`` (ε = 0.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.csgraph
import scipy.sparse.linalg

from gxatlas.errors import InputError

Presence = Literal["rca", "rpop", "both"]
Presence01 = np.ndarray | sp.csr_matrix  # 0/1 presence, dense or sparse

_DENSE_EIGEN_LIMIT = 200  # above: ARPACK
_SPARSE_BELOW = 0.05  # presence stored sparse when fewer pairs than this share are present
_DEFAULT_SOURCE = "<表格>"


@dataclass(frozen=True)
class Measures:
    """Complexity measures of one table (one year). All frames have a fresh RangeIndex."""

    regions: pd.DataFrame  # region, diversity, eci, coi
    industries: pd.DataFrame  # industry, ubiquity, pci
    pairs: pd.DataFrame  # region, industry, rca, presence, density, cog (region-major)
    proximity: pd.DataFrame  # industry × industry φ, labelled
    year: object | None = None
    notes: tuple[str, ...] = field(default=())

    def wide(self, column: str) -> pd.DataFrame:
        """A pair column as a region × industry matrix (e.g. ``wide("rca")``)."""
        if column not in self.pairs.columns or column in ("region", "industry"):
            raise KeyError(column)
        values = self.pairs[column].to_numpy().reshape(len(self.regions), len(self.industries))
        return pd.DataFrame(values, index=pd.Index(self.regions["region"], name="region"),
                            columns=pd.Index(self.industries["industry"], name="industry"))

    def to_records(self) -> dict[str, list[dict[str, object]]]:
        """JSON-able ``{"regions": [...], "industries": [...], "pairs": [...]}`` (NaN → None)."""
        return {name: _records(getattr(self, name)) for name in ("regions", "industries", "pairs")}


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Matrix:
    values: np.ndarray  # C × P, float64, no all-zero rows/columns
    regions: pd.Index
    industries: pd.Index
    year: object | None
    notes: tuple[str, ...]


def _factorize_sorted(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and sorted uniques (hash first, then sort only the uniques: fast on long tables)."""
    codes, uniques = pd.factorize(values)
    order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], pd.Index(np.asarray(uniques, dtype=object)[order])


def _to_matrix(table: pd.DataFrame, *, year: object | None, source: str) -> _Matrix:
    missing = [c for c in ("region", "industry", "value") if c not in table.columns]
    if missing:
        raise InputError(source, f"缺少列：{', '.join(missing)}（需要 region, industry, value）")
    if table.empty:
        raise InputError(source, "表格为空，无法计算复杂度")
    notes: list[str] = []
    frame = table
    chosen: object | None = None
    if "year" in frame.columns and frame["year"].notna().any():
        years = frame["year"].dropna().unique()
        if year is None:
            chosen = max(years)
            if len(years) > 1:
                notes.append(f"表中有 {len(years)} 个年份，使用最近的 {chosen} 年")
        else:
            chosen = year
            if not (frame["year"] == year).any():
                raise InputError(source, f"表中没有 {year} 年的数据")
        frame = frame[frame["year"] == chosen]
        if isinstance(chosen, np.generic):
            chosen = chosen.item()
    elif year is not None:
        raise InputError(source, f"表中没有 year 列，无法选择 {year} 年")

    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = values.isna()
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(source, f"第 {at + 1} 条数据的数值缺失或不是数字：{frame['value'].iloc[at]!r}")
    negative = values.to_numpy() < 0
    if negative.any():
        at = int(np.flatnonzero(negative)[0])
        raise InputError(source, f"第 {at + 1} 条数据的数值为负：{values.iloc[at]}"
                                 f"（{frame['region'].iloc[at]}，{frame['industry'].iloc[at]}）")
    regions_s = frame["region"].astype(str)
    industries_s = frame["industry"].astype(str)
    r_codes, r_names = _factorize_sorted(regions_s)
    i_codes, i_names = _factorize_sorted(industries_s)
    keys = r_codes.astype(np.int64) * len(i_names) + i_codes
    if np.bincount(keys, minlength=len(r_names) * len(i_names)).max() > 1:
        at = int(np.flatnonzero(pd.Series(keys).duplicated().to_numpy())[0])
        raise InputError(source, f"第 {at + 1} 条数据重复：{regions_s.iloc[at]}，{industries_s.iloc[at]}")

    x = np.zeros((len(r_names), len(i_names)))
    x[r_codes, i_codes] = values.to_numpy(dtype=float)

    row_total = x.sum(axis=1)
    zero_rows = row_total == 0
    if zero_rows.any():
        dropped = list(r_names[zero_rows])
        notes.append(f"总量为零的地区已剔除：{'、'.join(map(str, dropped))}")
    col_total = x.sum(axis=0)
    zero_cols = col_total == 0
    if zero_cols.any():
        dropped = list(i_names[zero_cols])
        notes.append(f"总量为零的产业已剔除：{'、'.join(map(str, dropped))}")
    x = x[~zero_rows][:, ~zero_cols]
    regions = pd.Index(r_names[~zero_rows], name="region")
    industries = pd.Index(i_names[~zero_cols], name="industry")
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise InputError(source, f"矩阵太小（{x.shape[0]} 个地区 × {x.shape[1]} 个产业），"
                                 "至少需要 2 个地区和 2 个产业才能计算特征向量")
    return _Matrix(values=x, regions=regions, industries=industries, year=chosen, notes=tuple(notes))


# --- the measures --------------------------------------------------------------------------


def rca_matrix(values: np.ndarray) -> np.ndarray:
    """Balassa RCA of a region × industry matrix with no all-zero row or column."""
    row = values.sum(axis=1, keepdims=True)
    col = values.sum(axis=0, keepdims=True)
    return (values / row) / (col / values.sum())


def _rpop_matrix(values: np.ndarray, population: np.ndarray) -> np.ndarray:
    col = values.sum(axis=0, keepdims=True)
    return (values / population[:, None]) / (col / population.sum())


def proximity_matrix(presence: sp.csr_matrix | np.ndarray) -> np.ndarray:
    """φ[p,p'] = co-occurrence / max(k_p, k_p'); industries present nowhere get 0."""
    if sp.issparse(presence):
        m = sp.csr_matrix(presence, dtype=np.float64)
        co = (m.T @ m).toarray()
    else:
        m = np.asarray(presence, dtype=np.float64)
        co = m.T @ m
    ubiquity = np.asarray(m.sum(axis=0)).ravel()
    denom = np.maximum(ubiquity[:, None], ubiquity[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(denom > 0, co / denom, 0.0)
    return phi


def _density(m: Presence01, phi: np.ndarray, *, knn: int | None) -> np.ndarray:
    if knn is None:
        weights = phi
    else:
        n = phi.shape[0]
        k = min(knn, n - 1)
        if k < 1:
            raise ValueError("knn 至少为 1，且产业数至少为 2")
        off = phi.copy()
        np.fill_diagonal(off, -np.inf)
        nearest = np.argsort(-off, axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(n), k)
        weights = sp.csr_matrix((phi[rows, nearest.ravel()], (rows, nearest.ravel())),
                                shape=phi.shape).toarray()
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dens = np.asarray(m @ weights.T) / total[None, :]
    return np.nan_to_num(dens, nan=0.0)


def _largest_component(m: Presence01) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the regions and industries in the largest connected bipartite part."""
    c = m.shape[0]
    ms = sp.csr_matrix(m)
    graph = sp.bmat([[None, ms], [ms.T, None]], format="csr")
    _, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
    region_labels = labels[:c]
    counts = np.bincount(region_labels, minlength=labels.max() + 1)
    best = int(np.argmax(counts))
    return region_labels == best, labels[c:] == best


def _arpack_second(gram: np.ndarray | sp.spmatrix, *, top: np.ndarray
                   ) -> tuple[np.ndarray, bool] | None:
    """Leading eigenvector of ``gram`` with its known top eigenvector deflated (ARPACK);
    None when it does not converge."""
    n = gram.shape[0]
    top = top / np.linalg.norm(top)

    def matvec(x: np.ndarray) -> np.ndarray:
        y = np.ravel(gram @ np.ravel(x))
        return y - top * (top @ y)

    op = scipy.sparse.linalg.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(0).random(n)
    try:
        vals, vecs = scipy.sparse.linalg.eigsh(op, k=2, which="LA", tol=0,
                                               v0=v0 - top * (top @ v0))
    except scipy.sparse.linalg.ArpackNoConvergence:
        return None
    order = np.argsort(vals)[::-1]
    return vecs[:, order[0]], bool(abs(vals[order[0]] - vals[order[1]]) > 1e-10)


def _second_eigenvector(m: Presence01, kc: np.ndarray, kp: np.ndarray) -> tuple[np.ndarray, bool]:
    """PCI direction q (eigenvector of D_p⁻¹MᵀD_c⁻¹M, 2nd eigenvalue) and whether it is unique.

    With A = D_c^{-1/2} M D_p^{-1/2}, AAᵀ and AᵀA are symmetric with top eigenvalue 1 and the
    known eigenvector √k; we work on the smaller side. Small problems: dense ``eigh``; larger:
    ARPACK (Lanczos) on the Gram matrix with the top eigenvector deflated (dense ``eigh`` again
    if ARPACK does not converge).
    """
    if sp.issparse(m):
        a = sp.csr_matrix(sp.diags(1 / np.sqrt(kc)) @ m @ sp.diags(1 / np.sqrt(kp)))
    else:
        a = m / np.sqrt(kc)[:, None] / np.sqrt(kp)[None, :]
    regions_side = m.shape[0] <= m.shape[1]
    side = a if regions_side else a.T
    gram = side @ side.T
    n = gram.shape[0]
    found = None
    if n > _DENSE_EIGEN_LIMIT:
        found = _arpack_second(gram, top=np.sqrt(kc if regions_side else kp))
    if found is None:
        dense = gram.toarray() if sp.issparse(gram) else np.asarray(gram)
        vals, vecs = scipy.linalg.eigh(dense, subset_by_index=[max(0, n - 3), n - 1])
        found = vecs[:, -2], bool(n < 3 or abs(vals[-2] - vals[-3]) > 1e-10)
    u, unique = found
    if regions_side:
        v_c = u / np.sqrt(kc)
        q = np.asarray(m.T @ v_c).ravel() / kp
    else:
        q = u / np.sqrt(kp)
    return q / np.linalg.norm(q), unique


def _sign(*, diversity: np.ndarray, eci: np.ndarray, ubiquity: np.ndarray, pci: np.ndarray
          ) -> float:
    """+1 or −1 so that ECI rises with diversity (when diversity is constant: PCI falls with
    ubiquity; when both are constant: +1)."""
    if diversity.std() > 0 and eci.std() > 0:
        return -1.0 if np.corrcoef(diversity, eci)[0, 1] < 0 else 1.0
    if ubiquity.std() > 0 and pci.std() > 0:
        return -1.0 if np.corrcoef(ubiquity, pci)[0, 1] > 0 else 1.0
    return 1.0


def _presence(x: np.ndarray, rca: np.ndarray, *, presence: Presence, rca_threshold: float,
              rpop_threshold: float, population: np.ndarray | None) -> np.ndarray:
    by_rca = rca >= rca_threshold
    if presence == "rca":
        return by_rca
    if population is None:
        raise ValueError("presence='rpop' 或 'both' 需要 population（各地区人口）")
    by_rpop = _rpop_matrix(x, population) >= rpop_threshold
    return by_rpop if presence == "rpop" else (by_rca | by_rpop)


def measures(
    table: pd.DataFrame,
    *,
    year: object | None = None,
    rca_threshold: float = 1.0,
    presence: Presence = "rca",
    population: Mapping[str, float] | None = None,
    rpop_threshold: float = 1.0,
    knn: int | None = None,
    source: str = _DEFAULT_SOURCE,
) -> Measures:
    """Complexity measures of a long region × industry table (see the module docstring).

    ``presence``: "rca" (RCA ≥ rca_threshold), "rpop" (value per head relative to the whole,
    ≥ rpop_threshold; needs ``population``) or "both" (present when either test passes; 0/1,
    never 2). ``knn``: density over the k most proximate industries only. ``source`` names the
    table in error messages.
    """
    if presence not in ("rca", "rpop", "both"):
        raise ValueError(f"presence 只能是 rca、rpop 或 both：{presence!r}")
    mat = _to_matrix(table, year=year, source=source)
    notes = list(mat.notes)
    x = mat.values
    pop_vec: np.ndarray | None = None
    if population is not None:
        missing = [r for r in mat.regions if not population.get(r)]
        if missing and presence != "rca":
            raise InputError(source, f"缺少人口数据的地区：{'、'.join(map(str, missing[:10]))}")
        pop_vec = np.array([float(population.get(r) or np.nan) for r in mat.regions])

    rca = rca_matrix(x)
    present = _presence(x, rca, presence=presence, rca_threshold=rca_threshold,
                        rpop_threshold=rpop_threshold, population=pop_vec)
    share = present.mean()
    m: Presence01 = (sp.csr_matrix(present, dtype=np.float64) if share < _SPARSE_BELOW
                     else present.astype(np.float64))
    diversity = np.asarray(m.sum(axis=1)).ravel()
    ubiquity = np.asarray(m.sum(axis=0)).ravel()

    phi = proximity_matrix(m)
    density = _density(m, phi, knn=knn)

    keep_r, keep_p = _largest_component(m)
    keep_r &= diversity > 0
    keep_p &= ubiquity > 0
    if keep_r.sum() < 2 or keep_p.sum() < 2:
        raise InputError(source, "地区—产业网络太小或不连通（最大连通部分不足 2 个地区、2 个产业），"
                                 "无法计算特征向量")
    left_out = int((~keep_r).sum()), int((~keep_p).sum())
    if any(left_out):
        notes.append(f"网络不连通：{left_out[0]} 个地区、{left_out[1]} 个产业不在最大连通部分，"
                     "其 ECI/PCI 记为空")
    sub = m[keep_r][:, keep_p]
    q_sub, unique = _second_eigenvector(sub, diversity[keep_r], ubiquity[keep_p])
    if not unique:
        notes.append("第二特征值重复，ECI/PCI 不唯一，请谨慎解读")
    kc_sub = np.asarray(sub @ q_sub).ravel() / diversity[keep_r]
    sign = _sign(diversity=diversity[keep_r], eci=kc_sub, ubiquity=ubiquity[keep_p], pci=q_sub)
    q_sub, kc_sub = sign * q_sub, sign * kc_sub
    mean, std = kc_sub.mean(), kc_sub.std()
    if std == 0:
        raise InputError(source, "所有地区的 ECI 相同，无法标准化")

    q = np.zeros(len(mat.industries))
    q[keep_p] = q_sub
    eci = np.full(len(mat.regions), np.nan)
    eci[keep_r] = (kc_sub - mean) / std
    pci = np.full(len(mat.industries), np.nan)
    pci[keep_p] = (q_sub - mean) / std

    absent = 1.0 - present
    coi_raw = (density * absent) @ q
    coi = np.full(len(mat.regions), np.nan)
    coi_std = coi_raw[keep_r].std()
    coi[keep_r] = (coi_raw[keep_r] - coi_raw[keep_r].mean()) / (coi_std if coi_std > 0 else 1.0)
    row_phi = phi.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(row_phi[:, None] > 0, phi * (q / row_phi)[:, None], 0.0)
    cog = absent * (absent @ weights) / std + 0.0  # + 0.0: no negative zeros
    cog[~keep_r] = np.nan

    n_r, n_p = len(mat.regions), len(mat.industries)
    region_cat = pd.Categorical.from_codes(np.repeat(np.arange(n_r), n_p), categories=mat.regions)
    industry_cat = pd.Categorical.from_codes(np.tile(np.arange(n_p), n_r), categories=mat.industries)
    pairs = pd.DataFrame({
        "region": region_cat,
        "industry": industry_cat,
        "rca": rca.ravel(),
        "presence": present.ravel().astype(np.int8),
        "density": density.ravel(),
        "cog": cog.ravel(),
    })
    regions = pd.DataFrame({"region": list(mat.regions), "diversity": diversity.astype(int),
                            "eci": eci, "coi": coi})
    industries = pd.DataFrame({"industry": list(mat.industries), "ubiquity": ubiquity.astype(int),
                               "pci": pci})
    prox = pd.DataFrame(phi, index=mat.industries, columns=mat.industries)
    return Measures(regions=regions, industries=industries, pairs=pairs, proximity=prox,
                    year=mat.year, notes=tuple(notes))


def similarity(source: Measures | pd.DataFrame, *, epsilon: float = 0.1,
               year: object | None = None) -> pd.DataFrame:
    """Region × region similarity (Datawheel `economic-complexity`, Bahar et al. 2014).

    The Pearson correlation between two regions' ``log(RCA + epsilon)`` vectors. ``source`` is
    a :class:`Measures` or a long table (then RCA is computed from it).
    """
    if epsilon <= 0:
        raise ValueError("epsilon 必须为正数")
    if isinstance(source, Measures):
        rca = source.wide("rca")
    else:
        mat = _to_matrix(source, year=year, source=_DEFAULT_SOURCE)
        rca = pd.DataFrame(rca_matrix(mat.values), index=mat.regions, columns=mat.industries)
    logged = np.log(rca.to_numpy() + epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(logged)
    names = pd.Index(rca.index, name="region")
    return pd.DataFrame(corr, index=names, columns=names.rename("other"))
