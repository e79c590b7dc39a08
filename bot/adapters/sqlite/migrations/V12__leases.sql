-- claimdesk schema v12 (issue 19): the lease columns the PostgreSQL store uses when several processes share one
-- database (bot/adapters/postgres/migrations/V12__leases.sql: a feed's poll and a planned message leased to one
-- process). A SQLite store has one process, which holds every lease: the columns stay empty here, and exist so
-- both stores keep one schema under one version number.

ALTER TABLE feeds ADD COLUMN lease_owner INTEGER;
ALTER TABLE feeds ADD COLUMN lease_until TEXT;
ALTER TABLE deliveries ADD COLUMN lease_owner INTEGER;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
