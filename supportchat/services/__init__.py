"""Business rules, written once and shared by the HTTP and Socket.IO doors; each service
gets its collaborators as its first argument, a ``context.Context``."""
