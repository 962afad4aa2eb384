"""The alerts read model: alerts with their status, and the model registry."""
