"""The read side over HTTP: GraphQL (strawberry on Litestar) over read models only."""
