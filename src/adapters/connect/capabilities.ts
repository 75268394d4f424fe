/**
 * What an instance says it can do (connect-api.md "Capabilities"): an `.asmx` service
 * describes each operation's parameters in its WSDL (`GET {endpoint}?WSDL`), and silently
 * ignores request elements it does not know. From that description come the paging mode
 * of each run (product.md §9) and validate-config's warning about the opt-out write-back.
 * Reading and deciding are pure; fetching the WSDL is the client's.
 */
import { SaxesParser } from 'saxes';

export type PagingSetting = 'auto' | 'keyset' | 'whole';
export type PagingMode = 'keyset' | 'whole';

/** The operations a WSDL declares, each with its parameter names; or why it could not be read. */
export type Capabilities = { kind: 'read'; methods: ReadonlyMap<string, readonly string[]> } | { kind: 'unavailable'; reason: string };

/** The paging parameters connect-api.md assumes on GetFilterContacts. */
export const PAGING_PARAMETERS = ['ModifiedSince', 'StartingRecord', 'EndingRecord'] as const;
/** UpdateContact's parameters beyond the credentials (all assumed). */
export const UPDATE_PARAMETERS = ['ContactId', 'AttributesXml', 'SourceCode'] as const;

/**
 * Reads a WSDL's operations: the top-level `<element name="X">` of its schema, each with
 * the names of the elements declared inside it. Not XML, or not a WSDL: `unavailable`.
 */
export function readWsdl(text: string): Capabilities {
  const parser = new SaxesParser({ position: false });
  const methods = new Map<string, string[]>();
  const path: string[] = [];
  let current: string[] | undefined;
  let currentDepth = -1;
  let failure: string | undefined;
  let root: string | undefined;
  parser.on('error', (error) => void (failure ??= error.message.slice(0, 200)));
  parser.on('doctype', () => void (failure ??= 'a document type declaration'));
  parser.on('opentag', (tag) => {
    const local = tag.name.slice(tag.name.indexOf(':') + 1);
    const name = typeof tag.attributes.name === 'string' ? tag.attributes.name : undefined;
    root ??= local;
    if (local === 'element' && name !== undefined) {
      if (current === undefined && path[path.length - 1] === 'schema') {
        current = [];
        currentDepth = path.length;
        methods.set(name, current);
      } else if (current !== undefined) current.push(name);
    }
    path.push(local);
  });
  parser.on('closetag', () => {
    path.pop();
    if (current !== undefined && path.length === currentDepth) current = undefined;
  });
  try {
    parser.write(text).close();
  } catch (error) {
    failure ??= (error as Error).message.slice(0, 200);
  }
  if (failure !== undefined) return { kind: 'unavailable', reason: `not XML (${failure})` };
  if (root !== 'definitions') return { kind: 'unavailable', reason: `not a WSDL (its root is <${root ?? 'nothing'}>)` };
  return { kind: 'read', methods };
}

export interface PagingPlan {
  mode: PagingMode;
  /** Why, for validate-config and the log. */
  why: string;
  /** The WSDL could not tell: a warning is due. */
  warn: boolean;
}

/** The mode a run uses, from the setting and (for auto) what the WSDL says. */
export function planPaging(setting: PagingSetting, capabilities: Capabilities | undefined): PagingPlan {
  if (setting !== 'auto') return { mode: setting, why: `connect.paging is ${setting}`, warn: false };
  const guarded = 'keyset, read whole for the run if a page shows the paging parameters ignored';
  if (capabilities === undefined || capabilities.kind === 'unavailable') {
    const reason = capabilities?.reason ?? 'not read';
    return { mode: 'keyset', why: `the WSDL could not be read (${reason}): ${guarded}`, warn: true };
  }
  const parameters = capabilities.methods.get('GetFilterContacts');
  if (parameters === undefined) return { mode: 'keyset', why: `the WSDL does not describe GetFilterContacts: ${guarded}`, warn: true };
  const missing = PAGING_PARAMETERS.filter((name) => !parameters.includes(name));
  if (missing.length === 0) return { mode: 'keyset', why: 'the WSDL declares ModifiedSince, StartingRecord and EndingRecord on GetFilterContacts', warn: false };
  return { mode: 'whole', why: `the WSDL declares GetFilterContacts without ${missing.join(', ')}`, warn: false };
}

/** What the WSDL shows missing for the opt-out write-back; undefined when nothing is (or it cannot tell). */
export function updateContactGaps(capabilities: Capabilities): string | undefined {
  if (capabilities.kind !== 'read') return undefined;
  const parameters = capabilities.methods.get('UpdateContact');
  if (parameters === undefined) return 'the WSDL declares no UpdateContact';
  const missing = UPDATE_PARAMETERS.filter((name) => !parameters.includes(name));
  return missing.length === 0 ? undefined : `UpdateContact in the WSDL lacks ${missing.join(', ')}`;
}
