-- Content version of every table (writers give a table a new one whenever they may have changed it); readers key their caches on the versions of the tables a query reads.
SELECT table_name, version FROM table_versions ORDER BY table_name
