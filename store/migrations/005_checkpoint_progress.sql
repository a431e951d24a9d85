-- How far a release's engine checkpoint has got: each producer's last batch sequence it covers and
-- the engine's clock. A save that is behind the stored checkpoint (no mark higher, one lower or
-- missing; or the same marks and an earlier clock) is refused. Such a save comes from a process
-- that has lost the release: paused past its Kafka session, it woke up and saved the state it
-- still held over the new owner's further one, so that a third owner would have resumed from the
-- older state while the bus had already acknowledged what lay between. NULL (checkpoints from
-- before, tools): never refused, and refusing nothing.
ALTER TABLE engine_checkpoints ADD COLUMN progress jsonb;
