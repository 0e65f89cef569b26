"""The sandbox: a local Bot API server, a control API and a chat page for the demo class."""
