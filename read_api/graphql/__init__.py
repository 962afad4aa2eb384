"""GraphQL schema, per-request context, loaders, types and resolvers."""
