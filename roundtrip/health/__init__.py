"""Computed health: overdue, stale, off target and no owner, beside what departments report."""
