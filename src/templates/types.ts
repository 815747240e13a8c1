import type { z } from "zod";
import type { Label } from "../../drivers/label/model.ts";

/** A template: a schema for its data and a pure layout function to the device-independent Label. */
export interface Template<D> {
  name: string;
  widthMm: number;
  heightMm: number;
  schema: z.ZodType<D>;
  layout(data: D): Label;
  /** The waybill number in the data (for `waybill_ref` and encrypted storage), if any. */
  waybillNo(data: D): string | undefined;
}
