"""ansible.builtin.file natively: states file, directory, touch, absent, link, hard;
mode (octal or symbolic), owner, group, attributes, recurse, force, follow, times.
Results, diffs and messages as Ansible's file module gives them."""
import os

from ..context import ModuleFailed
from .argspec import check
from . import file_states, fsattrs
from .file_states import NOW, get_state

SPEC = dict(fsattrs.FILE_COMMON_SPEC)
SPEC.update({
    "state": {"type": "str", "choices": ["absent", "directory", "file", "hard", "link", "touch"]},
    "path": {"type": "path", "required": True, "aliases": ["dest", "name"]},
    "_original_basename": {"type": "str"},
    "recurse": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
    "follow": {"type": "bool", "default": True},
    "_diff_peek": {"type": "bool"},
    "src": {"type": "path"},
    "modification_time": {"type": "str"},
    "modification_time_format": {"type": "str", "default": "%Y%m%d%H%M.%S"},
    "access_time": {"type": "str"},
    "access_time_format": {"type": "str", "default": "%Y%m%d%H%M.%S"},
})

def run(params, ctx):
    p = check("file", params, SPEC)
    warnings = []
    try:
        result = _run(p, ctx, warnings)
    except ModuleFailed as e:
        fsattrs.add_path_info(e.extra)
        if warnings:
            e.extra["warnings"] = warnings
        raise
    fsattrs.add_path_info(result)
    if warnings:
        result["warnings"] = warnings
    return result


def _run(p, ctx, warnings):
    # additional_parameter_handling
    if p["state"] not in ("link", "absent") and os.path.isdir(p["path"]):
        basename = p["_original_basename"] or (os.path.basename(p["src"]) if p["src"] else None)
        if basename:
            p["path"] = os.path.join(p["path"], basename)
    prev_state = get_state(p["path"])
    if p["state"] is None:
        if prev_state != "absent":
            p["state"] = prev_state
        elif p["recurse"]:
            p["state"] = "directory"
        else:
            p["state"] = "file"
    if p["recurse"] and p["state"] != "directory":
        raise ModuleFailed("recurse option requires state to be 'directory'", path=p["path"])
    if p["src"] and p["state"] not in ("link", "hard"):
        raise ModuleFailed("src option requires state to be 'link' or 'hard'", path=p["path"])
    state = p["state"]
    path = p["path"]
    if ctx.check_mode and state != "absent":
        _warn_unknown_owner(p, warnings)
    times = {
        "mtime": _timestamp(_default_time(p["modification_time"], state), p["modification_time_format"]),
        "atime": _timestamp(_default_time(p["access_time"], state), p["access_time_format"]),
    }
    if p["_diff_peek"] is not None:
        return {"path": path, "changed": False, "appears_binary": appears_binary(path)}
    if state == "file":
        return file_states.ensure_file(p, ctx, times)
    if state == "directory":
        return file_states.ensure_directory(p, ctx, times)
    if state == "link":
        return file_states.ensure_symlink(p, ctx, times, warnings)
    if state == "hard":
        return file_states.ensure_hardlink(p, ctx, times)
    if state == "touch":
        return file_states.touch(p, ctx, times)
    return file_states.ensure_absent(p, ctx)


def _warn_unknown_owner(p, warnings):
    import grp
    import pwd

    for value, by_id, by_name, what, idword in ((p["owner"], pwd.getpwuid, pwd.getpwnam, "user", "uid"), (p["group"], grp.getgrgid, grp.getgrnam, "group", "gid")):
        if not value:
            continue
        try:
            number = int(value)
        except ValueError:
            try:
                by_name(value)
            except KeyError:
                warnings.append("failed to look up %s %s. Create %s up to this point in real play" % (what, value, what))
            continue
        try:
            by_id(number)
        except KeyError:
            warnings.append("failed to look up %s with %s %s. Create %s up to this point in real play" % (what, idword, number, what))


def _default_time(value, state):
    if value is None:
        if state in ("file", "hard", "directory", "link"):
            return "preserve"
        if state == "touch":
            return "now"
    return value


def _timestamp(formatted, fmt):
    import time

    if formatted == "preserve" or formatted is None:
        return None
    if formatted == "now":
        return NOW
    try:
        return time.mktime(time.strptime(formatted, fmt))
    except (ValueError, OverflowError) as e:
        raise ModuleFailed("Error while obtaining timestamp for time %s using format %s: %s" % (formatted, fmt, e))


def appears_binary(path):
    try:
        with open(path, "rb") as fh:
            return b"\x00" in fh.read(8192)
    except Exception:
        return False
