"""Ansible loaded once, set up as `ansible` (the ad-hoc command) sets itself up.

The global context (context.CLIARGS) comes from Ansible's own ad-hoc argument parser with no
arguments, so every default a task sees (connection 'smart', forks 5, timeout 10, become
method sudo...) is the one `ansible HOST -m MODULE` has. What differs per ftl call (check and
diff mode, forks, inventory sources, limit) is given per request as the ad-hoc command's
options would give it (scope.py).
"""
import contextlib
import os
import threading

_lock = threading.Lock()
_runtime = None


class NoAnsible(Exception):
    """ansible-core cannot be imported by this Python."""


class Runtime:
    def __init__(self):
        from ansible.cli import CLI
        from ansible.cli.adhoc import AdHocCLI
        from ansible.release import __version__

        from . import capture, compile_cache

        capture.install()
        compile_cache.install()
        AdHocCLI(["ansible", "all"]).parse()
        # What the Templar and the variable manager import, imported now rather than inside
        # the first request (and not concurrently by several).
        from ansible.executor.task_executor import TaskExecutor  # noqa: F401
        from ansible.inventory.manager import InventoryManager  # noqa: F401
        from ansible.playbook.play import Play  # noqa: F401
        from ansible.plugins.action.template import ActionModule  # noqa: F401
        from ansible.template import Templar  # noqa: F401
        from ansible.vars.manager import VariableManager  # noqa: F401

        self.version = __version__
        self.version_info = CLI.version_info(gitinfo=False)
        self.cwd = Cwd()
        self.loader = self.new_loader()

    def new_loader(self):
        """A DataLoader as the ad-hoc command makes one (CLI._play_prereqs): basedir '.', the
        vault secrets configured for this controller."""
        from ansible import constants as C
        from ansible import context
        from ansible.cli import CLI
        from ansible.parsing.dataloader import DataLoader

        loader = DataLoader()
        opts = context.CLIARGS
        secrets = CLI.setup_vault_secrets(
            loader,
            vault_ids=C.DEFAULT_VAULT_IDENTITY_LIST + list(opts["vault_ids"]),
            vault_password_files=list(opts["vault_password_files"]),
            ask_vault_pass=opts["ask_vault_pass"],
            auto_prompt=False,
        )
        loader.set_vault_secrets(secrets)
        return loader


def get():
    """The runtime, loading Ansible on first use; NoAnsible when it cannot be imported."""
    global _runtime
    if _runtime is not None:
        return _runtime
    with _lock:
        if _runtime is None:
            try:
                import ansible.release  # noqa: F401
            except ImportError as e:
                raise NoAnsible("ansible-core is not importable by this Python: %s" % e)
            _runtime = Runtime()
    return _runtime


class Cwd:
    """The worker's current directory, as the request asks for it.

    Ansible resolves relative paths (lookups, the template search path, playbook_dir) against
    the process's current directory, as the ad-hoc command does. Requests that want the same
    directory run together; one that wants another waits for those to end, then changes it.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._users = 0

    @contextlib.contextmanager
    def at(self, path):
        want = os.path.realpath(path) if path else None
        with self._cond:
            if want is not None:
                while self._users > 0 and os.getcwd() != want:
                    self._cond.wait()
                if os.getcwd() != want:
                    os.chdir(want)
            self._users += 1
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                self._cond.notify_all()
