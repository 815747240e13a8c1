import {
  createZplSimulator,
  type ZplSimulator,
  type ZplSimulatorOptions,
} from "../../drivers/zebra-zpl/simulator.ts";
import { hostSimulatorOnTcp, type HostedTcpSimulator } from "../../src/simulators/tcp-host.ts";
import { exampleJob, newJobId } from "./jobs.ts";

let waybillCounter = 0;

/** A fresh synthetic waybill number per call: `SF` + 13 digits (the reprint rules never trip). */
export function nextWaybill(): string {
  waybillCounter++;
  const base = (Date.now() % 1_000_000) * 10_000 + (waybillCounter % 10_000);
  return `SF${String(base).padStart(13, "0").slice(-13)}`;
}

/** The example job for `device` (or no device, for pools) with its own waybill number. */
export function jobFor(device: string | undefined, replyTo: string) {
  const env = exampleJob({ replyTo, jobId: newJobId("D") });
  if (device === undefined) delete env["device"];
  else env["device"] = device;
  const waybill = nextWaybill();
  env.payload.data["waybill_no"] = waybill;
  return { env, waybill, json: JSON.stringify(env) };
}

export interface ScriptedZpl {
  hosted: HostedTcpSimulator<ZplSimulator>;
  /** Waybill numbers in the order the printer printed them. */
  printed: string[];
  sim: () => ZplSimulator;
}

/**
 * A ZPL printer simulator on loopback TCP with a fault script: `onPrinted(n, sim)` runs right
 * after format n is printed (e.g. paper runs out after label 20); `interceptReceive` sees host
 * bytes first and may swallow them (return true), e.g. to hang up mid-job.
 */
export async function hostScriptedZpl(o: {
  dataDir: string;
  deviceId: string;
  options?: Omit<ZplSimulatorOptions, "sink">;
  onPrinted?: (n: number, sim: ZplSimulator) => void;
  interceptReceive?: (chunk: Uint8Array, hosted: HostedTcpSimulator<ZplSimulator>) => boolean;
}): Promise<ScriptedZpl> {
  const printed: string[] = [];
  let sim: ZplSimulator | undefined;
  const ref: { hosted?: HostedTcpSimulator<ZplSimulator> } = {};
  const hosted = await hostSimulatorOnTcp({
    deviceId: o.deviceId,
    dataDir: o.dataDir,
    preview: false,
    createSimulator: (sink) => {
      const inner = createZplSimulator({
        ...o.options,
        sink: {
          reply: (b) => sink.reply(b),
          printed: (f) => {
            sink.printed(f);
            const text = new TextDecoder("latin1").decode(f.bytes);
            printed.push(/SF[0-9]{13}/.exec(text)?.[0] ?? "?");
            o.onPrinted?.(f.index, inner);
          },
        },
      });
      sim = inner;
      return {
        ...inner,
        receive(chunk: Uint8Array) {
          if (o.interceptReceive && ref.hosted && o.interceptReceive(chunk, ref.hosted)) return;
          inner.receive(chunk);
        },
      };
    },
  });
  ref.hosted = hosted;
  return { hosted, printed, sim: () => sim! };
}
