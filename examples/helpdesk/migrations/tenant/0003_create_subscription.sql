-- Which plan this customer is on. The foreign key reaches a shared table in
-- public: allowed because plans is sharedReadable (tenants may SELECT and
-- REFERENCE it, never write it).
-- migrate:up
CREATE TABLE subscription (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  plan_id     text NOT NULL DEFAULT 'free' REFERENCES public.plans (id),
  seats       integer NOT NULL DEFAULT 1 CHECK (seats > 0),
  started_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO subscription DEFAULT VALUES;

-- migrate:down
DROP TABLE subscription;
