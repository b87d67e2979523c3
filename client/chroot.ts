// The optional chroot from the connect string: the application sees paths relative to it, the server
// sees full paths. Every path crossing the wire goes through toServer on the way out and toClient on the way in.

export class Chroot {
  constructor(readonly prefix: string | undefined) {}

  toServer(path: string): string {
    if (this.prefix === undefined) return path;
    return path === '/' ? this.prefix : this.prefix + path;
  }

  /** Strips the prefix; a path outside the chroot (it should not happen) is returned unchanged. */
  toClient(path: string): string {
    const prefix = this.prefix;
    if (prefix === undefined) return path;
    if (path === prefix) return '/';
    return path.startsWith(prefix) && path.charCodeAt(prefix.length) === 0x2f ? path.slice(prefix.length) : path;
  }
}
