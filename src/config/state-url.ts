/** The secrets of `state.url`: the password (raw and decoded) and the URL that holds it. */
export function stateUrlSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const raw = new URL(url).password;
    return raw === '' ? [url] : [...new Set([url, raw, decodeURIComponent(raw)])];
  } catch {
    return [url];
  }
}
