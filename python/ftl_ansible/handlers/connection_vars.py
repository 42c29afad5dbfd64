"""ConnectionVars {inventory_version, hosts, names: {host: [variable]}, task_vars?, extra_vars?,
facts?, facts_of?, cwd?} -> ConnectionVarsResult {results: {host: {values: {name: value}} |
{failed, msg, error_type}}}.

The connection variables (ansible_host, ansible_user, ansible_port, ansible_become_*...) that
hold `{{ }}`, templated for each host as Ansible templates them before it connects: with the
variables the task sees (TaskExecutor, PlayContext.set_task_and_variable_override and the
connection plugin's options all template the variable's value with the task's templar). The
controller asks once for every host that has any, and connects with the answers."""
from .. import scope
from ._common import host_error, with_scope


def handle(data, req):
    names = data.get("names")
    if not isinstance(names, dict):
        return "Error", {"message": "ConnectionVars needs names: {host: [variable names]}"}

    def build(rt):
        return scope.CallScope(rt, data)

    def per_host(host):
        name = None
        try:
            variables = host.args_vars()
            templar = host.templar(variables)
            values = {}
            for name in names.get(host.host.name) or []:
                if name in variables:
                    values[name] = templar.template(variables[name])
            return {"values": values}
        except Exception as e:
            failure = host_error(e)
            if name is not None:
                failure["variable"] = name  # which one, for the message
            return failure

    reply, results = with_scope(data, req, build, per_host)
    if reply is not None:
        return reply, results
    return "ConnectionVarsResult", {"results": results}
