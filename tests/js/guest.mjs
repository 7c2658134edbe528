// A customer on /guest with the official socket.io-client, driven by test_sockets_interop.py.
// Usage: node guest.mjs <server url>. Prints one JSON object per line: created, reply, sent.
import { io } from "socket.io-client";

const url = process.argv[2];
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const fail = (why) => {
  print({ step: "error", error: String(why) });
  process.exit(1);
};
setTimeout(() => fail("timed out after 30 s"), 30_000);

// Default transports: long polling first, then the upgrade to WebSocket, as in browsers.
const socket = io(`${url}/guest`, { reconnection: false });
const session = new Promise((resolve) => socket.on("session", resolve));
const reply = new Promise((resolve) => {
  socket.on("chat:message", (message) => {
    if (message.sender.role === "agent") resolve(message);
  });
});
socket.on("connect_error", (error) => fail(`connect_error: ${error.message}`));

socket.once("connect", async () => {
  try {
    const { clientId } = await session;
    const created = await socket.timeout(10_000).emitWithAck("ticket:create", {
      text: "Hello from JavaScript",
      sessionId: "js-session",
      clientMsgId: "js-1",
    });
    print({ step: "created", clientId, ack: created });
    if (!created.ok) fail("ticket:create refused");

    print({ step: "reply", message: await reply });
    const sent = await socket.timeout(10_000).emitWithAck("chat:message", {
      ticketId: created.ticket.id,
      text: "Thanks!",
      clientMsgId: "js-2",
    });
    print({ step: "sent", ack: sent, transport: socket.io.engine.transport.name });
    socket.close();
    process.exit(0);
  } catch (error) {
    fail(error);
  }
});
