// Errors the CLI reports as one message (no stack) with a non-zero exit code.

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
