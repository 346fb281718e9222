"""Écotransition Artois: data, queries and figures behind the PMA dashboard."""

DEMO_SOURCE = "démonstration"
REPORT_SOURCE = "Rapport d'activité 2023 PMA"
