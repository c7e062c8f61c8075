"""Issue 14: the reader of one file runs in a child process under a time and a memory limit,
so a file that finds a slow or greedy path gives one line naming it and the batch goes on."""

from __future__ import annotations

import os
import time

import pytest

from gxatlas.errors import InputError
from gxatlas.ingest.isolate import forker, run_limited
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


# --- many calls: children forked from one process made for them (`forker`) ------------------

def _echo(value: object, *fixed: object) -> tuple[object, ...]:
    return (value, *fixed, os.getppid())


def test_forker_gives_results_errors_and_limits() -> None:
    limits = Limits(timeout_s=0.5, max_memory_mb=64)
    with forker(_sleep) as fork:
        assert fork.run((0,), source="a", limits=limits) == "done"
        with pytest.raises(InputError, match="reading took more than 0.5 s; timeout_s = 0.5"):
            fork.run((30,), source="slow.pdf", limits=limits)
        assert fork.run((0,), source="b", limits=limits) == "done"  # the next call is served
    with forker(_allocate) as fork:
        with pytest.raises(InputError, match="max_memory_mb = 64"):
            fork.run((512,), source="big.docx", limits=limits)
        assert fork.run((1,), source="small.docx", limits=limits) == 1 << 20
    with forker(_fail) as fork, pytest.raises(InputError) as info:
        fork.run((), source="x.txt", limits=limits)
    assert str(info.value) == "x.txt:3: 坏文件 (bad file)" and info.value.line == 3
    with forker(_crash) as fork, pytest.raises(InputError,
                                               match="internal error while reading: KeyError"):
        fork.run((), source="y.txt", limits=limits)
    with forker(os._exit) as fork, pytest.raises(InputError,
                                                 match=r"the reader process died: status 3"):
        fork.run((3,), source="z.txt", limits=limits)


def test_forker_children_come_from_one_process_that_takes_more_arguments() -> None:
    prepared = []
    with forker(_echo, "fixed", prepare=prepared.append) as fork:
        first = fork.run(("a",), source="a", limits=Limits())
        fork.add("later")
        second = fork.run(("b",), source="b", limits=Limits())
    assert first[:2] == ("a", "fixed") and second[:3] == ("b", "fixed", "later")
    # both children were forked by the same process, which is not this one
    assert first[-1] == second[-1] != os.getpid()
    assert prepared == []  # ``prepare`` ran in the forking process, not here


def test_forker_leaves_no_process_behind() -> None:
    with pytest.raises(KeyboardInterrupt):
        with forker(_sleep) as fork:
            assert fork.run((0,), source="a", limits=Limits()) == "done"
            raise KeyboardInterrupt  # the forking process is stopped, not waited for
    with forker(_echo) as fork:
        server = fork.run(("x",), source="a", limits=Limits())[-1]
    with pytest.raises(ChildProcessError):
        os.waitpid(server, os.WNOHANG)  # reaped by the context's end
