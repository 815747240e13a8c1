/**
 * Behaviours the TSPL, ESC/POS and CPCL printer simulators share (drivers/<family>/simulator.ts):
 * how a reply leaves the simulated device — nothing while it is silent, junk first when the
 * `garbage` fault is armed — and the receive buffer of a printer that a fault stops: jobs and
 * buffered query replies kept in order and worked through once the printer runs again.
 */

/** The controls every printer simulator has; each adds its own `state()` (and `restart()`). */
export interface PrinterSimulatorControls<Fault extends string> {
  /** Bytes from the host. */
  receive(chunk: Uint8Array): void;
  /** Raises or clears a fault; `garbage` arms the junk before the next reply. */
  setFault(condition: Fault | "garbage", on: boolean): void;
  /** A silent printer answers nothing. */
  setSilent(on: boolean): void;
}

export interface ReplyChannel {
  /** Sends `bytes`: nothing while silent; after a copy of the junk when `garbage` is armed. */
  reply(bytes: Uint8Array): void;
  setSilent(on: boolean): void;
  /** Arms (or disarms) the junk before the next reply; one reply consumes it. */
  setGarbage(on: boolean): void;
}

export function createReplyChannel(
  send: (bytes: Uint8Array) => void,
  junk: Uint8Array,
): ReplyChannel {
  let silent = false;
  let garbage = false;
  return {
    reply(bytes) {
      if (silent) return;
      if (garbage) {
        garbage = false;
        send(junk.slice());
      }
      send(bytes);
    },
    setSilent(on) {
      silent = on;
    },
    setGarbage(on) {
      garbage = on;
    },
  };
}

/**
 * The part of `setFault` every printer simulator shares: `garbage` arms the channel's junk before
 * the next reply; any other condition is added to or removed from `faults`. False for `garbage`
 * (the printer's state did not change), true otherwise.
 */
export function switchFault<Fault extends string>(
  faults: Set<Fault>,
  channel: ReplyChannel,
  condition: Fault | "garbage",
  on: boolean,
): boolean {
  if (condition === "garbage") {
    channel.setGarbage(on);
    return false;
  }
  const fault = condition as Fault;
  if (on) faults.add(fault);
  else faults.delete(fault);
  return true;
}

/**
 * A printer's receive buffer as the simulators model it: while the printer is stopped, or has
 * kept anything already, a job or a buffered reply waits behind what came before it; a running
 * printer works through the buffer in order.
 */
export interface PrinterBuffer {
  /** Prints the job now, or keeps it. */
  job(bytes: Uint8Array): void;
  /** Sends a buffered command's reply now, or keeps it behind the kept jobs. */
  reply(bytes: Uint8Array): void;
  /** Works through what was kept, in order, until the printer stops or nothing is left. */
  flush(): void;
  /** Jobs kept (replies not counted). */
  heldJobs(): number;
  /** Jobs printed so far. */
  printed(): number;
  /** Forgets everything kept (a reset, a power cycle). */
  clear(): void;
}

/** `print` gets each job with its number, counted from 1 (`index` of the simulators' sinks). */
export function createPrinterBuffer(o: {
  stopped(): boolean;
  print(bytes: Uint8Array, index: number): void;
  reply(bytes: Uint8Array): void;
}): PrinterBuffer {
  const held: Array<{ job: Uint8Array } | { reply: Uint8Array }> = [];
  let printed = 0;
  const waits = (): boolean => o.stopped() || held.length > 0;
  const print = (bytes: Uint8Array): void => o.print(bytes, ++printed);
  return {
    job(bytes) {
      if (waits()) held.push({ job: bytes });
      else print(bytes);
    },
    reply(bytes) {
      if (waits()) held.push({ reply: bytes });
      else o.reply(bytes);
    },
    flush() {
      while (!o.stopped() && held.length > 0) {
        const next = held.shift();
        if (next === undefined) break;
        if ("job" in next) print(next.job);
        else o.reply(next.reply);
      }
    },
    heldJobs: () => held.filter((h) => "job" in h).length,
    printed: () => printed,
    clear() {
      held.length = 0;
    },
  };
}
