import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerOptions } from '../http/server.ts';
import { html } from '../web/html.ts';
import { isSafeSegment, SITE_PREFIX } from './paths.ts';
import { advisoryFile, listingFile, STYLESHEET, HTML, type Listing, type SiteFile } from './site.ts';

// The public advisory site, served by Embargo under /advisories/ to anyone, signed in or not: the
// index, one page per advisory, the Atom feed, the JSON index and each advisory's CVE, OSV, CSAF,
// text and Markdown records. Wire it with buildServer(app, { plugins: [webPlugin, publicSitePlugin] }).
//
// - Nothing is public before its publication time: an advisory not yet public, an unknown id and a
//   path that does not exist all get the very same 404 page.
// - Caching: shared caches may store a page but must revalidate it on every use (no-cache with a
//   strong ETag, so a revalidation costs a 304), because a withdrawal changes a page at any time
//   and no cached copy may outlive it. A 404 is never stored: it turns into a page at publication.
// - No JavaScript: the pages' CSP allows only the site's stylesheet; records may not even do that.

type Plugin = NonNullable<ServerOptions['plugins']>[number];

const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
const RECORD_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";
const CACHE_PUBLIC = 'public, no-cache';

const NOT_FOUND = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found</title>
<link rel="stylesheet" href="${SITE_PREFIX}/style.css">
</head>
<body>
<main id="main">
<h1>Not found</h1>
<p>There is no published advisory at this address.</p>
<p><a href="${SITE_PREFIX}/">All published advisories</a></p>
</main>
</body>
</html>
`.value;

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: SiteFile): FastifyReply {
  const etag = etagOf(file.body);
  reply
    .header('etag', etag)
    .header('content-security-policy', file.mediaType === HTML ? PAGE_CSP : RECORD_CSP)
    .header('cache-control', CACHE_PUBLIC)
    .type(file.mediaType);
  if (matches(request, etag)) return reply.status(304).send();
  return reply.status(200).send(file.body);
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.status(404).header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').type(HTML).send(NOT_FOUND);
}

/** The request's path without its query. */
const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!;

export const publicSitePlugin: Plugin = async (server: FastifyInstance, { app }) => {
  await server.register(
    async (site) => {
      // The server sets "no-store" on every response; the site's own cache policy comes after it.
      site.addHook('onSend', async (_request, reply, payload) => {
        reply.header('cache-control', reply.statusCode === 200 || reply.statusCode === 304 ? CACHE_PUBLIC : 'no-store');
        return payload;
      });
      site.setNotFoundHandler((_request, reply) => notFound(reply));

      const listing = (path: Listing) => async (request: FastifyRequest, reply: FastifyReply) =>
        send(request, reply, await listingFile(app, path));

      site.get('/', async (request, reply) => {
        // The index is a directory: "/advisories" becomes "/advisories/" so relative links resolve.
        if (!pathOf(request).endsWith('/')) return reply.status(301).header('location', `${SITE_PREFIX}/`).send();
        return listing('index.html')(request, reply);
      });
      site.get('/index.html', listing('index.html'));
      site.get('/feed.atom', listing('feed.atom'));
      site.get('/index.json', listing('index.json'));
      site.get('/style.css', async (request, reply) => send(request, reply, STYLESHEET));

      site.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
        const { id } = request.params;
        if (!isSafeSegment(id)) return notFound(reply);
        // Redirected whether or not the id exists, so the redirect says nothing about it.
        if (!pathOf(request).endsWith('/'))
          return reply
            .status(301)
            .header('location', `${SITE_PREFIX}/${encodeURIComponent(id)}/`)
            .send();
        const file = await advisoryFile(app, id, 'index.html');
        return file ? send(request, reply, file) : notFound(reply);
      });
      site.get<{ Params: { id: string; file: string } }>('/:id/:file', async (request, reply) => {
        const { id, file } = request.params;
        if (!isSafeSegment(id) || !isSafeSegment(file)) return notFound(reply);
        const found = await advisoryFile(app, id, file);
        return found ? send(request, reply, found) : notFound(reply);
      });
      // Records in a folder of the advisory: cve/<CVE id>.json, csaf-2.0/<file>, csaf-2.1/<file>.
      site.get<{ Params: { id: string; folder: string; file: string } }>('/:id/:folder/:file', async (request, reply) => {
        const { id, folder, file } = request.params;
        if (!isSafeSegment(id) || !isSafeSegment(folder) || !isSafeSegment(file)) return notFound(reply);
        const found = await advisoryFile(app, id, `${folder}/${file}`);
        return found ? send(request, reply, found) : notFound(reply);
      });
    },
    { prefix: SITE_PREFIX },
  );
};
