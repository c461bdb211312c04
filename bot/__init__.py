"""Everything that touches the outside: settings, the service layer the adapters share, the platform
adapters (console now; Slack, Teams and Telegram later), the scheduler, the web server and the CLI."""
