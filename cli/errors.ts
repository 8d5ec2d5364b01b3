// The errors the `hpet` command reports as one line on stderr, with the exit status they give:
// 2 for a wrong command line or a wrong file named on it, 1 when the environment fails.

/** A failure the user can act on, reported as `hpet: MESSAGE`. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  /** `cause`: the error this one reports, whose stack HPET_DEBUG=1 shows too. */
  constructor(message: string, readonly status: 1 | 2, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(message, 2);
  }
}

/** What a file system error says about `path`, in one line ("x.trace: no such file or directory"). */
export function fileProblem(path: string, error: unknown): string | undefined {
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "string") return undefined;
  const reason = FILE_ERRORS[error.code];
  if (reason !== undefined) return `${path}: ${reason}`;
  return "syscall" in error ? `${path}: ${error.message}` : undefined;
}

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
};
