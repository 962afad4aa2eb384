-- Trained model artifacts, content-addressed: ModelVersion events record the SHA-256, this
-- table holds the bytes, so every scoring worker on every host loads the same model.
CREATE TABLE IF NOT EXISTS model_artifacts (
    sha256      text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    kind        text        NOT NULL,
    bytes       bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
