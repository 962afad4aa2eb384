"""The domain: aggregates, events, value objects and pure rules. Imports only the standard
library, ``eventsourcing.domain`` and ``domain.*``."""
