-- The latest value of every indicator of the whole Pôle (optionally one theme, $theme or NULL), with its previous year's value, target and reference.
SELECT id, year, label, theme, unit, value, target, target_year, reference, reference_year, direction, note, source,
       zone,
       lag(value) OVER (PARTITION BY id ORDER BY year) AS previous_value,
       lag(year) OVER (PARTITION BY id ORDER BY year) AS previous_year
FROM indicators
WHERE zone = 'PMA' AND ($theme IS NULL OR theme = $theme)
QUALIFY row_number() OVER (PARTITION BY id ORDER BY year DESC) = 1
ORDER BY theme, id;
