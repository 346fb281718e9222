-- The latest value of every indicator (optionally one theme, $theme or NULL), with its previous year's value when there is one.
SELECT id, year, label, theme, unit, value, target, target_year, direction, note, source,
       lag(value) OVER (PARTITION BY id ORDER BY year) AS previous_value,
       lag(year) OVER (PARTITION BY id ORDER BY year) AS previous_year
FROM indicators
WHERE $theme IS NULL OR theme = $theme
QUALIFY row_number() OVER (PARTITION BY id ORDER BY year DESC) = 1
ORDER BY theme, id;
