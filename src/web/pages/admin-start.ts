import { firstRunChecklist } from '../../app/admin/first-run.ts';
import { html } from '../html.ts';
import { baseUrl, layout, sendHtml } from '../common.ts';
import { adminNav } from '../admin-nav.ts';
import { firstRunCard } from '../first-run-card.ts';
import { definePages } from '../route.ts';

// Admin page /admin/start: the first-run checklist, where a new admin lands after signing in while
// the desk still lacks something its process needs.

export const adminStartPages = definePages([
  {
    method: 'GET',
    url: '/admin/start',
    policy: 'admin.manage',
    handler: async ({ app, ctx, viewer, request, reply }) => {
      const list = await firstRunChecklist(ctx);
      return sendHtml(
        reply,
        200,
        layout({
          title: 'Start',
          viewer,
          body: html`${adminNav('/admin/start')}
          ${list.allDone ? html`<p class="flash" role="status">The desk has everything its process needs. The <a href="/">queue</a> is where reports arrive.</p>` : html`<p>What this desk still needs before reports can go through its process, read from the desk as it is now.</p>`}
          ${firstRunCard(list, `${baseUrl(app, request)}/report`, { heading: 'Checklist' })}`,
        }),
      );
    },
  },
]);
