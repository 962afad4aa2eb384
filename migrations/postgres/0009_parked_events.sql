-- Events a projection could not store (a "poison" event: its data breaks the view, and
-- retrying cannot fix that). The runner records the event here, moves the projection past it
-- and raises an alert, so one bad event never stops a read model. `observatory projections
-- status` counts them; `observatory projections rebuild <name>` replays them (and clears
-- those that now pass). Not rebuilt from the log: it records what happened to the views.

CREATE TABLE IF NOT EXISTS parked_events (
    projection  text        NOT NULL,
    position    bigint      NOT NULL,
    tenant_id   text        NOT NULL,
    session_id  text,
    event_type  text        NOT NULL,
    error       text        NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, position)
);
