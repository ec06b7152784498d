/**
 * Which requests the server answers: only those addressed to it by a loopback name and the port
 * it listens on. A page on another site whose name resolves to 127.0.0.1 (DNS rebinding) is
 * same-origin with its own name, not with ours, and the browser sends that name in Host.
 */

/** The names the server answers to; host names compare case-insensitively (RFC 3986). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a Host header, or an absolute-form target's authority, names this server on `port`. */
export function allowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  // Clients leave out the scheme's default port, so on port 80 the bare name means the same.
  return LOOPBACK_NAMES.some((name) => h === `${name}:${port}` || (port === 80 && h === name));
}

/**
 * The URL path a request asks for, or undefined when it is not addressed to this server. An
 * absolute-form target (`GET http://host/path`) must name this server too: RFC 9112 says its
 * authority overrides Host. The authority is compared as sent, before any URL normalisation.
 */
export function requestPath(target: string, host: string | undefined, port: number): string | undefined {
  if (!allowedHost(host, port)) return undefined;
  if (target.startsWith('/')) return pathOf(target);
  const absolute = /^http:\/\/([^/?#]*)(\/.*)?$/is.exec(target);
  if (!absolute || !allowedHost(absolute[1], port)) return undefined;
  return pathOf(absolute[2] ?? '/');
}

// Prefixed by our own origin so that a target like //evil.com/x stays a path, not an authority.
const pathOf = (originForm: string) => new URL(`http://127.0.0.1${originForm}`).pathname;
