"""Results files (Parquet/JSON), reports and terminal output."""
