import { CodedError } from "../errors.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { OperatorStore } from "./operators.ts";

/**
 * Who acts in a management request (README "Management requests"). A request that names an
 * acting `operator` (approval request / grant / deny, lockdown set / lift, operator disable /
 * enable, job resolve) must also carry that operator's own `credential` — the password set with
 * `labelgate operators add --password-stdin` or `operators password`, the same one as for the
 * console — checked with scrypt against the stored hash. Otherwise it is refused with
 * `not_authorized` (reason `credential_missing`, `credential_invalid`, or `credential_locked`
 * after repeated wrong ones) and audited as `management.refused`, before its handler runs.
 *
 * Why the operator's credential and not a list of operators per MQTT client: the broker's ACL
 * already limits who may publish requests at all (supervisor clients), but a supervisor's tool is
 * often one machine shared by a shift. If the client's login vouched for every operator listed on
 * it, one person at that desk could request an approval as S1 and grant it as S2, defeating the
 * two-person rule (Art. 15). A credential only the person knows binds each act to that person,
 * and it holds on any broker (the embedded one, or a site Mosquitto, where the gateway never
 * learns which client published a message).
 *
 * Requests that name no operator (`approval.list`, `lockdown.status`) are read-only and pass.
 * The credential is never logged, audited or echoed.
 */
export type ManagementAuthorize = (action: string, req: Record<string, unknown>) => Promise<void>;

const SAFE_OPERATOR = /^[A-Za-z0-9_.-]{1,32}$/;
const SAFE_ACTION = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Wrong credentials per operator before further attempts are refused unchecked. */
const MAX_FAILURES = 5;
/** How long failures count, and how long a locked operator stays locked (15 minutes). */
const FAILURE_WINDOW_MS = 15 * 60_000;

export function createManagementAuth(d: {
  operators: OperatorStore;
  audit: AuditAppend;
  clock?: () => number;
}): ManagementAuthorize {
  const clock = d.clock ?? Date.now;
  // Online guessing: each check costs a scrypt (tens of ms), so a supervisor client could try a
  // few hundred passwords a minute. After MAX_FAILURES wrong credentials for one operator within
  // the window, that operator's requests are refused (`credential_locked`) without a check until
  // the window has passed since the last failure; a right credential clears the count. In memory:
  // a restart clears it. The price: a supervisor client can lock a supervisor out of MQTT
  // requests for 15 minutes (the console and the CLI still work).
  const failures = new Map<string, { n: number; last: number }>();
  const refuse = (action: string, operator: unknown, why: string): never => {
    try {
      d.audit({
        action: "management.refused",
        outcome: "rejected",
        reason: SAFE_ACTION.test(action)
          ? `not_authorized:${why}:${action}`
          : `not_authorized:${why}`,
        ...(typeof operator === "string" && SAFE_OPERATOR.test(operator) && { operator }),
      });
    } catch {
      // The audit log's own failure path raises the alert; the refusal stands.
    }
    throw new CodedError(
      "not_authorized",
      why === "credential_missing"
        ? "credential: the acting operator's credential is required"
        : why === "credential_locked"
          ? "credential: too many wrong credentials for this operator; try again later"
          : "credential: does not match the acting operator (or the operator is not active)",
      { path: "credential", reason: why },
    );
  };
  return async (action, req) => {
    const operator = req["operator"];
    if (operator === undefined) return;
    const credential = req["credential"];
    if (typeof credential !== "string" || credential.length === 0 || credential.length > 1024)
      refuse(action, operator, "credential_missing");
    if (typeof operator !== "string" || !SAFE_OPERATOR.test(operator))
      return refuse(action, operator, "credential_invalid");
    const now = clock();
    const f = failures.get(operator);
    if (f && now - f.last >= FAILURE_WINDOW_MS) failures.delete(operator);
    else if (f && f.n >= MAX_FAILURES) return refuse(action, operator, "credential_locked");
    if (await d.operators.verifyPassword(operator, credential as string)) {
      failures.delete(operator);
      return;
    }
    const g = failures.get(operator) ?? { n: 0, last: now };
    failures.set(operator, { n: g.n + 1, last: clock() });
    // Bounded: an unknown id counts too, but the map never outgrows a few thousand entries.
    if (failures.size > 4096) failures.delete(failures.keys().next().value!);
    refuse(action, operator, "credential_invalid");
  };
}
