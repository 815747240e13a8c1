/**
 * Waveshare UART e-paper module (4.3", 800 × 600, 4 grey levels; reference/device-protocols.md
 * §6.2) for a panel mounted at a chute, over a serial line at 115,200 baud. It takes
 * `epaper.update` jobs whose label is drawn with the module's own commands (compile.ts). Status
 * is the handshake (0x00), answered `OK`.
 */
import { CMD, encodeFrame } from "../../firmware-protocols/waveshare/index.ts";
import { defineDriver } from "../types.ts";
import { compileWaveshare } from "./compile.ts";

const td = new TextDecoder();

export const waveshareEpaper = defineDriver({
  id: "waveshare-epaper",
  vendor: "Waveshare",
  models: ['4.3" UART e-paper module'],
  transports: ["serial", "tcp"],
  capabilities: {},
  jobKinds: ["epaper.update"],
  compile: (label) => compileWaveshare(label),
  status: {
    request: encodeFrame(CMD.HANDSHAKE),
    createReader(now) {
      let text = "";
      return {
        push(chunk) {
          text += td.decode(chunk, { stream: true });
          if (!text.includes("OK")) return undefined;
          return {
            reachability: "online",
            state: "ready",
            conditions: [],
            counters: {},
            raw: { protocol: "waveshare", text: "OK", at: now },
          };
        },
      };
    },
  },
});
