-- Segments' rules and conditions, identities and their traits, with Flagsmith's table and column
-- names (segments_segmentrule, segments_condition, environments_identity, environments_trait).
-- Identity overrides are feature states with identity_id set (no version: Flagsmith keeps them
-- outside feature versioning).

CREATE TABLE segments_segmentrule (
  id serial PRIMARY KEY,
  type varchar(50) NOT NULL,
  segment_id integer REFERENCES segments_segment (id) ON DELETE CASCADE,
  rule_id integer REFERENCES segments_segmentrule (id) ON DELETE CASCADE,
  deleted_at timestamptz
);

CREATE TABLE segments_condition (
  id serial PRIMARY KEY,
  operator varchar(500) NOT NULL,
  property varchar(1000),
  value varchar(20000),
  description text,
  rule_id integer NOT NULL REFERENCES segments_segmentrule (id) ON DELETE CASCADE,
  deleted_at timestamptz
);

CREATE TABLE environments_identity (
  id serial PRIMARY KEY,
  identifier varchar(2000) NOT NULL,
  created_date timestamptz NOT NULL DEFAULT now(),
  environment_id integer NOT NULL REFERENCES environments_environment (id),
  system_traits jsonb NOT NULL DEFAULT '{}',
  UNIQUE (environment_id, identifier)
);

CREATE TABLE environments_trait (
  id serial PRIMARY KEY,
  identity_id integer NOT NULL REFERENCES environments_identity (id) ON DELETE CASCADE,
  trait_key varchar(200) NOT NULL,
  value_type varchar(20) NOT NULL DEFAULT 'unicode',
  boolean_value boolean,
  integer_value integer,
  string_value varchar(2000),
  float_value double precision,
  created_date timestamptz NOT NULL DEFAULT now(),
  UNIQUE (trait_key, identity_id)
);

ALTER TABLE features_featurestate
  ADD CONSTRAINT features_featurestate_identity FOREIGN KEY (identity_id) REFERENCES environments_identity (id) ON DELETE CASCADE;
CREATE INDEX features_featurestate_identity ON features_featurestate (identity_id);
