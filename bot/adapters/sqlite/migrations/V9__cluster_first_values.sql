-- claimdesk schema v9: the first distinct values of each figure cluster, kept in a table of their own.
-- Matching compares a figure with the first 20 distinct values its candidate clusters were reported at
-- (store._VALUES). Reading them from the claims — one group per distinct value — cost as much as the cluster had
-- values: a much-disputed figure reported thousands of times slowed every later article on its story (bench_feeds:
-- two thirds of the store's time). The first values never change once there are 20 (claims are only added, in id
-- order), so at most 20 rows per cluster are kept here and read back.

CREATE TABLE cluster_values (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    value      REAL NOT NULL,
    claim_id   INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,  -- the first claim at this value
    PRIMARY KEY (cluster_id, value)
) WITHOUT ROWID;

INSERT INTO cluster_values (cluster_id, value, claim_id)
SELECT cluster_id, value, first_id FROM (
    SELECT cluster_id, value, min(id) AS first_id,
           row_number() OVER (PARTITION BY cluster_id ORDER BY min(id)) AS nth
    FROM claims WHERE value IS NOT NULL AND kind = 'figure' GROUP BY cluster_id, value
) WHERE nth <= 20;
