/** The audit log: append (log.ts), verify (verify.ts), and the hash encoding (encoding.ts). */
export { AUDIT_ACTIONS, AUDIT_OUTCOMES } from "./types.ts";
export type {
  AuditAction,
  AuditActor,
  AuditActorInput,
  AuditHead,
  AuditInput,
  AuditOutcome,
  AuditPlace,
  AuditPlaceInput,
  AuditQuery,
  AuditRecord,
  AuditTarget,
  AuditTargetInput,
} from "./types.ts";
export {
  createAuditLog,
  MAX_SEARCH_LIMIT,
  waybillAad,
  type AuditLog,
  type AuditLogOptions,
} from "./log.ts";
export { verifyAuditLog, type VerifyFailureReason, type VerifyResult } from "./verify.ts";
export {
  canonicalJson,
  createRecordHasher,
  GENESIS_HASH,
  HASH_DOMAIN,
  HASHED_COLUMNS,
  type HashedValue,
} from "./encoding.ts";
export { MAX_ID_LENGTH, MAX_WAYBILL_LENGTH } from "./input.ts";
