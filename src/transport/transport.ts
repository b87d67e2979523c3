// PeerTransport: one listener for the links other members dial to us, one outbound link per other member
// for our messages to it. Messages are opaque values: encoded with msgpack on send, decoded on receipt,
// and checked only by the caller's validate option, if any. Per ordered pair of servers the order of messages is kept; a message may be lost when
// a link fails (the protocol above detects the gap), and none is ever delivered twice by the transport.
import { encodeMessage } from './codec.js';
import { UnknownPeerError } from './errors.js';
import { InboundAcceptor } from './inbound.js';
import { resolveOptions } from './options.js';
import { OutboundLink } from './outbound-link.js';
import type { LinkStatus, PeerAuthentication, PeerTransportOptions } from './types.js';

export class PeerTransport<M> {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly acceptor: InboundAcceptor,
    private readonly links: ReadonlyMap<number, OutboundLink>,
    /**
     * How every link of this transport, both directions, proved its peer a member: with 'tls', 'secret' or
     * 'tls+secret' no link delivers or carries a message before that proof; with 'none' a link proves
     * only that its peer knows the server.N lines.
     */
    readonly authentication: PeerAuthentication,
  ) {}

  /** Listening when it resolves; dialling has started. Rejects (TransportError) on bad options or a busy port. */
  static async start<M>(opts: PeerTransportOptions<M>): Promise<PeerTransport<M>> {
    const o = resolveOptions(opts);
    const acceptor = await InboundAcceptor.listen({
      myId: o.myId, ensembleId: o.ensembleId, members: o.members, memberHosts: o.memberHosts,
      ...(o.tls !== undefined ? { tls: o.tls } : {}), ...(o.secret !== undefined ? { secret: o.secret } : {}),
      host: o.listenHost, port: o.listenPort, maxPayloadBytes: o.maxPayloadBytes, helloTimeoutMs: o.dialTimeoutMs,
      livenessProbeMs: o.livenessProbeMs, logger: o.logger,
      onMessage: (from, message) => opts.onMessage(from, message as M),
      ...(opts.validate !== undefined ? { validate: (raw: unknown) => opts.validate!(raw) } : {}),
      ...(opts.onInboundDown !== undefined ? { onInboundDown: opts.onInboundDown } : {}),
    });
    const links = new Map<number, OutboundLink>();
    for (const peer of o.others) {
      links.set(peer.id, new OutboundLink({ ...o, peer }));
    }
    o.logger.info('peer transport listening', { host: o.listenHost, port: acceptor.port, peers: o.others.map((p) => p.id), authentication: o.authentication });
    for (const link of links.values()) link.start();
    return new PeerTransport<M>(acceptor, links, o.authentication);
  }

  /** The port peers dial (useful when started with port 0). */
  get port(): number {
    return this.acceptor.port;
  }

  /**
   * Queues a message for another member; never blocks, never throws for a down link (the message waits,
   * bounded, until the link is up). Throws UnknownPeerError for an id that is not another member, and
   * msgpack's error for a value it cannot encode: both are caller bugs. Ignored after close().
   */
  send(to: number, message: M): void {
    const link = this.links.get(to);
    if (link === undefined) throw new UnknownPeerError(to);
    if (this.closed !== undefined) return;
    link.send(encodeMessage(message));
  }

  /** One entry per other member, ascending by id. */
  linkStatus(): LinkStatus[] {
    return [...this.links].map(([peer, link]) => ({
      peer,
      ...link.status(),
      inbound: this.acceptor.isConnected(peer),
      receivedMessages: this.acceptor.receivedFrom(peer),
    }));
  }

  /** Stops dialling, closes every link and the listener. No message is delivered after it resolves. */
  close(): Promise<void> {
    this.closed ??= Promise.all([this.acceptor.close(), ...[...this.links.values()].map((l) => l.close())]).then(() => undefined);
    return this.closed;
  }
}
