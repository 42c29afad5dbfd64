"""Warnings said while a request runs go into its reply, not onto a terminal.

Ansible's Display prints warnings and deprecations (once per process: it remembers what it
said). While a handler runs, what Display would say is kept on that request instead
(thread-local: each request runs on its own thread), and the controller decides where it
goes. Outside a request (start-up), Display prints to stderr as usual.
"""
import contextlib
import threading

_current = threading.local()
_installed = False
_lock = threading.Lock()


@contextlib.contextmanager
def collecting(req):
    _current.req = req
    try:
        yield
    finally:
        _current.req = None


def current():
    return getattr(_current, "req", None)


def install():
    """Routes Display's warnings and deprecations to the running request (once)."""
    global _installed
    with _lock:
        if _installed:
            return
        from ansible import constants as C
        from ansible.utils.display import Display

        warning = Display.warning
        deprecated = Display.deprecated

        def _warning(self, msg, formatted=False):
            req = current()
            if req is None:
                return warning(self, msg, formatted=formatted)
            if msg not in req.warnings:
                req.warnings.append(msg)
            return None

        def _deprecated(self, msg, version=None, removed=False, date=None, collection_name=None):
            req = current()
            if req is None or removed:
                # removed features raise AnsibleError inside deprecated(): keep that behaviour
                return deprecated(self, msg, version=version, removed=removed, date=date, collection_name=collection_name)
            if not C.DEPRECATION_WARNINGS:
                return None
            text = self.get_deprecation_message(msg, version=version, removed=removed, date=date, collection_name=collection_name)
            if text not in req.deprecations:
                req.deprecations.append(text)
            return None

        Display.warning = _warning
        Display.deprecated = _deprecated
        _installed = True
