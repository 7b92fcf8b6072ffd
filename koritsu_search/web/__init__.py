"""The web app: layout, handlers, cards, detail, server, guard, live reload and the source route."""
