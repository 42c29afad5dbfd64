"""Vault secrets as Ansible builds them, kept for the worker's life.

The controller says where the passwords are (vault ids: `label@file` or a file, a file being
read or, when executable, run as Ansible runs it) or gives ones it asked for; each becomes
Ansible's own VaultSecret once, so a password script runs once per session, not once per
request. Decryption is Ansible's VaultLib with those secrets.
"""
import threading

_lock = threading.Lock()
_by_slug = {}


class PasswordFileError(Exception):
    """A vault password file that is missing, unreadable, empty, or a script that failed."""


def _file_secret(rt, slug):
    from ansible import constants as C
    from ansible.cli import CLI
    from ansible.errors import AnsibleError
    from ansible.module_utils._text import to_text
    from ansible.parsing.vault import get_file_vault_secret

    label, path = CLI.split_vault_id(slug)
    with _lock:
        known = _by_slug.get(slug)
        if known is not None:
            return known
        try:
            secret = get_file_vault_secret(filename=path, vault_id=label, loader=rt.loader)
            secret.load()
        except AnsibleError as e:
            raise PasswordFileError(to_text(e))
        entry = (label or C.DEFAULT_VAULT_IDENTITY, secret)
        _by_slug[slug] = entry
        return entry


def secrets_for(rt, vault_ids, passwords):
    """[(vault id, VaultSecret)] in the order given: password files first, then passwords asked for."""
    from ansible import constants as C
    from ansible.module_utils._text import to_bytes
    from ansible.parsing.vault import VaultSecret

    out = [_file_secret(rt, slug) for slug in vault_ids if isinstance(slug, str) and slug]
    for p in passwords:
        if isinstance(p, dict) and isinstance(p.get("password"), str) and p["password"]:
            out.append((p.get("id") or C.DEFAULT_VAULT_IDENTITY, VaultSecret(to_bytes(p["password"]))))
    return out


def decrypt(secrets, vaulttext, name):
    """{plaintext} or {error, reason}: reason no-secrets, wrong-password or format."""
    from ansible.errors import AnsibleError
    from ansible.module_utils._text import to_text
    from ansible.parsing.vault import AnsibleVaultFormatError, VaultLib

    if not secrets:
        return {"error": "Attempting to decrypt but no vault secrets found", "reason": "no-secrets"}
    try:
        plaintext = VaultLib(secrets).decrypt(vaulttext, filename=name)
    except AnsibleVaultFormatError as e:
        return {"error": to_text(e), "reason": "format"}
    except AnsibleError as e:
        text = to_text(e)
        reason = "wrong-password" if "no vault secrets were found that could decrypt" in text else "format"
        return {"error": text, "reason": reason}
    return {"plaintext": to_text(plaintext, errors="surrogate_or_strict")}
