"""Renders templates as Ansible's template action does (its Templar and environment).

Input on stdin: a JSON list of {template, vars, options}; output: a JSON list of
{out} or {error: "<ExceptionClass>: message"}. One Python start for many cases.
"""
import json
import sys

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.template import AnsibleEnvironment, Templar


def render(case):
    opts = case.get("options", {})
    templar = Templar(loader=DataLoader(), variables={})
    templar = templar.copy_with_new_env(
        environment_class=AnsibleEnvironment,
        trim_blocks=opts.get("trim_blocks", True),
        lstrip_blocks=opts.get("lstrip_blocks", False),
        newline_sequence=opts.get("newline_sequence", "\n"),
        available_variables=case.get("vars", {}),
    )
    try:
        return {"out": templar.do_template(case["template"], preserve_trailing_newlines=True, escape_backslashes=False)}
    except AnsibleError as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
    except Exception as e:  # what the template action reports for any other failure
        return {"error": "%s: %s" % (type(e).__name__, e)}


json.dump([render(c) for c in json.load(sys.stdin)], sys.stdout)
