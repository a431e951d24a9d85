/**
 * Redaction, in one place: URLs may carry credentials (`http://user:pass@host/metrics`), tokens in
 * the query string, or a secret in the path (Slack's /services/T…/B…/secret); none may reach a log
 * line, an error or a stored record.
 *  - `redactUrl`: for logs of scrape targets — the whole URL, credentials removed, secret-looking
 *    query values masked (the rest of the query helps find the target);
 *  - `recordedTarget`: what the audit trail and delivery records keep of an action's or alert's
 *    receiver — scheme, host and (some of) the path, never user info, query or fragment;
 *  - `redactSecrets`: free text with embedded credentials removed, and every known secret (a token,
 *    a webhook URL, a header value the caller names) masked wherever it appears — receivers may
 *    echo request details into the errors that end up in records.
 */
const SECRET_QUERY =
  /^(?:access_?token|token|api_?key|apikey|password|passwd|secret|auth|authorization|sig|signature)$/i;

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
  for (const key of [...parsed.searchParams.keys()])
    if (SECRET_QUERY.test(key)) parsed.searchParams.set(key, 'REDACTED');
  return parsed.toString();
}

/**
 * Free text (an error message) with every embedded URL's credentials removed. `knownUrls` are
 * shown redacted (`redactUrl`); `knownSecrets` are replaced by `***` (shorter than 4 characters:
 * ignored, they would mask ordinary words).
 */
export function redactSecrets(
  text: string,
  knownUrls: readonly string[] = [],
  knownSecrets: readonly (string | undefined)[] = [],
): string {
  let out = text;
  // longest first: a secret URL is masked whole before a token inside it is
  const secrets = knownSecrets.filter((s): s is string => !!s && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join('***');
  for (const url of knownUrls) if (url) out = out.split(url).join(redactUrl(url));
  // any other scheme://user:pass@ left over
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1');
}

/** How much of the path `recordedTarget` keeps: all, the first segment (`/services/…`), or none (`/…`). */
export type RecordedPath = 'full' | 'first-segment' | 'hidden';

/** A receiver URL as it may be recorded; not a URL: `(invalid URL)` (the text could hold a secret). */
export function recordedTarget(url: string | URL, options: { path?: RecordedPath } = {}): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '(invalid URL)';
  }
  const base = `${parsed.protocol}//${parsed.host}`;
  const path = options.path ?? 'full';
  if (path === 'hidden') return `${base}/…`;
  const segments = parsed.pathname.split('/');
  if (path === 'first-segment' && segments.length > 2) return `${base}${segments.slice(0, 2).join('/')}/…`;
  return `${base}${parsed.pathname}`;
}
