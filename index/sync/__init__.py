"""Bringing the share into the library: one-shot reconcile and the watching daemon."""
