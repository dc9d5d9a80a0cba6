// @ts-check
/** Vendor credentials files: read and checked without ever quoting them, replaced atomically. */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from './errors.js';
import { rememberSecret } from './output.js';

/**
 * @typedef {{ apiUrl: string, accessToken?: string, refreshKey: string, tokenId?: string, expiresAt?: string | null, [extra: string]: unknown }} Credentials
 */

/** @param {unknown} error */
export const errnoOf = (error) => /** @type {{ code?: string }} */ (error ?? {}).code ?? String(error);

/**
 * Reads and checks a credentials file. Its content is never quoted in a message: a JSON parse
 * error would echo the text around the mistake, which may be the refresh key.
 * @param {string} path
 * @returns {Promise<{ credentials: Credentials, raw: Buffer }>}
 */
export async function readCredentials(path) {
  let raw;
  try {
    raw = await readFile(path);
  } catch (error) {
    const code = errnoOf(error);
    const why = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' }[code] ?? code;
    throw new CliError(`cannot read the credentials file ${path}: ${why}`);
  }
  let parsed;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CliError(`the credentials file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError(`the credentials file ${path} must hold a JSON object`);
  /** @type {string[]} */
  const problems = [];
  if (typeof parsed.refreshKey !== 'string' || parsed.refreshKey === '') problems.push('"refreshKey" must be a non-empty string');
  if (parsed.apiUrl !== undefined && typeof parsed.apiUrl !== 'string') problems.push('"apiUrl" must be a string');
  if (parsed.accessToken !== undefined && typeof parsed.accessToken !== 'string') problems.push('"accessToken" must be a string');
  if (problems.length > 0) throw new CliError(`the credentials file ${path} is invalid: ${problems.join('; ')}`);
  rememberSecret(parsed.refreshKey);
  rememberSecret(parsed.accessToken);
  return { credentials: parsed, raw };
}

/**
 * Makes a rename durable across a power cut. Best effort: the rename has already happened and is
 * atomic, and some platforms cannot fsync a directory at all, so a failure here is not a failure
 * of the replacement.
 * @param {string} directory
 */
async function syncDirectory(directory) {
  let handle;
  try {
    handle = await open(directory, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // see above
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * A replacement for `target` prepared in the same directory (so the rename is atomic), opened
 * BEFORE any secret is spent: a directory we cannot write to fails while the old key still works.
 */
export class PendingReplacement {
  /**
   * @param {string} target
   * @param {string} tempPath
   * @param {import('node:fs/promises').FileHandle} handle
   */
  constructor(target, tempPath, handle) {
    this.target = target;
    this.tempPath = tempPath;
    this.handle = handle;
    this.done = false;
  }

  /**
   * @param {string} target the real path (not a symlink) of the file to replace
   * @param {{ uid: number, gid: number } | undefined} owner keep this owner when running as root
   */
  static async prepare(target, owner) {
    const tempPath = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    let handle;
    try {
      // O_EXCL: never write through a file (or symlink) someone else placed there.
      handle = await open(tempPath, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      await handle.chmod(0o600);
      if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid);
    } catch (error) {
      await handle?.close().catch(() => {});
      if (handle) await unlink(tempPath).catch(() => {});
      throw new CliError(
        `cannot create a file next to ${target} (${errnoOf(error)}): the directory must be writable to replace the file safely; nothing was sent`,
      );
    }
    return new PendingReplacement(target, tempPath, handle);
  }

  /**
   * Writes, fsyncs, renames over the target and fsyncs the directory.
   * @param {string} content
   */
  async commit(content) {
    try {
      await this.handle.writeFile(content, 'utf8');
      await this.handle.sync();
      await this.handle.close();
    } catch (error) {
      await this.discard();
      throw new Error(errnoOf(error));
    }
    try {
      await rename(this.tempPath, this.target);
    } catch (error) {
      // Keep the complete new file: it is the only copy of the new refresh key.
      this.done = true;
      throw Object.assign(new Error(errnoOf(error)), { keptAt: this.tempPath });
    }
    this.done = true;
    await syncDirectory(dirname(this.target));
  }

  async discard() {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}

/** @param {unknown} value */
export const credentialsText = (value) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The credentials file for a token the service has just issued (create, regenerate, refresh): the
 * file's other fields kept, its "apiUrl" too when it has one.
 * @param {Record<string, any>} token the service's answer, secrets included
 * @param {string} apiUrl the API the token came from
 * @param {Record<string, unknown>} [kept] the fields of the file being replaced
 * @returns {Credentials}
 */
export const issuedCredentials = (token, apiUrl, kept = {}) => ({
  ...kept,
  apiUrl: typeof kept.apiUrl === 'string' ? kept.apiUrl : apiUrl,
  tokenId: token.id,
  accessToken: token.accessToken,
  refreshKey: token.refreshKey,
  expiresAt: token.expiresAt ?? null,
});

/** A lock older than this is left over from a run that died (a refresh takes at most ≈20 s). */
const LOCK_STALE_MS = 120_000;
/** How long a run waits for another run on the same file before giving up (its key still works). */
const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 100;

/** @param {number} pid */
function processIsGone(pid) {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errnoOf(error) === 'ESRCH';
  }
}

/**
 * Holds `.FILE.lock` next to the credentials file while a refresh reads, spends and replaces it, so
 * that concurrent runs (two cron entries, a manual run during the cron one) take turns: each reads
 * the file only once it holds the lock, so none can write an older successor over a newer one.
 * Created with O_EXCL (works without flock(1), on any file system that honours O_EXCL); a lock whose
 * process is gone (same host) or that is older than LOCK_STALE_MS is removed and taken over.
 * @param {string} target the real path of the credentials file
 * @param {{ waitMs?: number, staleMs?: number }} [options]
 * @returns {Promise<() => Promise<void>>} releases the lock
 */
export async function lockCredentials(target, { waitMs = LOCK_WAIT_MS, staleMs = LOCK_STALE_MS } = {}) {
  const lockPath = join(dirname(target), `.${basename(target)}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lockPath, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`, 'utf8');
      await handle.close();
      return async () => {
        await unlink(lockPath).catch(() => {});
      };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST')
        throw new CliError(
          `cannot create a file next to ${target} (${errnoOf(error)}): the directory must be writable to replace the file safely (and to hold the lock file ${basename(lockPath)}); nothing was sent`,
        );
    }
    const stale = await staleLock(lockPath, staleMs);
    if (stale !== undefined) {
      await takeOver(lockPath, stale);
      continue;
    }
    if (Date.now() - started > waitMs)
      throw new CliError(
        `another pat refresh of ${target} has held ${lockPath} for over ${Math.round(waitMs / 1000)} s; nothing was sent and the key still works — try again later (or remove the lock file if no pat is running)`,
      );
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * Removes a stale lock, unless another run took it over first and wrote its own: the lock is moved
 * aside (atomic, so only one run gets that inode), and put back if what was moved is not what was
 * judged stale.
 * @param {string} lockPath
 * @param {string} staleText the stale lock's content
 */
async function takeOver(lockPath, staleText) {
  const aside = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) await link(aside, lockPath).catch(() => {});
  await unlink(aside).catch(() => {});
}

/**
 * The content of the lock if it is stale, else undefined.
 * @param {string} lockPath
 * @param {number} staleMs
 * @returns {Promise<string | undefined>}
 */
async function staleLock(lockPath, staleMs) {
  let text;
  let modifiedMs;
  try {
    const handle = await open(lockPath, fsConstants.O_RDONLY);
    try {
      text = await handle.readFile('utf8');
      modifiedMs = (await handle.stat()).mtimeMs;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined; // gone meanwhile: the next O_EXCL attempt tells
  }
  if (Date.now() - modifiedMs > staleMs) return text;
  const pid = Number(text.split(' ')[0]);
  // An empty lock is one being written this instant; only a recorded, dead pid is stale.
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processIsGone(pid) ? text : undefined;
}
