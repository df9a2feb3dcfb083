"""Anonymous usage: ``counts`` (what the app counts, per day, on disk) and ``report`` (the yearly report)."""
