"""Issue 14: the reader of one file runs in a child process under a time and a memory limit,
so a file that finds a slow or greedy path gives one line naming it and the batch goes on."""

from __future__ import annotations

import time

import pytest

from gxatlas.errors import InputError
from gxatlas.ingest.isolate import run_limited
from gxatlas.ingest.limits import Limits


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _allocate(mb: int) -> int:
    return len(bytearray(mb << 20))


def _fail() -> None:
    raise InputError("x.txt", "坏文件 (bad file)", line=3)


def _crash() -> None:
    raise KeyError("boom")


@pytest.mark.parametrize("fork", [True, False])
def test_time_limit(fork: bool) -> None:
    with pytest.raises(InputError, match="reading took more than 0.5 s; timeout_s = 0.5"):
        run_limited(_sleep, (30,), source="slow.pdf", limits=Limits(timeout_s=0.5), fork=fork)


def test_memory_limit() -> None:
    with pytest.raises(InputError, match="max_memory_mb = 64"):
        run_limited(_allocate, (512,), source="big.docx", limits=Limits(max_memory_mb=64),
                    fork=True)


def test_results_and_errors_come_back() -> None:
    assert run_limited(_sleep, (0,), source="a", limits=Limits(), fork=True) == "done"
    with pytest.raises(InputError) as info:
        run_limited(_fail, (), source="x.txt", limits=Limits(), fork=True)
    assert str(info.value) == "x.txt:3: 坏文件 (bad file)" and info.value.line == 3
    with pytest.raises(InputError, match="internal error while reading: KeyError"):
        run_limited(_crash, (), source="y.txt", limits=Limits(), fork=True)


def test_no_limits_runs_here() -> None:
    assert run_limited(_sleep, (0,), source="a", limits=Limits(timeout_s=0, max_memory_mb=0)) \
        == "done"
