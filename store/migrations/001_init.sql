-- release-health store, schema version 1.
-- Plain SQL shared by PostgreSQL and PGlite. Timestamps are epoch milliseconds (bigint);
-- JSON is jsonb written by store/codec.ts (NaN/±Infinity/-0 kept as tagged strings).
-- Tables are created in the connection's current schema (search_path), so a test run or a
-- tenant can live in its own schema.

CREATE TABLE specs (
  name        text PRIMARY KEY,
  spec        jsonb NOT NULL,
  updated_at  bigint NOT NULL,
  updated_by  text NOT NULL
);

-- One row per registered release. The release and spec JSON are kept whole (the engine needs
-- them back exactly); the columns beside them exist for filtering and dashboards.
CREATE TABLE releases (
  id             text PRIMARY KEY CHECK (id <> ''),
  service        text NOT NULL,
  environment    text NOT NULL,
  version        text NOT NULL,
  tenant         text,
  tenant_tier    text,
  release_class  text NOT NULL,
  strategy       text NOT NULL,
  started_at     bigint NOT NULL,
  release        jsonb NOT NULL,
  spec           jsonb NOT NULL,
  spec_name      text,
  status         text NOT NULL CHECK (status IN ('active', 'completed', 'aborted')),
  registered_at  bigint NOT NULL,
  registered_by  text NOT NULL,
  closed_at      bigint,
  justification  text,
  frozen         text,
  decision       text CHECK (decision IN ('continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive')),
  decided_at     bigint
);
CREATE INDEX releases_registered ON releases (registered_at DESC, id DESC);
CREATE INDEX releases_service_env ON releases (service, environment, registered_at DESC);
CREATE INDEX releases_active ON releases (registered_at DESC) WHERE status = 'active';

-- Append-only verdict history; (release_id, at) is the idempotency key for replays.
CREATE TABLE verdicts (
  id          bigserial PRIMARY KEY,
  release_id  text NOT NULL REFERENCES releases (id),
  at          bigint NOT NULL,
  decision    text NOT NULL,
  score       double precision NOT NULL,
  verdict     jsonb NOT NULL,
  UNIQUE (release_id, at)
);

-- One row per metric per verdict, for dashboards and scorecards. double precision holds
-- NaN and ±Infinity natively, so effects are stored as they are.
CREATE TABLE metric_results (
  verdict_id       bigint NOT NULL REFERENCES verdicts (id),
  ordinal          integer NOT NULL,
  release_id       text NOT NULL,
  at               bigint NOT NULL,
  metric           text NOT NULL,
  classification   text NOT NULL,
  effect_relative  double precision,
  effect_low       double precision,
  effect_high      double precision,
  evidence         double precision,
  method           text NOT NULL,
  n_baseline       double precision,
  n_canary         double precision,
  critical         boolean NOT NULL DEFAULT false,
  PRIMARY KEY (verdict_id, ordinal)
);
CREATE INDEX metric_results_release ON metric_results (release_id, metric, at);

CREATE TABLE backup_checkpoints (
  release_id   text NOT NULL REFERENCES releases (id),
  backup_id    text NOT NULL,
  taken_at     bigint NOT NULL,
  source       text NOT NULL,
  recorded_at  bigint NOT NULL,
  recorded_by  text NOT NULL,
  PRIMARY KEY (release_id, backup_id)
);

CREATE TABLE actions (
  id          bigserial PRIMARY KEY,
  release_id  text NOT NULL REFERENCES releases (id),
  kind        text NOT NULL,
  decision    text NOT NULL,
  target      text NOT NULL,
  state       text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
  attempts    integer NOT NULL CHECK (attempts >= 0),
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  last_error  text,
  payload     jsonb
);
CREATE INDEX actions_release ON actions (release_id, id);
CREATE INDEX actions_open ON actions (created_at) WHERE state <> 'succeeded';

-- Every attempt of an action, append-only (the actions row holds only the latest state).
CREATE TABLE action_attempts (
  id         bigserial PRIMARY KEY,
  action_id  bigint NOT NULL REFERENCES actions (id),
  attempt    integer NOT NULL,
  state      text NOT NULL,
  at         bigint NOT NULL,
  error      text
);
CREATE INDEX action_attempts_action ON action_attempts (action_id, id);

-- Audit trail: no foreign key on release_id, so refused or failed requests about unknown
-- releases can be recorded too.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          bigint NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  release_id  text,
  detail      jsonb
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_release ON audit_log (release_id, at, id);

-- Engine snapshot and the bus offsets it covers, written in one statement so they never disagree.
CREATE TABLE engine_checkpoints (
  release_id  text PRIMARY KEY,
  snapshot    jsonb NOT NULL,
  offsets     jsonb NOT NULL,
  saved_at    bigint NOT NULL
);
CREATE INDEX engine_checkpoints_offsets ON engine_checkpoints USING gin (offsets);
