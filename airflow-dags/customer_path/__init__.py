"""Customer Path Airflow helpers (no airflow import here: CI imports this without Airflow)."""
