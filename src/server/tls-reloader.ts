// Certificate rotation with no restart: the key store and trust store are read again when their
// directories report a change (fs.watch, which also sees a file replaced by a rename or a Kubernetes
// secret's symlink swap), after a quiet spell so that a file being written is read once it is whole, and
// every POLL_INTERVAL_MS in case the file system reports nothing. New bytes that check out replace the
// context for new connections (existing ones keep theirs); bytes that do not are logged once and the
// working context stays.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from './logger.js';
import { describeCertificate, readTlsFiles, tlsMaterial } from './tls-material.js';
import type { TlsFiles, TlsMaterial } from './tls-material.js';

/** Quiet time after the last change event before the files are read. */
export const RELOAD_DEBOUNCE_MS = 250;
/** The files are also compared this often, for file systems whose changes fs.watch does not see. */
export const POLL_INTERVAL_MS = 10_000;

function sameContents(a: readonly Buffer[] | undefined, b: readonly Buffer[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x.equals(b[i]!));
}

export class TlsReloader {
  private readonly watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout;
  /** Bytes that failed the checks: not logged again until they change. */
  private rejected: readonly Buffer[] | undefined;
  /** The last read error, not logged again while it stays the same. */
  private readError: string | undefined;
  private closed = false;

  constructor(
    private readonly files: TlsFiles,
    private current: TlsMaterial,
    private readonly apply: (material: TlsMaterial) => void,
    private readonly log: Logger,
  ) {
    const dirs = new Set([files.keyStoreFile, ...(files.trustStoreFile !== undefined ? [files.trustStoreFile] : [])].map((f) => dirname(f)));
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on('error', (e: Error) => log.warn('stopped watching a certificate directory; polling it instead', { dir, error: e.message }));
        this.watchers.push(watcher);
      } catch (e) {
        log.warn('cannot watch a certificate directory; polling it instead', { dir, error: (e as Error).message, pollMs: POLL_INTERVAL_MS });
      }
    }
    this.poll = setInterval(() => this.check(), POLL_INTERVAL_MS);
    this.poll.unref();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.check(), RELOAD_DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** Reads the files and switches to them if they changed and check out. */
  check(): void {
    if (this.closed) return;
    let contents: Buffer[];
    try {
      contents = readTlsFiles(this.files);
    } catch (e) {
      // A file mid-rename or briefly missing: the next change event or poll tries again.
      const error = (e as Error).message;
      if (error !== this.readError) this.log.error('cannot read the TLS key store or trust store; still serving the previous certificate', { error });
      this.readError = error;
      return;
    }
    this.readError = undefined;
    if (sameContents(this.current.contents, contents) || sameContents(this.rejected, contents)) return;
    let material: TlsMaterial;
    try {
      material = tlsMaterial(this.files, contents);
    } catch (e) {
      this.rejected = contents;
      this.log.error('refusing the new TLS key store or trust store; still serving the previous certificate', { error: (e as Error).message });
      return;
    }
    try {
      this.apply(material);
    } catch (e) {
      this.rejected = contents;
      this.log.error('the new TLS context could not be installed; still serving the previous certificate', { error: (e as Error).message });
      return;
    }
    this.current = material;
    this.rejected = undefined;
    this.log.info('reloaded the TLS key store and trust store for new client connections', { certificate: describeCertificate(material.certificate) });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    for (const w of this.watchers) w.close();
  }
}
