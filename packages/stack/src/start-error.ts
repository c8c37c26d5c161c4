/**
 * A start-up failure whose message states what failed and how to fix it (an occupied port,
 * a data folder in use or not writable). `npm start` prints the message alone, without a stack
 * trace, and the log line records the reason instead of the stack.
 */
export class StackStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StackStartError";
  }
}

/** Error codes of `listen()` that a configuration change fixes, with what each one means. */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "the port needs more privileges than this process has",
  EADDRNOTAVAIL: "the address is not one of this host's addresses",
};

/**
 * Describes a failure of a service to start. A failed `listen()` names the address and the
 * variable that moves the port; anything else keeps the original message after the service name.
 */
export function serviceStartError(service: string, section: string, error: unknown): Error {
  const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const problem = LISTEN_PROBLEMS[failure.code ?? ""];
  if (failure.syscall === "listen" && problem !== undefined) {
    const variable = `OSTS_${section.toUpperCase()}__LISTEN__PORT`;
    return new StackStartError(
      `${service} cannot listen on ${failure.address}:${failure.port}: ${problem}. Stop the ` +
        `process that uses the port, or set ${variable} to another port (0 picks a free one).`,
      { cause: error },
    );
  }
  return new StackStartError(`${service} failed to start: ${(error as Error).message}`, {
    cause: error,
  });
}
