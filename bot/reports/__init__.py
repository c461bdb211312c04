"""Rendering the business manager's view: the period report as tables, Markdown, CSV files and PNG charts
(`tables`, `charts`), the open deadlines as an iCalendar feed (`ics`), and the decision record as an
archive (`export`). The figures themselves come from `flows.reports`; nothing here computes one."""
