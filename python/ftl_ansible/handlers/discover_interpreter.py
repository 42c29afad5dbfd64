"""DiscoverInterpreter {hosts: {host: {mode, replies: [{stdout, stderr, rc}], vars?}}} ->
DiscoverInterpreterResult {results: {host: {interpreter, warnings} | {command, in_data?}}}.

Python interpreter discovery as Ansible does it, by Ansible's own function
(ansible.executor.interpreter_discovery.discover_interpreter): its bootstrap shell probe
(uname, then `command -v` for each INTERPRETER_PYTHON_FALLBACK entry), then its platform
script (python_target.py, /etc/os-release) run with the first Python found, then the distro
map. The commands run on the host over the controller's own connection, so the exchange is a
replay: the function runs with the host's answers so far; when it asks for a command it has
no answer to yet, the reply is that command (and its stdin), and the controller asks again
with the answer appended. Two round trips to a Linux host, as Ansible makes.

mode is Ansible's: auto, auto_silent, auto_legacy, auto_legacy_silent. The warnings are the
ones Ansible attaches to the task's result (worded by Ansible); the silent modes have none.
"""
import base64


class _Need(BaseException):
    """Raised through discover_interpreter (which catches Exception) when it asks for a command
    the controller has not run yet."""

    def __init__(self, command, in_data):
        BaseException.__init__(self, command)
        self.command = command
        self.in_data = in_data


class _Connection(object):
    # ftl runs stdin-fed commands on the host (pipelining), as the platform script needs.
    has_pipelining = True


class _ReplayAction(object):
    """The few parts of an action plugin discover_interpreter uses."""

    def __init__(self, replies):
        self._replies = list(replies)
        self._asked = 0
        self._connection = _Connection()
        self._discovery_warnings = []

    def _low_level_execute_command(self, cmd, sudoable=True, in_data=None, **_kw):
        if self._asked < len(self._replies):
            r = self._replies[self._asked]
            self._asked += 1
            return {"rc": r.get("rc", 0), "stdout": r.get("stdout", ""), "stderr": r.get("stderr", "")}
        raise _Need(cmd, in_data)


def handle(data, req):
    hosts = data.get("hosts")
    if not isinstance(hosts, dict):
        return "Error", {"message": "DiscoverInterpreter needs hosts: {host: {mode, replies}}"}
    try:
        from ansible.executor.interpreter_discovery import discover_interpreter
    except ImportError as e:
        return "NoAnsible", {"message": "ansible-core is not importable by this Python: %s" % e}
    results = {}
    for name, ask in hosts.items():
        ask = ask if isinstance(ask, dict) else {}
        mode = ask.get("mode") or "auto"
        task_vars = dict(ask.get("vars") or {})
        task_vars["inventory_hostname"] = name
        action = _ReplayAction(ask.get("replies") or [])
        try:
            interpreter = discover_interpreter(action, "python", mode, task_vars)
        except _Need as need:
            out = {"command": need.command}
            if need.in_data is not None:
                raw = need.in_data if isinstance(need.in_data, bytes) else need.in_data.encode("utf-8")
                out["in_data"] = base64.b64encode(raw).decode("ascii")
            results[name] = out
            continue
        results[name] = {"interpreter": interpreter, "warnings": action._discovery_warnings}
    return "DiscoverInterpreterResult", {"results": results}
