-- The plans a helpdesk customer can be on: reference data every tenant reads
-- (sharedReadable in schemata.config.json) and references from its own
-- subscription, but no tenant can change.
-- migrate:up
CREATE TABLE plans (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$'),
  name          text NOT NULL,
  max_agents    integer CHECK (max_agents > 0),
  price_cents   integer NOT NULL CHECK (price_cents >= 0),
  sla_hours     integer NOT NULL CHECK (sla_hours > 0)
);
INSERT INTO plans (id, name, max_agents, price_cents, sla_hours) VALUES
  ('free', 'Free', 2, 0, 72),
  ('team', 'Team', 10, 4900, 24),
  ('business', 'Business', 50, 19900, 8),
  ('enterprise', 'Enterprise', NULL, 99900, 2);

-- migrate:down
DROP TABLE plans;
