"""RenderTemplate {inventory_version, hosts, args, task_vars?, extra_vars?, facts?, facts_of?,
check?, diff?, forks?, limit?, cwd?} -> RenderTemplateResult {outputs: [base64], results:
{host: {output, copy_args, source} | {failed, msg, ...}}}.

Ansible's template action plugin itself runs for each host, up to the moment it hands the
rendered file to the copy action: the task's args templated for the host, the template found
as the action finds it (./templates, then .), the `#jinja2:` header, the newline_sequence,
delimiter, trim_blocks, lstrip_blocks and output_encoding options, the template_* variables
and ansible_managed, the include search path. What it would give the copy action is the
answer: the rendered bytes and the copy args (mode resolved for mode=preserve, dest, follow,
the other file options). The controller then copies as the copy action would.

Hosts that render the same bytes share one entry of `outputs`.
"""
import base64

from .. import scope
from ._common import host_error, with_scope

_CAPTURED = "_ftl_rendered"


class _Shell(object):
    tmpdir = None


class _NoConnection(object):
    """The action never reaches a host here: no temp directory is made or removed."""

    _shell = _Shell()
    become = None


class _CaptureCopy(object):
    """Stands in for the copy action: keeps what the template action would send."""

    def __init__(self, task):
        self._task = task

    def run(self, task_vars=None):
        args = dict(self._task.args)
        with open(args.pop("src"), "rb") as f:
            data = f.read()
        return {_CAPTURED: {"data": data, "copy_args": args}}


class _Loaders(object):
    """The shared plugin loaders, with the copy action replaced by the capture."""

    class _ActionLoader(object):
        def get(self, name, task=None, **kwargs):
            return _CaptureCopy(task)

    action_loader = _ActionLoader()

    def __getattr__(self, name):
        from ansible.plugins import loader

        return getattr(loader, name)


def _render_only_class():
    from ansible.plugins.action.template import ActionModule

    class RenderOnly(ActionModule):
        found = None

        def _early_needs_tmp_path(self):
            return False

        def _find_needle(self, dirname, needle):
            self.found = super(RenderOnly, self)._find_needle(dirname, needle)
            return self.found

    return RenderOnly


def _render(host, action_class):
    try:
        task = host.task_with_args()
        variables = host.action_vars()
        templar = host.templar(variables)
        action = action_class(task, _NoConnection(), host.scope.play_context, host.scope.loader, templar, _Loaders())
        result = action.run(task_vars=variables)
    except Exception as e:
        # What escapes the action is reported by TaskExecutor.run, without a 'changed'.
        return host_error(e)
    captured = result.pop(_CAPTURED, None)
    if captured is None:
        # What the action reports goes through TaskExecutor._execute, which adds 'changed'.
        result.setdefault("changed", False)
        return result
    return {"data": captured["data"], "copy_args": captured["copy_args"], "source": action.found}


def handle(data, req):
    args = data.get("args")
    if not isinstance(args, dict):
        return "Error", {"message": "RenderTemplate needs args: the template task's args (an object)"}
    holder = {}

    def build(rt):
        holder["class"] = _render_only_class()
        return scope.CallScope(rt, data, action=data.get("module") or "template", args=args)

    def per_host(host):
        return _render(host, holder["class"])

    reply, results = with_scope(data, req, build, per_host)
    if reply is not None:
        return reply, results
    outputs = []
    index = {}
    for name, r in results.items():
        if "data" not in r:
            continue
        blob = r.pop("data")
        if blob not in index:
            index[blob] = len(outputs)
            outputs.append(base64.b64encode(blob).decode("ascii"))
        r["output"] = index[blob]
    return "RenderTemplateResult", {"outputs": outputs, "results": results}
