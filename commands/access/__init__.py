"""The access context's commands: API keys, and the record of audited actions."""
