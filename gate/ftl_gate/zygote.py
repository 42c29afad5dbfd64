"""The zygote: a helper process of the gate that has Ansible's module_utils imported
already and forks one child per module call, so a call does not pay ~100 ms of imports.

It is single-threaded (fork is only safe there) and never runs a module itself: a
module that changes state in an imported module_utils changes it in its own child.

Wire, between the gate and this process (all on pipes private to the two):
- fd 0, gate to zygote: one JSON object per line, a job {id, fqn, lib, cwd, params}
  (params: the JSON text of {"ANSIBLE_MODULE_ARGS": {...}}).
  Right after each line the gate sends, on the datagram socket whose fd number is
  argv[1], the job id (8 bytes) with the child's stdout and stderr pipe ends (SCM_RIGHTS).
- fd 1, zygote to gate: one JSON object per line: {"ready": true, "pid"} once the
  imports are done (or {"error"} and exit), then per job {"id", "pid"} when forked,
  {"id", "rc"} when the child has exited (rc as subprocess gives it: -N for signal N),
  or {"id", "error"} when it could not be forked.
The zygote exits when fd 0 ends (the gate is gone); children run on in their own sessions.

A job runs as AnsiballZ runs a module: `lib` first on sys.path, args in
basic._ANSIBLE_ARGS, the module run by runpy as `__main__` with _module_fqn and
_modlib_path set (respawn needs them). run_fresh() runs one job in a new interpreter,
for gates that cannot fork.

The zygote keeps the compiled code of the modules it has run (a few, keyed by the
module file's content hash, `digest` in the job), so a child runs the module without
finding, reading and compiling it again (compiling lineinfile costs more than the rest
of its call when no .pyc can be written). Source it compiles must hash to the job's
digest, so a cached code object is exactly the module the controller sent, whatever
happens to the file later.
"""
import array
import atexit
import gc
import hashlib
import json
import os
import re
import select
import signal
import socket
import struct
import sys

# Imported before the first fork: what almost every module imports.
PRELOAD = (
    "ansible.module_utils.basic",
    "ansible.module_utils.common.text.converters",
    "ansible.module_utils.common.process",
    "ansible.module_utils.common.file",
    "ansible.module_utils.common.locale",
    "ansible.module_utils.common.sys_info",
    "ansible.module_utils.six",
)
# Heavier ones that some modules use, imported (before the fork) once a module whose
# files name them is to run: (what the files say, what the zygote then imports). Not
# before: every module_utils the zygote holds makes each fork (and each child's exit)
# dearer for every module, ~1 ms per call for these on a small VM (lineinfile, file,
# copy... do not use them). Ansible's own module_utils import these only from each
# other, so a module's own files (and its collection's module_utils, in lib) tell.
ON_DEMAND = (
    (re.compile(r"module_utils(\.|\s+import\s+(\(\s*)?([\w\s,]*,\s*)?)urls\b"), ("ansible.module_utils.urls",)),
    (
        re.compile(r"module_utils(\.|\s+import\s+(\(\s*)?([\w\s,]*,\s*)?)facts\b"),
        ("ansible.module_utils.facts.default_collectors", "ansible.module_utils.facts.ansible_collector", "ansible.module_utils.facts.timeout"),
    ),
    (re.compile(r"module_utils\.common(\.|\s+import\s+(\(\s*)?([\w\s,]*,\s*)?)respawn\b"), ("ansible.module_utils.common.respawn",)),
)
# Standard modules the zygote itself uses in every child: imported once, before the first fork.
CHILD_PRELOAD = ("runpy", "random", "importlib.util")
JOB_FDS_WAIT_S = 30.0
# Compiled modules kept: a handful covers a play's modules; each costs the zygote (and the
# page tables every fork copies) its size.
CODE_CACHE_SIZE = 32


def _send(obj):
    data = (json.dumps(obj) + "\n").encode("utf-8")
    while data:
        data = data[os.write(1, data):]


def _import(name):
    try:
        __import__(name)
    except Exception:  # a module_utils the host cannot import is the child's business
        pass
    # The zygote's objects stay out of the children's garbage collections: a collection
    # touching them would copy every page of the zygote into each child.
    gc.freeze()


class _CodeCache:
    """Compiled module code, keyed by the source file's path and content hash (least recently used goes first)."""

    def __init__(self, size=CODE_CACHE_SIZE):
        self.size = size
        self.codes = {}

    def get(self, job):
        """The job's module compiled, or None (the child then finds and compiles it as runpy does)."""
        path = module_file(job)
        digest = job.get("digest")
        if path is None or not isinstance(digest, str):
            return None
        key = (path, digest)
        code = self.codes.pop(key, None)
        if code is None:
            _import_wanted(job.get("lib"))
            code = _compile(path, digest)
            if code is None:
                return None
            while len(self.codes) >= self.size:
                del self.codes[next(iter(self.codes))]
            gc.freeze()  # as for imports: the children's collections leave it alone
        self.codes[key] = code
        return code


def _import_wanted(lib):
    """The ON_DEMAND module_utils that the files of a lib dir name, imported here (once: they stay)."""
    wanted = [names for pattern, names in ON_DEMAND if any(n not in sys.modules for n in names)]
    if not wanted or not isinstance(lib, str):
        return
    for root, _dirs, files in os.walk(lib):
        for name in files:
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(root, name), "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            for pattern, names in ON_DEMAND:
                if any(n not in sys.modules for n in names) and pattern.search(text):
                    for n in names:
                        _import(n)


def module_file(job):
    """Where the job's module is: lib laid out as packages (modlib.lib_dir), so its dotted name is its path."""
    fqn = job.get("fqn")
    lib = job.get("lib")
    if not isinstance(fqn, str) or not isinstance(lib, str):
        return None
    return os.path.join(lib, *fqn.split(".")) + ".py"


def _compile(path, digest):
    """As SourceFileLoader compiles a module, from bytes that hash to digest (modlib's hash); None when they do not or it cannot."""
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError:
        return None
    if hashlib.sha256(source).hexdigest()[:16] != digest:
        return None
    try:
        return compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None  # the child compiles it again and fails as Ansible would show it


def _recv_fds(sock):
    fds = array.array("i")
    msg, anc, _flags, _addr = sock.recvmsg(8, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    job_id = struct.unpack("!q", msg)[0] if len(msg) == 8 else None
    return job_id, list(fds)


def _status_rc(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return status


class _Zygote:
    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(JOB_FDS_WAIT_S)
        self.children = {}  # pid -> job id
        self.rsig, self.wsig = os.pipe()
        os.set_blocking(self.rsig, False)
        os.set_blocking(self.wsig, False)
        self.codes = _CodeCache()

    def serve(self):
        """Runs until the gate goes; in a forked child, returns the child's job."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the gate decides when calls stop
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self.wsig)
        buf = bytearray()
        while True:
            ready, _, _ = select.select([0, self.rsig], [], [])
            if self.rsig in ready:
                self._reap()
            if 0 in ready:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    return None
                buf += chunk
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        break
                    line = bytes(buf[:nl])
                    del buf[: nl + 1]
                    job = self._start(line)
                    if job is not None:
                        return job

    def _reap(self):
        try:
            while os.read(self.rsig, 512):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            job_id = self.children.pop(pid, None)
            if job_id is not None:
                _send({"id": job_id, "rc": _status_rc(status)})

    def _start(self, line):
        job = json.loads(line.decode("utf-8"))
        job_id = job.get("id")
        try:
            fd_id, fds = _recv_fds(self.sock)
        except OSError as e:
            _send({"id": job_id, "error": "no pipes for the call: %s" % e})
            return None
        if fd_id != job_id or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            _send({"id": job_id, "error": "the call's pipes did not arrive with it"})
            return None
        job["code"] = self.codes.get(job)
        try:
            pid = os.fork()
        except OSError as e:
            for fd in fds:
                os.close(fd)
            _send({"id": job_id, "error": "fork failed: %s" % e})
            return None
        if pid == 0:
            self._become_child(fds)
            return job
        for fd in fds:
            os.close(fd)
        self.children[pid] = job_id
        _send({"id": job_id, "pid": pid})
        return None

    def _become_child(self, fds):
        """In the new child: its own session, no zygote plumbing, stdio as a fresh process has it."""
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.stdout = sys.__stdout__
        self.sock.close()
        os.close(self.rsig)
        os.close(self.wsig)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # never the gate's pipes (run_job gives it the args)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in [null] + fds:
            if fd > 2:
                os.close(fd)


def run_job(job):
    """Runs the module of a job in this (fresh or just forked) process; ends in SystemExit."""
    import random
    import runpy

    random.seed()  # a fork copies the zygote's generator state
    try:
        os.chdir(job["cwd"])
    except (OSError, KeyError, TypeError):
        pass
    fqn = job["fqn"]
    lib = job["lib"]
    params = job["params"].encode("utf-8")
    _stdin(params)
    ansible = None
    if fqn.startswith("ansible.modules."):
        try:
            import ansible  # the gate's (module_utils), imported already in a zygote
        except ImportError:
            pass
    sys.path.insert(0, lib)
    if ansible is None and fqn.startswith("ansible.modules."):
        import ansible  # lib's own (a gate without module_utils)
    if ansible is not None and os.path.join(lib, "ansible") not in ansible.__path__:
        ansible.__path__.insert(0, os.path.join(lib, "ansible"))
    path = module_file(job)
    sys.argv = [path]
    try:
        from ansible.module_utils import basic

        basic._ANSIBLE_ARGS = params
    except ImportError:
        pass  # a module that needs no module_utils (it reads its args on stdin) still runs
    init_globals = dict(_module_fqn=fqn, _modlib_path=lib)
    code = job.get("code")
    if code is not None and hasattr(runpy, "_run_module_code"):
        # What run_module does once it has the code: the parent packages imported, the
        # module run as __main__ with the spec the path finder gives a source file.
        import importlib.util

        __import__(fqn.rpartition(".")[0])
        spec = importlib.util.spec_from_file_location(fqn, path)
        runpy._run_module_code(code, init_globals, "__main__", spec)
    else:
        runpy.run_module(fqn, init_globals=init_globals, run_name="__main__", alter_sys=True)
    # AnsiballZ fails a module that returns instead of exiting; ftl (as FTL2) takes the
    # JSON such a script printed, and a script that printed none still fails as MODULE FAILURE.
    sys.exit(0)


def _stdin(params):
    """stdin: the args again, then its end (modules that read their args from stdin, as
    basic does without _ANSIBLE_ARGS, get them); never one of the gate's pipes."""
    if len(params) <= 16384:  # fits a pipe's buffer on every system
        r, w = os.pipe()
        os.write(w, params)
        os.close(w)
    else:
        import tempfile

        f = tempfile.TemporaryFile()
        f.write(params)
        f.flush()
        r = os.dup(f.fileno())
        f.close()
        os.lseek(r, 0, os.SEEK_SET)
    os.dup2(r, 0)
    os.close(r)


def main():
    """The zygote process: `python -c '...main()' FD` with the gate's zip on PYTHONPATH."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    # fd 1 is the wire to the gate: whatever an import prints goes to stderr instead.
    sys.stdout = sys.stderr
    try:
        for name in PRELOAD:
            __import__(name)
    except BaseException as e:
        _send({"error": "cannot import %s: %s: %s" % (name, type(e).__name__, e)})
        sys.exit(3)
    for name in CHILD_PRELOAD:
        _import(name)
    gc.freeze()
    _send({"ready": True, "pid": os.getpid()})
    job = _Zygote(sock).serve()
    if job is not None:
        os._exit(_run_child(job))


def _run_child(job):
    """A forked child's job, ended as the interpreter ends a program, minus tearing down
    the zygote's modules (which would cost tens of ms, copying the pages it touches):
    the exit code of SystemExit or 1 after an uncaught exception's traceback, non-daemon
    threads joined, atexit handlers run, garbage collected (files flushed), stdio flushed."""
    code = 0
    try:
        run_job(job)
    except SystemExit as e:
        code = _exit_code(e.code)
    except BaseException as e:
        sys.excepthook(type(e), e, e.__traceback__)
        code = 1
        if isinstance(e, KeyboardInterrupt):
            code = 128 + signal.SIGINT
    try:
        threading = sys.modules.get("threading")
        if threading is not None and hasattr(threading, "_shutdown"):
            threading._shutdown()
        atexit._run_exitfuncs()
        gc.collect()
    except BaseException as e:
        sys.excepthook(type(e), e, e.__traceback__)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            code = code or 120  # as Python does when it cannot flush stdout at exit
    return code


def _exit_code(value):
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    try:
        sys.stderr.write("%s\n" % (value,))
    except Exception:
        pass
    return 1


def run_fresh():
    """One job read from stdin, in a new interpreter (no fork)."""
    chunks = []
    while True:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    run_job(json.loads(b"".join(chunks).decode("utf-8")))


BOOT = "import sys; del sys.path[0]; from ftl_gate.zygote import %s; %s()"
