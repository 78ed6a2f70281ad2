"""/v1 routes, one module per resource; each handler checks the role, calls one use case
of app/, and answers."""
