"""Writes of the organization app. Views, the API, commands, tasks and the demo data call these."""
