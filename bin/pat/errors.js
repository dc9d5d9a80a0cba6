// @ts-check
/** What a failure is: one line on stderr and an exit code a script can act on. */

/** Exit codes, so that a cron job can tell "retry later" from "a human must act". */
export const EXIT = {
  ok: 0,
  /** Not done (network, server or file problem); the message says whether and when to retry. */
  failure: 1,
  /** Wrong command line. */
  usage: 2,
  /** The credential was rejected (401): a human must issue a new token or sign in again. */
  rejected: 3,
  /** 409: the refresh key was just used by another refresh. */
  conflict: 4,
};

/** A failure to report on one line of stderr, with its exit code. */
export class CliError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The service could not be reached, or the connection broke before its answer arrived. */
export class NetworkError extends CliError {
  /**
   * @param {string} message
   * @param {boolean} requestMaybeSent false only when the request certainly never left this machine
   */
  constructor(message, requestMaybeSent) {
    super(message, EXIT.failure);
    this.requestMaybeSent = requestMaybeSent;
  }
}

/** @param {string} message */
export const usageError = (message) => new CliError(`${message} (see pat help)`, EXIT.usage);
