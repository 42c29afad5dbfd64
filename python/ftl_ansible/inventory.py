"""The inventory and facts the controller gave this worker, as Ansible's own objects.

The controller reads the inventory (src/inventory) and sends each host's merged variables and
each group's hosts once per version (SetInventory); facts gathered in its session follow
with the requests that need them. Here they become an InventoryManager and a
VariableManager, so that hostvars, groups, group_names, the implicit localhost and the
precedence of facts over inventory are Ansible's.
"""
import itertools
import os
import threading

_lock = threading.Lock()
_current = None
_facts = {}
_stamps = itertools.count(1)


def unseal(value, vault):
    """Values no vault password opened on the controller come as ansible-inventory prints them,
    {"__ansible_vault": vaulttext}: made Ansible's vault objects again, which fail where they
    are used ("Attempting to decrypt but no vault secrets found"), as Ansible's own do."""
    if isinstance(value, dict):
        text = value.get("__ansible_vault")
        if len(value) == 1 and isinstance(text, str):
            from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode

            sealed = AnsibleVaultEncryptedUnicode(text)
            sealed.vault = vault
            return sealed
        return dict((k, unseal(v, vault)) for k, v in value.items())
    if isinstance(value, list):
        return [unseal(v, vault) for v in value]
    return value


class InventoryState:
    """One version of the inventory: hosts with their merged variables, groups with their
    hosts (in the controller's order), the variables of 'all' (for the implicit localhost)."""

    def __init__(self, runtime, data):
        from ansible.inventory.manager import InventoryManager
        from ansible.vars.manager import VariableManager

        version = data.get("version")
        hosts = data.get("hosts") or {}
        groups = data.get("groups") or {}
        if not isinstance(hosts, dict) or not isinstance(groups, dict):
            raise ValueError("SetInventory needs hosts {name: vars} and groups {name: [hosts]}")
        self.version = version
        self.sources = [s for s in data.get("sources") or [] if isinstance(s, str)]
        if data.get("sealed") is True:
            vault = runtime.loader._vault
            hosts = dict((name, unseal(v, vault)) for name, v in hosts.items())
            data = dict(data, all_vars=unseal(data.get("all_vars") or {}, vault))
        inv = InventoryManager(loader=runtime.loader, sources=None, parse=False)
        data_ = inv._inventory
        for name in groups:
            if name not in data_.groups:
                inv.add_group(name)
        all_vars = data.get("all_vars") or {}
        for k, v in all_vars.items():
            data_.groups["all"].set_variable(k, v)
        # Hosts join 'all' directly, in the controller's order, so that groups['all'] and
        # the play's host lists come out in that order; each group likewise.
        source = self.sources[0] if len(self.sources) == 1 and os.path.isfile(self.sources[0]) else None
        data_.current_source = source
        order = list(groups.get("all") or []) + [h for h in hosts if h not in set(groups.get("all") or [])]
        for name in order:
            inv.add_host(name, group="all")
            host = data_.hosts[name]
            for k, v in (hosts.get(name) or {}).items():
                host.set_variable(k, v)
        for gname, members in groups.items():
            if gname == "all":
                continue
            for name in members:
                if name in data_.hosts:
                    inv.add_host(name, group=gname)
        inv.reconcile_inventory()
        self.inventory = inv
        self.manager = VariableManager(loader=runtime.loader, inventory=inv, version_info=runtime.version_info)
        self.host_count = len(data_.hosts)


def set_inventory(runtime, data):
    global _current
    state = InventoryState(runtime, data)
    with _lock:
        _current = state
    return state


def current():
    return _current


def update_facts(changes):
    """{key: facts or null}: facts gathered (or forgotten) since the controller last sent them."""
    if not isinstance(changes, dict):
        return
    with _lock:
        for key, facts in changes.items():
            if facts is None:
                _facts.pop(key, None)
            elif isinstance(facts, dict):
                _facts[key] = (next(_stamps), facts)


def facts_snapshot():
    with _lock:
        return dict(_facts)


class FactsView(object):
    """The fact cache a request's variable manager reads: each host's facts under the key the
    controller keeps them by (the host, or host|become user: facts differ per user)."""

    def __init__(self, snapshot, keys):
        self._snapshot = snapshot
        self._keys = keys

    def stamp(self, host):
        entry = self._snapshot.get(self._keys.get(host, host))
        return 0 if entry is None else entry[0]

    def get(self, host, default=None):
        entry = self._snapshot.get(self._keys.get(host, host))
        return default if entry is None else entry[1]

    def __getitem__(self, host):
        entry = self._snapshot.get(self._keys.get(host, host))
        if entry is None:
            raise KeyError(host)
        return entry[1]

    def __contains__(self, host):
        return self._snapshot.get(self._keys.get(host, host)) is not None
