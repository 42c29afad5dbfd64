"""Decrypt {vault_ids?, passwords?, items: [{vaulttext, name?}]} -> Decrypted {results:
[{plaintext} | {error, reason}]}, one result per item in order.

vault_ids are `label@file` or a file (absolute; read, or run when executable, as Ansible does);
passwords are [{id?, password}] the controller asked for. Every vaulted value an inventory load
meets comes in one request. A password file that cannot be used (missing, empty, a script that
fails) is PasswordFileError {message}, Ansible's words naming it."""
from .. import runtime, vault
from ._common import no_ansible


def handle(data, req):
    try:
        rt = runtime.get()
    except runtime.NoAnsible as e:
        return no_ansible(e)
    items = data.get("items")
    if not isinstance(items, list):
        return "Error", {"message": "Decrypt needs items: [{vaulttext, name?}]"}
    try:
        secrets = vault.secrets_for(rt, data.get("vault_ids") or [], data.get("passwords") or [])
    except vault.PasswordFileError as e:
        return "PasswordFileError", {"message": str(e)}
    if secrets:
        # The session's secrets are the loader's too, as in Ansible: a value the controller left
        # sealed fails in a template with the words Ansible's would ("Decryption failed ...").
        rt.loader.set_vault_secrets(secrets)
    results = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("vaulttext"), str):
            results.append({"error": "an item needs vaulttext (a string)", "reason": "format"})
            continue
        results.append(vault.decrypt(secrets, item["vaulttext"], item.get("name")))
    return "Decrypted", {"results": results}
