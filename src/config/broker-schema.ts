import { z } from "zod";

/**
 * `mqtt.embedded.tls`: a TLS listener of the embedded broker beside its plain one, so
 * workstations, scanners and supervisors' tools on the site network log in with client
 * certificates (issue #8; the same shape as a Mosquitto listener with `cafile`, `certfile`,
 * `keyfile`, `require_certificate` and `use_identity_as_username`). Kept apart from `schema.ts`
 * so it can grow without touching the shared file.
 */
export const embeddedTlsSchema = z
  .strictObject({
    /** Address of the TLS listener; all interfaces by default (it exists for the site network). */
    host: z.string().min(1).default("0.0.0.0"),
    port: z
      .number({ error: "expected a number from 1 to 65535" })
      .int({ error: "expected a number from 1 to 65535" })
      .min(1, { error: "expected a number from 1 to 65535" })
      .max(65535, { error: "expected a number from 1 to 65535" })
      .default(8883),
    /** PEM file of the broker's certificate (chain). */
    cert: z.string().min(1),
    /** PEM file of the broker's private key. */
    key: z.string().min(1),
    /** PEM file of the CA(s) that issue client certificates. */
    ca: z.string().min(1).optional(),
    /** A client without a certificate from `ca` is refused during the TLS handshake. */
    require_certificate: z.boolean().default(true),
    /**
     * The certificate's subject CN is the client's id (a `labelgate clients` account): no
     * username or password is read (Mosquitto `use_identity_as_username`).
     */
    use_identity_as_username: z.boolean().default(true),
  })
  .refine((t) => !(t.require_certificate || t.use_identity_as_username) || t.ca !== undefined, {
    error: "require_certificate and use_identity_as_username need a ca",
    path: ["ca"],
  })
  .refine((t) => !t.use_identity_as_username || t.require_certificate, {
    error: "use_identity_as_username needs require_certificate",
    path: ["use_identity_as_username"],
  });

export type EmbeddedTlsConfig = z.infer<typeof embeddedTlsSchema>;
