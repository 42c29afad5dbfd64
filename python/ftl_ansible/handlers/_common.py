"""What handlers share: the runtime or a NoAnsible reply, and the scope's errors as replies."""
import contextlib
import threading
import time

from .. import runtime, scope


class _Turn(object):
    """Rendering is CPU-bound Python: requests rendering at the same moment on their threads
    only fight over the GIL (measured: 20 Template requests on 10 hosts took 0.6 s one after
    another, 1.9 s all at once). So the work for one host takes a turn. A turn held for longer
    than STUCK_S (a slow lookup: a pipe, a file, a URL) no longer holds anyone up: the others
    go on without it, so nothing waits behind a slow request for more than that."""

    STUCK_S = 0.05

    def __init__(self):
        self._cond = threading.Condition()
        self._since = None

    @contextlib.contextmanager
    def __call__(self):
        got = False
        with self._cond:
            while self._since is not None:
                left = self.STUCK_S - (time.monotonic() - self._since)
                if left <= 0:
                    break
                self._cond.wait(left)
            if self._since is None:
                self._since = time.monotonic()
                got = True
        try:
            yield
        finally:
            if got:
                with self._cond:
                    self._since = None
                    self._cond.notify()


turn = _Turn()


def no_ansible(e):
    return "NoAnsible", {"message": str(e)}


def with_scope(data, req, build, per_host):
    """Builds the request's scope and answers for each host: {host: per_host(host_scope)}."""
    try:
        rt = runtime.get()
    except runtime.NoAnsible as e:
        return no_ansible(e)
    with rt.cwd.at(data.get("cwd")):
        try:
            with turn():
                call = build(rt)
        except scope.StaleInventory as e:
            return "InventoryNeeded", {"message": str(e)}
        results = {}
        for name in call.hosts:
            if req.cancelled.is_set():
                break
            with turn():
                try:
                    host = call.host(name)
                except Exception as e:
                    results[name] = host_error(e)
                    continue
                results[name] = per_host(host)
    return None, results


def host_error(e):
    """A host's failure as Ansible's TaskExecutor reports it (call inside the except block)."""
    import traceback

    from ansible.errors import AnsibleError
    from ansible.module_utils._text import to_native, to_text

    if isinstance(e, AnsibleError):
        return {"failed": True, "msg": to_text(e, nonstring="simplerepr"), "error_type": type(e).__name__}
    return {
        "failed": True,
        "msg": "Unexpected failure during module execution: %s" % to_native(e, nonstring="simplerepr"),
        "exception": traceback.format_exc(),
        "stdout": "",
        "error_type": type(e).__name__,
    }
