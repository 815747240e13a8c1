/**
 * The label counter of a ZPL printer: SGD `! U1 getvar "odometer.total_label_count"`, answered
 * with the lifetime count in quotes (firmware-protocols/zpl/sgd.ts cites the guide). Used to
 * settle in-doubt jobs: the count before a job's bytes left, compared with the count afterwards.
 */
import type { CounterQuery } from "../types.ts";
import {
  createSgdReplyDecoder,
  encodeSgdGetvar,
  parseLabelCount,
  SGD_TOTAL_LABEL_COUNT,
} from "../../firmware-protocols/zpl/sgd.ts";

export const zplLabelCounterQuery: CounterQuery = {
  request: encodeSgdGetvar(SGD_TOTAL_LABEL_COUNT),
  createReader() {
    const decoder = createSgdReplyDecoder();
    let result: number | "unsupported" | undefined;
    return {
      push(chunk) {
        if (result !== undefined) return result;
        for (const ev of decoder.push(chunk)) {
          if (ev.type !== "value") continue;
          // A printer without the setting answers `"?"` [unverified: Link-OS behaviour from
          // memory, not found in the guide excerpts at hand]; one that ignores SGD altogether
          // is caught by the runtime's timeout instead (src/devices/runtime.ts).
          result =
            parseLabelCount(ev.value) ?? (ev.value.trim() === "?" ? "unsupported" : undefined);
          if (result !== undefined) break;
        }
        return result;
      },
    };
  },
};
