"""ansible.builtin.stat natively: the same keys and values as Ansible's stat."""
import os

from ..context import ModuleFailed
from .argspec import check
from . import fileinfo

SPEC = {
    "path": {"type": "path", "required": True, "aliases": ["dest", "name"]},
    "follow": {"type": "bool", "default": False},
    "get_md5": {"type": "bool", "default": False},
    "get_checksum": {"type": "bool", "default": True},
    "get_mime": {"type": "bool", "default": True, "aliases": ["mime", "mime_type", "mime-type"]},
    "get_attributes": {"type": "bool", "default": True, "aliases": ["attr", "attributes"]},
    "checksum_algorithm": {"type": "str", "default": "sha1", "choices": ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"], "aliases": ["checksum", "checksum_algo"]},
}

# Platform-dependent stat fields, as Ansible names them.
_OTHER = (
    ("st_blocks", "blocks"), ("st_blksize", "block_size"), ("st_rdev", "device_type"), ("st_flags", "flags"),
    ("st_gen", "generation"), ("st_birthtime", "birthtime"), ("st_ftype", "file_type"), ("st_attrs", "attrs"),
    ("st_obtype", "object_type"), ("st_rsize", "real_size"), ("st_creator", "creator"), ("st_type", "file_type"),
)


def describe(path, st):
    import stat as S

    mode = st.st_mode
    out = {
        "exists": True, "path": path, "mode": "%04o" % S.S_IMODE(mode),
        "isdir": S.S_ISDIR(mode), "ischr": S.S_ISCHR(mode), "isblk": S.S_ISBLK(mode), "isreg": S.S_ISREG(mode),
        "isfifo": S.S_ISFIFO(mode), "islnk": S.S_ISLNK(mode), "issock": S.S_ISSOCK(mode),
        "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size, "inode": st.st_ino, "dev": st.st_dev,
        "nlink": st.st_nlink, "atime": st.st_atime, "mtime": st.st_mtime, "ctime": st.st_ctime,
        "wusr": bool(mode & S.S_IWUSR), "rusr": bool(mode & S.S_IRUSR), "xusr": bool(mode & S.S_IXUSR),
        "wgrp": bool(mode & S.S_IWGRP), "rgrp": bool(mode & S.S_IRGRP), "xgrp": bool(mode & S.S_IXGRP),
        "woth": bool(mode & S.S_IWOTH), "roth": bool(mode & S.S_IROTH), "xoth": bool(mode & S.S_IXOTH),
        "isuid": bool(mode & S.S_ISUID), "isgid": bool(mode & S.S_ISGID),
    }
    for attr, key in _OTHER:
        if hasattr(st, attr):
            out[key] = getattr(st, attr)
    return out


def run(params, ctx):
    import errno

    p = check("stat", params, SPEC)
    path = p["path"]
    try:
        st = os.stat(path) if p["follow"] else os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return {"changed": False, "stat": {"exists": False}}
        raise ModuleFailed(e.strerror)
    out = describe(path, st)
    out["readable"] = os.access(path, os.R_OK)
    out["writeable"] = os.access(path, os.W_OK)
    out["executable"] = os.access(path, os.X_OK)
    if out["islnk"]:
        out["lnk_source"] = os.path.realpath(path)
        out["lnk_target"] = os.readlink(path)
    owner = fileinfo.user_name(st.st_uid)
    if owner is not None:
        out["pw_name"] = owner
    group = fileinfo.group_name(st.st_gid)
    if group is not None:
        out["gr_name"] = group
    if out["isreg"] and out["readable"]:
        if p["get_md5"]:
            try:
                out["md5"] = fileinfo.digest(path, "md5")
            except ValueError:
                out["md5"] = None
        if p["get_checksum"]:
            out["checksum"] = fileinfo.digest(path, p["checksum_algorithm"])
    if p["get_mime"]:
        out["mimetype"], out["charset"] = _mime(path, ctx)
    if p["get_attributes"]:
        out["version"] = None
        out["attributes"] = []
        out["attr_flags"] = ""
        out.update(fileinfo.attributes(path, ctx))
    return {"changed": False, "stat": out}


# `file --mime-type` is most of a stat's cost (~7 ms of CPU per call, against ~1 ms for the
# rest). The gate lives for the session, so it remembers the answer for each version of a
# file: the same inode with the same size, mtime and ctime (and the link's target's, for a
# link), under the same `file` program and environment. Any write changes the ctime, which
# nothing can set back; a file changed in the last seconds is not remembered, so that
# coarse timestamps (1 s on some filesystems) cannot hide a change.
_MIME_CACHE = {}
_MIME_CACHE_MAX = 4096
_MIME_SETTLED_S = 2.0


def _version(path):
    import time

    try:
        lst = os.lstat(path)
        versions = [lst]
        if os.path.islink(path):
            versions.append(os.stat(path))
    except OSError:
        return None
    if max(v.st_ctime for v in versions) > time.time() - _MIME_SETTLED_S:
        return None
    return tuple((v.st_dev, v.st_ino, v.st_size, v.st_mtime_ns, v.st_ctime_ns, v.st_mode) for v in versions)


def _mime(path, ctx):
    """(mimetype, charset) as Ansible's stat finds them with `file`, or ("unknown", "unknown")."""
    cmd = fileinfo.bin_path("file")
    if not cmd:
        return "unknown", "unknown"
    version = _version(path)
    key = None
    if version is not None:
        key = (path, cmd, os.environ.get("POSIXLY_CORRECT"), os.environ.get("MAGIC"), version)
        known = _MIME_CACHE.get(key)
        if known is not None:
            return known
    found = ("unknown", "unknown")
    try:
        rc, text, _ = fileinfo.run_quiet([cmd, "--mime-type", "--mime-encoding", path], ctx)
        if rc == 0:
            mimetype, charset = text.rsplit(":", 1)[1].split(";")
            found = (mimetype.strip(), charset.split("=")[1].strip())
    except Exception:
        return found
    if key is not None and found[0] != "unknown":
        if len(_MIME_CACHE) >= _MIME_CACHE_MAX:
            _MIME_CACHE.clear()
        _MIME_CACHE[key] = found
    return found
