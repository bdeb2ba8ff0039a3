// Loopback TCP stand-ins for what a test cannot make a real server do: accept and never answer, count the
// connections made through it, or refuse a bind in Active Directory's words.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { BerReader, BerWriter } from 'ldapts';

export interface TcpFake {
  url(scheme: string): string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Accepts every connection and never sends a byte: a hung server, or one behind a firewall that drops replies. */
export function silentServer(): Promise<TcpFake> {
  return listen(() => undefined);
}

/** Relays every connection to 127.0.0.1:`port`, counting them. */
export function countingRelay(port: number): Promise<TcpFake> {
  return listen((socket) => {
    const upstream = connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
}

/**
 * Speaks just enough LDAP to refuse every bind as Active Directory does: invalidCredentials (49) with AD's
 * diagnostic, e.g. `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563`.
 */
export function adBindRefuser(diagnostic: string): Promise<TcpFake> {
  return listen((socket) =>
    socket.on('data', (request: Buffer) => {
      const reader = new BerReader(request);
      reader.readSequence();
      const messageId = reader.readInt()!;
      if (reader.peek() !== 0x60) return socket.end(); // anything but a BindRequest (an unbind): hang up
      const answer = new BerWriter();
      answer.startSequence();
      answer.writeInt(messageId);
      answer.startSequence(0x61); // BindResponse
      answer.writeEnumeration(49);
      answer.writeString(''); // matchedDN
      answer.writeString(diagnostic);
      answer.endSequence();
      answer.endSequence();
      socket.write(answer.buffer);
    }),
  );
}

async function listen(onConnection: (socket: Socket) => void): Promise<TcpFake> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
