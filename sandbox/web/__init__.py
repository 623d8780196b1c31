"""The sandbox's web frontend: server-rendered pages with the real app's selectors.

Run it with `python -m sandbox.web --port P --gateway-url URL --state-dir DIR`; the browser talks
to the gateway directly (REST with the JWT, Socket.IO at the gateway URL, path /socket.io/).
"""
