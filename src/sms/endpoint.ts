/**
 * Reads an SMS endpoint setting: `host[:port]` means HTTPS (the real APIs are HTTPS only); `http://host:port` or
 * `https://host:port` say the scheme explicitly, which is how a local fake on plain HTTP is named.
 */
export function splitEndpoint(endpoint: string): { host: string; secure: boolean } {
  const match = /^(https?):\/\/([^/]+)\/?$/i.exec(endpoint.trim());
  if (match) return { host: match[2]!, secure: match[1]!.toLowerCase() === 'https' };
  return { host: endpoint.trim().replace(/\/+$/, ''), secure: true };
}
