-- Daily users of the solar cadastre (pma.cadastre-solaire.fr) with their source, oldest first.
SELECT date, users, source
FROM cadastre_usage
ORDER BY date;
