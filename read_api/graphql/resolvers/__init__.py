"""Query resolvers."""
