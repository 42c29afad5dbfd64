"""Template {inventory_version, hosts, value, module?, task_vars?, extra_vars?, facts?,
facts_of?, check?, diff?, forks?, limit?, cwd?} -> TemplateResult {results: {host: {value} |
{failed, msg, error_type}}}.

Without `module`, value (any JSON) is templated with Ansible's Templar and the variables
the task's args would be templated with. With `module`, value is the task's args for that
module, templated as TaskExecutor templates them (post_validate, omitted options removed,
errors worded as for a task)."""
from .. import scope
from ._common import host_error, with_scope


def handle(data, req):
    value = data.get("value")
    module = data.get("module")
    if module is not None and not isinstance(value, dict):
        return "Error", {"message": "Template with a module needs value to be the module's args (an object)"}

    def build(rt):
        return scope.CallScope(rt, data, action=module or "ansible.builtin.debug", args=value if module else None)

    def per_host(host):
        try:
            if module:
                return {"value": host.task_with_args().args}
            variables = host.args_vars()
            return {"value": host.templar(variables).template(value)}
        except Exception as e:
            return host_error(e)

    reply, results = with_scope(data, req, build, per_host)
    if reply is not None:
        return reply, results
    return "TemplateResult", {"results": results}
