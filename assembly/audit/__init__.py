"""The audit log: every moderation, phase change, sign-in and export is written down."""
