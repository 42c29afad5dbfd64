"""The gate's side of the zygote (see zygote.py): started on the first Ansible module
call, replaced on the next call when it has died, and not used at all where it cannot
work (no fork, or it could not start: then calls run in a new interpreter each).

Zygote.run(job, ctx) -> (stdout, stderr, rc) runs one call in a forked child: the gate
makes the child's stdin (the args), its stdout/stderr pipes and the call's status pipe
and hands them over with the job, so it reads the output itself, and the zygote writes
the child's pid and exit code on the status pipe.
Cancel (and the controller's per-call timeout, which sends Cancel) kills the child's
process group; calls run concurrently, each on its request's thread.
"""
import array
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

from .zygote import BOOT, POLLIN, poller, stdin_source

START_WAIT_S = 60.0
# How often a call waiting for output looks whether it was cancelled meanwhile.
POLL_S = 1.0


class ZygoteUnavailable(Exception):
    """The call did not start in a zygote: run it another way."""


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


class _Call:
    def __init__(self, call_id):
        self.id = call_id
        self.pid = None
        self.rc = None
        self.error = None
        self.done = threading.Event()  # the exit code (or an error) is known
        self._lock = threading.Lock()
        self._killed = False

    def started(self, pid):
        with self._lock:
            self.pid = pid
            if self._killed:
                _killpg(pid)

    def finish(self, rc=None, error=None):
        with self._lock:
            self.rc = rc
            self.error = error
            self.done.set()

    def kill_group(self):
        """For RequestContext.cancel: the child runs in its own session, so its pid is its group."""
        with self._lock:
            self._killed = True
            if self.pid is not None and not self.done.is_set():
                _killpg(self.pid)


class Zygote:
    def __init__(self, env, cwd):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", BOOT % ("main", "main"), str(theirs.fileno())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
                env=env,
                cwd=cwd,
                start_new_session=True,  # no terminal signal reaches it; it ends when the gate does
            )
        finally:
            theirs.close()
        self.pid = self.proc.pid
        self.alive = True
        self._wlock = threading.Lock()
        self._clock = threading.Lock()
        self._calls = {}
        self._next_id = 1
        self._ready = threading.Event()
        self._start_error = None
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()
        if not self._ready.wait(START_WAIT_S):
            self.kill()
            raise ZygoteUnavailable("the zygote did not start within %d s" % START_WAIT_S)
        if self._start_error is not None:
            self.kill()
            raise ZygoteUnavailable(self._start_error)

    def kill(self):
        self.alive = False
        try:
            self.proc.kill()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if "ready" in msg:
                self._ready.set()
                continue
            call = self._calls.get(msg.get("id"))
            if call is None:
                if "error" in msg and not self._ready.is_set():
                    self._start_error = msg["error"]
                    self._ready.set()
                continue
            if "error" in msg:  # the job was not forked (pids and exit codes come on each call's status pipe)
                call.finish(error=msg["error"])
        # The zygote is gone. Children it forked run on; their exit codes are lost.
        self.alive = False
        if not self._ready.is_set():
            self._start_error = "the zygote exited before it was ready (exit code %s)" % self.proc.wait()
            self._ready.set()
        with self._clock:
            calls = list(self._calls.values())
        for call in calls:
            if not call.done.is_set():
                # Whether it was forked, its own thread knows once it has read its status pipe to the end.
                call.finish(error="died")
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def run(self, job, ctx):
        in_r, out_r, out_w, err_r, err_w, st_r, st_w = _call_fds(job["params"].encode("utf-8"))
        with self._clock:
            call = _Call(self._next_id)
            self._next_id += 1
            self._calls[call.id] = call
        try:
            try:
                line = json.dumps(dict(job, id=call.id)).encode("utf-8") + b"\n"
                with self._wlock:
                    if not self.alive:
                        raise ZygoteUnavailable("the zygote has exited")
                    self.proc.stdin.write(line)
                    self.proc.stdin.flush()
                    fds = array.array("i", [in_r, out_w, err_w, st_w])
                    self.sock.sendmsg([struct.pack("!q", call.id)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
            except (OSError, ValueError) as e:
                self.alive = False
                raise ZygoteUnavailable("cannot reach the zygote: %s" % e)
            finally:
                for fd in (in_r, out_w, err_w, st_w):
                    os.close(fd)
            ctx.track(call)
            try:
                out, err = _drain(out_r, err_r, st_r, call, ctx)
                while not call.done.wait(POLL_S):
                    if not self.alive:
                        break
            finally:
                ctx.untrack(call)
        finally:
            for fd in (out_r, err_r, st_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            with self._clock:
                self._calls.pop(call.id, None)
        if call.error == "died" and (call.pid is not None or out or err):
            return out, err, None  # it was forked: it ran, only its exit code is lost
        if call.error is not None:
            raise ZygoteUnavailable(call.error)
        return out, err, call.rc


def _call_fds(params):
    """The child's stdin (params, then its end), its stdout and stderr pipes and the call's
    status pipe: (in, out_r, out_w, err_r, err_w, status_r, status_w)."""
    made = []
    try:
        made.append(stdin_source(params))
        made.extend(os.pipe())
        made.extend(os.pipe())
        made.extend(os.pipe())
    except BaseException:
        for fd in made:
            os.close(fd)
        raise
    return tuple(made)


def _drain(out_r, err_r, st_r, call, ctx):
    """The output pipes to their end (as Ansible reads a module's output) and the status
    pipe to its end (the child's pid, then its exit code), or until a cancelled call has
    ended. One poll for the three: the call's thread is all that wakes for it."""
    chunks = {out_r: [], err_r: [], st_r: []}
    watch = poller()  # no epoll fd made and closed per call
    for fd in chunks:
        watch.register(fd, POLLIN)
    waiting = len(chunks)
    status = b""
    while waiting:
        for fd, _events in watch.poll(POLL_S * 1000):
            data = os.read(fd, 1 << 16)
            if fd == st_r:
                status = _status_lines(status + data, call)
            elif data:
                chunks[fd].append(data)
            if not data:
                waiting -= 1
                watch.unregister(fd)
        if ctx.cancelled.is_set() and call.done.is_set():
            break
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _status_lines(data, call):
    """Acts on the whole lines of a call's status (`pid N`, `rc N`, `rc ?`); returns what is left of a line."""
    *lines, rest = data.split(b"\n")
    for line in lines:
        what, _, value = line.partition(b" ")
        if what == b"pid":
            call.started(int(value))
        elif what == b"rc":
            call.finish(rc=None if value == b"?" else int(value))
    return rest


_lock = threading.Lock()
_zygote = None
_unavailable = None


def get(env, cwd):
    """The running zygote (started or replaced now if needed), or None: run calls without one.
    env: a function giving the zygote's environment, called only when one is started."""
    global _zygote, _unavailable
    with _lock:
        if _unavailable is not None:
            return None
        if _zygote is not None and _zygote.alive:
            return _zygote
        if not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"):
            _unavailable = "this Python cannot fork"
            return None
        if os.environ.get("FTL_GATE_NO_ZYGOTE") == "1":
            _unavailable = "FTL_GATE_NO_ZYGOTE=1"
            return None
        try:
            _zygote = Zygote(env(), cwd)
        except (ZygoteUnavailable, OSError) as e:
            _zygote = None
            _unavailable = str(e)
            return None
        return _zygote


def status():
    """For Info: the zygote's pid, or why calls run without one."""
    z = _zygote
    return {"zygote_pid": z.pid if z is not None and z.alive else None, "zygote_off": _unavailable}
