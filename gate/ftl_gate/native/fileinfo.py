"""What Ansible's AnsibleModule helpers report about files, shared by the native modules:
executables found as get_bin_path finds them, lsattr attributes, checksums, owner names."""
import os

FILE_ATTRIBUTES = {
    "A": "noatime", "a": "append", "c": "compressed", "C": "nocow", "d": "nodump", "D": "dirsync",
    "e": "extents", "E": "encrypted", "h": "blocksize", "i": "immutable", "I": "indexed",
    "j": "journalled", "N": "inline", "s": "zero", "S": "synchronous", "t": "notail",
    "T": "blockroot", "u": "undelete", "X": "compressedraw", "Z": "compresseddirty",
}


def bin_path(name):
    """Like Ansible's get_bin_path: PATH, then the sbin directories."""
    paths = os.environ.get("PATH", "").split(os.pathsep)
    for extra in ("/sbin", "/usr/sbin", "/usr/local/sbin"):
        if extra not in paths and os.path.exists(extra):
            paths.append(extra)
    for d in paths:
        if not d:
            continue
        p = os.path.join(d, name)
        if os.path.exists(p) and not os.path.isdir(p) and os.access(p, os.X_OK):
            return p
    return None


def run_quiet(argv, ctx):
    """(rc, stdout text, stderr text) of a helper program, killable through ctx."""
    import subprocess

    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    ctx.track(proc)
    try:
        out, err = proc.communicate()
    finally:
        ctx.untrack(proc)
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def attributes(path, ctx, include_version=True):
    """{version, attr_flags, attributes} from lsattr, or {} (no lsattr, or it failed)."""
    out = {}
    cmd = bin_path("lsattr")
    if not cmd:
        return out
    try:
        rc, text, _ = run_quiet([cmd, "-vd" if include_version else "-d", path], ctx)
        if rc == 0:
            res = text.split()
            idx = 0
            if include_version:
                idx = 1
                out["version"] = res[0].strip()
            out["attr_flags"] = res[idx].replace("-", "").strip()
            out["attributes"] = [FILE_ATTRIBUTES[f] for f in out["attr_flags"] if f in FILE_ATTRIBUTES]
    except Exception:
        pass
    return out


def digest(path, algorithm="sha1"):
    import hashlib

    if not os.path.exists(path):
        return None
    h = hashlib.new(algorithm)
    with open(os.path.realpath(path), "rb") as fh:
        for block in iter(lambda: fh.read(64 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def user_name(uid):
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def group_name(gid):
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None
