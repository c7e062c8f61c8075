"""Run the work on one file in a child process, under a time and a memory limit.

A hostile file can still find a slow or greedy path in a parser after every check of
`gxatlas.ingest.limits`; so reading (and extracting) each file runs in a child process that is
killed after ``timeout_s`` seconds and may not grow by more than ``max_memory_mb`` (its
address-space limit). Whatever happens there, the caller gets the result or one
:class:`InputError` naming the file, and goes on with the next one.

The child is forked from the caller when the caller has one thread (the CLI: it shares what is
already loaded, such as jieba's dictionary) and started from a clean fork server otherwise (the
API server: forking a process with other threads running could copy a held lock). For the
files of one CLI run, ``forker`` forks each child from one process made once, after the
warm-up, so that what the CLI does between files (storing into the KB) does not make each
fork cost more.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterator, TypeVar

from gxatlas.errors import GxatlasError, InputError
from gxatlas.ingest.limits import Limits, exceeded

__all__ = ["FORKER", "Forker", "forker", "run_limited"]

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

    def exit_code() -> int | None:
        proc.join(5)
        return proc.exitcode

    try:
        kind, value = _await(receive, exit_code, source, limits)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    return _outcome(kind, value, source, limits)


def _await(receive: Connection, exit_code: Callable[[], int | None], source: str,
           limits: Limits) -> tuple[str, Any]:
    """The child's (kind, value), waited for at most ``limits.timeout_s``; a child that died
    before sending it is reported with its exit code."""
    if not receive.poll(limits.timeout_s or None):
        raise exceeded(source, "timeout_s", f"reading took more than {limits.timeout_s:g} s",
                       limits)
    try:
        return receive.recv()
    except (EOFError, OSError):
        code = exit_code()
        how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
        if code == -signal.SIGKILL:
            raise exceeded(source, "max_memory_mb", "the reader was killed (out of "
                           "memory?)", limits) from None
        raise InputError(source, f"读取失败 (the reader process died: {how})") from None


def _outcome(kind: str, value: Any, source: str, limits: Limits) -> Any:
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise exceeded(source, "max_memory_mb", "reading needs more memory", limits)
    raise InputError(source, f"读取失败 (internal error while reading: {value})")


# --- many files: children forked from one process made for them ---------------------------

#: ``forker`` needs pidfds and descriptor passing (Linux 5.3+); elsewhere (macOS) a batch forks
#: each child from the caller with ``run_limited``
FORKER = hasattr(os, "pidfd_open") and hasattr(socket, "send_fds") and \
    hasattr(socket, "SOCK_SEQPACKET")
_CODE = struct.Struct("!q")
_REQUEST = 1 << 16  # the largest request (a path and the limits)


@dataclass(frozen=True)
class Forker:
    """``run(args, source=, limits=)``: ``fn(*args, *fixed)`` in a child, as ``run_limited``
    runs it (under the time and memory limits, with the same errors); ``add(*more)``: more
    fixed arguments, sent once to the forking process, which gives them to ``prepare``
    there (whatever it loads is shared by the children that follow)."""

    run: Callable[..., Any]
    add: Callable[..., None]


@contextlib.contextmanager
def forker(fn: Callable[..., Any], *fixed: Any,
           prepare: Callable[..., None] | None = None) -> Iterator[Forker]:
    """Run ``fn`` in children for many calls (see ``Forker``).

    Each child is forked from one process forked from this one now, which does nothing but
    fork them: it holds what this process held at this point (the dictionaries, ``fixed``)
    and what ``add`` sends it, and nothing this process makes later. Forking this process once per file instead makes
    every fork, and every page this process writes after it, cost again in proportion to
    what it holds (with documents stored between reads: a KB session, the search
    segmenter). Requests go over a Unix socket; for each the forking process passes back the
    reading end of the child's result pipe and a pidfd of the child (SCM_RIGHTS: a kill
    cannot reach another process that reused the pid), then the child's exit status. Call
    it while this process has one thread."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server = os.fork()
    if server == 0:
        ours.close()
        code = 0
        try:
            _serve(theirs, fn, fixed, prepare)
        except BaseException:  # noqa: BLE001 - said on stderr; the caller sees the socket close
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.setpgid(server, server)  # here too: whichever runs first, the group exists after it
    theirs.close()

    def add(*more: Any) -> None:
        # on a pipe of their own: they may be large (the names of a KB), a socket message not
        read_end, write_end = os.pipe()
        try:
            socket.send_fds(ours, [b"add"], [read_end])
        finally:
            os.close(read_end)
        with Connection(write_end, readable=False) as pipe:
            pipe.send(more)
        if ours.recv(1) != b"k":
            raise RuntimeError("the process that starts the readers has stopped")

    def run(args: tuple[Any, ...], *, source: str, limits: Limits) -> Any:
        try:
            ours.send(b"run" + pickle.dumps((args, limits.bytes("max_memory_mb"))))
            _, fds, _, _ = socket.recv_fds(ours, 1, 2)
        except OSError:
            fds = []
        if len(fds) != 2:
            raise InputError(source, "读取失败 (the process that starts the readers has stopped)")
        receive, pidfd = Connection(fds[0], writable=False), fds[1]
        status: list[int | None] = []

        def exit_code() -> int | None:
            if not status:
                data = ours.recv(_CODE.size)
                status.append(_CODE.unpack(data)[0] if len(data) == _CODE.size else None)
            return status[0]

        try:
            kind, value = _await(receive, exit_code, source, limits)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            raise
        finally:
            exit_code()  # the child is reaped before the next request
            receive.close()
            os.close(pidfd)
        return _outcome(kind, value, source, limits)

    try:
        yield Forker(run=run, add=add)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server, signal.SIGKILL)  # and a child it may be waiting for
        raise
    finally:
        ours.close()
        os.waitpid(server, 0)


def _serve(sock: socket.socket, fn: Callable[..., Any], fixed: tuple[Any, ...],
           prepare: Callable[..., None] | None) -> None:
    """The forking process: for each request fork a child that runs ``fn``, pass the parent
    the reading end of the child's result pipe and a pidfd, reap the child and send its exit
    status; take more fixed arguments; stop when the parent closes the socket."""
    os.setpgid(0, 0)  # its own group with its children, for the parent to stop at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    gc.freeze()
    while True:
        data, fds, _, _ = socket.recv_fds(sock, _REQUEST, 1)
        if not data:
            return
        if data == b"add":
            with Connection(fds[0], writable=False) as pipe:
                more = pipe.recv()
            fixed = (*fixed, *more)
            if prepare is not None:
                prepare(*more)
            gc.freeze()
            sock.send(b"k")
            continue
        args, max_memory = pickle.loads(data[3:])
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            sock.close()
            os.close(read_end)
            _child(Connection(write_end, readable=False), fn, (*args, *fixed), max_memory)
        os.close(write_end)
        pidfd = os.pidfd_open(child)
        socket.send_fds(sock, [b"r"], [read_end, pidfd])
        os.close(read_end)
        os.close(pidfd)
        _, status = os.waitpid(child, 0)
        sock.send(_CODE.pack(os.waitstatus_to_exitcode(status)))
