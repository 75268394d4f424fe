/**
 * The secrets of `state.url`: the URL itself and its password, raw and decoded, whether it
 * sits in the URL's user part or in a `password=` parameter (libpq's other spelling).
 */
export function stateUrlSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const parsed = new URL(url);
    const raw = parsed.password;
    const passwords = [raw, decodeURIComponent(raw), parsed.searchParams.get('password') ?? ''].filter((each) => each !== '');
    return [...new Set([url, ...passwords])];
  } catch {
    return [url];
  }
}
