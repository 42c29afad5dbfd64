"""A fast subset of Ansible's setup facts, named and computed as setup does on Linux.

About 5 ms instead of setup's second: host names, OS and distribution, kernel,
architecture, python, CPU counts, memory, uptime, and the user running the gate.
"""
import os
import platform
import sys

from .argspec import check

SPEC = {}

# ID from /etc/os-release → Ansible's distribution name, and its os_family.
_DISTRIBUTIONS = {
    "debian": "Debian", "ubuntu": "Ubuntu", "raspbian": "Debian", "linuxmint": "Linux Mint", "kali": "Kali",
    "rhel": "RedHat", "centos": "CentOS", "fedora": "Fedora", "rocky": "Rocky", "almalinux": "AlmaLinux",
    "ol": "OracleLinux", "amzn": "Amazon", "alpine": "Alpine", "arch": "Archlinux", "sles": "SLES",
    "opensuse-leap": "openSUSE Leap", "opensuse-tumbleweed": "openSUSE Tumbleweed", "gentoo": "Gentoo",
}
_FAMILIES = {
    "Debian": "Debian", "Ubuntu": "Debian", "Linux Mint": "Debian", "Kali": "Debian",
    "RedHat": "RedHat", "CentOS": "RedHat", "Fedora": "RedHat", "Rocky": "RedHat", "AlmaLinux": "RedHat",
    "OracleLinux": "RedHat", "Amazon": "RedHat", "Alpine": "Alpine", "Archlinux": "Archlinux",
    "SLES": "Suse", "openSUSE Leap": "Suse", "openSUSE Tumbleweed": "Suse", "Gentoo": "Gentoo",
}


def run(params, ctx):
    check("facts", params, SPEC)
    facts = {}
    facts.update(_names())
    facts.update(_platform())
    facts.update(_distribution())
    facts.update(_python())
    facts.update(_cpu(facts["architecture"]))
    facts.update(_memory())
    facts.update(_uptime())
    facts.update(_user())
    return {"ansible_facts": dict(("ansible_" + k, v) for k, v in facts.items()), "changed": False}


def _read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except (IOError, OSError):
        return None


def _names():
    import socket

    node = platform.node()
    fqdn = socket.getfqdn()
    return {"hostname": node.split(".")[0], "nodename": node, "fqdn": fqdn, "domain": ".".join(fqdn.split(".")[1:])}


def _platform():
    machine = platform.machine()
    bits = platform.architecture()[0].replace("bit", "")
    arch = machine
    if machine in ("i386", "i486", "i586", "i686"):
        arch = "i386"
    out = {"system": platform.system(), "kernel": platform.release(), "kernel_version": platform.version(),
           "machine": machine, "architecture": arch, "userspace_bits": bits}
    if machine == "x86_64":
        out["userspace_architecture"] = "x86_64" if bits == "64" else "i386"
    return out


def _os_release():
    values = {}
    for line in (_read("/etc/os-release") or _read("/usr/lib/os-release") or "").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _distribution():
    osr = _os_release()
    ident = osr.get("ID", "")
    name = _DISTRIBUTIONS.get(ident, osr.get("NAME", platform.system()))
    version = osr.get("VERSION_ID", "NA")
    release = osr.get("VERSION_CODENAME") or osr.get("UBUNTU_CODENAME") or "NA"
    if name == "Debian":
        # Debian's point release (12.11) lives in /etc/debian_version, not in os-release.
        point = (_read("/etc/debian_version") or "").strip()
        if point[:1].isdigit():
            version = point
    return {
        "distribution": name,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "distribution_release": release,
        "os_family": _FAMILIES.get(name, name),
    }


def _python():
    import importlib.util

    v = sys.version_info
    return {
        "python_version": platform.python_version(),
        "python": {
            "executable": sys.executable,
            "has_sslcontext": importlib.util.find_spec("ssl") is not None,
            "type": sys.implementation.name,
            "version": {"major": v.major, "minor": v.minor, "micro": v.micro, "releaselevel": v.releaselevel, "serial": v.serial},
            "version_info": list(v),
        },
    }


def _cpu(architecture):
    """Ansible's reading of /proc/cpuinfo (LinuxHardware.get_cpu_facts), without the Xen and s390 cases."""
    text = _read("/proc/cpuinfo")
    if text is None:
        return {}
    i = vendor = model = processors = 0
    physid = coreid = 0
    sockets = {}
    cores = {}
    for line in text.splitlines():
        data = line.split(":", 1)
        key = data[0].strip()
        val = data[1].strip() if len(data) > 1 else ""
        if key in ("model name", "Processor", "vendor_id", "cpu", "Vendor", "processor"):
            vendor += key == "vendor_id"
            model += key == "model name"
            processors += key == "processor"
            i += 1
        elif key == "physical id":
            physid = val
            sockets.setdefault(physid, 1)
        elif key == "core id":
            coreid = val
            if coreid not in sockets:
                cores[coreid] = 1
        elif key == "cpu cores":
            sockets[physid] = int(val)
        elif key == "siblings":
            cores[coreid] = int(val)
        elif key == "ncpus active":
            i = int(val)
    if vendor > 0 and vendor == model:
        i = vendor
    if architecture.startswith(("armv", "aarch", "ppc")):
        i = processors
    out = {"processor_count": len(sockets) if sockets else i}
    socket_values = list(sockets.values())
    out["processor_cores"] = socket_values[0] if socket_values and socket_values[0] else 1
    core_values = list(cores.values())
    out["processor_threads_per_core"] = (core_values[0] if core_values else 1) // out["processor_cores"]
    out["processor_vcpus"] = out["processor_threads_per_core"] * out["processor_count"] * out["processor_cores"]
    try:
        out["processor_nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        out["processor_nproc"] = processors
    return out


def _memory():
    kb = {}
    for line in (_read("/proc/meminfo") or "").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":"):
            kb[parts[0][:-1]] = int(parts[1])
    out = {}
    for fact, key in (("memtotal_mb", "MemTotal"), ("memfree_mb", "MemFree"), ("swaptotal_mb", "SwapTotal"), ("swapfree_mb", "SwapFree")):
        if key in kb:
            out[fact] = kb[key] // 1024
    return out


def _uptime():
    text = _read("/proc/uptime")
    return {"uptime_seconds": int(float(text.split()[0]))} if text else {}


def _user():
    import getpass
    import pwd

    name = getpass.getuser()
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        pw = pwd.getpwuid(os.getuid())
    return {"user_id": name, "user_uid": pw.pw_uid, "user_gid": pw.pw_gid, "user_gecos": pw.pw_gecos, "user_dir": pw.pw_dir, "user_shell": pw.pw_shell}
