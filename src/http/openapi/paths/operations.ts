// The OpenAPI operations of the probes, /metrics and the docs.
import type { Operation } from '../../route.js';
import { json, problem, ref, unauthorized } from '../helpers.js';

const health = ref('schemas', 'Health');

export const healthz: Operation = { operationId: 'healthz', tags: ['operations'], summary: 'Whether the store can write', responses: { 200: json('healthy', health), 503: problem('storage_unavailable') } };

export const healthAlias: Operation = { operationId: 'health', tags: ['operations'], summary: 'Alias of /healthz', responses: { 200: json('healthy', health), 503: problem('storage_unavailable') } };

export const livez: Operation = { operationId: 'livez', tags: ['operations'], summary: 'Liveness: 200 while the process runs', responses: { 200: json('alive', health) } };

export const readyz: Operation = {
  operationId: 'readyz',
  tags: ['operations'],
  summary: 'Readiness: 200 only while it can hand out numbers (503 while the store cannot write, and from SIGTERM on)',
  responses: { 200: json('ready', health), 503: problem('storage_unavailable', 'shutting_down') },
};

export const metrics: Operation = {
  operationId: 'metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics',
  responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...unauthorized },
};

export const openapi: Operation = { operationId: 'openapi', tags: ['operations'], summary: 'This document', responses: { 200: json('OpenAPI 3.1 document', { type: 'object' }), ...unauthorized } };

export const docs: Operation = {
  operationId: 'docs',
  tags: ['operations'],
  summary: 'This document rendered by Swagger UI (served locally, no CDN)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }, ...unauthorized },
};

export const docsAsset: Operation = {
  operationId: 'docsAsset',
  tags: ['operations'],
  summary: 'A static file of the /docs page',
  responses: { 200: { description: 'the file' }, ...unauthorized, 404: problem('not_found') },
};
