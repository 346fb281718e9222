-- Every import attempt, most recent first.
SELECT imported_at, dataset, file_name, sha256, rows_read, rows_loaded, rows_rejected, status, message
FROM imports
ORDER BY imported_at DESC;
