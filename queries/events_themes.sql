-- Every theme of the events table, in alphabetical order regardless of case (the page's theme choices).
SELECT theme FROM events WHERE theme IS NOT NULL GROUP BY theme ORDER BY lower(theme), theme;
