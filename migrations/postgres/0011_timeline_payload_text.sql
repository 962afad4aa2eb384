-- The timeline keeps each event's payload as the JSON text it was recorded with, not jsonb:
-- reads only ever return a payload whole (nothing queries inside it), and parsing 2-3 KB of
-- JSON into jsonb per row was most of the projector's write time. Rows already stored keep
-- their content (jsonb's text form); no rebuild is needed. After a rebuild, older rows show
-- their keys in the client's order too.
ALTER TABLE timeline_events ALTER COLUMN payload TYPE text USING payload::text;

-- lz4 compresses long payloads (TOAST) several times faster than the default pglz; a server
-- built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE timeline_events ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
