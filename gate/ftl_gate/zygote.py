"""The zygote: a helper process of the gate that has Ansible's module_utils imported
already and forks one child per module call, so a call does not pay ~100 ms of imports.

It is single-threaded (fork is only safe there) and never runs a module itself: a
module that changes state in an imported module_utils changes it in its own child.

Wire, between the gate and this process (all on pipes private to the two):
- fd 0, gate to zygote: one JSON object per line, a job {id, fqn, lib, cwd, params}
  (params: the JSON text of {"ANSIBLE_MODULE_ARGS": {...}}).
  Right after each line the gate sends, on the datagram socket whose fd number is
  argv[1], the job id (8 bytes) with four fds (SCM_RIGHTS): the child's stdin, stdout
  and stderr, and the call's status pipe. stdin holds params then ends (a pipe, or a
  file for long ones), stdout and stderr are pipe ends.
- the status pipe, zygote to gate, one per call: `pid N` once forked, then `rc N` when
  the child has exited (rc as subprocess gives it: -N for signal N; `rc ?` when it
  cannot be known), then its end. The gate reads it with the call's output, on the
  call's own thread: nothing else wakes for a call.
- fd 1, zygote to gate: one JSON object per line: {"ready": true, "pid"} once the
  imports are done (or {"error"} and exit), then {"id", "error"} for a job that could
  not be forked.
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
import _signal
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
_SIGINT = int(signal.SIGINT)
POLLIN = getattr(select, "POLLIN", 1)
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
        """(code, spec, packages) of the job's module, or None (the child then finds and compiles it as runpy does).
        The spec is the one the path finder gives a source file, and packages those above
        the module (see _packages_above), made here so that no child makes them."""
        path = module_file(job)
        digest = job.get("digest")
        if path is None or not isinstance(digest, str):
            return None
        key = (path, digest)
        entry = self.codes.pop(key, None)
        if entry is None:
            _import_wanted(job.get("lib"))
            code = _compile(path, digest)
            if code is None:
                return None
            import importlib.util

            spec = importlib.util.spec_from_file_location(job["fqn"], path)
            spec.cached  # worked out (and kept by the spec) here, not in each child
            entry = (code, spec, _packages_above(job["fqn"], job["lib"]))
            while len(self.codes) >= self.size:
                del self.codes[next(iter(self.codes))]
            _trim()
        self.codes[key] = entry
        return entry


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


_malloc_trim = []


def _trim():
    """Gives the C heap's free pages back to the system (glibc's malloc_trim) after imports
    and compiling: pages a fork would otherwise copy the page table entries of, and a
    child write into (copy). ~15% less memory to fork here; nothing where there is no
    ctypes or no glibc."""
    if not _malloc_trim:
        try:
            import ctypes

            _malloc_trim.append(ctypes.CDLL(None).malloc_trim)
        except Exception:  # no ctypes, no glibc (musl has no malloc_trim), a locked-down ctypes
            _malloc_trim.append(None)
    if _malloc_trim[0] is not None:
        _malloc_trim[0](0)


def _packages_above(fqn, lib):
    """The packages above a module that the zygote has not imported (ansible.modules of
    this lib, a collection's), as the import system makes them from their empty
    __init__.py (modlib writes them so): [(name, module)], outermost first. Importing them
    in each child costs more than half a millisecond; these are never put in the zygote's
    sys.modules (each lib has its own), a child puts them in its own. [] when one has code
    of its own: the child imports them."""
    import importlib.util

    parts = fqn.split(".")[:-1]
    out = []
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name in sys.modules:
            continue  # ansible: the gate's, with lib's put first on its path in the child
        where = os.path.join(lib, *parts[:i])
        init = os.path.join(where, "__init__.py")
        try:
            if os.path.getsize(init) != 0:
                return []
            spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[where])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)  # runs nothing; sets what running the file sets
        except Exception:
            return []
        out.append((name, module))
    return out


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
    """Reads jobs, forks, reaps. After each fork every page of this process is shared with
    the child until one of them writes it, and the first write copies it (~4 us a page):
    so between a fork and the child's end the loop touches as little as it can (no JSON,
    no Python signal handler), and a child learns of its end by a pidfd where the kernel
    has them (Linux 5.3, Python 3.9), by SIGCHLD otherwise."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(JOB_FDS_WAIT_S)
        self.children = {}  # pid -> status fd: all of them without pidfds, those it could not open one for with
        self.pidfds = {}  # pidfd -> (pid, status fd)
        self.rsig = self.wsig = None
        self.use_pidfd = _pidfd_works()
        self.cwd = os.getcwd()
        self.codes = _CodeCache()

    def serve(self):
        """Runs until the gate goes; in a forked child, returns the child's job."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the gate decides when calls stop
        if not self.use_pidfd:
            self.rsig, self.wsig = os.pipe()
            os.set_blocking(self.rsig, False)
            os.set_blocking(self.wsig, False)
            signal.signal(signal.SIGCHLD, lambda *_: None)
            signal.set_wakeup_fd(self.wsig)
        buf = bytearray()
        self.poller = poller()
        self.poller.register(0, POLLIN)
        if self.rsig is not None:
            self.poller.register(self.rsig, POLLIN)
        while True:
            # Children without a pidfd (none could be opened) are looked for every 50 ms.
            timeout = 50 if self.use_pidfd and self.children else None
            ready = self.poller.poll(timeout)
            if timeout is not None:
                self._reap()
            job_ready = False
            for fd, _events in ready:
                if fd == 0:
                    job_ready = True
                elif fd == self.rsig:
                    self._reap()
                else:
                    self.poller.unregister(fd)
                    self._ended(fd)
            if job_ready:
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

    def _ended(self, pidfd):
        pid, status_fd = self.pidfds.pop(pidfd)
        os.close(pidfd)
        try:
            _pid, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = None
        _send_rc(status_fd, status)

    def _reap(self):
        if self.use_pidfd:  # only the children it has no pidfd for: waitpid(-1) would take the others' status
            for pid in list(self.children):
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, None
                if done:
                    _send_rc(self.children.pop(pid), status)
            return
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
            status_fd = self.children.pop(pid, None)
            if status_fd is not None:
                _send_rc(status_fd, status)

    def _start(self, line):
        job = json.loads(line.decode("utf-8"))
        job_id = job.get("id")
        try:
            fd_id, fds = _recv_fds(self.sock)
        except OSError as e:
            _send({"id": job_id, "error": "no pipes for the call: %s" % e})
            return None
        if fd_id != job_id or len(fds) != 4:
            # Said before the fds close: the gate sees their end after it can see why.
            _send({"id": job_id, "error": "the call's pipes did not arrive with it"})
            for fd in fds:
                os.close(fd)
            return None
        job["code"] = self.codes.get(job)
        job["chdir"] = job.get("cwd") != self.cwd  # the zygote's own: no chdir in the child
        job["stdin_given"] = True
        job["params_bytes"] = job["params"].encode("utf-8")
        top = max(fds + self._own_fds())
        # Everything this process holds now stays out of the child's garbage collections
        # (a collection writes to each object it visits: a copied page each). Only
        # reference cycles made here later are never collected; the loop makes almost none.
        gc.freeze()
        job["old_collections"] = _old_collections()  # the child's at its start (see _run_child)
        try:
            pid = os.fork()
        except OSError as e:
            _send({"id": job_id, "error": "fork failed: %s" % e})
            for fd in fds:
                os.close(fd)
            return None
        if pid == 0:
            self._become_child(fds, top)
            return job
        # The child runs now: from here to the next poll, as little as can be.
        os.close(fds[0])
        os.close(fds[1])
        os.close(fds[2])
        status_fd = fds[3]
        if self.use_pidfd:
            try:
                pidfd = os.pidfd_open(pid)
                self.pidfds[pidfd] = (pid, status_fd)
                self.poller.register(pidfd, POLLIN)
            except OSError:  # out of fds: this one is polled for (see serve)
                self.children[pid] = status_fd
        else:
            self.children[pid] = status_fd
        _status(status_fd, b"pid %d\n" % pid)
        return None

    def _own_fds(self):
        """The zygote's fds: its socket, signal pipe, pidfds and the status pipes of running calls."""
        status = [fd for _pid, fd in self.pidfds.values()] + list(self.children.values())
        return [self.sock.fileno(), self.rsig or 0, self.wsig or 0] + list(self.pidfds) + status

    def _become_child(self, fds, top):
        """In the new child: its own session, no zygote plumbing, stdio as a fresh process has
        it. Each object touched here costs a copied page: low-level calls, few of them."""
        os.setsid()
        if not self.use_pidfd:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # _signal and a plain int: signal.signal's enum conversions touch (copy) pages for nothing.
        _signal.signal(_SIGINT, _signal.default_int_handler)
        sys.stdout = sys.__stdout__
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        os.dup2(fds[2], 2)
        # Every fd above stdio, as a new process started by the gate has none: the zygote's
        # socket, pipes and pidfds, the job's fds (one close_range where the kernel has it).
        # Their Python objects (the socket) are never used or finalized in the child.
        os.closerange(3, top + 1)


def _pidfd_works():
    """Whether this Python and kernel give pidfds (os.pidfd_open: Python 3.9, Linux 5.3).
    FTL_GATE_NO_PIDFD=1 says no (tests of the other way)."""
    if not hasattr(os, "pidfd_open") or os.environ.get("FTL_GATE_NO_PIDFD") == "1":
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


class _SelectPoller:
    """select.poll's register/unregister/poll(ms) over select.select, where there is no poll."""

    def __init__(self):
        self.fds = set()

    def register(self, fd, _events):
        self.fds.add(fd)

    def unregister(self, fd):
        self.fds.discard(fd)

    def poll(self, timeout_ms=None):
        ready = select.select(list(self.fds), [], [], None if timeout_ms is None else timeout_ms / 1000.0)[0]
        return [(fd, POLLIN) for fd in ready]


def poller():
    """select.poll, or its stand-in where there is none. Not select.select: the pidfds (in
    the zygote) or pipes (in the gate) of many running calls may pass fd 1024."""
    return select.poll() if hasattr(select, "poll") else _SelectPoller()


def _status(fd, line):
    """A line on a call's status pipe (bytes formatting: far fewer pages touched than json)."""
    try:
        os.write(fd, line)
    except OSError:
        pass  # the gate gave up on the call (cancelled) and closed its end


def _send_rc(status_fd, status):
    """The child's exit code on its call's status pipe, which then ends."""
    _status(status_fd, b"rc ?\n" if status is None else b"rc %d\n" % _status_rc(status))
    os.close(status_fd)


def run_job(job):
    """Runs the module of a job in this (fresh or just forked) process; ends in SystemExit."""
    # random reseeds itself in a forked child (os.register_at_fork): no seed() here.
    if job.get("chdir", True):
        try:
            os.chdir(job["cwd"])
        except (OSError, KeyError, TypeError):
            pass
    fqn = job["fqn"]
    lib = job["lib"]
    params = job.get("params_bytes") or job["params"].encode("utf-8")
    if not job.get("stdin_given"):  # a zygote's child has its stdin from the gate already
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
    own = lib + os.sep + "ansible"
    if ansible is not None and own not in ansible.__path__:
        ansible.__path__.insert(0, own)
    cached = job.get("code")
    path = cached[1].origin if cached is not None else module_file(job)
    sys.argv = [path]
    basic = sys.modules.get("ansible.module_utils.basic")  # a zygote's: no import machinery to run
    if basic is None:
        try:
            from ansible.module_utils import basic
        except ImportError:
            pass  # a module that needs no module_utils (it reads its args on stdin) still runs
    if basic is not None:
        basic._ANSIBLE_ARGS = params
    init_globals = {"_module_fqn": fqn, "_modlib_path": lib}
    if cached is not None:
        # What run_module does once it has the code: the parent packages imported, the
        # module run as __main__ with the spec the path finder gives a source file.
        for name, package in cached[2]:
            if name not in sys.modules:
                sys.modules[name] = package
                above, _, last = name.rpartition(".")
                if above:
                    setattr(sys.modules[above], last, package)
        __import__(fqn.rpartition(".")[0])
        _run_as_main(cached[0], init_globals, cached[1])
    else:
        import runpy

        runpy.run_module(fqn, init_globals=init_globals, run_name="__main__", alter_sys=True)
    # AnsiballZ fails a module that returns instead of exiting; ftl (as FTL2) takes the
    # JSON such a script printed, and a script that printed none still fails as MODULE FAILURE.
    sys.exit(0)


def _run_as_main(code, init_globals, spec):
    """What runpy.run_module(alter_sys=True, run_name="__main__") does once it has found and
    compiled the module (runpy._run_module_code): a new module named __main__ in
    sys.modules, its globals set as runpy sets them, sys.argv[0] its file, both put back
    after. Here rather than runpy's own: its context managers and helpers run cold in
    every child (~0.2 ms of copied pages). test/modules/zygote.test.ts compares what a
    module sees with a new interpreter's runpy.run_module."""
    main = type(sys)("__main__")
    run_globals = main.__dict__
    run_globals.update(init_globals)
    run_globals.update(
        __name__="__main__",
        __file__=spec.origin,
        __cached__=spec.cached,
        __doc__=None,
        __loader__=spec.loader,
        __package__=spec.parent,
        __spec__=spec,
    )
    saved_main = sys.modules.get("__main__")
    saved_argv0 = sys.argv[0]
    sys.modules["__main__"] = main
    sys.argv[0] = spec.origin
    try:
        exec(code, run_globals)
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        else:
            del sys.modules["__main__"]
        sys.argv[0] = saved_argv0


def _stdin(params):
    """stdin: the args again, then its end (modules that read their args from stdin, as
    basic does without _ANSIBLE_ARGS, get them); never one of the gate's pipes."""
    r = stdin_source(params)
    os.dup2(r, 0)
    os.close(r)


def stdin_source(params):
    """A readable fd holding params and then its end: a pipe when they fit its buffer on
    every system (one page), a file otherwise (no write that waits for a reader)."""
    if len(params) <= 4096:
        r, w = os.pipe()
        try:
            os.write(w, params)
        finally:
            os.close(w)
        return r
    import tempfile

    f = tempfile.TemporaryFile()
    try:
        f.write(params)
        f.flush()
        r = os.dup(f.fileno())
    finally:
        f.close()
    os.lseek(r, 0, os.SEEK_SET)
    return r


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
    _trim()
    _send({"ready": True, "pid": os.getpid()})
    job = _Zygote(sock).serve()
    if job is not None:
        os._exit(_run_child(job))


def _run_child(job):
    """A forked child's job, ended as the interpreter ends a program, minus tearing down
    the zygote's modules (which would cost tens of ms, copying the pages it touches):
    the exit code of SystemExit or 1 after an uncaught exception's traceback, non-daemon
    threads joined, atexit handlers run, garbage collected (files flushed), stdio flushed.
    The zygote froze its objects before the fork (gc.freeze): collections see the child's only."""
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
        # As a full collection, where no collection of generation 1 or 2 ran since the fork:
        # then no object of the child is in generation 2 (and the zygote's are frozen). A
        # full one would also empty the free lists, writing to (copying) the zygote's pages.
        gc.collect(1 if _old_collections() == job.get("old_collections") else 2)
    except BaseException as e:
        sys.excepthook(type(e), e, e.__traceback__)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            code = code or 120  # as Python does when it cannot flush stdout at exit
    return code


def _old_collections():
    return [g["collections"] for g in gc.get_stats()[1:]]


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
