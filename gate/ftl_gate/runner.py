"""Running an Ansible-style module that is not native to the gate.

This is the plain path: the module's source (sent once, kept on the host by
content hash) runs as a new Python process with its args on stdin, the way a
"new-style" Ansible module is run. The module-utils-aware path (modules run as
packages with ansible.module_utils preloaded) builds on this.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from .context import Cancelled

CACHE_DIR = os.path.join(os.path.expanduser("~"), ".ftl", "modules")
_known = {}


class ModuleNotFound(Exception):
    pass


def _store(name, source_b64):
    source = base64.b64decode(source_b64)
    digest = hashlib.sha256(source).hexdigest()[:16]
    os.makedirs(CACHE_DIR, mode=0o700, exist_ok=True)
    path = os.path.join(CACHE_DIR, "%s-%s.py" % (name.replace(".", "_"), digest))
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(source)
        os.rename(tmp, path)
    _known[name] = path
    return path


def run_ansible_module(name, module_args, source_b64, ctx):
    if source_b64:
        path = _store(name, source_b64)
    else:
        path = _known.get(name)
        if path is None or not os.path.exists(path):
            raise ModuleNotFound(name)
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode("utf-8")
    proc = subprocess.Popen(
        [sys.executable, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=tempfile.gettempdir(),
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
        return result
    if stderr:
        result.setdefault("module_stderr", stderr) if result.get("failed") else None
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
