// A mistake in how the CLI was called: reported with the usage text, exit status 2.
export class UsageError extends Error {
  override readonly name = "UsageError";
}
