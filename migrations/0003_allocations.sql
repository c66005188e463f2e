-- Addresses and ports held by objects (Service cluster IPs, node ports, load-balancer IPs), written in the same
-- transaction as the object that holds them. The primary key makes a double allocation impossible; rows are
-- removed in the transaction that deletes or changes their owner, so a crash can leak nothing.
CREATE TABLE allocations (
    pool      TEXT NOT NULL,   -- 'cluster-ip', 'node-port', 'load-balancer-ip'
    value     TEXT NOT NULL,   -- '10.96.0.10', '30080'
    resource  TEXT NOT NULL,   -- the owner: resource, namespace, name
    namespace TEXT NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (pool, value)
) WITHOUT ROWID;
CREATE INDEX allocations_by_owner ON allocations (resource, namespace, name);
