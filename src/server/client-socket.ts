// ws closes an over-limit frame with 1009 and no reason; clients deserve to be told why.
import { WebSocket } from 'ws';
import { CloseCode } from '../../protocol/index.js';

/** Builds the WebSocket class the client listener uses, naming the frame limit in 1009 closes. */
export function clientSocketClass(maxFrameBytes: number): typeof WebSocket {
  return class ClientSocket extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      if (code === CloseCode.FRAME_TOO_LARGE && data === undefined) {
        super.close(code, `frame larger than the limit of ${maxFrameBytes} bytes (maxFrameBytes)`);
        return;
      }
      super.close(code, data);
    }
  };
}
