// Output lines to a file descriptor, buffered and written synchronously. The device delivers
// its events inside advance(), which may run for billions of them before it returns, so the
// output cannot wait for the event loop: once the buffer holds FLUSH_BYTES it goes to the fd
// at once. A write that would block (a pipe whose reader is slower) waits for it, which keeps
// memory flat: the replay runs at the pace of its consumer.

import { writeSync } from "node:fs";

const FLUSH_BYTES = 1 << 16;
const EAGAIN_WAIT_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class LineWriter {
  /** The lines written so far, counting those still buffered. */
  lines = 0;
  private buffered = "";

  constructor(private readonly fd: number, private readonly onFlush: () => void = () => {}) {}

  /** Adds `line` and a line end; bound, so it can be passed as a callback. */
  readonly write = (line: string): void => {
    this.buffered += `${line}\n`;
    this.lines++;
    if (this.buffered.length >= FLUSH_BYTES) this.flush();
  };

  flush(): void {
    if (this.buffered.length === 0) return;
    // The output is ASCII, so latin1 encodes it byte for byte.
    const bytes = Buffer.from(this.buffered, "latin1");
    this.buffered = "";
    for (let done = 0; done < bytes.length;) {
      try {
        done += writeSync(this.fd, bytes, done);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        Atomics.wait(sleeper, 0, 0, EAGAIN_WAIT_MS);
      }
    }
    this.onFlush();
  }
}
