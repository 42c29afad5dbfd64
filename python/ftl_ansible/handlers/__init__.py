"""Request handlers: one module per request type, named after it in snake_case
(SetInventory -> set_inventory.py), each with `handle(data, request)` returning
(reply_type, reply_data). A new request type is a new module here, nothing else."""
import importlib
import os
import re

_HERE = os.path.dirname(os.path.abspath(__file__))
_TYPE = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def _module_name(msg_type):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", msg_type).lower()


def _type_name(module_name):
    return "".join(part.capitalize() for part in module_name.split("_"))


def names():
    """The request types this worker answers (besides Hello, Cancel and Shutdown)."""
    return sorted(_type_name(f[:-3]) for f in os.listdir(_HERE) if f.endswith(".py") and not f.startswith("_"))


def handle(msg_type, data, req):
    if not _TYPE.match(msg_type) or not os.path.isfile(os.path.join(_HERE, _module_name(msg_type) + ".py")):
        return "Error", {"message": "Unknown message type: %s" % msg_type}
    if not isinstance(data, dict):
        return "Error", {"message": "%s data must be an object, got %s" % (msg_type, type(data).__name__)}
    module = importlib.import_module("%s.%s" % (__name__, _module_name(msg_type)))
    return module.handle(data, req)


def preload():
    """Loads Ansible ahead of the first request that needs it; a failure waits for that request."""
    from .. import runtime

    try:
        runtime.get()
    except Exception:
        pass
