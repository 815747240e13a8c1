/**
 * R2000 result codes (reference/device-protocols.md §5.2, "Error codes" table, identical in
 * several vendor SDKs) mapped to the normalized conditions of §0.2. `scope` says whom the code is
 * about: `tag` — this tag operation failed (the job fails, the device is fine); `device` — the
 * reader itself is unwell (its state shows the condition); `request` — the host sent a bad
 * parameter (a driver bug or a bad profile).
 */

/** The condition names this table uses (a subset of drivers/snapshot.ts CONDITIONS). */
export type R2000Condition =
  | "rfid_no_tag"
  | "rfid_access_denied"
  | "rfid_memory_locked"
  | "rfid_antenna_missing"
  | "rfid_insufficient_power"
  | "unrecoverable_error"
  | "protocol_error";

export interface R2000ResultCode {
  code: number;
  name: string;
  /** Undefined only for success (0x10). */
  condition?: R2000Condition;
  scope: "ok" | "tag" | "device" | "request";
}

/** 0x10: the command succeeded. */
export const SUCCESS = 0x10;

const T = (
  code: number,
  name: string,
  condition: R2000Condition,
  scope: R2000ResultCode["scope"],
): R2000ResultCode => ({ code, name, condition, scope });

/** Every code of the reference table, in its order. */
export const R2000_RESULT_CODES: readonly R2000ResultCode[] = [
  { code: 0x10, name: "success", scope: "ok" },
  T(0x11, "fail", "protocol_error", "tag"),
  T(0x20, "mcu_reset_error", "unrecoverable_error", "device"),
  T(0x21, "cw_on_error", "unrecoverable_error", "device"),
  T(0x22, "antenna_missing", "rfid_antenna_missing", "device"),
  T(0x23, "write_flash_error", "unrecoverable_error", "device"),
  T(0x24, "read_flash_error", "unrecoverable_error", "device"),
  T(0x25, "set_output_power_error", "rfid_insufficient_power", "device"),
  // No tag answered the inventory round.
  T(0x31, "inventory_error", "rfid_no_tag", "tag"),
  // Read, write and kill errors: the tag was singulated but the operation did not complete —
  // in practice weak coupling (Gen2 tag error 0x0B "insufficient power", §5.1); a retry helps.
  T(0x32, "read_error", "rfid_insufficient_power", "tag"),
  T(0x33, "write_error", "rfid_insufficient_power", "tag"),
  // A lock the tag refuses: the bank is already permalocked.
  T(0x34, "lock_error", "rfid_memory_locked", "tag"),
  T(0x35, "kill_error", "rfid_insufficient_power", "tag"),
  T(0x36, "no_tag", "rfid_no_tag", "tag"),
  T(0x37, "inventory_ok_access_fail", "rfid_access_denied", "tag"),
  T(0x38, "buffer_empty", "rfid_no_tag", "tag"),
  T(0x3c, "nxp_custom_command_fail", "protocol_error", "tag"),
  T(0x40, "access_or_password_error", "rfid_access_denied", "tag"),
  T(0x41, "parameter_invalid", "protocol_error", "request"),
  T(0x42, "word_count_too_long", "protocol_error", "request"),
  T(0x43, "membank_out_of_range", "protocol_error", "request"),
  T(0x44, "lock_region_out_of_range", "protocol_error", "request"),
  T(0x45, "lock_type_out_of_range", "protocol_error", "request"),
  T(0x46, "reader_address_invalid", "protocol_error", "request"),
  T(0x47, "antenna_id_out_of_range", "protocol_error", "request"),
  T(0x48, "output_power_out_of_range", "protocol_error", "request"),
  T(0x49, "frequency_region_out_of_range", "protocol_error", "request"),
  T(0x4a, "baud_rate_out_of_range", "protocol_error", "request"),
  T(0x4b, "beeper_mode_out_of_range", "protocol_error", "request"),
  T(0x4c, "epc_match_too_long", "protocol_error", "request"),
  T(0x4d, "epc_match_length_error", "protocol_error", "request"),
  T(0x4e, "epc_match_mode_invalid", "protocol_error", "request"),
  T(0x4f, "frequency_range_invalid", "protocol_error", "request"),
  // The tag never answered the Query with an RN16: as good as no tag.
  T(0x50, "no_tag_rn16", "rfid_no_tag", "tag"),
  T(0x51, "drm_mode_invalid", "protocol_error", "request"),
  T(0x52, "pll_lock_fail", "unrecoverable_error", "device"),
  T(0x53, "rf_chip_no_response", "unrecoverable_error", "device"),
  T(0x54, "output_power_unreachable", "rfid_insufficient_power", "device"),
  T(0x55, "copyright_authentication_fail", "unrecoverable_error", "device"),
  T(0x56, "spectrum_regulation_error", "unrecoverable_error", "device"),
  T(0x57, "output_power_too_low", "rfid_insufficient_power", "device"),
  // Return loss cannot be measured: nothing (or a broken cable) on the RF port.
  T(0xee, "rf_port_return_loss_unavailable", "rfid_antenna_missing", "device"),
];

const BY_CODE = new Map(R2000_RESULT_CODES.map((r) => [r.code, r]));

/** The entry for `code`; a code outside the table is `protocol_error` with scope `device`. */
export function describeResultCode(code: number): R2000ResultCode {
  return (
    BY_CODE.get(code) ?? {
      code,
      name: `unknown_0x${code.toString(16).padStart(2, "0")}`,
      condition: "protocol_error",
      scope: "device",
    }
  );
}
