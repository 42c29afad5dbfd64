"""What a running request knows: its id, check/diff mode, and a way to be cancelled."""
import os
import threading


class Cancelled(Exception):
    pass


class ModuleFailed(Exception):
    """Raised by a native module to fail with Ansible's {failed, msg, ...} shape."""

    def __init__(self, msg, **extra):
        Exception.__init__(self, msg)
        self.msg = msg
        self.extra = extra


class RequestContext:
    def __init__(self, request_id, module_args=None, max_output=16 * 1024 * 1024):
        args = module_args or {}
        self.request_id = request_id
        # Bytes of each output stream a reply may carry (the request's max_output).
        self.max_output = max_output
        self.check_mode = bool(args.get("_ansible_check_mode", False))
        self.diff = bool(args.get("_ansible_diff", False))
        self.no_log = bool(args.get("_ansible_no_log", False))
        self.cancelled = threading.Event()
        self._procs = []
        self._lock = threading.Lock()

    def track(self, proc):
        """Register a child process (started with start_new_session=True, or a zygote call) to kill on cancel."""
        with self._lock:
            self._procs.append(proc)
            if self.cancelled.is_set():
                _kill_group(proc)

    def untrack(self, proc):
        with self._lock:
            if proc in self._procs:
                self._procs.remove(proc)

    def cancel(self):
        with self._lock:
            self.cancelled.set()
            for proc in self._procs:
                _kill_group(proc)


def _kill_group(proc):
    kill_group = getattr(proc, "kill_group", None)
    if kill_group is not None:  # a zygote's child, known by the gate only through its pid
        kill_group()
        return
    import signal  # only a cancel needs it (it pulls in enum at import)

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def module_params(module_args):
    """The user's options: module_args without the controller's _ansible_* keys."""
    return {k: v for k, v in (module_args or {}).items() if not k.startswith("_ansible_")}
