-- Every import attempt (and restore), most recent first; filtered by $dataset (name or NULL).
SELECT imported_at, dataset, file_name, sha256, rows_read, rows_loaded, rows_rejected, status, message
FROM imports
WHERE $dataset IS NULL OR dataset = $dataset
ORDER BY imported_at DESC, id;
