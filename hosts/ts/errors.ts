// The typed error of every host misuse: a code to branch on and a message naming the problem.
// A call that throws it has changed nothing in the device.

import { Status } from "./abi.ts";

export type HpetErrorCode =
  | "bad-config"
  | "bad-offset"
  | "bad-size"
  | "bad-value"
  | "bad-time"
  | "time-backwards"
  | "expiry-due"
  | "queue-full"
  | "bad-input"
  | "bad-module"
  | "no-module"
  | "disposed"
  | "reentrant"
  | "snapshot-truncated"
  | "snapshot-magic"
  | "snapshot-version"
  | "snapshot-checksum"
  | "snapshot-config"
  | "snapshot-state"
  | "snapshot-length";

export class HpetError extends Error {
  override readonly name = "HpetError";
  constructor(readonly code: HpetErrorCode, message: string) {
    super(message);
  }
}

const CODES: Readonly<Record<number, HpetErrorCode>> = {
  [Status.BAD_CONFIG]: "bad-config",
  [Status.BAD_OFFSET]: "bad-offset",
  [Status.BAD_SIZE]: "bad-size",
  [Status.BAD_TIME]: "bad-time",
  [Status.TIME_BACKWARDS]: "time-backwards",
  [Status.EXPIRY_DUE]: "expiry-due",
  [Status.QUEUE_FULL]: "queue-full",
  [Status.BAD_INPUT]: "bad-input",
  [Status.SNAPSHOT_TRUNCATED]: "snapshot-truncated",
  [Status.SNAPSHOT_MAGIC]: "snapshot-magic",
  [Status.SNAPSHOT_VERSION]: "snapshot-version",
  [Status.SNAPSHOT_CHECKSUM]: "snapshot-checksum",
  [Status.SNAPSHOT_CONFIG]: "snapshot-config",
  [Status.SNAPSHOT_STATE]: "snapshot-state",
  [Status.SNAPSHOT_LENGTH]: "snapshot-length",
};

/** The error for a negative status returned by the module; `message` says what was wrong. */
export function statusError(status: number, message: string): HpetError {
  return new HpetError(CODES[status] ?? "bad-module", `${message} (status ${status})`);
}
