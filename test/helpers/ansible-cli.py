"""Runs many ansible CLI commands in one Python process (ansible's start-up paid once).

stdin: a JSON list of [cli, argv...] with cli 'ansible' or 'ansible-inventory'.
stdout: a JSON list of {"code": int, "stdout": str}, one per command, in order.
Each command goes through the CLI's own cli_executor, as its console script calls it; only
its standard output is captured instead of written (warnings and errors stay on stderr).
"""
import contextlib
import io
import json
import sys

from ansible.cli.adhoc import AdHocCLI
from ansible.cli.inventory import InventoryCLI
from ansible.utils.context_objects import GlobalCLIArgs

CLIS = {'ansible': AdHocCLI, 'ansible-inventory': InventoryCLI}


def run(cli, argv):
    # The parsed command line is a singleton, made once per process: each command makes its own.
    GlobalCLIArgs._Singleton__instance = None
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            CLIS[cli].cli_executor([cli] + argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return {'code': code, 'stdout': out.getvalue()}


def main():
    calls = json.load(sys.stdin)
    results = [run(c[0], c[1:]) for c in calls]
    sys.stdout.write(json.dumps(results))


main()
