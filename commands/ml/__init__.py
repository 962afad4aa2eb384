"""The model registry: versions trained, promoted, retired."""
