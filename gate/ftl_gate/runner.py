"""Running an Ansible module that is not native to the gate.

The module's source and the collection module_utils it imports arrive once and are
kept on the host by content hash (modlib.py), so later calls send only names and
hashes. A call runs the module as Ansible's AnsiballZ does: as the package module
(`ansible.modules.stat`, `ansible_collections.<ns>.<coll>.plugins.modules.<name>`)
with its args in basic._ANSIBLE_ARGS, in a child forked from the zygote, which has
module_utils imported already; where there is no zygote, in a new interpreter. The
gate's zip carries ansible.module_utils, so the host needs no Ansible of its own.
"""
import json
import os
import subprocess
import sys
import tempfile

from . import modlib, zygote_client
from .context import Cancelled
from .zygote import BOOT

# Kept for callers of the old names.
cache_dir = modlib.cache_dir


class ModuleNotFound(Exception):
    pass


def _workdir():
    home = os.path.expanduser("~")
    return home if os.path.isdir(home) else tempfile.gettempdir()


def gate_archive():
    """The zip (or directory) the gate runs from: the parent of the ftl_gate package."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def has_module_utils():
    try:
        import importlib.util

        return importlib.util.find_spec("ansible.module_utils.basic") is not None
    except (ImportError, ValueError):
        return False


def module_env():
    """A module's environment: the gate's, with the gate's zip on PYTHONPATH (a respawned module needs it too)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = gate_archive() + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("LANG", "C.UTF-8")
    env.pop("FTL_GATE_NO_ZYGOTE", None)
    return env


def prepare_job(data):
    """A Module request's files stored and laid out; the job to run. Raises ModuleNotFound, ValueError."""
    name = data["module_name"]
    fqn = modlib.check_fqn(data.get("module_fqn") or modlib.default_fqn(name))
    if data.get("module"):
        path, digest = modlib.store_module(name, data["module"])
    else:
        digest = data.get("module_hash")
        if not isinstance(digest, str) or not digest.isalnum():
            raise ModuleNotFound(name)
        path = modlib.module_path(name, digest)
    utils = modlib.store_utils(data.get("module_utils"))
    try:
        lib = modlib.lib_dir(fqn, path, digest, utils)
    except modlib.MissingSource as e:
        raise ModuleNotFound("%s (%s is not on this host)" % (name, e))
    params = json.dumps({"ANSIBLE_MODULE_ARGS": data.get("module_args") or {}})
    return {"fqn": fqn, "lib": lib, "digest": digest, "cwd": _workdir(), "params": params}


def run_ansible_module(data, ctx):
    job = prepare_job(data)
    out, err, rc = _execute(job, ctx)
    if ctx.cancelled.is_set():
        raise Cancelled()
    return parse_module_output(out, err, rc)


def _execute(job, ctx):
    # A zygote found dead while sending is replaced once; then the call runs without one.
    for _attempt in range(2):
        z = zygote_client.get(module_env, job["cwd"])
        if z is None:
            break
        try:
            return z.run(job, ctx)
        except zygote_client.ZygoteUnavailable:
            if ctx.cancelled.is_set():
                return b"", b"", None
    return _run_fresh(job, ctx)


def _run_fresh(job, ctx):
    proc = subprocess.Popen(
        [sys.executable, "-c", BOOT % ("run_fresh", "run_fresh")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=job["cwd"],
        env=module_env(),
    )
    ctx.track(proc)
    try:
        out, err = proc.communicate(json.dumps(job).encode("utf-8"))
    finally:
        ctx.untrack(proc)
    return out, err, proc.returncode


def parse_module_output(out, err, rc):
    """Ansible's controller rules (ActionBase._parse_returned_data): the JSON object, noise around it dropped.
    Bytes that are not UTF-8 become lone surrogates, as Ansible's controller decodes them (surrogate_then_replace)."""
    stdout = out.decode("utf-8", "surrogateescape")
    stderr = err.decode("utf-8", "surrogateescape")
    try:
        result = json.loads(_filter_non_json_lines(stdout))
        if not isinstance(result, dict):
            raise ValueError("not an object")
        return result
    except ValueError:
        pass
    result = {"failed": True, "module_stdout": stdout, "module_stderr": stderr}
    if stderr.startswith("Traceback"):
        result["exception"] = stderr
    elif stdout.startswith("Traceback"):
        result["exception"] = stdout
    result["msg"] = "MODULE FAILURE\nSee stdout/stderr for the exact error"
    if rc is not None:
        result["rc"] = rc
    if "No module named 'ansible" in stderr and not has_module_utils():
        result["msg"] = "MODULE FAILURE: this gate carries no Ansible module_utils (the controller has no ansible-core); native modules still work"
    return result


def _filter_non_json_lines(text):
    """From the first line that starts with '{' to the last line that ends with '}'."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.strip().startswith("{"):
            break
    else:
        raise ValueError("no JSON object")
    lines = lines[start:]
    for end in range(len(lines), 0, -1):
        if lines[end - 1].strip().endswith("}"):
            return "\n".join(lines[:end])
    raise ValueError("no end of the JSON object")
