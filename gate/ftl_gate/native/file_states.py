"""The states of the native file module, each as Ansible's file module does it."""
import os
import time

from ..context import ModuleFailed
from . import fsattrs

# A timestamp of "now" (os.utime(path, None) when both times are now).
NOW = object()


def get_state(path):
    if os.path.lexists(path):
        if os.path.islink(path):
            return "link"
        if os.path.isdir(path):
            return "directory"
        if os.stat(path).st_nlink > 1:
            return "hard"
        return "file"
    return "absent"


def _is_now(value):
    return value is NOW


def initial_diff(path, state, prev_state):
    diff = {"before": {"path": path}, "after": {"path": path}}
    if prev_state != state:
        diff["before"]["state"] = prev_state
        diff["after"]["state"] = state
        if state == "absent" and prev_state == "directory":
            walk = {"directories": [], "files": []}
            for base, dirs, files in os.walk(path):
                walk["directories"].extend(os.path.join(base, d) for d in dirs)
                walk["files"].extend(os.path.join(base, f) for f in files)
            diff["before"]["path_content"] = walk
    return diff


def update_times(ctx, path, times, diff=None):
    mtime, atime = times["mtime"], times["atime"]
    try:
        if _is_now(mtime) and _is_now(atime):
            mtime = atime = time.time()
            st = os.stat(path)
            prev_mtime, prev_atime = st.st_mtime, st.st_atime
            set_time = None
        else:
            if mtime is None and atime is None:
                return False
            st = os.stat(path)
            prev_mtime, prev_atime = st.st_mtime, st.st_atime
            if mtime is None:
                mtime = prev_mtime
            elif _is_now(mtime):
                mtime = time.time()
            if atime is None:
                atime = prev_atime
            elif _is_now(atime):
                atime = time.time()
            if mtime == prev_mtime and atime == prev_atime:
                return False
            set_time = (atime, mtime)
        if not ctx.check_mode:
            os.utime(path, set_time)
        if diff is not None:
            diff.setdefault("before", {})
            diff.setdefault("after", {})
            if mtime != prev_mtime:
                diff["before"]["mtime"] = prev_mtime
                diff["after"]["mtime"] = mtime
            if atime != prev_atime:
                diff["before"]["atime"] = prev_atime
                diff["after"]["atime"] = atime
    except OSError as e:
        raise ModuleFailed("Error while updating modification or access time: %s" % e, path=path)
    return True


def ensure_absent(p, ctx):
    import errno
    import shutil

    path = p["path"]
    prev_state = get_state(path)
    if prev_state == "absent":
        return {"path": path, "changed": False, "state": "absent"}
    diff = initial_diff(path, "absent", prev_state)
    if not ctx.check_mode:
        if prev_state == "directory":
            try:
                shutil.rmtree(path, ignore_errors=False)
            except Exception as e:
                raise ModuleFailed("rmtree failed: %s" % e)
        else:
            try:
                os.unlink(path)
            except OSError as e:
                if e.errno != errno.ENOENT:
                    raise ModuleFailed("unlinking failed: %s " % e, path=path)
    return {"path": path, "changed": True, "diff": diff, "state": "absent"}


def touch(p, ctx, times):
    path = p["path"]
    prev_state = get_state(path)
    changed = False
    result = {"dest": path}
    if prev_state == "absent":
        if ctx.check_mode:
            result["changed"] = True
            return result
        try:
            open(path, "wb").close()
            changed = True
        except (OSError, IOError) as e:
            raise ModuleFailed("Error, could not touch target: %s" % e, path=path)
    diff = initial_diff(path, "touch", prev_state)
    file_args = fsattrs.common_args(p, path)
    try:
        changed = fsattrs.set_if_different(ctx, file_args, changed, diff)
        changed |= update_times(ctx, file_args["path"], times, diff)
    except ModuleFailed:
        if prev_state == "absent":
            os.remove(path)
        raise
    result["changed"] = changed
    result["diff"] = diff
    return result


def ensure_file(p, ctx, times):
    path = p["path"]
    prev_state = get_state(path)
    file_args = fsattrs.common_args(p, path)
    if prev_state != "file" and p["follow"] and prev_state == "link":
        path = os.path.realpath(path)
        prev_state = get_state(path)
        file_args["path"] = path
    if prev_state not in ("file", "hard"):
        raise ModuleFailed("file (%s) is %s, cannot continue" % (path, prev_state), path=path, state=prev_state)
    diff = initial_diff(path, "file", prev_state)
    changed = fsattrs.set_if_different(ctx, file_args, False, diff)
    changed |= update_times(ctx, file_args["path"], times, diff)
    return {"path": path, "changed": changed, "diff": diff}


def ensure_directory(p, ctx, times):
    import errno

    path = p["path"]
    prev_state = get_state(path)
    file_args = fsattrs.common_args(p, path)
    if p["follow"] and prev_state == "link":
        path = os.path.realpath(path)
        file_args["path"] = path
        prev_state = get_state(path)
    changed = False
    diff = initial_diff(path, "directory", prev_state)
    if prev_state == "absent":
        if ctx.check_mode:
            return {"path": path, "changed": True, "diff": diff}
        curpath = ""
        try:
            # mkdir -p, with the attributes applied to every directory it makes
            for name in path.strip("/").split("/"):
                curpath = "/".join([curpath, name])
                if not os.path.isabs(path):
                    curpath = curpath.lstrip("/")
                if not os.path.exists(curpath):
                    try:
                        os.mkdir(curpath)
                        changed = True
                    except OSError as ex:
                        if not (ex.errno == errno.EEXIST and os.path.isdir(curpath)):
                            raise
                    sub_args = dict(file_args, path=curpath)
                    changed = fsattrs.set_if_different(ctx, sub_args, changed, diff)
                    changed |= update_times(ctx, file_args["path"], times, diff)
        except ModuleFailed:
            raise
        except Exception as e:
            raise ModuleFailed("There was an issue creating %s as requested: %s" % (curpath, e), path=path)
        return {"path": path, "changed": changed, "diff": diff}
    if prev_state != "directory":
        raise ModuleFailed("%s already exists as a %s" % (path, prev_state), path=path)
    changed = fsattrs.set_if_different(ctx, file_args, changed, diff)
    changed |= update_times(ctx, file_args["path"], times, diff)
    if p["recurse"]:
        changed |= _recurse(ctx, path, p["follow"], file_args, times)
    return {"path": path, "changed": changed, "diff": diff}


def _recurse(ctx, top, follow, file_args, times):
    changed = False
    try:
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                full = os.path.join(root, name)
                changed |= fsattrs.set_if_different(ctx, dict(file_args, path=full), changed)
                changed |= update_times(ctx, full, times)
                if os.path.islink(full) and follow:
                    target = os.path.join(root, os.readlink(full))
                    if os.path.exists(target):
                        if os.path.isdir(target):
                            changed |= _recurse(ctx, target, follow, file_args, times)
                        changed |= fsattrs.set_if_different(ctx, dict(file_args, path=target), changed)
                        changed |= update_times(ctx, target, times)
    except RuntimeError as e:
        raise ModuleFailed("Could not recursively set attributes on %s. Original error was: '%s'" % (top, e))
    return changed


def _replace_atomically(path, make, prev_state):
    tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.getpid(), time.time()))
    try:
        if prev_state == "directory":
            os.rmdir(path)
        make(tmp)
        os.rename(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise ModuleFailed("Error while replacing: %s" % e, path=path)


def ensure_symlink(p, ctx, times, warnings):
    path, src, follow, force = p["path"], p["src"], p["follow"], p["force"]
    prev_state = get_state(path)
    if src is None and follow and os.path.exists(path):
        src = os.readlink(path)
    relpath = path if (not os.path.islink(path) and os.path.isdir(path)) else os.path.dirname(path)
    absrc = None if src is None else os.path.join(relpath, src)
    if not force and src is not None and not os.path.exists(absrc):
        raise ModuleFailed('src file does not exist, use "force=yes" if you really want to create the link: %s' % absrc, path=path, src=src)
    if prev_state == "directory":
        if not force:
            raise ModuleFailed("refusing to convert from %s to symlink for %s" % (prev_state, path), path=path)
        if os.listdir(path):
            raise ModuleFailed("the directory %s is not empty, refusing to convert it" % path, path=path)
    elif prev_state in ("file", "hard") and not force:
        raise ModuleFailed("refusing to convert from %s to symlink for %s" % (prev_state, path), path=path)
    diff = initial_diff(path, "link", prev_state)
    changed = False
    if prev_state in ("hard", "file", "directory", "absent"):
        if src is None:
            raise ModuleFailed("src is required for creating new symlinks")
        changed = True
    elif prev_state == "link" and src is not None:
        old = os.readlink(path)
        if old != src:
            diff["before"]["src"] = old
            diff["after"]["src"] = src
            changed = True
    if changed and not ctx.check_mode:
        if prev_state != "absent":
            _replace_atomically(path, lambda tmp: os.symlink(src, tmp), prev_state)
        else:
            try:
                os.symlink(src, path)
            except OSError as e:
                raise ModuleFailed("Error while linking: %s" % e, path=path)
    if ctx.check_mode and not os.path.exists(path):
        return {"dest": path, "src": src, "changed": changed, "diff": diff}
    file_args = fsattrs.common_args(p, path)
    if follow and os.path.islink(path) and not os.path.exists(file_args["path"]):
        warnings.append("Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.")
    else:
        changed = fsattrs.set_if_different(ctx, file_args, changed, diff)
        changed |= update_times(ctx, file_args["path"], times, diff)
    return {"dest": path, "src": src, "changed": changed, "diff": diff}


def ensure_hardlink(p, ctx, times):
    import errno

    path, src, force = p["path"], p["src"], p["force"]
    prev_state = get_state(path)
    file_args = fsattrs.common_args(p, path)
    if prev_state != "hard" and src is None:
        raise ModuleFailed("src is required for creating new hardlinks")
    if src is not None and not os.path.exists(src):
        raise ModuleFailed("src does not exist", dest=path, src=src)
    diff = initial_diff(path, "hard", prev_state)
    changed = False
    if prev_state == "absent":
        changed = True
    elif prev_state == "link":
        old = os.readlink(path)
        if old != src:
            diff["before"]["src"] = old
            diff["after"]["src"] = src
            changed = True
    elif prev_state == "hard":
        if src is not None and os.stat(path).st_ino != os.stat(src).st_ino:
            changed = True
            if not force:
                raise ModuleFailed("Cannot link, different hard link exists at destination", dest=path, src=src)
    elif prev_state == "file":
        changed = True
        if not force:
            raise ModuleFailed("Cannot link, %s exists at destination" % prev_state, dest=path, src=src)
    elif prev_state == "directory":
        changed = True
        if os.path.exists(path):
            if os.stat(path).st_ino == os.stat(src).st_ino:
                return {"path": path, "changed": False}
            if not force:
                raise ModuleFailed("Cannot link: different hard link exists at destination", dest=path, src=src)
    if changed and not ctx.check_mode:
        if prev_state != "absent":
            def make(tmp):
                if prev_state == "directory" and os.path.exists(path):
                    try:
                        os.unlink(path)
                    except OSError as e:
                        if e.errno != errno.ENOENT:
                            raise
                os.link(src, tmp)

            _replace_atomically(path, make, "")
        else:
            try:
                os.link(src, path)
            except OSError as e:
                raise ModuleFailed("Error while linking: %s" % e, path=path)
    if ctx.check_mode and not os.path.exists(path):
        return {"dest": path, "src": src, "changed": changed, "diff": diff}
    changed = fsattrs.set_if_different(ctx, file_args, changed, diff)
    changed |= update_times(ctx, file_args["path"], times, diff)
    return {"dest": path, "src": src, "changed": changed, "diff": diff}
