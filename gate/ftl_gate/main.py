"""The gate's loop: read frames from stdin, answer each request on a thread of its own (workers.py)."""
import io
import os
import sys
import threading
import time

from . import lazy, output, protocol
from .context import RequestContext
from .workers import Workers

SHUTDOWN_WAIT_S = 10.0


class Gate:
    def __init__(self, rin, wout):
        self.rin = rin
        self.wout = wout
        self.wlock = threading.Lock()
        self.inflight = {}
        self.ilock = threading.Lock()
        self.idle = threading.Condition(self.ilock)
        self.multiplex = False
        self.started = time.time()
        self.calls = 0
        # Watches and monitors (events.Streams), made by the first of them.
        self.streams = None
        self.workers = Workers()

    def send(self, msg_type, data, msg_id=None):
        """Sends a message; a reply that cannot be encoded goes as an Error for the same id instead."""
        try:
            frame = protocol.encode_frame(msg_type, data, msg_id)
        except protocol.FrameTooLarge as e:
            frame = protocol.encode_frame("Error", {"message": "the %s reply is %d bytes, over the %d MiB frame limit" % (msg_type, e.size, protocol.MAX_FRAME >> 20), "too_large": True}, msg_id)
        except Exception as e:  # RecursionError, ValueError (a circular value), MemoryError, ...
            frame = protocol.encode_frame("Error", {"message": "the %s reply could not be encoded: %s: %s" % (msg_type, type(e).__name__, str(e)[:500])}, msg_id)
        with self.wlock:
            try:
                self.wout.write(frame)
                self.wout.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the controller is gone: there is no one to tell, and stdin will end

    def _run_request(self, msg_type, data, msg_id, ctx):
        try:
            try:
                # Imported on the first request, not at start: Hello answers before the handlers load.
                handle_request = lazy.load("handlers").handle_request
                reply_type, reply = output.limit_reply(*handle_request(self, msg_type, data, ctx), ctx.max_output)
            except BaseException as e:  # a bug in a handler (or a module's sys.exit) must not kill the gate or the reply
                import traceback

                reply_type, reply = "Error", {"message": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
            self.send(reply_type, reply, msg_id)
        finally:
            with self.ilock:
                self.inflight.pop(msg_id, None)
                self.idle.notify_all()

    def dispatch(self, msg_type, data, msg_id):
        if msg_type == "Hello":
            caps = (data or {}).get("capabilities", []) if isinstance(data, dict) else []
            self.multiplex = "multiplex" in caps
            self.send("Hello", hello_data(), msg_id)
            return True
        if msg_type == "Shutdown":
            self.stop_streams()
            self._drain(SHUTDOWN_WAIT_S)
            self.send("Goodbye", {}, msg_id)
            return False
        if msg_type == "Cancel":
            target = (data or {}).get("id") if isinstance(data, dict) else None
            with self.ilock:
                ctx = self.inflight.get(target)
            if ctx is not None:
                ctx.cancel()
            self.send("Cancelled", {"id": target, "found": ctx is not None}, msg_id)
            return True
        module_args = data.get("module_args") if isinstance(data, dict) else None
        ctx = RequestContext(msg_id, module_args if isinstance(module_args, dict) else None, output.max_output_of(data))
        self.calls += 1
        if not self.multiplex or msg_id is None:
            # FTL2's original, unmultiplexed mode: one request at a time, in order.
            with self.ilock:
                self.inflight[msg_id] = ctx
            self._run_request(msg_type, data, msg_id, ctx)
            return True
        with self.ilock:
            self.inflight[msg_id] = ctx
        try:
            self.workers.submit(self._run_request, msg_type, data, msg_id, ctx)
        except RuntimeError as e:  # no thread to be had: that request fails, the gate goes on
            with self.ilock:
                self.inflight.pop(msg_id, None)
            self.send("Error", {"message": "cannot run %s: %s" % (msg_type, e)}, msg_id)
        return True

    def _drain(self, timeout):
        deadline = time.time() + timeout
        with self.ilock:
            while self.inflight and time.time() < deadline:
                self.idle.wait(max(0.0, deadline - time.time()))

    def stop_streams(self):
        streams = self.streams
        if streams is not None:
            streams.stop_all()

    def cancel_all(self):
        with self.ilock:
            for ctx in list(self.inflight.values()):
                ctx.cancel()

    def run(self):
        while True:
            try:
                msg = protocol.read_frame(self.rin)
            except protocol.ProtocolError as e:
                self.send("Error", {"message": "protocol error: %s" % e, "fatal": True})
                self.stop_streams()
                self.cancel_all()
                return 2
            if msg is None:
                self.stop_streams()
                self.cancel_all()
                return 0
            if isinstance(msg, protocol.BadRequest):
                what = msg.type + " " if msg.type else ""
                self.send("Error", {"message": "%s%s" % (what, msg.message)}, msg.id)
                continue
            msg_type, data, msg_id = msg
            if not self.dispatch(msg_type, data, msg_id):
                return 0


def hello_data():
    from . import baked, build_info

    return {
        "capabilities": ["multiplex", "cancel"],
        "gate_hash": build_info.GATE_HASH,
        # Module sources this gate carries: the controller sends only their names and hashes.
        "baked": sorted(baked.hashes()),
        "pid": os.getpid(),
        "python_version": ".".join(str(p) for p in sys.version_info[:3]),
    }


def main():
    if sys.version_info < (3, 8):
        sys.stderr.write("ftl gate needs Python 3.8 or newer, this is %s\n" % sys.version.split()[0])
        return 3
    rin = sys.stdin.buffer
    if not isinstance(rin, io.BufferedReader):
        rin = io.BufferedReader(rin)
    wout = sys.stdout.buffer
    # Anything a module or library prints must not corrupt the frame stream.
    sys.stdout = sys.stderr
    return Gate(rin, wout).run()
