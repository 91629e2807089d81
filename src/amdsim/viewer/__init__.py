"""Browser replay of a results folder (reads result files only)."""
