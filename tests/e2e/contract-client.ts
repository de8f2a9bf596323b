/**
 * A contract client for end-to-end tests that need what the console's own page
 * will not send (a transaction the UI refuses before signing, to get the node's
 * refusal): one call over the served console's WebSocket, as any other client of
 * the host would make it, with the session token from the console's URL.
 */
import WebSocket from 'ws';

/**
 * One contract call over the served console's own WebSocket, as any other client of the host would make it
 * (the token comes from the console's URL); `prepare` may make read calls first to find the input.
 */
export async function contractCall(
  consoleUrl: string,
  method: string,
  prepare: (call: (m: string, input: unknown) => Promise<unknown>) => Promise<unknown>,
): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  const u = new URL(consoleUrl);
  const wsUrl = `ws://${u.host}/contract?token=${encodeURIComponent(u.searchParams.get('token') ?? '')}`;
  const ws = new WebSocket(wsUrl, { headers: { Origin: u.origin } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) => reject(e));
  });
  let next = 1;
  const raw = (m: string, input: unknown) =>
    new Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>((resolve) => {
      const id = next++;
      const onMessage = (data: WebSocket.RawData) => {
        const frame = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean; value?: unknown; error?: { code: string } } };
        if (frame.id !== id || !frame.result) return;
        ws.off('message', onMessage);
        resolve(frame.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method: m, input }));
    });
  try {
    const input = await prepare(async (m, i) => {
      const r = await raw(m, i);
      if (!r.ok) throw new Error(`${m} failed: ${JSON.stringify(r.error)}`);
      return r.value;
    });
    return await raw(method, input);
  } finally {
    ws.close();
  }
}
