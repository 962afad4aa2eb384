"""Access: API keys for agents, and the record of who did what (audited actions)."""
