"""The HTTP door (SPEC 10): `smartnumber api`. FastAPI on uvicorn, its own process beside
`smartnumber serve`, so a busy API never delays call routing. Routes call the same use
cases as the CLI (app/); who is asking comes from access.py."""
