"""The Settings page and the app's settings (QSettings, typed)."""
