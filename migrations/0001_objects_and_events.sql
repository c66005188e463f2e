-- The durable state of the API: current objects, the event log watches resume from, and the global
-- resourceVersion counter (etcd's revision). Every API write is one transaction over these three tables.

-- Current state: one row per live object. `resource` is the group-qualified plural
-- ("services", "endpointslices.discovery.k8s.io"); `namespace` is '' for cluster-scoped kinds.
CREATE TABLE objects (
    resource         TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    resource_version INTEGER NOT NULL,
    data             BLOB    NOT NULL,   -- the object as compact JSON, metadata.resourceVersion included
    PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;

-- Every change, in resourceVersion order; DELETED rows carry the last state with the deletion's resourceVersion.
CREATE TABLE events (
    resource_version INTEGER PRIMARY KEY,
    type             TEXT    NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
    resource         TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    data             BLOB    NOT NULL
);

-- The single global resourceVersion counter; survives compaction of the event log.
CREATE TABLE revision (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    resource_version INTEGER NOT NULL
);
INSERT INTO revision (id, resource_version) VALUES (1, 0);
