"""Cross-check of `measures()` against the Growth Lab's `ecomplexity` package.

Equal within 1e-6 wherever ecomplexity is right; where it is wrong (knn density, presence
'both'), the tests show the hand-worked right answer next to its value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from gxatlas.analysis.complexity import measures

ecomplexity_mod = pytest.importorskip(
    "ecomplexity", reason="ecomplexity 未安装（pip install -e '.[test]'），跳过交叉验证")

COLS = {"time": "year", "loc": "region", "prod": "industry", "val": "value"}
TOL = 1e-6


def run_ecomplexity(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ecomplexity_mod.ecomplexity(frame, COLS, verbose=False,
                                          check_logsupermodularity=False, **kwargs)
    return out.sort_values(["region", "industry"]).reset_index(drop=True)


def flat(result) -> pd.DataFrame:
    pairs = result.pairs.assign(region=result.pairs["region"].astype(str),
                                industry=result.pairs["industry"].astype(str))
    return (pairs.merge(result.regions, on="region").merge(result.industries, on="industry")
            .sort_values(["region", "industry"]).reset_index(drop=True))


def capability_world(n_regions: int, n_industries: int, *, seed: int, zeros: float = 0.0,
                     empty_region: bool = False) -> pd.DataFrame:
    """Random output shaped like real data: capable regions make complex industries."""
    rng = np.random.default_rng(seed)
    capability = rng.random(n_regions)
    complexity = rng.random(n_industries)
    size = rng.lognormal(0, 1, n_regions)[:, None] * rng.lognormal(0, 1, n_industries)[None, :]
    values = size * rng.lognormal(0, 0.5, (n_regions, n_industries)) \
        / (1 + np.exp(-8 * (capability[:, None] - complexity[None, :])))
    if zeros:
        values[rng.random(values.shape) < zeros] = 0.0
    if empty_region:
        values[0] = 0.0
    regions = np.repeat([f"地区{i:03d}" for i in range(n_regions)], n_industries)
    industries = np.tile([f"产业{j:03d}" for j in range(n_industries)], n_regions)
    return pd.DataFrame({"year": 2023, "region": regions, "industry": industries,
                         "value": values.ravel()})


PAIRS = [("rca", "rca"), ("presence", "mcp"), ("density", "density"), ("cog", "cog"),
         ("eci", "eci"), ("pci", "pci"), ("coi", "coi"), ("diversity", "diversity"),
         ("ubiquity", "ubiquity")]


@pytest.mark.parametrize("shape, seed, zeros, empty", [
    ((12, 20), 1, 0.0, False),
    ((40, 30), 2, 0.0, False),
    ((60, 88), 3, 0.5, False),   # real-shaped: most cities make few of the 88 industries
    ((111, 88), 4, 0.7, True),   # with a region whose total is zero (dropped by both)
])
def test_equal_to_ecomplexity(shape, seed, zeros, empty):
    frame = capability_world(*shape, seed=seed, zeros=zeros, empty_region=empty)
    ours = measures(frame)
    assert not any("不连通" in n for n in ours.notes)
    theirs = run_ecomplexity(frame)
    theirs = theirs[theirs["eci"].notna()].reset_index(drop=True)
    got = flat(ours)
    assert list(got["region"]) == list(theirs["region"])
    assert list(got["industry"]) == list(theirs["industry"])
    for mine, their in PAIRS:
        np.testing.assert_allclose(got[mine].to_numpy(float), theirs[their].to_numpy(float),
                                   atol=TOL, rtol=0, err_msg=mine)


def test_rca_threshold_passed_through():
    frame = capability_world(30, 25, seed=5)
    got = flat(measures(frame, rca_threshold=0.8))
    theirs = run_ecomplexity(frame, rca_mcp_threshold=0.8)
    for mine, their in PAIRS:
        np.testing.assert_allclose(got[mine].to_numpy(float), theirs[their].to_numpy(float),
                                   atol=TOL, rtol=0, err_msg=mine)


WORLD = pd.DataFrame({
    "year": 2023,
    "region": ["r1"] * 3 + ["r2"] * 3 + ["r3"] * 3,
    "industry": ["p1", "p2", "p3"] * 3,
    "value": [2, 2, 0, 0, 2, 2, 0, 0, 4],
})


def test_knn_density_where_ecomplexity_is_wrong():
    # φ off the diagonal: p1 {p2 .5, p3 0}, p2 {p1 .5, p3 .5}, p3 {p1 0, p2 .5}; r2 has p2, p3.
    # density[r2, p1] over p1's 2 neighbours = (1·.5 + 1·0) / (.5 + 0) = 1 (hand-worked)
    ours = measures(WORLD, knn=2).wide("density")
    assert ours.loc["r2", "p1"] == pytest.approx(1.0)
    assert ours.loc["r2", "p2"] == pytest.approx(0.5)  # (0·.5 + 1·.5) / 1
    theirs = run_ecomplexity(WORLD, knn=2).set_index(["region", "industry"])["density"]
    # ecomplexity sums the unweighted presence: 1 + 1 = 2 — not a density at all
    assert theirs.loc[("r2", "p1")] == pytest.approx(2.0)
    assert theirs.loc[("r2", "p2")] == pytest.approx(1.0)


def test_presence_both_where_ecomplexity_is_wrong():
    # population [4, 1, 1]: RPOP presence [[1,0,0],[0,1,1],[0,0,1]], RCA presence
    # [[1,1,0],[0,1,1],[0,0,1]]; present when either test passes → the RCA matrix, all 0/1.
    pop = {"r1": 4, "r2": 1, "r3": 1}
    ours = measures(WORLD, presence="both", population=pop).wide("presence").to_numpy()
    assert (ours == np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]])).all()
    pop_frame = pd.DataFrame({"year": 2023, "region": list(pop), "pop": list(pop.values())})
    theirs = run_ecomplexity(WORLD, presence_test="both", pop=pop_frame)
    assert theirs["mcp"].max() == 2  # ecomplexity adds the two tests


def test_rpop_equal_to_ecomplexity():
    frame = capability_world(25, 20, seed=6)
    rng = np.random.default_rng(6)
    totals = frame.groupby("region")["value"].sum()
    pop = {r: float(t * rng.lognormal(0, 0.3)) for r, t in totals.items()}
    ours = measures(frame, presence="rpop", population=pop)
    assert (ours.regions["diversity"] > 0).all()
    got = flat(ours)
    pop_frame = pd.DataFrame({"year": 2023, "region": list(pop), "pop": list(pop.values())})
    theirs = run_ecomplexity(frame, presence_test="rpop", pop=pop_frame)
    for mine, their in [("presence", "mcp"), ("eci", "eci"), ("pci", "pci"),
                        ("density", "density"), ("coi", "coi"), ("cog", "cog")]:
        np.testing.assert_allclose(got[mine].to_numpy(float), theirs[their].to_numpy(float),
                                   atol=TOL, rtol=0, err_msg=mine)


def test_region_without_presence_where_ecomplexity_is_wrong():
    # With RPOP, a populous region may pass no test (diversity 0). Its ECI is undefined, but
    # the others' are not: ecomplexity standardizes with a NaN mean and loses every ECI.
    pop = {"r1": 1, "r2": 1, "r3": 1, "r4": 1000}
    frame = pd.concat([WORLD, pd.DataFrame({"year": 2023, "region": "r4", "industry": ["p1", "p2", "p3"],
                                            "value": [1, 1, 1]})])
    ours = measures(frame, presence="rpop", population=pop).regions.set_index("region")
    assert ours.loc["r4", "diversity"] == 0 and np.isnan(ours.loc["r4", "eci"])
    assert ours["eci"].drop("r4").notna().all()
    pop_frame = pd.DataFrame({"year": 2023, "region": list(pop), "pop": list(pop.values())})
    theirs = run_ecomplexity(frame, presence_test="rpop", pop=pop_frame)
    assert theirs["eci"].isna().all()
