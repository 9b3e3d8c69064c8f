/**
 * A script module that cannot be installed or run as given: the message says what to fix and `field`
 * names the input at fault (`script`, `name`, `settings`). The runtime turns it into a validation error.
 */
export class ModuleError extends Error {
  override readonly name = 'ModuleError';

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
