"""ansible.builtin.command natively (shell is this with _uses_shell): same options,
same result keys and messages, including the stdout_lines/stderr_lines the
controller adds."""
import os

from ..context import ModuleFailed
from ..output import mark_cut, read_bounded
from .argspec import check

# Ansible's action plugin runs the module as ansible.legacy.command; its messages say so.
MODULE_NAME = "ansible.legacy.command"

SPEC = {
    "_raw_params": {"type": "str"},
    "_uses_shell": {"type": "bool", "default": False},
    "argv": {"type": "list", "elements": "str"},
    "chdir": {"type": "path"},
    "executable": {"type": "str"},
    "creates": {"type": "path"},
    "removes": {"type": "path"},
    "stdin": {"type": "str"},
    "stdin_add_newline": {"type": "bool", "default": True},
    "strip_empty_ends": {"type": "bool", "default": True},
}


def run(params, ctx, shell=False):
    params = dict(params)
    # Ansible's task parser turns `cmd` into the free-form _raw_params before the module sees it.
    if "cmd" in params:
        params.setdefault("_raw_params", params.pop("cmd"))
    if shell:
        params["_uses_shell"] = True
    p = check(MODULE_NAME, params, SPEC)
    shell = p["_uses_shell"]
    args = p["_raw_params"]
    argv = p["argv"]
    executable = p["executable"]
    chdir = p["chdir"]
    creates = p["creates"]
    removes = p["removes"]
    r = {"changed": False, "stdout": "", "stderr": "", "rc": None, "cmd": None, "start": None, "end": None, "delta": None, "msg": ""}
    warnings = []
    if not shell and executable:
        warnings.append("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '%s'." % executable)
        executable = None
    if (not args or args.strip() == "") and not argv:
        _fail(r, 256, "no command given", warnings)
    if args and argv:
        _fail(r, 256, "only command or argv can be given, not both", warnings)
    import shlex

    if not shell and args:
        args = shlex.split(args)
    args = args or argv
    r["cmd"] = args
    if chdir:
        chdir = os.path.abspath(chdir)
        problem = _chdir_problem(chdir)
        if problem:
            _fail(r, None, "Unable to change directory before execution: %s" % problem, warnings)
    shoulda = "Would" if ctx.check_mode else "Did"
    if creates and _matches(creates, chdir):
        r["msg"] = "%s not run command since '%s' exists" % (shoulda, creates)
        r["stdout"] = "skipped, since %s exists" % creates
        r["rc"] = 0
    if not r["msg"] and removes and not _matches(removes, chdir):
        r["msg"] = "%s not run command since '%s' does not exist" % (shoulda, removes)
        r["stdout"] = "skipped, since %s does not exist" % removes
        r["rc"] = 0
    if r["msg"]:
        return _finish(r, warnings)
    r["changed"] = True
    if not ctx.check_mode:
        import datetime

        r["start"] = datetime.datetime.now()
        r["rc"], (out, out_cut), (err, err_cut) = _execute(args, shell, executable, chdir, p["stdin"], p["stdin_add_newline"], ctx, warnings)
        r["end"] = datetime.datetime.now()
        # As Ansible's to_text: bytes that are not UTF-8 become lone surrogates, not U+FFFD.
        r["stdout"] = out.decode("utf-8", "surrogateescape")
        r["stderr"] = err.decode("utf-8", "surrogateescape")
        r["delta"] = str(r["end"] - r["start"])
        r["end"] = str(r["end"])
        r["start"] = str(r["start"])
    else:
        r["rc"] = 0
        r["msg"] = "Command would have run if not in check mode"
        if creates is None and removes is None:
            r["skipped"] = True
            r["changed"] = False
    if p["strip_empty_ends"]:
        r["stdout"] = r["stdout"].rstrip("\r\n")
        r["stderr"] = r["stderr"].rstrip("\r\n")
    if not ctx.check_mode:
        mark_cut(r, "stdout", out_cut)
        mark_cut(r, "stderr", err_cut)
    if r["rc"] != 0:
        _fail(r, r["rc"], "non-zero return code", warnings)
    return _finish(r, warnings)


def _finish(r, warnings):
    # Lines of output that was cut are the controller's to make (see output.py).
    for key in ("stdout", "stderr"):
        if not r.get("%s_truncated_bytes" % key):
            r["%s_lines" % key] = (r[key] or "").splitlines()
    if warnings:
        r["warnings"] = warnings
    return r


def _fail(r, rc, msg, warnings):
    r["rc"] = rc
    r["msg"] = msg
    _finish(r, warnings)
    extra = dict(r)
    del extra["msg"]
    raise ModuleFailed(msg, **extra)


def _matches(pattern, chdir):
    import glob

    if chdir and not os.path.isabs(pattern):
        pattern = os.path.join(chdir, pattern)
    return bool(glob.glob(pattern))


def _chdir_problem(path):
    """The text os.chdir's error would have, without changing this (threaded) process's cwd."""
    import errno

    code = None
    if not os.path.exists(path):
        code = errno.ENOENT
    elif not os.path.isdir(path):
        code = errno.ENOTDIR
    elif not os.access(path, os.X_OK):
        code = errno.EACCES
    if code is None:
        return None
    return "[Errno %d] %s: %r" % (code, os.strerror(code), os.fsencode(path))


def _execute(args, shell, executable, cwd, stdin, add_newline, ctx, warnings):
    import shlex
    import subprocess

    if shell:
        if isinstance(args, list):
            args = " ".join(shlex.quote(a) for a in args)
        popen_args = [executable or "/bin/sh", "-c", args]
    else:
        popen_args = [os.path.expanduser(os.path.expandvars(a)) for a in args if a is not None]
    # Bytes, as Ansible passes them, so an OSError names the program the same way.
    popen_args = [os.fsencode(a) for a in popen_args]
    data = None
    if stdin:
        data = (stdin + "\n" if add_newline else stdin).encode("utf-8", "surrogateescape")
    try:
        proc = subprocess.Popen(
            popen_args,
            cwd=cwd or None,
            stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,
        )
    except OSError as e:
        cmd = " ".join(shlex.quote(os.fsdecode(a)) for a in popen_args) if not shell else args
        result = {"rc": e.errno, "stdout": "", "stderr": "", "cmd": cmd, "stdout_lines": [], "stderr_lines": [], "changed": False}
        if warnings:
            result["warnings"] = warnings
        raise ModuleFailed(str(e), **result)
    ctx.track(proc)
    try:
        # At most max_output bytes of each stream are held, however much the command prints.
        out, out_cut, err, err_cut = read_bounded(proc, data, ctx.max_output)
    finally:
        ctx.untrack(proc)
    return proc.returncode, (out, out_cut), (err, err_cut)
