-- claimdesk schema v7: a message the chat service rejects for good (a 400) is set aside instead of holding up
-- its channel; and the index of claims by cluster alone is back, which listing a cluster's reports in order
-- needs (v4 dropped it for one by cluster and value, which cannot serve ORDER BY id).

ALTER TABLE deliveries ADD COLUMN rejected_at TEXT;
CREATE INDEX claims_cluster ON claims (cluster_id);
