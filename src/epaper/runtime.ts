/**
 * The run-time device of one OpenEPaperLink tag (driver `oepl-ap`): its snapshot comes from the
 * AP's tag records (WebSocket pushes, and `get_db` every poll period), not from a byte-stream
 * status query. The AP holds content for a sleeping tag, so the device takes jobs whenever the
 * AP answers; uploads themselves retry while the AP is away (oepl-update.ts).
 */
import type { Label } from "../../drivers/label/model.ts";
import { tagProfile, tagSnapshot, type OeplTagProfile } from "../../drivers/oepl-ap/index.ts";
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { Transport } from "../../drivers/transport.ts";
import type { DeviceProfile, DriverDefinition } from "../../drivers/types.ts";
import type { TagRecord } from "../../firmware-protocols/oepl/index.ts";
import { normalizeMac } from "../../firmware-protocols/oepl/index.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";
import { CodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { OeplApClient } from "../transports/oepl-http.ts";

export interface OeplTagRuntime extends DeviceRuntime {
  readonly oepl: { client: OeplApClient; mac: string; tag: OeplTagProfile };
}

export function isOeplTagRuntime(d: DeviceRuntime): d is OeplTagRuntime {
  return "oepl" in d;
}

export interface OeplTagRuntimeOptions {
  id: string;
  driver: DriverDefinition;
  profile: DeviceProfile;
  url: string;
  mac: string;
  hwType: number;
  lowBatteryMv: number;
  graceMs: number;
  statusPollMs: number;
  clock: () => number;
  logger: Logger;
  onChange: (now: DeviceSnapshot, before: DeviceSnapshot) => void;
}

const same = (a: DeviceSnapshot, b: DeviceSnapshot): boolean =>
  a.reachability === b.reachability &&
  a.state === b.state &&
  a.conditions.join() === b.conditions.join();

export function createOeplTagRuntime(o: OeplTagRuntimeOptions): OeplTagRuntime {
  const mac = normalizeMac(o.mac);
  const tag = tagProfile(o.hwType);
  if (mac === undefined || tag === undefined)
    throw new CodedError("config_invalid", `device ${o.id}: unknown MAC form or tag type`);
  const client = new OeplApClient({ baseUrl: o.url });
  let record: TagRecord | undefined;
  let apUp = false;
  let current: DeviceSnapshot = {
    reachability: "no-response",
    state: "unknown",
    conditions: [],
    counters: {},
  };
  let hold = false;
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;

  const recompute = (): DeviceSnapshot => {
    const s: DeviceSnapshot = apUp
      ? tagSnapshot(record, o.clock(), { lowBatteryMv: o.lowBatteryMv, graceMs: o.graceMs })
      : { reachability: "disconnected", state: "unknown", conditions: [], counters: {} };
    const before = current;
    current = s;
    if (!same(s, before)) o.onChange(s, before);
    return s;
  };
  const see = (r: TagRecord): void => {
    if (r.mac !== mac) return;
    record = r;
    apUp = true;
    recompute();
  };
  const poll = async (): Promise<DeviceSnapshot> => {
    try {
      const r = await client.getTag(mac);
      apUp = true;
      if (r !== undefined) record = r;
    } catch {
      apUp = false;
    }
    return recompute();
  };
  const transport: Transport = {
    describe: client.describe,
    isOpen: false,
    open: () => Promise.resolve(),
    write: () =>
      Promise.reject(new CodedError("unsupported_kind", "an e-paper tag takes epaper.update only")),
    close: () => Promise.resolve(),
    onData: () => () => undefined,
    onClose: () => () => undefined,
  };

  return {
    id: o.id,
    driver: o.driver,
    profile: o.profile,
    transport,
    oepl: { client, mac, tag },
    snapshot: () => current,
    start() {
      off = client.onTag(see);
      const tick = (): void => {
        timer = setTimeout(() => {
          void poll().finally(() => {
            if (timer !== undefined) tick();
          });
        }, o.statusPollMs);
      };
      void poll();
      tick();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      off?.();
      client.close();
    },
    queryStatus: poll,
    identify: () => Promise.resolve(record && { model: `oepl-hw-${record.hwType.toString(16)}` }),
    quarantine: () => undefined,
    setHold: (on) => void (hold = on),
    get onHold() {
      return hold;
    },
    connectionLosses: 0,
    compile: (_label: Label) => {
      throw new CodedError("unsupported_kind", "an e-paper tag takes epaper.update only");
    },
    write: transport.write,
    async waitPrintable(onHeld, stopped) {
      let told = false;
      while (hold) {
        if (stopped()) return undefined;
        if (!told) onHeld(current);
        told = true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return current;
    },
  };
}
