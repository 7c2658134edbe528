"""Real-time transport: Socket.IO fan-out across processes, publishing stored facts to
sockets, and waking long polls."""
