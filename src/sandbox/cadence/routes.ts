/**
 * Cadence's HTTP surface (cadence-api.md): which path is which endpoint, and what each
 * endpoint answers. Authentication, rate limits and faults are applied before these run.
 */
import type { ServerResponse } from 'node:http';
import type { CadenceField, CadenceUser } from '../../core/types.js';
import { sendError, sendJson } from '../http-util.js';
import { checkImportRequest } from './import-request.js';
import { InvalidCursorError } from './optout-feed.js';
import type { Batch, CadenceStore } from './store.js';

export type RouteName = 'import' | 'batch' | 'optouts' | 'users' | 'fields';

export type RouteMatch =
  | { ok: true; name: RouteName; deptCode?: string; batchIdentifier?: string }
  | { ok: false; status: 404 | 405; allow?: string };

/** Matches a method and a path (without query) to an endpoint. Segments are URL-decoded. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  let segments: string[];
  try {
    segments = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { ok: false, status: 404 };
  }
  const [version, resource, deptCode, action, batchIdentifier, ...rest] = segments;
  // The batch's status lives outside the team's paths (public clients poll exactly this).
  if (version === 'v2' && resource === 'Imports' && deptCode && action === undefined) {
    if (method !== 'GET') return { ok: false, status: 405, allow: 'GET' };
    return { ok: true, name: 'batch', batchIdentifier: deptCode };
  }
  if (version !== 'v2' || !deptCode || rest.length > 0) return { ok: false, status: 404 };
  let name: RouteName | undefined;
  let allow = 'GET';
  if ((resource === 'users' || resource === 'fields') && action === undefined) name = resource;
  else if (resource === 'contacts' && action === 'optouts' && batchIdentifier === undefined) name = 'optouts';
  else if (resource === 'contacts' && action === 'import' && batchIdentifier === undefined) {
    name = 'import';
    allow = 'POST';
  }
  if (name === undefined) return { ok: false, status: 404 };
  if (method !== allow) return { ok: false, status: 405, allow };
  return { ok: true, name, deptCode, ...(name === 'batch' ? { batchIdentifier } : {}) };
}

export interface EndpointContext {
  store: CadenceStore;
  users: readonly CadenceUser[];
  fields: readonly CadenceField[];
  fieldNames: ReadonlySet<string>;
  /** Called with each batch once it is queued, before its answer is written. */
  batchSubmitted(batch: Batch): void;
}

export interface EndpointRequest {
  match: Extract<RouteMatch, { ok: true }>;
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
}

/** Answers one request to a matched endpoint. */
export function handleEndpoint(context: EndpointContext, request: EndpointRequest, res: ServerResponse): void {
  switch (request.match.name) {
    case 'import':
      return handleImport(context, request, res);
    case 'batch':
      return handleBatch(context, request.match.batchIdentifier ?? '', res);
    case 'optouts':
      return handleOptOuts(context, request.query, res);
    case 'users':
      return sendJson(res, 200, { users: context.users });
    case 'fields':
      return sendJson(res, 200, { fields: context.fields });
  }
}

function handleImport(context: EndpointContext, request: EndpointRequest, res: ServerResponse): void {
  if (!/^application\/json\b/i.test(request.contentType ?? '')) {
    return sendError(res, 400, 'MALFORMED_REQUEST', 'Content-Type must be application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return sendError(res, 400, 'MALFORMED_REQUEST', 'the body is not valid JSON');
  }
  const check = checkImportRequest(body, context.fieldNames);
  if (!check.ok) return sendError(res, check.status, check.code, check.message);
  const batch = context.store.submit(check.contacts);
  context.batchSubmitted(batch);
  sendJson(res, 200, { batchIdentifier: batch.id, status: 'queued', count: check.contacts.length });
}

function handleBatch(context: EndpointContext, batchIdentifier: string, res: ServerResponse): void {
  const batch = context.store.getBatch(batchIdentifier);
  if (!batch) return sendError(res, 404, 'BATCH_NOT_FOUND', `No batch '${batchIdentifier}'`);
  sendJson(res, 200, {
    batchIdentifier: batch.id,
    status: batch.status,
    ...(batch.status === 'completed' ? { results: batch.results } : {}),
  });
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function handleOptOuts(context: EndpointContext, query: URLSearchParams, res: ServerResponse): void {
  const sinceText = query.get('since');
  let since: number | undefined;
  if (sinceText !== null) {
    since = ISO_INSTANT.test(sinceText) ? Date.parse(sinceText) : Number.NaN;
    if (Number.isNaN(since)) return sendError(res, 400, 'INVALID_SINCE', 'since must be an ISO 8601 UTC date-time');
  }
  const cursor = query.get('cursor');
  try {
    sendJson(res, 200, context.store.feed.page(since, cursor === null || cursor === '' ? undefined : cursor));
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    sendError(res, 400, 'INVALID_CURSOR', 'cursor is not one this feed gave out');
  }
}
