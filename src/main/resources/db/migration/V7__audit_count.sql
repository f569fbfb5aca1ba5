-- Repeated events (logins of one principal from one address within a minute) are folded into one audit row that
-- counts them, so the log stays readable; every other row counts one event.
ALTER TABLE audit_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
