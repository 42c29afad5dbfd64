"""Request handlers: each returns (reply_type, reply_data)."""
import os
import platform
import socket
import sys
import time

from . import native
from .context import Cancelled, ModuleFailed, module_params
from .runner import run_ansible_module, ModuleNotFound


def handle_request(gate, msg_type, data, ctx):
    if not isinstance(data, dict):
        return "Error", {"message": "%s data must be an object, got %s" % (msg_type, type(data).__name__)}
    handler = HANDLERS.get(msg_type)
    if handler is None:
        return "Error", {"message": "Unknown message type: %s" % msg_type}
    return handler(gate, data, ctx)


def handle_info(gate, data, ctx):
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
    name = data.get("module_name")
    args = data.get("module_args") or {}
    if not isinstance(name, str) or not isinstance(args, dict):
        return "Error", {"message": "Module needs module_name (string) and module_args (object)"}
    try:
        result = run_ansible_module(name, args, data.get("module"), ctx, data.get("module_hash"))
    except ModuleNotFound:
        return "ModuleNotFound", {"message": "Module not found: %s" % name}
    except Cancelled:
        return "Error", {"message": "cancelled", "cancelled": True}
    if ctx.cancelled.is_set():
        return "Error", {"message": "cancelled", "cancelled": True}
    return "ModuleResult", result


HANDLERS = {
    "Info": handle_info,
    "ListModules": handle_list_modules,
    "FTLModule": handle_ftl_module,
    "Module": handle_module,
}
