import { z } from "zod";

const gatewayId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  error: "expected a gateway id: 1–64 letters, digits, '_', '.', '-'",
});

/**
 * Several gateways on one site broker (README "Beyond one machine", issue #11). `single` (the
 * default) is one gateway answering every device topic of the site; `multi` makes each gateway
 * subscribe only to the job and command topics of the devices in its own `devices` list.
 */
export const clusterSchema = z
  .strictObject({
    mode: z.enum(["single", "multi"]).default("single"),
    /** `owner` serves its devices; `standby` waits for `standby_for` to die, then claims them. */
    role: z.enum(["owner", "standby"]).default("owner"),
    /** The owning gateway a standby watches (its retained `gateway/{gw}/state` and last will). */
    standby_for: gatewayId.optional(),
    /** How long the owner must stay offline before the standby claims its devices. */
    grace_s: z.number().min(0.5).max(3600).default(10),
    /** Share group of pool jobs (`$share/{group}/{site}/pool/+/job`, clean session). */
    pool_group: gatewayId.default("labelgate"),
    /**
     * Pool jobs claimed through the broker before they are taken (`{site}/pool/{pool}/claim/{job_id}`),
     * so a retry reaching another gateway is forwarded instead of printed twice. Off only to
     * compare (test/cluster/pool-retries.test.ts) or on a broker without retained messages.
     */
    pool_claims: z.boolean().default(true),
    /** How long pool claims (and a standby's record of the owner's jobs) are kept, in seconds. */
    claim_retention_s: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
  })
  .refine((c) => c.role === "owner" || c.standby_for !== undefined, {
    error: "a standby names the gateway it stands by for (cluster.standby_for)",
  })
  .default(() => ({
    mode: "single" as const,
    role: "owner" as const,
    grace_s: 10,
    pool_group: "labelgate",
    pool_claims: true,
    claim_retention_s: 86_400,
  }));

export type ClusterConfig = z.infer<typeof clusterSchema>;
