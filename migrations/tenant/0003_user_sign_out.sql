-- What a tenant API token is checked against on every request: a token carries
-- the user's token_version at sign-in, and signing out bumps it, so every token
-- issued before stops working at once; a user with disabled_at set is refused
-- whatever token it holds.
-- migrate:up
ALTER TABLE users
  ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0),
  ADD COLUMN disabled_at   timestamptz;

-- migrate:down
ALTER TABLE users DROP COLUMN disabled_at, DROP COLUMN token_version;
