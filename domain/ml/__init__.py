"""Machine-learning models as events: versions trained, promoted and retired."""
