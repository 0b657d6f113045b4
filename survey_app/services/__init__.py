"""Use cases: each takes a Session, calls the domain rules, flushes, and never commits."""
