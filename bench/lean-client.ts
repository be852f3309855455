/**
 * The benchmark's HTTP/1.1 client, made as lean as a load generator (wrk, autocannon) so that its own work, which runs on
 * the same event loop and cores as the service, counts against the service as little as possible: keep-alive sockets, one
 * request in flight on each, the request written in one piece, and of the response only the status line, Content-Length
 * and the body read. With node:http's client (its request and response objects and streams), the benchmark's bare HTTP hop
 * cost 240–330 µs of Node CPU per request at concurrency 16; with this one, 135–295 µs (over 27 runs). undici's Client costs about as much
 * as node:http's. That is the client's cost, not the service's.
 *
 * It reads only responses that carry Content-Length, as API Gateway's and both benchmark servers' do; anything else
 * (chunked, or a socket that closes early) fails the request rather than being guessed at.
 */
import { connect, type Socket } from 'node:net';

export interface LeanResponse {
  status: number;
  text: string;
}

interface Pending {
  resolve: (r: LeanResponse) => void;
  reject: (e: Error) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export class LeanHttpClient {
  private readonly idle: Socket[] = [];
  private readonly all = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async request(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<LeanResponse> {
    const socket = this.idle.pop() ?? (await this.open());
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    const response = new Promise<LeanResponse>((resolve, reject) => ((socket as SocketWithState).awaiting = { resolve, reject }));
    socket.write(body === undefined ? `${head}\r\n` : `${head}\r\n${body}`);
    const r = await response;
    if (this.all.has(socket)) this.idle.push(socket);
    return r;
  }

  close(): void {
    for (const s of this.all) s.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, this.host) as SocketWithState;
      socket.setNoDelay(true);
      this.all.add(socket);
      let buffered: Buffer | undefined;
      const fail = (err: Error) => {
        this.all.delete(socket);
        const i = this.idle.indexOf(socket);
        if (i >= 0) this.idle.splice(i, 1);
        socket.destroy();
        socket.awaiting?.reject(err);
        socket.awaiting = undefined;
      };
      socket.once('connect', () => resolve(socket));
      socket.on('error', (err) => (socket.connecting ? reject(err) : fail(err)));
      socket.once('close', () => fail(new Error('the server closed the connection')));
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
        const end = buffered.indexOf(HEADER_END);
        if (end < 0) return;
        const head = buffered.toString('latin1', 0, end);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) return fail(new Error(`a response without Content-Length: ${head.split('\r\n')[0]}`));
        const total = end + HEADER_END.length + Number(length[1]);
        if (buffered.length < total) return;
        if (buffered.length > total) return fail(new Error('bytes after the response, with no request in flight'));
        const response = { status: Number(head.slice(9, 12)), text: buffered.toString('utf8', end + HEADER_END.length, total) };
        buffered = undefined;
        const pending = socket.awaiting;
        socket.awaiting = undefined;
        if (/\r\nconnection: *close/i.test(head)) this.all.delete(socket);
        pending?.resolve(response);
      });
    });
  }
}

type SocketWithState = Socket & { awaiting?: Pending };
