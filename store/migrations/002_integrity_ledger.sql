-- What the store must hold, counted apart from the rows themselves: verdicts per release and
-- whether an engine checkpoint was saved. On start the embedded store compares these with the
-- rows it can read, so a page lost to corruption (a zeroed or truncated data file page reads as
-- "no rows", silently) is found and said instead of shortening timelines or restarting analyses.
CREATE TABLE integrity_ledger (
  release_id  text PRIMARY KEY,
  verdicts    bigint NOT NULL DEFAULT 0 CHECK (verdicts >= 0),
  checkpoint  boolean NOT NULL DEFAULT false
);

INSERT INTO integrity_ledger (release_id, verdicts, checkpoint)
SELECT id,
       (SELECT count(*) FROM verdicts v WHERE v.release_id = r.id),
       EXISTS (SELECT 1 FROM engine_checkpoints c WHERE c.release_id = r.id)
FROM releases r;

INSERT INTO integrity_ledger (release_id, checkpoint)
SELECT c.release_id, true FROM engine_checkpoints c
WHERE NOT EXISTS (SELECT 1 FROM integrity_ledger l WHERE l.release_id = c.release_id);
