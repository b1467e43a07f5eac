import { createAdvisory, listAdvisories } from '../../app/advisories/advisories.ts';
import { html } from '../html.ts';
import { hiddenCsrf, layout, sendHtml } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';
import { advisoryPage, enc, refusedPage, STATE_WORDS } from './advisory.ts';

// An incident's advisories, and starting one from the incident.

export const advisoryListPages = definePages([
  {
    method: 'GET',
    url: '/cases/:reportId/advisories',
    policy: 'signed-in',
    handler: async (input) => {
      const { ctx, viewer, reply } = input;
      const reportId = input.params.reportId!;
      return advisoryPage(input, async () => {
        const list = await listAdvisories(ctx, reportId);
        return sendHtml(
          reply,
          200,
          layout({
            title: 'Advisories',
            viewer,
            body: html`<p><a href="/cases/${enc(reportId)}">Back to the case</a></p>
            ${
              list.length
                ? html`<table><thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Version</th></tr></thead>
                <tbody>${list.map((a) => html`<tr><td><a href="/desk/advisories/${enc(a.id)}">${a.publicId}</a></td><td>${a.title}</td><td>${STATE_WORDS[a.state]}</td><td>${a.headVersion}</td></tr>`)}</tbody></table>`
                : html`<p class="muted">No advisory yet.</p>`
            }
            <form method="post" action="/cases/${enc(reportId)}/advisories">${hiddenCsrf(viewer)}<button type="submit">Start an advisory from the incident</button></form>`,
          }),
        );
      });
    },
  },
  formPost({
    url: '/cases/:reportId/advisories',
    policy: 'signed-in',
    run: ({ ctx, params }) => createAdvisory(ctx, params.reportId!),
    done: (r) => `/desk/advisories/${enc(r.advisoryId)}/edit?done=created`,
    refused: (input, { problem }) => refusedPage(input, problem.status, problem.message),
  }),
]);
