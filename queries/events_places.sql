-- Every place named in the events table, in alphabetical order regardless of case (the page's place choices).
SELECT place FROM events WHERE place IS NOT NULL GROUP BY place ORDER BY lower(place), place;
