-- claimdesk schema v11 (issue 17): a quote's sentence embedding (all-MiniLM-L6-v2, packed to 388 bytes by
-- bot.adapters.minilm), computed once, when the quote first meets a candidate cluster of its speaker, and kept
-- for every later comparison. Keyed by a 64-bit hash of the quote's words, so one wording is embedded once
-- whichever claims and clusters carry it. Figure clusters are indexed again by their measured thing
-- (bot.core.figure_identity): done in code after this script, recorded in meta as 'figure_index_v11'.

CREATE TABLE quote_vectors (
    id      INTEGER PRIMARY KEY,  -- bot.adapters.store.text_id(text)
    vector  BLOB NOT NULL
);
