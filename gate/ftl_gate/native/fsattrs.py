"""Owner, group, mode and attributes of a path, set as AnsibleModule sets them
(set_fs_attributes_if_different), and the path info it adds to every result."""
import os
import re
import stat

from ..context import ModuleFailed
from . import fileinfo

# The options AnsibleModule adds to file-handling modules (add_file_common_args).
FILE_COMMON_SPEC = {
    "mode": {"type": "raw"},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "seuser": {"type": "str"},
    "serole": {"type": "str"},
    "selevel": {"type": "str"},
    "setype": {"type": "str"},
    "attributes": {"type": "str", "aliases": ["attr"]},
    "unsafe_writes": {"type": "bool", "default": False},
}

PERM_BITS = 0o7777
EXEC_PERM_BITS = 0o0111
_OPERATOR = re.compile(r"[+=-]")
_USERS = re.compile(r"[^ugo]")
_PERMS = re.compile(r"[^rwxXstugo]")


def common_args(params, path):
    """load_file_common_arguments: the path (link resolved when following) and the wanted attributes."""
    path = os.path.expanduser(os.path.expandvars(path))
    if params.get("follow", False) and os.path.islink(path):
        path = os.path.realpath(path)
    return {"path": path, "mode": params.get("mode"), "owner": params.get("owner"), "group": params.get("group"), "attributes": params.get("attributes")}


def _note(diff, key, before, after):
    if diff is None:
        return
    diff.setdefault("before", {})[key] = before
    diff.setdefault("after", {})[key] = after


def _absent_in_check(ctx, path):
    return ctx.check_mode and not os.path.exists(path)


def set_owner(ctx, path, owner, changed, diff):
    if owner is None:
        return changed
    if _absent_in_check(ctx, path):
        return True
    st = os.lstat(path)
    try:
        uid = int(owner)
    except ValueError:
        import pwd

        try:
            uid = pwd.getpwnam(owner).pw_uid
        except KeyError:
            raise ModuleFailed("chown failed: failed to look up user %s" % owner, path=path)
    if st.st_uid != uid:
        _note(diff, "owner", st.st_uid, uid)
        if ctx.check_mode:
            return True
        try:
            os.lchown(path, uid, -1)
        except OSError as e:
            raise ModuleFailed("chown failed: %s" % e, path=path)
        changed = True
    return changed


def set_group(ctx, path, group, changed, diff):
    if group is None:
        return changed
    if _absent_in_check(ctx, path):
        return True
    st = os.lstat(path)
    try:
        gid = int(group)
    except ValueError:
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise ModuleFailed("chgrp failed: failed to look up group %s" % group, path=path)
    if st.st_gid != gid:
        _note(diff, "group", st.st_gid, gid)
        if ctx.check_mode:
            return True
        try:
            os.lchown(path, -1, gid)
        except OSError:
            raise ModuleFailed("chgrp failed", path=path)
        changed = True
    return changed


def set_mode(ctx, path, mode, changed, diff):
    import errno

    if mode is None:
        return changed
    if _absent_in_check(ctx, path):
        return True
    path_stat = os.lstat(path)
    if not isinstance(mode, int):
        try:
            mode = int(mode, 8)
        except Exception:
            try:
                mode = symbolic_to_octal(path_stat, mode)
            except Exception as e:
                raise ModuleFailed("mode must be in octal or symbolic form", path=path, details=str(e))
            if mode != stat.S_IMODE(mode):
                raise ModuleFailed("Invalid mode supplied, only permission info is allowed", path=path, details=mode)
    prev_mode = stat.S_IMODE(path_stat.st_mode)
    if prev_mode != mode:
        _note(diff, "mode", "0%03o" % prev_mode, "0%03o" % mode)
        if ctx.check_mode:
            return True
        try:
            if not os.path.islink(path):
                os.chmod(path, mode)
            # Linux cannot chmod a link itself; Ansible then leaves the target alone too.
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ELOOP):
                raise ModuleFailed("chmod failed", path=path, details=str(e))
        if stat.S_IMODE(os.lstat(path).st_mode) != prev_mode:
            changed = True
    return changed


def set_attributes(ctx, path, attributes, changed, diff):
    if attributes is None:
        return changed
    if _absent_in_check(ctx, path):
        return True
    existing = fileinfo.attributes(path, ctx, include_version=False)
    op = "="
    if attributes.startswith(("-", "+")):
        op, attributes = attributes[0], attributes[1:]
    if existing.get("attr_flags", "") != attributes or op == "-":
        cmd = fileinfo.bin_path("chattr")
        if cmd:
            changed = True
            _note(diff, "attributes", existing.get("attr_flags"), "%s%s" % (op, attributes))
            if not ctx.check_mode:
                rc, out, err = fileinfo.run_quiet([cmd, "%s%s" % (op, attributes), path], ctx)
                if rc != 0 or err:
                    raise ModuleFailed("chattr failed", path=path, details="Error while setting attributes: %s" % (out + err))
    return changed


def set_if_different(ctx, file_args, changed, diff=None):
    """set_fs_attributes_if_different without SELinux (contexts are left alone, as Ansible does without it)."""
    path = file_args["path"]
    changed = set_owner(ctx, path, file_args["owner"], changed, diff)
    changed = set_group(ctx, path, file_args["group"], changed, diff)
    changed = set_mode(ctx, path, file_args["mode"], changed, diff)
    return set_attributes(ctx, path, file_args["attributes"], changed, diff)


def add_path_info(result):
    """What AnsibleModule adds to any result naming an existing path or dest."""
    path = result.get("path", result.get("dest"))
    if path is None or not os.path.exists(path):
        return result
    st = os.lstat(path)
    result["uid"] = st.st_uid
    result["gid"] = st.st_gid
    owner = fileinfo.user_name(st.st_uid)
    group = fileinfo.group_name(st.st_gid)
    result["owner"] = owner if owner is not None else str(st.st_uid)
    result["group"] = group if group is not None else str(st.st_gid)
    result["mode"] = "0%03o" % stat.S_IMODE(st.st_mode)
    if os.path.islink(path):
        result["state"] = "link"
    elif os.path.isdir(path):
        result["state"] = "directory"
    elif os.stat(path).st_nlink > 1:
        result["state"] = "hard"
    else:
        result["state"] = "file"
    result["size"] = st.st_size
    return result


def symbolic_to_octal(path_stat, symbolic_mode):
    """chmod's symbolic modes (u=rw-x+X,g=r-x+X,o=r-x+X) as Ansible reads them."""
    new_mode = stat.S_IMODE(path_stat.st_mode)
    for part in symbolic_mode.split(","):
        permlist = _OPERATOR.split(part)
        opers = _OPERATOR.findall(part)
        users = permlist.pop(0)
        use_umask = users == ""
        if users in ("a", ""):
            users = "ugo"
        if _USERS.match(users):
            raise ValueError("bad symbolic permission for mode: %s" % part)
        for idx, perms in enumerate(permlist):
            if _PERMS.match(perms):
                raise ValueError("bad symbolic permission for mode: %s" % part)
            for user in users:
                bits = _symbolic_bits(path_stat, user, perms, use_umask)
                new_mode = _apply(user, opers[idx], bits, new_mode)
    return new_mode


def _apply(user, operator, bits, current):
    if operator == "=":
        mask = {"u": stat.S_IRWXU | stat.S_ISUID, "g": stat.S_IRWXG | stat.S_ISGID, "o": stat.S_IRWXO | stat.S_ISVTX}[user]
        return (current & (mask ^ PERM_BITS)) | bits
    if operator == "+":
        return current | bits
    return current - (current & bits)


def current_umask():
    # Read from /proc: os.umask() would change the umask of every thread for a moment.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _symbolic_bits(path_stat, user, perms, use_umask):
    prev = stat.S_IMODE(path_stat.st_mode)
    apply_x = stat.S_ISDIR(path_stat.st_mode) or (prev & EXEC_PERM_BITS) > 0
    rev_umask = current_umask() ^ PERM_BITS
    table = {
        "u": {"r": stat.S_IRUSR, "w": stat.S_IWUSR, "x": stat.S_IXUSR, "s": stat.S_ISUID, "t": 0,
              "u": prev & stat.S_IRWXU, "g": (prev & stat.S_IRWXG) << 3, "o": (prev & stat.S_IRWXO) << 6},
        "g": {"r": stat.S_IRGRP, "w": stat.S_IWGRP, "x": stat.S_IXGRP, "s": stat.S_ISGID, "t": 0,
              "u": (prev & stat.S_IRWXU) >> 3, "g": prev & stat.S_IRWXG, "o": (prev & stat.S_IRWXO) << 3},
        "o": {"r": stat.S_IROTH, "w": stat.S_IWOTH, "x": stat.S_IXOTH, "s": 0, "t": stat.S_ISVTX,
              "u": (prev & stat.S_IRWXU) >> 6, "g": (prev & stat.S_IRWXG) >> 3, "o": prev & stat.S_IRWXO},
    }[user]
    if use_umask:
        for p in "rwx":
            table[p] = rev_umask & table[p]
    table["X"] = {"u": stat.S_IXUSR, "g": stat.S_IXGRP, "o": stat.S_IXOTH}[user] if apply_x else 0
    mode = 0
    for p in perms:
        mode |= table[p]
    return mode
