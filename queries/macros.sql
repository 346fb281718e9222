-- Macros shared by the named queries: in_selection(commune_code, $epci, $commune) is the one way a query applies the sidebar's selection (agglomeration short name and INSEE code, each NULL for "all").
-- Created by the build (kept in the file, for plain connections) and by every read-only
-- connection of the app (so a file built before it still works). A row without a commune
-- (a counter or an event outside the territory) belongs to the whole Pôle only.
CREATE OR REPLACE MACRO in_selection(code, sel_epci, sel_commune) AS
    (sel_commune IS NULL OR code = sel_commune)
    AND (sel_epci IS NULL OR code IN (SELECT c.code FROM communes c JOIN epci e ON e.code = c.epci_code
                                       WHERE e.short_name = sel_epci));
