// Requests to a server's admin endpoint over plain node:http (one connection each, closed after), for tests.
import { request } from 'node:http';

export interface AdminAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface AdminRequestOptions {
  token?: string;
  method?: string;
  timeoutMs?: number;
}

export function adminRequest(port: number, path: string, opts: AdminRequestOptions = {}): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Connection: 'close' };
    if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`admin request ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET path, expecting JSON with the given status (200 by default). */
export async function adminJson(port: number, path: string, opts: AdminRequestOptions & { status?: number } = {}): Promise<Record<string, unknown>> {
  const answer = await adminRequest(port, path, opts);
  if (answer.status !== (opts.status ?? 200)) throw new Error(`GET ${path}: status ${answer.status}, expected ${opts.status ?? 200}: ${answer.text.slice(0, 500)}`);
  return JSON.parse(answer.text) as Record<string, unknown>;
}
