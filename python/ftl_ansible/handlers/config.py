"""Config {} -> ConfigResult {config_file, settings: {NAME: {value, origin}}, ssh: {option: {value, origin}}}.

The settings ftl honours, as ansible-core's own configuration manager resolves them for this
process (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg; ANSIBLE_*
over the file; Ansible's defaults last), each with the origin Ansible reports
(`ansible-config dump` words): 'default', 'env: ANSIBLE_X', or the file's path. Connection
settings come as the ssh connection plugin's options, because that is where Ansible reads
them (remote_user, private_key_file, host_key_checking, timeout, ssh_args...). The command
line is the controller's business: it is over all of these.

Only ansible.constants and the ssh plugin's definition are loaded, not the rest of
Ansible: this request may be the only one a session makes."""

SETTINGS = (
    "DEFAULT_HOST_LIST",
    "DEFAULT_FORKS",
    "DEFAULT_BECOME",
    "DEFAULT_BECOME_METHOD",
    "DEFAULT_BECOME_USER",
    "DEFAULT_VAULT_PASSWORD_FILE",
    "DEFAULT_VAULT_IDENTITY_LIST",
    "INTERPRETER_PYTHON",
    "COLLECTIONS_PATHS",
    "DEFAULT_MODULE_PATH",
)

SSH_OPTIONS = ("remote_user", "private_key_file", "host_key_checking", "timeout", "ssh_args", "ssh_common_args", "ssh_extra_args", "port")


def _plain(value):
    """JSON-safe: Ansible's typed values (paths lists, booleans, ints) as they are, others as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    return str(value)


def handle(data, req):
    try:
        from ansible import constants as C
    except ImportError as e:
        return "NoAnsible", {"message": "ansible-core is not importable by this Python: %s" % e}
    from ansible.plugins.loader import connection_loader

    config = C.config
    settings = {}
    for name in SETTINGS:
        # As ansible.constants computes them: defaults templated with the constants' own values.
        value, origin = config.get_config_value_and_origin(name, variables=vars(C))
        settings[name] = {"value": _plain(value), "origin": origin}
    # Loading the plugin class registers its option definitions with the config manager.
    connection_loader.get("ssh", class_only=True)
    ssh = {}
    for name in SSH_OPTIONS:
        value, origin = config.get_config_value_and_origin(name, plugin_type="connection", plugin_name="ssh")
        ssh[name] = {"value": _plain(value), "origin": origin}
    return "ConfigResult", {"config_file": config._config_file, "settings": settings, "ssh": ssh}
