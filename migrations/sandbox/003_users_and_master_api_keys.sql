-- Who made a change: Flagsmith's users (a `Token` caller) and organisation (master) API keys (an
-- `Api-Key` caller), so versions and audit rows record their author as Flagsmith does. Numbered 003:
-- 002 is taken by the segments and identities of a parallel change.

CREATE TABLE users_ffadminuser (
  id serial PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  email varchar(254) NOT NULL UNIQUE,
  first_name varchar(30) NOT NULL DEFAULT '',
  last_name varchar(150) NOT NULL DEFAULT '',
  last_login timestamptz,
  date_joined timestamptz NOT NULL DEFAULT now()
);

-- djangorestframework-api-key's id is `<prefix>.<hash>`; the sandbox's admin key spans every
-- organisation, so organisation_id may be null here (it never is in Flagsmith).
CREATE TABLE api_keys_masterapikey (
  id varchar(150) PRIMARY KEY,
  prefix varchar(8) NOT NULL UNIQUE,
  hashed_key varchar(150) NOT NULL,
  name varchar(50) NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  revoked boolean NOT NULL DEFAULT false,
  expiry_date timestamptz,
  organisation_id integer REFERENCES organisations_organisation (id),
  is_admin boolean NOT NULL DEFAULT true,
  deleted_at timestamptz
);
