"""The gate's own modules imported on first use, from any request thread.

Python 3.8 and 3.9 import from a zip with zipimport's legacy load_module, which puts a
module in sys.modules before it has run: a second thread asking for it meanwhile gets
it half made ("cannot import name", a missing attribute). One lock around every such
import keeps each request thread waiting until the module is whole.
"""
import importlib
import threading

_lock = threading.RLock()


def load(name):
    """The module ftl_gate.<name>, imported (once) under the lock."""
    with _lock:
        return importlib.import_module("ftl_gate." + name)
