/**
 * The benchmark's broker process: labelgate's own embedded broker (aedes, src/mqtt/broker.ts) on a
 * free loopback port, alone in its process so every relay goes through the same broker.
 * IPC: sends `{type: "ready", port}`.
 */
import { startEmbeddedBroker } from "../../../src/mqtt/broker.ts";

const broker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0 });
process.send?.({ type: "ready", port: broker.port });
process.on("SIGTERM", () => {
  void broker.close().finally(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
