"""The terminal adapter: the panel in one terminal, for trying Panelbot with no chat tokens, for training,
and for the demo. It is a platform like the others: it parses what is typed into the shared commands and
renders the shared views, here as rich panels."""
