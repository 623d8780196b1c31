"""The sandbox gateway: REST (aiohttp) and Socket.IO (python-socketio) on one port, as in api-contract §0."""
