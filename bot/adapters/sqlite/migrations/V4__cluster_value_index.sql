-- claimdesk schema v4 (issue: Claims across sources): matching reads a figure cluster's distinct values from an
-- index instead of every claim the cluster holds, so a much-reported figure costs later articles no more than a
-- fresh one. The new index also serves every lookup by cluster alone, which the old one did.

CREATE INDEX claims_cluster_value ON claims (cluster_id, value);
DROP INDEX claims_cluster;
