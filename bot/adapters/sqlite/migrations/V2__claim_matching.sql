-- claimdesk schema v2: clusters that match paraphrases and measured things, not only exact keys
-- (issue: Claims across sources). A new claim finds its candidate clusters through cluster_index (a quote by
-- speaker and content term, a figure by its measured thing), never by comparing against every claim.
-- Clusters stored by v1 keep matching by their exact key; they are not in the index.

ALTER TABLE clusters ADD COLUMN speaker TEXT;                      -- quote clusters: the speaker's name
ALTER TABLE clusters ADD COLUMN texts TEXT NOT NULL DEFAULT '[]';  -- quote clusters: wordings seen (JSON, a few)
ALTER TABLE clusters ADD COLUMN thing TEXT;                        -- figure clusters: the measured thing (JSON)

ALTER TABLE claims ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'corroborated', 'conflicting', 'repeat'));

CREATE TABLE cluster_index (
    key         TEXT NOT NULL,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    PRIMARY KEY (key, cluster_id)
) WITHOUT ROWID;
CREATE INDEX cluster_index_cluster ON cluster_index (cluster_id);
