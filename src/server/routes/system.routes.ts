/** Health, readiness, Prometheus metrics, the OpenAPI document and its docs page. */
import type { AppContext } from '../context.js';
import { errors } from '../../core/errors.js';
import type { ZApp } from './types.js';

const open = { auth: false, dialect: 'native' as const };

export function registerSystemRoutes(app: ZApp, ctx: AppContext): void {
  app.get('/healthz', { config: open, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: open, schema: { hide: true } }, async () => {
    const why = ctx.notReady();
    if (why) throw errors.notReady(why);
    return { status: 'ready' };
  });
  app.get('/metrics', { config: open, schema: { hide: true } }, async (_req, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/openapi.json', { config: open, schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { config: open, schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(DOCS_PAGE));
}

/** A self-contained page (no CDN): reads /openapi.json and lists every operation with its request schema. */
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kineo API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h2{margin-top:2em;border-bottom:1px solid #ddd}.op{margin:1em 0;padding:.5em 1em;border:1px solid #e4e4e4;border-radius:6px}
.m{display:inline-block;min-width:4.5em;font-weight:600}.get{color:#0a6}.post{color:#06c}.delete{color:#c30}
pre{background:#f6f6f6;padding:.5em;overflow:auto;font-size:12px}summary{cursor:pointer}</style></head>
<body><h1>Kineo API</h1><p>The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Authenticate with <code>Authorization: Bearer &lt;secret key&gt;</code>, or (Kling format) a JWT signed HS256 with the secret key whose <code>iss</code> is the access key.</p>
<div id="ops">loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths||{}))for(const [method,op] of Object.entries(ops)){
    const tag=(op.tags&&op.tags[0])||'Other';(byTag[tag]=byTag[tag]||[]).push({path,method,op});}
  const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
  document.getElementById('ops').innerHTML=Object.entries(byTag).map(([tag,ops])=>'<h2>'+esc(tag)+'</h2>'+ops.map(({path,method,op})=>{
    const body=op.requestBody?'<details><summary>request body</summary><pre>'+esc(JSON.stringify(op.requestBody,null,2))+'</pre></details>':'';
    const params=op.parameters?'<details><summary>parameters</summary><pre>'+esc(JSON.stringify(op.parameters,null,2))+'</pre></details>':'';
    return '<div class="op"><span class="m '+method+'">'+method.toUpperCase()+'</span> <code>'+esc(path)+'</code><div>'+esc(op.summary||'')+'</div>'+params+body+'</div>';}).join('')).join('');
});
</script></body></html>`;
