"""One request's view of a call: the play and task `ansible PATTERN -m MODULE -a ARGS` would
run, and for each host the variables that task sees, computed by Ansible's own code.

Per host, in the order Ansible's TaskExecutor does it:
  1. VariableManager.get_vars(play, host, task): inventory, facts, the task's vars, extra
     vars, magic variables (hostvars, groups, group_names, inventory_hostname, playbook_dir,
     ansible_check_mode, ansible_version, omit...), with Ansible's precedence;
  2. ansible_search_path (TaskExecutor._get_loop_items);
  3. what the play context adds before the task's args are templated (ansible_host for a
     host without one...), and what the connection plugin adds before the action runs
     (ansible_connection, ansible_shell_type...): computed with Ansible's PlayContext,
     TaskExecutor and connection plugin, without connecting; kept per host and variables,
     since they do not change from call to call.
"""
import copy
import json
import threading

from . import inventory as inventory_state

# (inventory version, host, facts stamp, task vars, extra vars) -> (play context adds, connection adds)
_added_cache = {}
_added_lock = threading.Lock()
_ADDED_CACHE_MAX = 20000


class StaleInventory(Exception):
    """The request names an inventory version this worker does not have."""


class UnknownHost(Exception):
    pass


class _PluginLoaders(object):
    """What TaskExecutor calls its shared loader object: the plugin loaders."""

    def __getattr__(self, name):
        from ansible.plugins import loader

        return getattr(loader, name)


def _options_vars(runtime, data, state):
    """The ad-hoc command's options as variables (load_options_vars), with this call's values."""
    from ansible.utils.vars import load_options_vars

    opts = load_options_vars(runtime.version_info)
    opts["ansible_check_mode"] = bool(data.get("check", False))
    opts["ansible_diff_mode"] = bool(data.get("diff", False))
    if isinstance(data.get("forks"), int):
        opts["ansible_forks"] = data["forks"]
    if state.sources:
        opts["ansible_inventory_sources"] = list(state.sources)
    if isinstance(data.get("limit"), str) and data["limit"]:
        opts["ansible_limit"] = data["limit"]
    return opts


def _remembered_hostvars(hostvars):
    """hostvars[h] computes h's variables anew on every access (VariableManager.get_vars); within
    one request nothing they depend on changes, so each host's are computed once. A template
    that walks groups['all'] through hostvars on every host of a call would otherwise compute
    hosts x hosts variable sets (10 hosts: 100; 1,000 hosts: a million)."""
    computed = {}
    raw_get = hostvars.raw_get

    def remembered(host_name):
        if host_name not in computed:
            computed[host_name] = raw_get(host_name)
        return computed[host_name]

    hostvars.raw_get = remembered
    return hostvars


class CallScope(object):
    def __init__(self, runtime, data, action="ansible.builtin.debug", args=None):
        from ansible.playbook.play import Play
        from ansible.playbook.play_context import PlayContext
        from ansible.vars.hostvars import HostVars

        state = inventory_state.current()
        version = data.get("inventory_version")
        if state is None or state.version != version:
            raise StaleInventory("the worker has inventory version %s, the request names %s" % (None if state is None else state.version, version))
        hosts = data.get("hosts")
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            raise ValueError("hosts must be a list of host names")
        inventory_state.update_facts(data.get("facts"))
        task_vars = data.get("task_vars") or {}
        extra_vars = data.get("extra_vars") or {}
        if not isinstance(task_vars, dict) or not isinstance(extra_vars, dict):
            raise ValueError("task_vars and extra_vars must be objects")

        self.runtime = runtime
        self.loader = runtime.loader
        self.state = state
        self.hosts = hosts
        self.facts = inventory_state.FactsView(inventory_state.facts_snapshot(), data.get("facts_of") or {})
        vm = copy.copy(state.manager)
        vm._loader = self.loader
        extra_json = json.dumps(extra_vars, sort_keys=True, default=str)
        # -e values no vault password opened (rare: a -e file with !vault values in it).
        vm._extra_vars = inventory_state.unseal(extra_vars, self.loader._vault) if "__ansible_vault" in extra_json else extra_vars
        vm._options_vars = _options_vars(runtime, data, state)
        vm._fact_cache = self.facts
        _remembered_hostvars(HostVars(inventory=state.inventory, variable_manager=vm, loader=self.loader))
        self.manager = vm
        task_ds = {"action": "ansible.builtin.debug"}
        if task_vars:
            task_ds["vars"] = task_vars
        play = Play().load(
            {"name": "Ansible Ad-Hoc", "hosts": data.get("pattern") or "all", "gather_facts": "no", "tasks": [task_ds]},
            variable_manager=vm,
            loader=self.loader,
        )
        task = play.get_tasks()[0][0]
        # The task as the ad-hoc command writes it: the module as named, its args untemplated.
        task.action = action
        task.args = dict(args or {})
        self.play = play
        self.task = task
        self.play_context = PlayContext(play=play)
        self._key = (state.version, json.dumps(task_vars, sort_keys=True, default=str), extra_json)

    def host(self, name):
        from ansible.errors import AnsibleError

        host = self.state.inventory.get_host(name)
        if host is None:
            raise UnknownHost("host %s is not in the inventory this worker was given" % name)
        variables = self.manager.get_vars(play=self.play, host=host, task=self.task, _hosts=self.hosts, _hosts_all=self.hosts)
        search = self.task.get_search_path()
        if self.loader.get_basedir() not in search:
            search.append(self.loader.get_basedir())
        variables["ansible_search_path"] = search
        key = self._key + (name, self.facts.stamp(name))
        with _added_lock:
            added = _added_cache.get(key)
        if added is None:
            try:
                added = self._added_vars(host, variables)
            except AnsibleError:
                # A connection Ansible cannot set up (not installed, a bad setting) is ftl's
                # business, not the template's: its variables are simply not added.
                added = ({}, {})
            with _added_lock:
                if len(_added_cache) >= _ADDED_CACHE_MAX:
                    _added_cache.clear()
                _added_cache[key] = added
        return HostScope(self, host, variables, added)

    def _added_vars(self, host, variables):
        from ansible.executor.task_executor import TaskExecutor
        from ansible.template import Templar

        templar = Templar(loader=self.loader, variables=variables)
        task = self.task.copy()
        pc = self.play_context.set_task_and_variable_override(task=task, variables=variables, templar=templar)
        pc.post_validate(templar=templar)
        if not pc.remote_addr:
            pc.remote_addr = host.address
        before_args = dict(variables)
        pc.update_vars(before_args)
        executor = TaskExecutor(host, task, variables, pc, None, self.loader, _PluginLoaders(), None)
        executor._play_context = pc
        if variables.get("ansible_connection") is not None:
            connection_name = templar.template(variables["ansible_connection"])
        else:
            connection_name = task.connection
        connection = executor._get_connection(variables, templar, connection_name)
        executor._connection = connection
        executor._set_connection_options(variables, templar)
        before_action = dict(variables)
        connection.update_vars(before_action)
        return (
            {k: v for k, v in before_args.items() if k not in variables},
            {k: v for k, v in before_action.items() if k not in variables},
        )


class HostScope(object):
    """One host's variables for this request."""

    def __init__(self, scope, host, variables, added):
        self.scope = scope
        self.host = host
        self.variables = variables
        self._for_args, self._for_action = added

    def args_vars(self):
        """What the task's args are templated with (TaskExecutor's tempvars)."""
        out = self.variables.copy()
        out.update(self._for_args)
        return out

    def action_vars(self):
        """What the action plugin gets as task_vars (TaskExecutor's vars_copy)."""
        out = self.variables.copy()
        out.update(self._for_action)
        return out

    def templar(self, variables):
        from ansible.template import Templar

        return Templar(loader=self.scope.loader, variables=variables)

    def task_with_args(self):
        """A copy of the task with its args templated for this host, as TaskExecutor does it
        (post_validate, then omitted options removed)."""
        from ansible.executor.task_executor import remove_omit

        variables = self.args_vars()
        task = self.scope.task.copy()
        task.post_validate(templar=self.templar(variables))
        omit = variables.get("omit")
        if omit is not None:
            task.args = remove_omit(task.args, omit)
        return task
