-- A release closed because a newer release of the same target (service, environment, tenant) was
-- registered ends as 'superseded', naming the newer one. Before, it ended 'aborted' with only an
-- audit entry saying why, so "aborted" mixed rollbacks with replacements and a reader had to
-- search the audit log to tell them apart.
ALTER TABLE releases DROP CONSTRAINT releases_status_check;
ALTER TABLE releases ADD CONSTRAINT releases_status_check
  CHECK (status IN ('active', 'completed', 'aborted', 'superseded'));
ALTER TABLE releases ADD COLUMN superseded_by text;

-- releases superseded before this version: their audit entry (release.supersede) names the newer one
UPDATE releases r
SET status = 'superseded',
    superseded_by = (
      SELECT a.detail ->> 'supersededBy' FROM audit_log a
      WHERE a.release_id = r.id AND a.action = 'release.supersede' AND a.detail ->> 'supersededBy' IS NOT NULL
      ORDER BY a.id DESC LIMIT 1
    )
WHERE r.status = 'aborted'
  AND EXISTS (
    SELECT 1 FROM audit_log a
    WHERE a.release_id = r.id AND a.action = 'release.supersede' AND a.detail ->> 'supersededBy' IS NOT NULL
  );

-- superseded exactly when it names the release that superseded it, never itself
ALTER TABLE releases ADD CONSTRAINT releases_superseded_by
  CHECK ((status = 'superseded') = (superseded_by IS NOT NULL) AND superseded_by IS DISTINCT FROM id);
