"""Running an Ansible module that is not native to the gate.

The module's source arrives once (base64, with its content hash) and is kept on the
host under ~/.ftl/modules by hash, so later calls and later sessions send only the
name and hash. It runs as a new Python process with its args on stdin, the way a
new-style Ansible module runs, with the gate's zip on its path: the gate carries
ansible.module_utils, so the host needs no Ansible of its own.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from .context import Cancelled

_cache_dir = None


def cache_dir():
    """~/.ftl/modules, or a private temp dir for users without a usable home (nobody)."""
    global _cache_dir
    if _cache_dir is None:
        for d in (os.path.join(os.path.expanduser("~"), ".ftl", "modules"), os.path.join(tempfile.gettempdir(), "ftl-modules-%d" % os.getuid())):
            try:
                os.makedirs(d, mode=0o700, exist_ok=True)
                if os.stat(d).st_uid == os.getuid() and os.access(d, os.W_OK):
                    _cache_dir = d
                    break
            except OSError:
                continue
        else:
            raise OSError("no writable directory for module files (home and %s)" % tempfile.gettempdir())
    return _cache_dir


def _workdir():
    home = os.path.expanduser("~")
    return home if os.path.isdir(home) else tempfile.gettempdir()


class ModuleNotFound(Exception):
    pass


def gate_archive():
    """The zip (or directory) the gate runs from: the parent of the ftl_gate package."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def has_module_utils():
    try:
        import importlib.util

        return importlib.util.find_spec("ansible.module_utils.basic") is not None
    except (ImportError, ValueError):
        return False


def _path_for(name, digest):
    return os.path.join(cache_dir(), "%s-%s.py" % (name.replace(".", "_"), digest))


def _store(name, source_b64):
    source = base64.b64decode(source_b64)
    digest = hashlib.sha256(source).hexdigest()[:16]
    path = _path_for(name, digest)
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=cache_dir(), prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(source)
        os.rename(tmp, path)
    return path


def run_ansible_module(name, module_args, source_b64, ctx, module_hash=None):
    if source_b64:
        path = _store(name, source_b64)
    else:
        path = _path_for(name, module_hash or "")
        if not module_hash or not os.path.exists(path):
            raise ModuleNotFound(name)
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode("utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = gate_archive() + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("LANG", "C.UTF-8")
    proc = subprocess.Popen(
        [sys.executable, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=_workdir(),
        env=env,
    )
    ctx.track(proc)
    try:
        out, err = proc.communicate(payload)
    finally:
        ctx.untrack(proc)
    if ctx.cancelled.is_set():
        raise Cancelled()
    return parse_module_output(out, err, proc.returncode)


def parse_module_output(out, err, rc):
    """Ansible's controller rules: take the JSON object, drop noise around it."""
    stdout = out.decode("utf-8", "replace")
    stderr = err.decode("utf-8", "replace")
    result = _find_json(stdout)
    if result is None:
        result = {
            "failed": True,
            "msg": "MODULE FAILURE\nSee stdout/stderr for the exact error",
            "module_stdout": stdout,
            "module_stderr": stderr,
            "rc": rc,
        }
        if "Traceback (most recent call last)" in stderr:
            result["exception"] = stderr
        if "No module named 'ansible" in stderr and not has_module_utils():
            result["msg"] = "MODULE FAILURE: this gate carries no Ansible module_utils (the controller has no ansible-core); native modules still work"
        return result
    if stderr and result.get("failed"):
        result.setdefault("module_stderr", stderr)
    return result


def _find_json(text):
    start = text.find("{")
    while start != -1:
        try:
            obj, _end = json.JSONDecoder().raw_decode(text, start)
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
        start = text.find("{", start + 1)
    return None
