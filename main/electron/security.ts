/**
 * The Electron shell's security decisions, as pure functions (no `electron`
 * import) so they are unit-tested without the Electron runtime.
 */
import path from 'node:path';

/** The privileged scheme the renderer is loaded from (instead of file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'charter';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Sent as a response header on every app:// response. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function responseHeaders(file: string): Record<string, string> {
  return {
    'content-type': contentTypeFor(file),
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export type AppRequest = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * Map an app://charter/... URL to a file under `rendererDir`, or refuse.
 * Only GET-able files strictly inside rendererDir are served: other hosts,
 * encoded traversal (%2e%2e, %2f, backslashes), NUL bytes and anything that
 * resolves outside the directory are refused.
 */
export function resolveAppRequest(rawUrl: string, rendererDir: string): AppRequest {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, status: 400, reason: 'unparseable URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:`) return { ok: false, status: 400, reason: `scheme ${url.protocol}` };
  if (url.host !== APP_HOST) return { ok: false, status: 403, reason: `host ${url.host}` };
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  const segments = pathname.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'path traversal' };
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  if (pathname.endsWith('/')) return { ok: false, status: 404, reason: 'directory' };
  const base = path.resolve(rendererDir);
  const file = path.resolve(base, '.' + pathname);
  if (!file.startsWith(base + path.sep)) return { ok: false, status: 403, reason: 'outside the renderer directory' };
  return { ok: true, file };
}

/** Is this URL our renderer's origin (app://charter)? */
export function isAppUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The parts of an IPC event and of our window that the sender check looks at. */
export interface SenderCheckInput<Frame, Contents> {
  sender: Contents;
  senderFrame: (Frame & { url: string }) | null | undefined;
}

/**
 * IPC calls are honoured only from the main frame of our own window, showing
 * our own origin. Subframes, other windows, and frames that navigated away
 * (were that ever allowed) are refused.
 */
export function isTrustedSender<Frame, Contents extends { mainFrame: unknown }>(
  event: SenderCheckInput<Frame, Contents>,
  window: { webContents: Contents; isDestroyed(): boolean } | null | undefined,
): boolean {
  if (!window || window.isDestroyed()) return false;
  const frame = event.senderFrame;
  if (!frame) return false;
  if (event.sender !== window.webContents) return false;
  if ((frame as unknown) !== window.webContents.mainFrame) return false;
  return isAppUrl(frame.url);
}

/** `--workspace DIR` / `--workspace=DIR` from argv, else CHARTER_WORKSPACE, else undefined (the default). */
export function workspaceFrom(argv: readonly string[], env: Record<string, string | undefined>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--workspace' && i + 1 < argv.length) return argv[i + 1];
    if (a.startsWith('--workspace=')) return a.slice('--workspace='.length);
  }
  const env_ = env.CHARTER_WORKSPACE;
  return env_ && env_.length > 0 ? env_ : undefined;
}
