-- The places named by the events of the area ($epci, $commune) and year ($annee; NULL = all), at most $limit, the most frequent first, then alphabetical regardless of case: the page's place choices (an agenda may name tens of thousands of places, too many to send to every viewer), and how many places there are in all.
WITH named AS (
    SELECT place, count(*) AS events
    FROM events
    WHERE place IS NOT NULL
      AND in_selection(commune_code, $epci, $commune)
      AND ($annee IS NULL OR year(start_date) = $annee)
    GROUP BY place
)
SELECT place, events, count(*) OVER () AS places
FROM named
ORDER BY events DESC, lower(place), place
LIMIT $limit;
