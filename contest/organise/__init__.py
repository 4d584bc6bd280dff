"""The organiser side: contest settings, sample tasks, lifecycle, bundle and CSV import."""
