// User-facing errors: one line that says what was wrong, where, and how to fix it.

/** An error caused by the user's input (a file, a flag, a config); the CLI prints its message without a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';

  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' ')); // one line, whatever a library's message held
  }
}

/** Throws a UserError unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new UserError(typeof message === 'string' ? message : message());
}
