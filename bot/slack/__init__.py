"""The Slack adapter (slack-bolt): `/panel` and its forms, the referral card with one button per outcome,
votes through modals, the chair's direct message on an escalation, and App Home for the business manager.

`app` wires bolt to the bot's aiohttp server (or Socket Mode), `handlers` registers the listeners, `blocks`
renders the shared views as Block Kit, `modals` holds the forms, `adapter` delivers the outbox and `home`
builds App Home. Every decision is the core's: a rule that lives in this folder is a bug.
"""
