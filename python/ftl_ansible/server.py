"""The worker's loop: frames in on stdin, one thread per request, replies by id on stdout.

Every request gets exactly one reply: its handler's, or an Error with the exception's text
when the handler raises (a bug in one handler must not take the worker down, nor leave the
controller waiting). Nothing but frames reaches stdout: Ansible and its plugins print, so
sys.stdout is stderr from the start, and warnings said while a request runs go into that
request's reply instead (capture.py).
"""
import io
import os
import sys
import threading
import time
import traceback

from . import capture, frames, handlers

SHUTDOWN_WAIT_S = 10.0


class Request:
    """What a handler knows of its request besides its data: its id, whether the controller
    cancelled it, and what Ansible warned about while it ran."""

    def __init__(self, msg_id):
        self.id = msg_id
        self.cancelled = threading.Event()
        self.warnings = []
        self.deprecations = []


class Worker:
    def __init__(self, rin, wout):
        self.rin = rin
        self.wout = wout
        self.wlock = threading.Lock()
        self.ilock = threading.Lock()
        self.idle = threading.Condition(self.ilock)
        self.inflight = {}
        self.started = time.time()
        self.preloading = None

    def send(self, msg_type, data, msg_id=None):
        frame = frames.encode_frame(msg_type, data, msg_id)
        with self.wlock:
            self.wout.write(frame)
            self.wout.flush()

    def _answer(self, msg_type, data, req):
        try:
            with capture.collecting(req):
                reply_type, reply = handlers.handle(msg_type, data, req)
        except BaseException as e:  # noqa: B036 - SystemExit from a plugin is a reply too
            reply_type, reply = "Error", {"message": error_text(e), "type": type(e).__name__, "traceback": traceback.format_exc()}
        if req.cancelled.is_set():
            reply_type, reply = "Error", {"message": "cancelled", "cancelled": True}
        if isinstance(reply, dict):
            if req.warnings:
                reply.setdefault("warnings", req.warnings)
            if req.deprecations:
                reply.setdefault("deprecations", req.deprecations)
        try:
            self.send(reply_type, reply, req.id)
        except (OSError, ValueError):
            pass  # the controller is gone; nobody is left to tell
        finally:
            with self.ilock:
                self.inflight.pop(req.id, None)
                self.idle.notify_all()

    def dispatch(self, msg_type, data, msg_id):
        """Answers one frame; False when the worker should stop."""
        if msg_type == "Hello":
            self.send("Hello", hello_data(), msg_id)
            self._preload()
            return True
        if msg_type == "Shutdown":
            self._drain(SHUTDOWN_WAIT_S)
            self.send("Goodbye", {}, msg_id)
            return False
        if msg_type == "Cancel":
            target = data.get("id") if isinstance(data, dict) else None
            with self.ilock:
                req = self.inflight.get(target)
            if req is not None:
                req.cancelled.set()
            self.send("Cancelled", {"id": target, "found": req is not None}, msg_id)
            return True
        req = Request(msg_id)
        with self.ilock:
            self.inflight[msg_id] = req
        threading.Thread(target=self._answer, args=(msg_type, data, req), daemon=True).start()
        return True

    def _preload(self):
        """Imports Ansible while the controller prepares its first request (~0.5 s saved)."""
        if self.preloading is None:
            self.preloading = threading.Thread(target=handlers.preload, daemon=True)
            self.preloading.start()

    def _drain(self, timeout):
        deadline = time.time() + timeout
        with self.ilock:
            while self.inflight and time.time() < deadline:
                self.idle.wait(max(0.0, deadline - time.time()))

    def run(self):
        while True:
            try:
                msg = frames.read_frame(self.rin)
            except frames.ProtocolError as e:
                self.send("Error", {"message": "protocol error: %s" % e, "fatal": True})
                return 2
            if msg is None:
                return 0
            if not self.dispatch(*msg):
                return 0


def error_text(e):
    """An exception as Ansible words it (its message), else its class and text."""
    try:
        from ansible.errors import AnsibleError
        from ansible.module_utils._text import to_text

        if isinstance(e, AnsibleError):
            return to_text(e)
    except ImportError:
        pass
    return "%s: %s" % (type(e).__name__, e)


def hello_data():
    data = {
        "capabilities": ["multiplex", "cancel"],
        "gate_hash": "",
        "worker": "ftl_ansible",
        "pid": os.getpid(),
        "python_version": ".".join(str(p) for p in sys.version_info[:3]),
        "python_executable": sys.executable,
        "handlers": handlers.names(),
        "ansible_version": None,
    }
    try:
        from ansible.release import __version__

        data["ansible_version"] = __version__
    except Exception as e:  # not installed, or broken: say why, the controller words the fix
        data["ansible_error"] = "%s: %s" % (type(e).__name__, e)
    return data


def main():
    # Frames get descriptors of their own; 0 and 1 become /dev/null and stderr, so that
    # nothing else (a plugin's print, a lookup's child process) reads our requests or
    # writes into our replies.
    rin = io.open(os.dup(0), "rb", buffering=65536)
    wout = io.open(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return Worker(rin, wout).run()
