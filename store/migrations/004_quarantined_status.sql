-- A release whose analysis failed (the pipeline's poison-release rule: an engine error, a state that
-- cannot be judged, a window too long to be judged at load) ends 'quarantined'. Before, it kept
-- status 'active' after its last 'inconclusive' verdict, so the list of active releases, the index
-- page and every restart showed it as judged and reopened it. Not 'aborted': that status means a
-- rollback (Flagger's rollback hook answers "roll back" for it), and nobody decided one here.
ALTER TABLE releases DROP CONSTRAINT releases_status_check;
ALTER TABLE releases ADD CONSTRAINT releases_status_check
  CHECK (status IN ('active', 'completed', 'aborted', 'superseded', 'quarantined'));
