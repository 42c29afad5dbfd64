"""ansible.builtin.copy with `content`, natively: what Ansible's copy action plugin and
its copy/file modules do together for a content-only copy, in one step on the host.

Ansible compares checksums first: a different file is written by the copy module (its
result names the uploaded temp file as src), an identical one is handed to the file
module for mode/owner/group (its result has path and dest, no src or md5sum). In check
mode a file that would change reports only {changed, diff}. This keeps each of those.
"""
import os

from ..context import ModuleFailed
from .argspec import check
from . import file as file_module
from . import fileinfo, fsattrs

SPEC = dict(fsattrs.FILE_COMMON_SPEC)
SPEC.update({
    "src": {"type": "path"},
    "_original_basename": {"type": "str"},
    "content": {"type": "raw"},
    "dest": {"type": "path", "required": True},
    "backup": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": True},
    "validate": {"type": "str"},
    "directory_mode": {"type": "raw"},
    "remote_src": {"type": "bool"},
    "local_follow": {"type": "bool"},
    "checksum": {"type": "str"},
    "follow": {"type": "bool", "default": False},
})

# The options Ansible's action plugin passes on to the file module (REAL_FILE_ARGS).
FILE_ARGS = set(fsattrs.FILE_COMMON_SPEC) | {"state", "path", "_original_basename", "recurse", "force", "_diff_peek", "src"}
MAX_DIFF_SIZE = 104448


def run(params, ctx):
    content = params.get("content")
    src = params.get("src")
    dest = params.get("dest")
    if not src and content is None:
        raise ModuleFailed("src (or content) is required")
    if not dest:
        raise ModuleFailed("dest is required")
    if src and content is not None:
        raise ModuleFailed("src and content are mutually exclusive")
    if content is not None and str(dest).endswith("/"):
        raise ModuleFailed("can not use content with a dir as dest")
    if src:
        raise ModuleFailed("copy: src names a file on the controller, which ftl's native copy cannot read; pass the text as content instead")
    # Past this point Ansible's failures come out of _copy_file, whose result starts as {diff: []}.
    diff = []
    try:
        return _copy_content(params, content, ctx, diff)
    except ModuleFailed as e:
        e.extra.setdefault("diff", diff)
        raise


def _copy_content(params, content, ctx, diff):
    import hashlib
    import stat as S

    data = _content_bytes(content)
    local_checksum = hashlib.sha1(data).hexdigest()
    # decrypt belongs to the action plugin (vault); the module never sees it.
    module_params = {k: v for k, v in params.items() if k != "decrypt"}
    p = _in_module(local_checksum, check, "ansible.legacy.copy", module_params, SPEC)
    dest = p["dest"]
    try:
        st = os.stat(dest) if p["follow"] else os.lstat(dest)
    except OSError:
        st = None
    if st is not None and S.S_ISDIR(st.st_mode):
        raise ModuleFailed("can not use content with a dir as dest")
    if st is not None and not p["force"]:
        return {"dest": dest, "src": _temp_name(dest), "changed": False}
    dest_checksum = None
    if st is not None and S.S_ISREG(st.st_mode) and os.access(dest, os.R_OK):
        dest_checksum = fileinfo.digest(dest)
    if local_checksum == dest_checksum:
        return _in_module(local_checksum, _unchanged, p, params, dest, local_checksum, ctx)
    if ctx.diff:
        diff.append(_diff(dest, data, _temp_name(dest), ctx))
    if ctx.check_mode:
        return {"changed": True, "diff": diff}
    tmp = _write_temp(dest, data)
    try:
        result = _in_module(local_checksum, _copy_module, p, tmp, dest, ctx)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    result["diff"] = diff
    return result


def _in_module(local_checksum, fn, *args):
    """Runs what Ansible runs as a module: the action plugin adds its checksum to a failure too."""
    try:
        return fn(*args)
    except ModuleFailed as e:
        if not e.extra.get("checksum"):
            e.extra["checksum"] = local_checksum
        raise


def _content_bytes(content):
    if isinstance(content, (dict, list)):
        import json

        content = json.dumps(content)
    elif not isinstance(content, str):
        content = str(content)
    return content.encode("utf-8", "surrogateescape")


def _temp_name(dest):
    import tempfile

    return os.path.join(tempfile.gettempdir(), ".ftl-copy-%s-source" % os.path.basename(dest))


def _write_temp(dest, data):
    """The content in a temp file beside dest (so the final rename stays on one filesystem)."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(dest))
    if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        folder = None
    fd, tmp = tempfile.mkstemp(prefix=".ftl-copy-", suffix=".source", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return tmp


def _unchanged(p, params, dest, local_checksum, ctx):
    if p["follow"] and os.path.islink(dest):
        dest = os.path.realpath(dest)
    file_params = {k: v for k, v in params.items() if k in FILE_ARGS and k != "src"}
    file_params.update({"dest": dest, "_original_basename": os.path.basename(_temp_name(dest)), "recurse": False, "state": "file"})
    result = file_module.run(file_params, ctx)
    if not result.get("checksum"):
        result["checksum"] = local_checksum
    if "path" in result and "dest" not in result:
        result["dest"] = result["path"]
    return result


def _diff(dest, data, tmp, ctx):
    """What the action plugin's _get_diff_data reports: the old text (peeked, slurped) and the new."""
    diff = {}
    state = file_module.get_state(dest) if os.path.exists(dest) else "absent"
    if state == "absent":
        diff["before"] = ""
    elif file_module.appears_binary(dest):
        diff["dst_binary"] = 1
    elif os.lstat(dest).st_size > MAX_DIFF_SIZE:
        diff["dst_larger"] = MAX_DIFF_SIZE
    else:
        with open(dest, "rb") as fh:
            diff["before_header"] = dest
            diff["before"] = fh.read().decode("utf-8", "replace")
    if len(data) > MAX_DIFF_SIZE:
        diff["src_larger"] = MAX_DIFF_SIZE
    elif b"\x00" in data:
        diff["src_binary"] = 1
    else:
        diff["after_header"] = tmp
        diff["after"] = data.decode("utf-8", "replace")
    return diff


def _copy_module(p, src, dest, ctx):
    """The copy module's part, with src the uploaded temp file."""
    if os.path.sep not in dest:
        dest = "./" + dest
    checksum_src = fileinfo.digest(src)
    md5sum_src = fileinfo.digest(src, "md5")
    if os.path.exists(dest):
        if os.path.islink(dest) and p["follow"]:
            dest = os.path.realpath(dest)
        checksum_dest = fileinfo.digest(dest) if os.access(dest, os.R_OK) and os.path.isfile(dest) else None
    else:
        checksum_dest = None
        folder = os.path.dirname(dest)
        if not os.path.exists(folder):
            try:
                os.stat(folder)
            except OSError as e:
                if "permission denied" in str(e).lower():
                    raise ModuleFailed("Destination directory %s is not accessible" % folder)
            raise ModuleFailed("Destination directory %s does not exist" % folder)
    if not os.access(os.path.dirname(dest), os.W_OK) and not p["unsafe_writes"]:
        raise ModuleFailed("Destination %s not writable" % os.path.dirname(dest))
    backup_file = None
    changed = False
    if checksum_src != checksum_dest or os.path.islink(dest):
        try:
            if p["backup"] and os.path.exists(dest):
                backup_file = _backup(dest)
            if os.path.islink(dest):
                os.unlink(dest)
                open(dest, "w").close()
            if p["validate"]:
                _validate(p, src, ctx)
            _atomic_move(src, dest)
        except (IOError, OSError) as e:
            raise ModuleFailed("failed to copy: %s to %s" % (src, dest), traceback=str(e))
        changed = True
    result = {"dest": dest, "src": src, "md5sum": md5sum_src, "checksum": checksum_src, "changed": changed}
    if backup_file:
        result["backup_file"] = backup_file
    file_args = fsattrs.common_args(p, dest)
    result["changed"] = fsattrs.set_if_different(ctx, file_args, changed)
    return fsattrs.add_path_info(result)


def _validate(p, src, ctx):
    import shlex

    if "%s" not in p["validate"]:
        raise ModuleFailed("validate must contain %%s: %s" % p["validate"])
    for setter, key in ((fsattrs.set_mode, "mode"), (fsattrs.set_owner, "owner"), (fsattrs.set_group, "group")):
        if p[key] is not None:
            setter(ctx, src, p[key], False, None)
    rc, out, err = fileinfo.run_quiet(shlex.split(p["validate"] % src), ctx)
    if rc != 0:
        raise ModuleFailed("failed to validate", exit_status=rc, stdout=out, stderr=err)


def _backup(dest):
    import shutil
    import time

    backup = "%s.%s.%s" % (dest, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime(time.time())))
    try:
        shutil.copy2(dest, backup)
        st = os.stat(dest)
        os.chown(backup, st.st_uid, st.st_gid)
    except (shutil.Error, IOError) as e:
        raise ModuleFailed("Could not make backup of %s to %s: %s" % (dest, backup, e))
    return backup


def _atomic_move(src, dest):
    """AnsibleModule.atomic_move: an existing dest keeps its mode and owner; a new one gets 0666 & ~umask."""
    import errno
    import shutil

    creating = not os.path.exists(dest)
    if not creating:
        st = os.stat(dest)
        os.chmod(src, st.st_mode & fsattrs.PERM_BITS)
        try:
            os.chown(src, st.st_uid, st.st_gid)
        except OSError as e:
            if e.errno != errno.EPERM:
                raise
    try:
        os.rename(src, dest)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.move(src, dest)
    if creating:
        os.chmod(dest, 0o666 & ~fsattrs.current_umask())
        try:
            os.chown(dest, os.geteuid(), os.getegid())
        except OSError:
            pass
