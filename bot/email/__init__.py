"""Email: the platform for members and agencies outside the chat (requests, reminders, notices by email, and
signed links to answer them from a page the bot serves). See docs/email.md."""
