-- The databases of the stack, created once when the PostgreSQL volume is new: flagops' document
-- store, and Flagsmith's own (the sandbox of the `rehearsal` profile keeps its state there).
CREATE DATABASE flagops_documents;
CREATE DATABASE flagsmith;
