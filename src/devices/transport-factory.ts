import type { Transport } from "../../drivers/transport.ts";
import type { DeviceConfig } from "../config/schema.ts";
import { createHidTransport, loadHid, type HidLike } from "../transports/hid.ts";
import { createSerialTransport, type SerialPortFactory } from "../transports/serial.ts";
import { createTcpTransport } from "../transports/tcp.ts";
import { createUsbTransport, loadUsb, type UsbLike } from "../transports/usb.ts";

/** Injected library bindings (tests stand fakes here; the daemon uses the real ones). */
export interface TransportBindings {
  serial?: SerialPortFactory;
  /** usb@3's WebUSB object (default: the `usb` package, loaded on first open). */
  usb?: UsbLike;
  /** node-hid's async API (default: the `node-hid` package, loaded on first open). */
  hid?: HidLike;
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
      return createUsbTransport({
        vendorId: t.vendor_id,
        productId: t.product_id,
        serialNumber: t.serial_number,
        usb: bindings.usb ?? loadUsb,
      });
    case "hid":
      return createHidTransport({
        vendorId: t.vendor_id,
        productId: t.product_id,
        serialNumber: t.serial_number,
        path: t.path,
        hid: bindings.hid ?? loadHid,
      });
    case "oepl":
      // An e-paper tag is reached over the AP's HTTP/WebSocket API (src/epaper/runtime.ts).
      throw new RangeError("an oepl tag has no byte transport");
  }
}
