"""Run the work on one file in a child process, under a time and a memory limit.

A hostile file can still find a slow or greedy path in a parser after every check of
`gxatlas.ingest.limits`; so reading (and extracting) each file runs in a child process that is
killed after ``timeout_s`` seconds and may not grow by more than ``max_memory_mb`` (its
address-space limit). Whatever happens there, the caller gets the result or one
:class:`InputError` naming the file, and goes on with the next one.

The child is forked from the caller when the caller has one thread (the CLI: it shares what is
already loaded, such as jieba's dictionary) and started from a clean fork server otherwise (the
API server: forking a process with other threads running could copy a held lock).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any, Callable, TypeVar

from gxatlas.errors import GxatlasError, InputError
from gxatlas.ingest.limits import Limits, exceeded

__all__ = ["run_limited"]

T = TypeVar("T")
_PRELOAD = ["gxatlas.pipeline", "gxatlas.warm"]


def _context(fork: bool | None) -> multiprocessing.context.BaseContext:
    if fork or (fork is None and threading.active_count() == 1):
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _vm_bytes() -> int | None:
    """This process's virtual memory size (Linux), or None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...],
           max_memory: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # what the parent made stays out of this child's collections: walking it would copy
    # every page it lies on (copy-on-write) for objects this child never frees
    gc.freeze()
    if max_memory > 0:
        import resource

        vm = _vm_bytes()
        if vm is not None:
            limit = vm + max_memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        outcome: tuple[str, Any] = ("ok", fn(*args))
    except GxatlasError as err:
        outcome = ("error", err)
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("crash", "RecursionError: nested too deeply")
    except Exception as err:  # noqa: BLE001 - reported to the parent, which names the file
        last = traceback.extract_tb(err.__traceback__)[-1:]
        where = f" at {os.path.basename(last[0].filename)}:{last[0].lineno}" if last else ""
        outcome = ("crash", f"{type(err).__name__}: {str(err)[:200]}{where}")
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("memory", None))
    except Exception as err:  # noqa: BLE001 - e.g. an unpicklable result
        conn.send(("crash", f"cannot return the result: {type(err).__name__}: {err}"))
    finally:
        conn.close()
    # leave at once: flushing stdio at exit could wait on a lock that another thread of the
    # parent held when it forked
    os._exit(0)


def run_limited(fn: Callable[..., T], args: tuple[Any, ...], *, source: str,
                limits: Limits, fork: bool | None = None) -> T:
    """``fn(*args)`` in a child process within ``limits.timeout_s`` and
    ``limits.max_memory_mb``; its GxatlasError is raised here, any other failure becomes one
    InputError naming ``source``. With both limits 0 it runs in this process.

    ``fork``: True forks this process (the CLI, whose only other thread draws the progress
    bar), False starts the child from the fork server, None forks when this process has one
    thread."""
    if not limits.timeout_s and not limits.max_memory_mb:
        return fn(*args)
    ctx = _context(fork)
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, limits.bytes("max_memory_mb")),
                       daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(limits.timeout_s or None):
            raise exceeded(source, "timeout_s",
                           f"reading took more than {limits.timeout_s:g} s", limits)
        try:
            kind, value = receive.recv()
        except (EOFError, OSError):
            proc.join(5)
            code = proc.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
            if code == -signal.SIGKILL:
                raise exceeded(source, "max_memory_mb", "the reader was killed (out of "
                               "memory?)", limits) from None
            raise InputError(source, f"读取失败 (the reader process died: {how})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise exceeded(source, "max_memory_mb", "reading needs more memory", limits)
    raise InputError(source, f"读取失败 (internal error while reading: {value})")
