"""The app's narrative: what happened in each twin, month by month, in plain words."""

from .feed import Event, FeedItem, describe_event, describe_month, milestones, read_events

__all__ = ["Event", "FeedItem", "describe_event", "describe_month", "milestones", "read_events"]
