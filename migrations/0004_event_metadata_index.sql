-- Lets a restart rebuild the in-memory event history from a small covering index instead of scanning every
-- stored body: the loader needs only these columns (the bodies of current objects are already in memory, the
-- few others are read one by one). Without it a scan of 100,000 events reads ~100 MB of pages.
CREATE INDEX events_metadata ON events (resource_version, type, resource, namespace, name,
                                        previous_resource_version, committed_at);
