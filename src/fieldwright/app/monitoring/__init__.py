"""The Monitoring page: health per integration and schedule, runs per day, error patterns."""
