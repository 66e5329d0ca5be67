"""Writes of messaging: templates, queueing and sending, receipts and replies, campaigns."""
