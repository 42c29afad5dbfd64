"""ansible.builtin.shell natively: the command module with _uses_shell, as Ansible does it."""
from . import command


def run(params, ctx):
    return command.run(params, ctx, shell=True)
