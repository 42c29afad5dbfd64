"""What handlers share: the runtime or a NoAnsible reply, and the scope's errors as replies."""
from .. import runtime, scope


def no_ansible(e):
    return "NoAnsible", {"message": str(e)}


def with_scope(data, req, build, per_host):
    """Builds the request's scope and answers for each host: {host: per_host(host_scope)}."""
    try:
        rt = runtime.get()
    except runtime.NoAnsible as e:
        return no_ansible(e)
    with rt.cwd.at(data.get("cwd")):
        try:
            call = build(rt)
        except scope.StaleInventory as e:
            return "InventoryNeeded", {"message": str(e)}
        results = {}
        for name in call.hosts:
            if req.cancelled.is_set():
                break
            try:
                host = call.host(name)
            except Exception as e:
                results[name] = host_error(e)
                continue
            results[name] = per_host(host)
    return None, results


def host_error(e):
    """A host's failure as Ansible's TaskExecutor reports it (call inside the except block)."""
    import traceback

    from ansible.errors import AnsibleError
    from ansible.module_utils._text import to_native, to_text

    if isinstance(e, AnsibleError):
        return {"failed": True, "msg": to_text(e, nonstring="simplerepr"), "error_type": type(e).__name__}
    return {
        "failed": True,
        "msg": "Unexpected failure during module execution: %s" % to_native(e, nonstring="simplerepr"),
        "exception": traceback.format_exc(),
        "stdout": "",
        "error_type": type(e).__name__,
    }
