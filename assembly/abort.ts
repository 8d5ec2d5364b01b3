// Target of every `abort` the compiler would otherwise import from the host (`--use abort=`).
// The device checks its inputs instead of asserting, so this is never reached; if it were, the
// instance would trap here rather than need a host function.
export function onAbort(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
