// Typed errors with a one-line message and a hint (architecture.md rule 7). The CLI maps them to exit codes;
// nothing here knows about processes or terminals.
export abstract class MeshctlError extends Error {
  abstract readonly exitCode: number;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input cannot be used: wrong file, truncated JSON, bad YAML, unknown flag value. */
export class InputError extends MeshctlError {
  readonly exitCode = 2;
}

/** Something named on the command line does not exist in the inputs (a pod, a resource). */
export class NotFoundError extends MeshctlError {
  readonly exitCode = 2;
}

/** The Kubernetes API or a proxy's admin endpoint failed. */
export class ApiError extends MeshctlError {
  readonly exitCode = 2;
}
