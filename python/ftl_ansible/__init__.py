"""ftl's Ansible worker: one long-lived Python process on the controller with ansible-core
loaded, answering what only Ansible knows (templating with Ansible's Templar and the
variables a task sees, the template action's rendering) over the gate's framing.

It runs with the controller's Python, never on hosts. Each request type is one module in
`handlers/` (the type's name in snake_case: RenderTemplate -> handlers/render_template.py),
with `handle(request)` returning (reply_type, reply_data). See docs/gate-protocol.md.
"""
