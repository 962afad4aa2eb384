"""The privacy context's commands: erasing a session's personal data (crypto-shredding)."""
