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
    let count: number | undefined;
    return {
      push(chunk) {
        if (count !== undefined) return count;
        for (const ev of decoder.push(chunk)) {
          // A quoted reply that is not a count (another SGD's answer) is skipped.
          if (ev.type === "value") count = parseLabelCount(ev.value);
          if (count !== undefined) break;
        }
        return count;
      },
    };
  },
};
