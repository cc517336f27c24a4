-- The subset of Flagsmith's schema the sandbox serves, with Flagsmith's own table and column names
-- (Django defaults: <app>_<model>, FK columns <field>_id), so readers written for a real Flagsmith
-- database (the environment-document sync) read this one unchanged.

CREATE TABLE organisations_organisation (
  id serial PRIMARY KEY,
  name varchar(2000) NOT NULL,
  created_date timestamptz NOT NULL DEFAULT now(),
  feature_analytics boolean NOT NULL DEFAULT false,
  stop_serving_flags boolean NOT NULL DEFAULT false,
  persist_trait_data boolean NOT NULL DEFAULT true
);

CREATE TABLE projects_project (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  name varchar(2000) NOT NULL,
  created_date timestamptz NOT NULL DEFAULT now(),
  organisation_id integer NOT NULL REFERENCES organisations_organisation (id),
  hide_disabled_flags boolean NOT NULL DEFAULT false,
  enable_dynamo_db boolean NOT NULL DEFAULT false,
  enable_realtime_updates boolean NOT NULL DEFAULT false,
  deleted_at timestamptz
);

CREATE TABLE environments_environment (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  name varchar(2000) NOT NULL,
  created_date timestamptz NOT NULL DEFAULT now(),
  description text,
  project_id integer NOT NULL REFERENCES projects_project (id),
  api_key varchar(100) NOT NULL UNIQUE,
  minimum_change_request_approvals integer,
  allow_client_traits boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  hide_disabled_flags boolean,
  -- Flagsmith's model field is use_identity_composite_key_for_hashing; the column kept its old name.
  use_mv_v2_evaluation boolean NOT NULL DEFAULT true,
  hide_sensitive_data boolean NOT NULL DEFAULT false,
  use_v2_feature_versioning boolean NOT NULL DEFAULT false,
  use_identity_overrides_in_local_eval boolean NOT NULL DEFAULT true,
  is_creating boolean NOT NULL DEFAULT false,
  first_evaluated_at timestamptz,
  deleted_at timestamptz
);
CREATE INDEX environments_environment_project_id ON environments_environment (project_id);

CREATE TABLE environments_environmentapikey (
  id serial PRIMARY KEY,
  environment_id integer NOT NULL REFERENCES environments_environment (id),
  key varchar(100) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  name varchar(100) NOT NULL,
  expires_at timestamptz,
  active boolean NOT NULL DEFAULT true
);

CREATE TABLE features_feature (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  name varchar(2000) NOT NULL,
  created_date timestamptz NOT NULL DEFAULT now(),
  project_id integer NOT NULL REFERENCES projects_project (id),
  initial_value varchar(20000),
  description text,
  default_enabled boolean NOT NULL DEFAULT false,
  type varchar(50) NOT NULL DEFAULT 'STANDARD',
  is_archived boolean NOT NULL DEFAULT false,
  is_server_key_only boolean NOT NULL DEFAULT false,
  deleted_at timestamptz,
  -- Not in Flagsmith yet: the guard proposed by seed 001, read by the document sync.
  is_creating boolean NOT NULL DEFAULT false
);
CREATE INDEX features_feature_project_id ON features_feature (project_id);

CREATE TABLE segments_segment (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  name varchar(2000) NOT NULL,
  description text,
  project_id integer NOT NULL REFERENCES projects_project (id),
  feature_id integer REFERENCES features_feature (id),
  version_of_id integer REFERENCES segments_segment (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE feature_versioning_environmentfeatureversion (
  uuid uuid PRIMARY KEY,
  environment_id integer NOT NULL REFERENCES environments_environment (id),
  feature_id integer NOT NULL REFERENCES features_feature (id),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  live_from timestamptz,
  created_by_id integer,
  created_by_api_key_id varchar(150),
  published_by_id integer,
  published_by_api_key_id varchar(150),
  change_request_id integer,
  pipeline_stage_id integer,
  phased_rollout_state_id integer,
  deleted_at timestamptz
);
CREATE INDEX feature_versioning_efv_env_feature ON feature_versioning_environmentfeatureversion (environment_id, feature_id);

CREATE TABLE features_featuresegment (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  feature_id integer NOT NULL REFERENCES features_feature (id),
  segment_id integer NOT NULL REFERENCES segments_segment (id),
  environment_id integer NOT NULL REFERENCES environments_environment (id),
  environment_feature_version_id uuid REFERENCES feature_versioning_environmentfeatureversion (uuid) ON DELETE CASCADE,
  priority integer NOT NULL DEFAULT 0,
  enabled boolean NOT NULL DEFAULT false,
  value varchar(2000),
  value_type varchar(50) NOT NULL DEFAULT 'unicode',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE features_featurestate (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  feature_id integer NOT NULL REFERENCES features_feature (id),
  environment_id integer REFERENCES environments_environment (id),
  identity_id integer,
  feature_segment_id integer REFERENCES features_featuresegment (id) ON DELETE CASCADE,
  enabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  live_from timestamptz,
  change_request_id integer,
  environment_feature_version_id uuid REFERENCES feature_versioning_environmentfeatureversion (uuid) ON DELETE SET NULL,
  version integer DEFAULT 1,
  mv_hashing_salt integer,
  deleted_at timestamptz
);
CREATE INDEX features_featurestate_env_feature ON features_featurestate (environment_id, feature_id);
CREATE INDEX features_featurestate_efv ON features_featurestate (environment_feature_version_id);

CREATE TABLE features_featurestatevalue (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  feature_state_id integer NOT NULL UNIQUE REFERENCES features_featurestate (id) ON DELETE CASCADE,
  type varchar(10),
  string_value varchar(20000),
  integer_value integer,
  boolean_value boolean,
  deleted_at timestamptz
);

CREATE TABLE audit_auditlog (
  id serial PRIMARY KEY,
  created_date timestamptz NOT NULL DEFAULT now(),
  project_id integer REFERENCES projects_project (id),
  environment_id integer REFERENCES environments_environment (id),
  log text NOT NULL,
  author_id integer,
  master_api_key_id varchar(150),
  related_object_id integer,
  related_object_type varchar(20),
  related_object_uuid varchar(36),
  skip_signals_and_hooks varchar(500),
  is_system_event boolean NOT NULL DEFAULT false,
  history_record_id integer,
  history_record_class_path varchar(200)
);
CREATE INDEX audit_auditlog_created_date ON audit_auditlog (created_date);
