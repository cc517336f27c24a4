-- flagops' own store (FLAGOPS_DATABASE_URL).

-- The environment documents written by the document sync (SPEC §4), one row per environment,
-- keyed by the environment's api key because that is what SDKs present when they ask for it.
CREATE TABLE environment_documents (
  environment_api_key text PRIMARY KEY,
  environment_id integer NOT NULL,
  document jsonb NOT NULL,
  feature_states_count integer NOT NULL,
  document_bytes integer NOT NULL,
  -- sha256 of the canonical JSON: lets a pass skip rewriting an identical document.
  content_hash text NOT NULL,
  -- The sync workflow's own pass sequence; a write with a lower one is refused, so a late retry of
  -- an older pass can never replace a newer document (Flagsmith's updated_at is not bumped by
  -- seeded feature states or scheduled go-lives, so it cannot order writes).
  pass_sequence bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  -- Last time a pass confirmed the document (identical documents only move this and the sequence).
  checked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX environment_documents_environment_id ON environment_documents (environment_id);

-- The audit-log tailer's durable cursor: the highest audit id seen and the ids seen inside the
-- overlap window below it (rows commit out of id order, so the window is re-read and de-duplicated).
CREATE TABLE audit_log_cursors (
  tailer text PRIMARY KEY,
  high_water bigint NOT NULL,
  seen_ids jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now()
);
