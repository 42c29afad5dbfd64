"""Request handlers: each returns (reply_type, reply_data).

What only some requests need (platform, the zygote, the module runner with subprocess and
tempfile) is imported by the handler that needs it: a gate starts on every host of a cold
call, and a native ping must not pay ~30 ms of imports for Ansible modules it never runs.
"""
import os
import sys
import time

from . import lazy, native
from .context import Cancelled, ModuleFailed, module_params


def handle_request(gate, msg_type, data, ctx):
    if not isinstance(data, dict):
        return "Error", {"message": "%s data must be an object, got %s" % (msg_type, type(data).__name__)}
    handler = HANDLERS.get(msg_type)
    if handler is None:
        return "Error", {"message": "Unknown message type: %s" % msg_type}
    return handler(gate, data, ctx)


def handle_info(gate, data, ctx):
    import platform
    import socket

    zygote_client = lazy.load("zygote_client")

    return "InfoResult", {
        "python_version": ".".join(str(p) for p in sys.version_info[:3]),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "system": platform.system(),
        "machine": platform.machine(),
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "user": _user(),
        "uptime_s": round(time.time() - gate.started, 3),
        "calls": gate.calls,
        **zygote_client.status(),
    }


def _user():
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def handle_list_modules(gate, data, ctx):
    mods = [{"name": n, "type": "ftl"} for n in native.names()]
    return "ListModulesResult", {"modules": mods}


def handle_ftl_module(gate, data, ctx):
    name = data.get("module_name")
    args = data.get("module_args") or {}
    if not isinstance(name, str) or not isinstance(args, dict):
        return "Error", {"message": "FTLModule needs module_name (string) and module_args (object)"}
    mod = native.get(name)
    if mod is None:
        return "ModuleNotFound", {"message": "Module not found: %s" % name}
    try:
        result = mod.run(module_params(args), ctx)
    except ModuleFailed as e:
        result = dict(e.extra)
        result["failed"] = True
        result["msg"] = e.msg
    except Cancelled:
        return "Error", {"message": "cancelled", "cancelled": True}
    if ctx.cancelled.is_set():
        return "Error", {"message": "cancelled", "cancelled": True}
    result.setdefault("changed", False)
    return "FTLModuleResult", {"result": result}


def handle_module(gate, data, ctx):
    """Module {module_name, module_args, module?, module_hash?, module_fqn?, module_utils?}.

    module_fqn: the package name to run the module as (ansible.modules.<name>, or
      ansible_collections.<ns>.<coll>.plugins.modules.<name>); derived from module_name if absent.
    module_utils: the collection module_utils files the module imports (transitively):
      [{"path": "ansible_collections/<ns>/<coll>/plugins/module_utils/<x>.py", "hash": sha256[:16],
        "source": base64 (only the first time this gate sees the file)}]. Kept on the host by hash
      like module sources; a hash the host does not have gets ModuleNotFound, and the
      controller sends the request again with every source.
    """
    name = data.get("module_name")
    args = data.get("module_args") or {}
    if not isinstance(name, str) or not isinstance(args, dict):
        return "Error", {"message": "Module needs module_name (string) and module_args (object)"}
    runner = lazy.load("runner")

    try:
        result = runner.run_ansible_module(data, ctx)
    except runner.ModuleNotFound as e:
        return "ModuleNotFound", {"message": "Module not found: %s" % e}
    except ValueError as e:
        return "Error", {"message": "bad Module request for %s: %s" % (name, e)}
    except Cancelled:
        return "Error", {"message": "cancelled", "cancelled": True}
    if ctx.cancelled.is_set():
        return "Error", {"message": "cancelled", "cancelled": True}
    return "ModuleResult", result


def _files(name):
    def handle(gate, data, ctx):
        return lazy.load("files").HANDLERS[name](gate, data, ctx)  # only a transfer needs it

    return handle


def _events(name):
    def handle(gate, data, ctx):
        return lazy.load("events").HANDLERS[name](gate, data, ctx)  # only a stream needs threads of its own

    return handle


HANDLERS = {
    "Info": handle_info,
    "ListModules": handle_list_modules,
    "FTLModule": handle_ftl_module,
    "Module": handle_module,
    "PutFile": _files("PutFile"),
    "GetFile": _files("GetFile"),
    "TempDir": _files("TempDir"),
    "RemoveTree": _files("RemoveTree"),
    "Watch": _events("Watch"),
    "Unwatch": _events("Unwatch"),
    "StartMonitor": _events("StartMonitor"),
    "StopMonitor": _events("StopMonitor"),
}
