"""LoadInventory {sources: [path or host list], cwd?} -> InventoryLoaded {groups, hosts, all_vars, sources}.

Inventory sources read by Ansible's own InventoryManager, for what ftl's fast reader does not
read itself: inventory plugins (constructed, generator, auto, installed collections' plugins),
and, when one source needs a plugin, every source with it (constructed builds on the hosts the
other sources gave, in their order). The answer is what `ansible-inventory --list` prints, in a
shape the controller rebuilds its inventory from:

  groups:   [{name, hosts, children}] in Ansible's order (inventory.groups), members in order;
  hosts:    {name: variables} as ansible-inventory shows them (VariableManager.get_vars at
            stage 'all' without hostvars, Ansible's internal variables removed);
  all_vars: the 'all' group's own variables (what the implicit localhost gets).
"""
from .. import runtime
from ._common import no_ansible


def handle(data, req):
    sources = data.get("sources")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        return "Error", {"message": "LoadInventory needs sources: a list of paths or host lists"}
    try:
        rt = runtime.get()
    except runtime.NoAnsible as e:
        return no_ansible(e)
    from ansible.cli.inventory import InventoryCLI
    from ansible.inventory.manager import InventoryManager
    from ansible.vars.manager import VariableManager

    with rt.cwd.at(data.get("cwd")):
        # A loader of its own: the inventory's files are read relative to their own directories.
        loader = rt.new_loader()
        inv = InventoryManager(loader=loader, sources=list(sources))
        vm = VariableManager(loader=loader, inventory=inv, version_info=rt.version_info)
        # ansible-inventory's command line has none of the ad-hoc options this worker was set
        # up with (check mode...): none of them become variables here either.
        vm._options_vars = {}
        groups = []
        for group in inv.groups.values():
            groups.append({"name": group.name, "hosts": [h.name for h in group.hosts], "children": [c.name for c in group.child_groups]})
        hosts = {}
        for host in inv.get_hosts():
            hosts[host.name] = _sealed(InventoryCLI._remove_internal(vm.get_vars(host=host, include_hostvars=False, stage="all")))
        all_vars = _sealed(inv.groups["all"].get_vars())
    return "InventoryLoaded", {"groups": groups, "hosts": hosts, "all_vars": all_vars, "sources": list(inv._sources)}


def _sealed(value):
    """`!vault` values as ansible-inventory prints them, {"__ansible_vault": vaulttext}: never
    their plaintext, which the controller decrypts itself (in one batch, with the session's
    passwords) so that it knows them as secrets to mask."""
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode

    if isinstance(value, AnsibleVaultEncryptedUnicode):
        text = value._ciphertext
        return {"__ansible_vault": text.decode("utf-8") if isinstance(text, bytes) else text}
    if isinstance(value, dict):
        return {k: _sealed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sealed(v) for v in value]
    return value
