"""SetInventory {version, hosts: {name: vars}, groups: {name: [hosts]}, all_vars?, sources?}
-> InventorySet {version, hosts}: the inventory later requests name by version."""
from .. import inventory, runtime
from ._common import no_ansible


def handle(data, req):
    try:
        rt = runtime.get()
    except runtime.NoAnsible as e:
        return no_ansible(e)
    state = inventory.set_inventory(rt, data)
    return "InventorySet", {"version": state.version, "hosts": state.host_count}
