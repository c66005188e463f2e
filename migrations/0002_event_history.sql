-- Makes the event log self-contained, so watches and paginated lists can resume across a restart:
-- each event records the version it replaced (for selector transitions and list rewinds) and when it was
-- committed (for time-based retention, `--watch-history-window`).
ALTER TABLE events ADD COLUMN previous_resource_version INTEGER;
ALTER TABLE events ADD COLUMN previous_data BLOB;
ALTER TABLE events ADD COLUMN committed_at INTEGER NOT NULL DEFAULT 0;
