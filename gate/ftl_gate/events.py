"""Streams the gate sends unasked, as id-less frames on its one connection: file changes
(Watch -> FileChanged) and system metrics (StartMonitor -> SystemMetrics).

Each stream is a daemon thread of the gate process and nothing else (inotify through
ctypes, or os.stat polling; /proc read in-process): when the gate's stdin ends the
process exits and takes every stream with it, so nothing is left running on the host.

- Watch {path, recursive?: false, method?: "auto"|"inotify"|"poll", interval?: 1.0}
  -> WatchResult {path, status: "ok", watch_id, method} | {path, status: "error", message}
- Unwatch {watch_id} | {path} -> UnwatchResult {path, removed}
- StartMonitor {interval?: 2.0} -> MonitorResult {status: "ok", monitor_id, interval}
- StopMonitor {monitor_id?} (none: every monitor) -> MonitorResult {status: "stopped", stopped}
Events:
- FileChanged {path, event, kind, name, is_dir, watch, watch_id, timestamp}: kind (and
  FTL2's event) created | modified | deleted, after the raw changes of one path are merged
  (a touch is one "modified", an editor's save by rename one "modified", a file made and
  removed at once nothing).
- SystemMetrics {monitor_id, timestamp, hostname, cpu {percent_total, percent_per_cpu,
  count, load_avg}, memory {total, used, available, percent}, swap {...}, disk {path,
  total, used, free, percent}, net {bytes_sent, bytes_recv, sent_rate, recv_rate}, uptime}
"""
import errno as errno_mod
import os
import stat as stat_mod
import struct
import threading
import time

# Raw changes of one path arriving within this long of each other are one event.
SETTLE_S = 0.15
# A recursive watch or poll of more than this many entries is refused: a watch is for a config tree, not a disk.
MAX_ENTRIES = 50000
MIN_INTERVAL_S = 0.2

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0x800
IN_CLOEXEC = 0x80000
DIR_MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
_EVENT = struct.Struct("iIII")
# inotify's limits (max_user_watches, max_user_instances): polling does without them.
_LIMITS = (errno_mod.ENOSPC, errno_mod.EMFILE, errno_mod.ENFILE, errno_mod.ENOMEM, errno_mod.ENOSYS)


class WatchError(Exception):
    def __init__(self, message, errno=None):
        Exception.__init__(self, message)
        self.errno = errno


def merge(prev, new):
    """The kind of a path that changed as prev, then as new; None: nothing happened after all."""
    if prev is None:
        return new
    if new == "created":
        return "modified" if prev == "deleted" else "created"
    if new == "deleted":
        return None if prev == "created" else "deleted"
    return "created" if prev == "created" else "modified"


class Coalescer:
    """Raw changes by path, merged, handed on once the path has been quiet for SETTLE_S."""

    def __init__(self, emit, settle=SETTLE_S):
        self.emit = emit
        self.settle = settle
        self.pending = {}  # path -> [kind, is_dir, last_seen]

    def add(self, path, kind, is_dir, now=None):
        now = time.monotonic() if now is None else now
        prev = self.pending.get(path)
        merged = merge(prev[0] if prev else None, kind)
        if merged is None:
            self.pending.pop(path, None)
        else:
            self.pending[path] = [merged, is_dir or bool(prev and prev[1]), now]

    def flush(self, now=None, force=False):
        now = time.monotonic() if now is None else now
        for path, (kind, is_dir, seen) in list(self.pending.items()):
            if force or now - seen >= self.settle:
                del self.pending[path]
                self.emit(path, kind, is_dir)

    def wait_s(self, idle):
        """How long the reader may block: until the oldest pending path settles, else idle."""
        if not self.pending:
            return idle
        oldest = min(p[2] for p in self.pending.values())
        return max(0.01, self.settle - (time.monotonic() - oldest))


def _inotify():
    """libc's inotify functions through ctypes, or None where there are none (not Linux, no ctypes)."""
    try:
        import ctypes
    except ImportError:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        init, add, rm = libc.inotify_init1, libc.inotify_add_watch, libc.inotify_rm_watch
    except (OSError, AttributeError):
        return None
    init.argtypes = [ctypes.c_int]
    add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    rm.argtypes = [ctypes.c_int, ctypes.c_int]
    return ctypes, init, add, rm


class Watcher(threading.Thread):
    """Reports created/modified/deleted under root (a directory, or one file) through emit(path, kind, is_dir)."""

    def __init__(self, root, emit, recursive=False, method="auto", interval=1.0):
        threading.Thread.__init__(self, daemon=True, name="ftl-watch")
        self.root = os.path.abspath(root)
        self.emit = emit
        self.recursive = recursive
        self.interval = max(MIN_INTERVAL_S, float(interval))
        self.stopped = threading.Event()
        try:
            st = os.stat(self.root)
        except OSError as e:
            raise WatchError("cannot watch %s: %s" % (root, e.strerror or e))
        self.root_is_dir = stat_mod.S_ISDIR(st.st_mode)
        self.coalescer = Coalescer(self._emit)
        self.fd = None
        lib = _inotify() if method in ("auto", "inotify") else None
        if lib is None and method == "inotify":
            raise WatchError("inotify is not available on this host (use method 'poll')")
        self.method = "poll"
        if lib is not None:
            try:
                self._inotify_start(lib)
                self.method = "inotify"
            except WatchError as e:
                # Only a limit of inotify's (watches, instances) is a reason to poll instead:
                # a directory that cannot be read would poll as empty, and say nothing.
                if method == "inotify" or e.errno not in _LIMITS:
                    self._close_fd()
                    raise
                self._close_fd()
        if self.method == "poll":
            self.snapshot = snapshot(self.root, self.recursive)

    def _emit(self, path, kind, is_dir):
        if not self.stopped.is_set():
            self.emit(path, kind, is_dir)

    def stop(self):
        self.stopped.set()

    def run(self):
        try:
            if self.method == "inotify":
                self._inotify_loop()
            else:
                self._poll_loop()
        finally:
            self._close_fd()

    # polling

    def _poll_loop(self):
        while not self.stopped.wait(self.interval):
            try:
                now = snapshot(self.root, self.recursive)
            except WatchError:
                now = {}
            for path, kind, is_dir in diff(self.snapshot, now):
                self._emit(path, kind, is_dir)
            self.snapshot = now

    # inotify

    def _inotify_start(self, lib):
        ctypes, init, add, rm = lib
        self.ctypes, self.add, self.rm = ctypes, add, rm
        fd = init(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise WatchError("inotify_init1: %s" % os.strerror(err), err)
        self.fd = fd
        self.dirs = {}  # wd -> directory path
        # What exists now: a file renamed over one of these (an editor's save) was modified, not created.
        self.known = set(snapshot(self.root, self.recursive))
        if self.root_is_dir:
            self._add_tree(self.root, report=False)
        else:
            # The file's directory, filtered by name: an editor that replaces the file by a rename keeps being seen.
            self._add_dir(os.path.dirname(self.root))

    def _add_dir(self, path):
        if len(self.dirs) >= MAX_ENTRIES:
            raise WatchError("more than %d directories under %s" % (MAX_ENTRIES, self.root))
        wd = self.add(self.fd, os.fsencode(path), DIR_MASK)
        if wd < 0:
            err = self.ctypes.get_errno()
            raise WatchError("cannot watch %s: %s" % (path, os.strerror(err)), err)
        self.dirs[wd] = path

    def _add_tree(self, top, report):
        """Watches top (and, when recursive, every directory under it); report: what is found there is new."""
        self._add_dir(top)
        if not self.recursive:
            return
        for path, is_dir in _walk(top):
            if report:
                self.coalescer.add(path, "created", is_dir)
                self.known.add(path)
            if is_dir:
                try:
                    self._add_dir(path)
                except WatchError:
                    if not report:
                        raise

    def _close_fd(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None

    def _inotify_loop(self):
        import select

        while not self.stopped.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], self.coalescer.wait_s(0.5))
            except (OSError, ValueError):
                return
            if ready:
                try:
                    buf = os.read(self.fd, 65536)
                except BlockingIOError:
                    buf = b""
                except OSError:
                    return
                self._inotify_events(buf)
            self.coalescer.flush()
        self.coalescer.flush(force=True)

    def _inotify_events(self, buf):
        off = 0
        while off + _EVENT.size <= len(buf):
            wd, mask, _cookie, length = _EVENT.unpack_from(buf, off)
            name = os.fsdecode(buf[off + _EVENT.size : off + _EVENT.size + length].rstrip(b"\0"))
            off += _EVENT.size + length
            if mask & IN_Q_OVERFLOW:
                # The kernel's queue overflowed: what changed is unknown, so the root is said to have changed.
                self.coalescer.add(self.root, "modified", self.root_is_dir)
                continue
            base = self.dirs.get(wd)
            if base is None:
                continue
            if mask & IN_IGNORED:
                self.dirs.pop(wd, None)
                continue
            if not name:
                if mask & (IN_DELETE_SELF | IN_MOVE_SELF) and base == self.root:
                    self.coalescer.add(self.root, "deleted", True)
                continue
            path = os.path.join(base, name)
            if not self.root_is_dir and path != self.root:
                continue
            is_dir = bool(mask & IN_ISDIR)
            if mask & (IN_CREATE | IN_MOVED_TO):
                self.coalescer.add(path, "modified" if path in self.known else "created", is_dir)
                self.known.add(path)
                if is_dir and self.recursive:
                    try:
                        self._add_tree(path, report=True)
                    except WatchError:
                        pass
            elif mask & (IN_DELETE | IN_MOVED_FROM):
                self.coalescer.add(path, "deleted", is_dir)
                self.known.discard(path)
            elif mask & (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE):
                self.coalescer.add(path, "modified", is_dir)


def _walk(top):
    """(path, is_dir) of everything under top, links not followed; bounded by MAX_ENTRIES."""
    stack, seen = [top], 0
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                seen += 1
                if seen > MAX_ENTRIES:
                    raise WatchError("more than %d entries under %s" % (MAX_ENTRIES, top))
                try:
                    is_dir = e.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                yield e.path, is_dir
                if is_dir:
                    stack.append(e.path)


def snapshot(root, recursive):
    """{path: (is_dir, signature)} of root's entries (or of root itself when it is a file)."""
    out = {}
    try:
        st = os.stat(root)
    except OSError:
        return out
    if not stat_mod.S_ISDIR(st.st_mode):
        out[root] = (False, _sig(st, False))
        return out
    if recursive:
        entries = _walk(root)
    else:
        try:
            with os.scandir(root) as it:
                entries = [(e.path, e.is_dir(follow_symlinks=False)) for e in it]
        except OSError:
            entries = []
    for path, is_dir in entries:
        try:
            st = os.lstat(path)
        except OSError:
            continue
        out[path] = (is_dir, _sig(st, is_dir))
    return out


def _sig(st, is_dir):
    # A directory's times change with its entries, which are reported themselves.
    if is_dir:
        return (st.st_ino, st.st_mode)
    return (st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def diff(before, after):
    out = []
    for path, (is_dir, sig) in after.items():
        old = before.get(path)
        if old is None:
            out.append((path, "created", is_dir))
        elif old[1] != sig:
            out.append((path, "modified", is_dir))
    for path, (is_dir, _sig) in before.items():
        if path not in after:
            out.append((path, "deleted", is_dir))
    return out


# metrics


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("ascii", "replace")
    except OSError:
        return ""


def _cpu_times():
    """{name: (busy, total)} from /proc/stat: 'cpu' and each 'cpuN'."""
    out = {}
    for line in _read("/proc/stat").splitlines():
        if not line.startswith("cpu"):
            continue
        parts = line.split()
        try:
            vals = [int(v) for v in parts[1:]]
        except ValueError:
            continue
        # guest times are counted in user already
        total = sum(vals[:8])
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
        out[parts[0]] = (total - idle, total)
    return out


def _net_bytes():
    recv = sent = 0
    for line in _read("/proc/net/dev").splitlines()[2:]:
        name, _, rest = line.partition(":")
        if name.strip() == "lo":
            continue
        f = rest.split()
        if len(f) >= 9:
            recv += int(f[0])
            sent += int(f[8])
    return recv, sent


def _meminfo():
    out = {}
    for line in _read("/proc/meminfo").splitlines():
        k, _, v = line.partition(":")
        f = v.split()
        if f and f[0].isdigit():
            out[k] = int(f[0]) * 1024
    return out


def _pct(used, total):
    return round(100.0 * used / total, 1) if total else 0.0


def sample():
    return {"t": time.monotonic(), "cpu": _cpu_times(), "net": _net_bytes()}


def metrics(prev, cur, disk_path="/"):
    """SystemMetrics data from two samples (CPU and network rates are over the time between them)."""
    import socket

    def cpu_pct(name):
        a, b = prev["cpu"].get(name), cur["cpu"].get(name)
        if a is None or b is None or b[1] <= a[1]:
            return 0.0
        return _pct(b[0] - a[0], b[1] - a[1])

    names = sorted((n for n in cur["cpu"] if n != "cpu"), key=lambda n: int(n[3:]) if n[3:].isdigit() else 0)
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    mem = _meminfo()
    total = mem.get("MemTotal", 0)
    available = mem.get("MemAvailable", mem.get("MemFree", 0) + mem.get("Cached", 0) + mem.get("Buffers", 0))
    swap_total, swap_free = mem.get("SwapTotal", 0), mem.get("SwapFree", 0)
    try:
        vfs = os.statvfs(disk_path)
        d_total, d_free = vfs.f_blocks * vfs.f_frsize, vfs.f_bavail * vfs.f_frsize
        d_used = (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize
        disk = {"path": disk_path, "total": d_total, "used": d_used, "free": d_free, "percent": _pct(d_used, d_used + d_free)}
    except OSError:
        disk = None
    dt = max(1e-6, cur["t"] - prev["t"])
    recv, sent = cur["net"]
    up = _read("/proc/uptime").split()
    return {
        "timestamp": time.time(),
        "hostname": socket.gethostname(),
        "cpu": {"percent_total": cpu_pct("cpu"), "percent_per_cpu": [cpu_pct(n) for n in names], "count": len(names) or os.cpu_count(), "load_avg": load},
        "memory": {"total": total, "used": total - available, "available": available, "percent": _pct(total - available, total)},
        "swap": {"total": swap_total, "used": swap_total - swap_free, "free": swap_free, "percent": _pct(swap_total - swap_free, swap_total)},
        "disk": disk,
        "net": {
            "bytes_recv": recv,
            "bytes_sent": sent,
            "recv_rate": round(max(0, recv - prev["net"][0]) / dt, 1),
            "sent_rate": round(max(0, sent - prev["net"][1]) / dt, 1),
        },
        "uptime": float(up[0]) if up else None,
    }


class Monitor(threading.Thread):
    """SystemMetrics every interval seconds (the first after at most one second, so a panel fills quickly)."""

    def __init__(self, interval, emit):
        threading.Thread.__init__(self, daemon=True, name="ftl-monitor")
        self.interval = max(MIN_INTERVAL_S, float(interval))
        self.emit = emit
        self.stopped = threading.Event()

    def stop(self):
        self.stopped.set()

    def run(self):
        prev = sample()
        wait = min(self.interval, 1.0)
        while not self.stopped.wait(wait):
            cur = sample()
            data = metrics(prev, cur)
            prev = cur
            if not self.stopped.is_set():
                self.emit(data)
            wait = self.interval


class Streams:
    """The gate's running streams by id; all stopped when the gate ends."""

    def __init__(self, gate):
        self.gate = gate
        self.lock = threading.Lock()
        self.items = {}
        self.next_id = 1

    def _add(self, make):
        with self.lock:
            sid = self.next_id
            self.next_id += 1
            thread = make(sid)
            self.items[sid] = thread
        thread.start()
        return sid, thread

    def stop(self, sid=None, kind=None, path=None):
        with self.lock:
            chosen = [i for i, t in self.items.items() if (sid is None or i == sid) and (kind is None or isinstance(t, kind)) and (path is None or getattr(t, "root", None) == path)]
            threads = [self.items.pop(i) for i in chosen]
        for t in threads:
            t.stop()
        return len(threads)

    def stop_all(self):
        self.stop()

    def watch(self, data):
        path = data.get("path")
        if not isinstance(path, str) or not os.path.isabs(path):
            return "WatchResult", {"path": path, "status": "error", "message": "Watch needs an absolute path, not %r" % (path,)}
        method = data.get("method", "auto")
        if method not in ("auto", "inotify", "poll"):
            return "WatchResult", {"path": path, "status": "error", "message": "Watch method must be auto, inotify or poll, not %r" % (method,)}
        recursive = bool(data.get("recursive", False))
        interval = data.get("interval", 1.0)
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval <= 0:
            return "WatchResult", {"path": path, "status": "error", "message": "Watch interval must be a positive number of seconds"}

        def make(sid):
            def emit(p, kind, is_dir):
                self.gate.send("FileChanged", {"path": p, "event": kind, "kind": kind, "name": os.path.basename(p), "is_dir": is_dir, "watch": path, "watch_id": sid, "timestamp": time.time()})

            return Watcher(path, emit, recursive=recursive, method=method, interval=interval)

        try:
            sid, w = self._add(make)
        except WatchError as e:
            return "WatchResult", {"path": path, "status": "error", "message": str(e)}
        return "WatchResult", {"path": path, "status": "ok", "watch_id": sid, "method": w.method, "recursive": recursive}

    def unwatch(self, data):
        sid = data.get("watch_id")
        path = data.get("path")
        if sid is None and not isinstance(path, str):
            return "Error", {"message": "Unwatch needs a watch_id or a path"}
        n = self.stop(sid=sid, kind=Watcher, path=path if sid is None else None)
        return "UnwatchResult", {"path": path, "watch_id": sid, "removed": n > 0}

    def start_monitor(self, data):
        interval = data.get("interval", 2.0)
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval <= 0:
            return "MonitorResult", {"status": "error", "message": "StartMonitor interval must be a positive number of seconds"}

        def make(sid):
            def emit(m):
                m["monitor_id"] = sid
                self.gate.send("SystemMetrics", m)

            return Monitor(interval, emit)

        sid, mon = self._add(make)
        return "MonitorResult", {"status": "ok", "monitor_id": sid, "interval": mon.interval}

    def stop_monitor(self, data):
        return "MonitorResult", {"status": "stopped", "stopped": self.stop(sid=data.get("monitor_id"), kind=Monitor)}


def streams_of(gate):
    with gate.ilock:
        s = getattr(gate, "streams", None)
        if s is None:
            s = gate.streams = Streams(gate)
        return s


def _handler(method):
    def handle(gate, data, ctx):
        return getattr(streams_of(gate), method)(data)

    return handle


HANDLERS = {
    "Watch": _handler("watch"),
    "Unwatch": _handler("unwatch"),
    "StartMonitor": _handler("start_monitor"),
    "StopMonitor": _handler("stop_monitor"),
}
