import type { Transport } from "../../drivers/transport.ts";
import type { DeviceConfig } from "../config/schema.ts";
import { CodedError } from "../errors.ts";
import { createSerialTransport, type SerialPortFactory } from "../transports/serial.ts";
import { createTcpTransport } from "../transports/tcp.ts";

/** Injected library bindings (tests stand fakes here; the daemon uses the real ones). */
export interface TransportBindings {
  serial?: SerialPortFactory;
}

/**
 * Builds the transport a device's configuration names. `tcpPort` overrides the configured port
 * (a hosted simulator listens on a port picked at start).
 */
export function makeTransport(
  dc: DeviceConfig,
  bindings: TransportBindings = {},
  tcpPort?: number,
): Transport {
  const t = dc.transport;
  switch (t.type) {
    case "tcp":
      return createTcpTransport({
        host: t.host,
        port: tcpPort ?? t.port,
        connectTimeoutMs: t.connect_timeout_ms,
      });
    case "serial":
      return createSerialTransport({
        path: t.path,
        baudRate: t.baud_rate,
        dataBits: t.data_bits,
        stopBits: t.stop_bits,
        parity: t.parity,
        flowControl: t.flow_control,
        ...(bindings.serial !== undefined && { factory: bindings.serial }),
      });
    case "usb":
    case "hid":
      throw new CodedError("config_invalid", `transport ${t.type} is not available yet`, {
        path: `devices.${dc.id}.transport.type`,
      });
  }
}
