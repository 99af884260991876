/** Base of every SDK error: a short message a person can act on, details, and the underlying cause. */
export class DepinError extends Error {
  override name = "DepinError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** Input refused by the SDK before anything was sent. */
export class InvalidInputError extends DepinError {
  override name = "InvalidInputError";
}

/** A deployment record is missing or does not match the chain. */
export class DeploymentNotFoundError extends DepinError {
  override name = "DeploymentNotFoundError";
}
