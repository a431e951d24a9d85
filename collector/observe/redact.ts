/**
 * Log hygiene: URLs may carry credentials (`http://user:pass@host/metrics`) or tokens in the
 * query string; neither may reach a log line.
 */
const SECRET_QUERY = /^(?:access_?token|token|api_?key|apikey|password|passwd|secret|auth|authorization|sig|signature)$/i;

/** The URL with user info removed and secret-looking query parameters masked. Not a URL: returned unchanged. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) if (SECRET_QUERY.test(key)) parsed.searchParams.set(key, 'REDACTED');
  return parsed.toString();
}

/** Free text (an error message) with every embedded URL's credentials removed. */
export function redactSecrets(text: string, knownUrls: readonly string[] = []): string {
  let out = text;
  for (const url of knownUrls) if (url) out = out.split(url).join(redactUrl(url));
  // any other scheme://user:pass@ left over
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1');
}
