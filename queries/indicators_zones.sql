-- The latest value of every indicator in every zone (PMA, an agglomeration's short name, a commune's INSEE code), with target and reference.
SELECT id, year, label, theme, unit, value, target, target_year, reference, reference_year, direction, note, source,
       zone
FROM indicators
QUALIFY row_number() OVER (PARTITION BY id, zone ORDER BY year DESC) = 1
ORDER BY theme, id, zone;
