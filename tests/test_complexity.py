"""Complexity measures on small matrices worked out by hand (see each test's comment)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gxatlas.analysis.complexity import measures, similarity
from gxatlas.errors import InputError

# The 3 × 3 world used throughout (values):
#        p1  p2  p3   total
#   r1    2   2   0     4
#   r2    0   2   2     4
#   r3    0   0   4     4
#  total  2   4   6    12
# RCA r1 = [3, 1.5, 0], r2 = [0, 1.5, 1], r3 = [0, 0, 2]
# M = [[1,1,0],[0,1,1],[0,0,1]], diversity [2,2,1], ubiquity [1,2,2]
# co-occurrence p1p2 = 1, p2p3 = 1, p1p3 = 0 → φ = [[1,.5,0],[.5,1,.5],[0,.5,1]]
# M̃ = D_p⁻¹MᵀD_c⁻¹M = [[.5,.5,0],[.25,.5,.25],[0,.25,.75]], eigenvalues 1, (3±√5)/8;
# the eigenvector of (3+√5)/8 is q = (1, (√5−1)/4, −(√5+1)/4).
S5 = math.sqrt(5)
Q = np.array([1.0, (S5 - 1) / 4, -(S5 + 1) / 4])
M = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float)
PHI = np.array([[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]])


def long(values: list[list[float]], *, regions=("r1", "r2", "r3"), industries=("p1", "p2", "p3"),
         year: int | None = None) -> pd.DataFrame:
    rows = [(r, p, values[i][j]) for i, r in enumerate(regions) for j, p in enumerate(industries)]
    frame = pd.DataFrame(rows, columns=["region", "industry", "value"])
    if year is not None:
        frame["year"] = year
    return frame


WORLD = [[2, 2, 0], [0, 2, 2], [0, 0, 4]]


@pytest.fixture(scope="module")
def world():
    return measures(long(WORLD))


def test_rca_presence_diversity_ubiquity(world):
    assert world.wide("rca").to_numpy() == pytest.approx(np.array([[3, 1.5, 0], [0, 1.5, 1], [0, 0, 2]]))
    assert (world.wide("presence").to_numpy() == M).all()
    assert list(world.regions["diversity"]) == [2, 2, 1]
    assert list(world.industries["ubiquity"]) == [1, 2, 2]


def test_proximity(world):
    assert world.proximity.to_numpy() == pytest.approx(PHI)


def test_density(world):
    # d[c,p] = Σ_p' M[c,p'] φ[p,p'] / Σ_p' φ[p,p'], row sums of φ = [1.5, 2, 1.5]
    expected = np.array([[1, 0.75, 1 / 3], [1 / 3, 0.75, 1], [0, 0.25, 2 / 3]])
    assert world.wide("density").to_numpy() == pytest.approx(expected)


def test_eci_pci_by_hand(world):
    kc = np.array([(1 + Q[1]) / 2, (Q[1] + Q[2]) / 2, Q[2]])  # mean q over present industries
    assert kc == pytest.approx([(3 + S5) / 8, -0.25, -(1 + S5) / 4])
    mean, std = kc.mean(), kc.std()
    assert world.regions["eci"].to_numpy() == pytest.approx((kc - mean) / std)
    assert world.industries["pci"].to_numpy() == pytest.approx((Q - mean) / std)
    # a region's ECI is the mean PCI of what it makes
    pci = world.industries["pci"].to_numpy()
    assert world.regions["eci"].iloc[0] == pytest.approx(pci[:2].mean())
    # sign: ECI rises with diversity
    assert world.regions["eci"].iloc[0] > world.regions["eci"].iloc[2]


def test_coi_cog_by_hand(world):
    kc = np.array([(1 + Q[1]) / 2, (Q[1] + Q[2]) / 2, Q[2]])
    # COI_raw = Σ_p d (1 − M) q: r1 → d[r1,p3] q3, r2 → d[r2,p1] q1, r3 → d[r3,p2] q2 (d[r3,p1] = 0)
    coi_raw = np.array([Q[2] / 3, Q[0] / 3, 0.25 * Q[1]])
    assert world.regions["coi"].to_numpy() == pytest.approx((coi_raw - coi_raw.mean()) / coi_raw.std())
    # COG[c,p] = (1−M[c,p]) Σ_p' (1−M[c,p']) φ[p',p] q_p' / Σφ[p',·], over std(ECI_raw)
    cog = np.zeros((3, 3))
    cog[0, 2] = Q[2] / 1.5
    cog[1, 0] = Q[0] / 1.5
    cog[2, 0] = Q[0] / 1.5 + 0.5 * Q[1] / 2
    cog[2, 1] = 0.5 * Q[0] / 1.5 + Q[1] / 2
    assert world.wide("cog").to_numpy() == pytest.approx(cog / kc.std())


def test_knn_density_weights_by_proximity():
    # knn = 2 uses every other industry (the industry itself excluded), weighted by φ:
    # off-diagonal φ: p1 {p2 .5, p3 0}, p2 {p1 .5, p3 .5}, p3 {p1 0, p2 .5}
    got = measures(long(WORLD), knn=2).wide("density").to_numpy()
    expected = np.array([[1, 0.5, 1], [1, 0.5, 1], [0, 0.5, 0]])
    assert got == pytest.approx(expected)
    assert got.max() <= 1


def test_rpop_and_both_presence():
    # population [4, 1, 1] (total 6): RPOP r1 = [1.5, .75, 0], r2 = [0, 3, 2], r3 = [0, 0, 4]
    pop = {"r1": 4, "r2": 1, "r3": 1}
    rpop = measures(long(WORLD), presence="rpop", population=pop).wide("presence").to_numpy()
    assert (rpop == np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])).all()
    both = measures(long(WORLD), presence="both", population=pop).wide("presence").to_numpy()
    assert (both == M).all()  # either test passes → 1, never 2


def test_similarity_is_pearson_of_log_rca(world):
    sim = similarity(world)
    logs = np.log(world.wide("rca").to_numpy() + 0.1)
    a, b = logs[0] - logs[0].mean(), logs[1] - logs[1].mean()
    assert sim.loc["r1", "r2"] == pytest.approx((a @ b) / math.sqrt((a @ a) * (b @ b)))
    assert np.diag(sim.to_numpy()) == pytest.approx(np.ones(3))
    assert sim.to_numpy() == pytest.approx(sim.to_numpy().T)
    assert similarity(long(WORLD)).to_numpy() == pytest.approx(sim.to_numpy())
    assert similarity(world, epsilon=1.0).loc["r1", "r2"] != pytest.approx(sim.loc["r1", "r2"])


def test_output_shapes_and_records(world):
    assert list(world.regions.columns) == ["region", "diversity", "eci", "coi"]
    assert list(world.industries.columns) == ["industry", "ubiquity", "pci"]
    assert list(world.pairs.columns) == ["region", "industry", "rca", "presence", "density", "cog"]
    assert len(world.pairs) == 9
    rec = world.to_records()
    assert set(rec) == {"regions", "industries", "pairs"}
    assert rec["pairs"][0]["region"] == "r1" and rec["pairs"][0]["industry"] == "p1"


def test_year_selection_and_note():
    frame = pd.concat([long(WORLD, year=2022), long([[1, 0, 1], [0, 1, 1], [1, 1, 0]], year=2023)])
    latest = measures(frame)
    assert latest.year == 2023 and any("2023" in n for n in latest.notes)
    assert (measures(frame, year=2022).wide("presence").to_numpy() == M).all()
    with pytest.raises(InputError, match="2030"):
        measures(frame, year=2030)


def test_zero_region_dropped_with_note():
    frame = long(WORLD + [[0, 0, 0]], regions=("r1", "r2", "r3", "r4"))
    got = measures(frame)
    assert list(got.regions["region"]) == ["r1", "r2", "r3"]
    assert any("r4" in n for n in got.notes)
    assert got.regions["eci"].to_numpy() == pytest.approx(measures(long(WORLD)).regions["eci"].to_numpy())


def test_disconnected_network_uses_largest_part():
    # r4 and p4 form their own island
    values = [[2, 2, 0, 0], [0, 2, 2, 0], [0, 0, 4, 0], [0, 0, 0, 5]]
    got = measures(long(values, regions=("r1", "r2", "r3", "r4"), industries=("p1", "p2", "p3", "p4")))
    assert np.isnan(got.regions["eci"].iloc[3]) and np.isnan(got.industries["pci"].iloc[3])
    assert any("不连通" in n for n in got.notes)
    assert not got.regions["eci"].iloc[:3].isna().any()


@pytest.mark.parametrize("frame, problem", [
    (pd.DataFrame(columns=["region", "industry", "value"]), "为空"),
    (pd.DataFrame({"region": ["a"], "industry": ["x"]}), "缺少列"),
    (long([[1, -2, 0], [0, 2, 2], [0, 0, 4]]), "为负"),
    (long([[1, None, 0], [0, 2, 2], [0, 0, 4]]), "不是数字"),
    (pd.DataFrame({"region": ["a", "a"], "industry": ["x", "y"], "value": [1, 2]}), "太小"),
    (pd.DataFrame({"region": ["a", "b"], "industry": ["x", "y"], "value": [1, 2]}), "不连通"),
    (pd.DataFrame({"region": ["a", "a", "b"], "industry": ["x", "x", "y"], "value": [1, 2, 3]}), "重复"),
])
def test_bad_tables_raise_one_line_errors(frame, problem):
    with pytest.raises(InputError, match=problem) as err:
        measures(frame, source="t.csv")
    assert "\n" not in str(err.value) and str(err.value).startswith("t.csv")


def random_world(n_regions: int, n_industries: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cap, cx = rng.random(n_regions), rng.random(n_industries)
    values = rng.lognormal(0, 0.5, (n_regions, n_industries)) / (1 + np.exp(-8 * (cap[:, None] - cx[None, :])))
    values[rng.random(values.shape) < 0.6] = 0
    return long(values.tolist(), regions=[f"r{i:03d}" for i in range(n_regions)],
                industries=[f"p{j:03d}" for j in range(n_industries)])


@pytest.mark.parametrize("shape", [(60, 40), (40, 60)])
def test_solvers_and_storage_agree(monkeypatch, shape):
    """ARPACK (large) and dense eigh (small), sparse and dense presence give the same numbers."""
    import gxatlas.analysis.complexity as cx

    frame = random_world(*shape, seed=7)
    dense = measures(frame)
    monkeypatch.setattr(cx, "_DENSE_EIGEN_LIMIT", 10)
    monkeypatch.setattr(cx, "_SPARSE_BELOW", 1.01)
    other = measures(frame)
    for name, cols in (("regions", ["eci", "coi"]), ("industries", ["pci"]), ("pairs", ["density", "cog"])):
        for col in cols:
            np.testing.assert_allclose(getattr(other, name)[col].to_numpy(float),
                                       getattr(dense, name)[col].to_numpy(float), atol=1e-9, err_msg=col)
