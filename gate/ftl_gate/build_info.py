"""Replaced by the .pyz builder with the hash of the gate's sources."""
GATE_HASH = "dev"
