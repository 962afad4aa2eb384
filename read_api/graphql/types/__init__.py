"""GraphQL types: built from read-model records, never from ORM rows."""
