import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { PluginDeps, ServerOptions } from '../http/server.ts';
import { browserErrorPage, type WebDeps } from './common.ts';
import { definePages, registerPages, type PageRoute } from './route.ts';
import { setupPages } from './pages/setup.ts';
import { enrollPages } from './pages/enroll.ts';
import { signinPages } from './pages/signin.ts';
import { queuePages } from './pages/queue.ts';
import { casePages } from './pages/case.ts';
import { cvssCalculatorPages } from './pages/cvss-calculator.ts';
import { signedReplyPages } from './pages/signed-reply.ts';
import { advisoryListPages } from './pages/advisory-list.ts';
import { advisoryOverviewPages } from './pages/advisory-overview.ts';
import { advisoryEditorPages } from './pages/advisory-editor.ts';
import { advisoryVersionPages } from './pages/advisory-versions.ts';
import { adminPeoplePages } from './pages/admin-people.ts';
import { adminStartPages } from './pages/admin-start.ts';
import { adminSignInsPages } from './pages/admin-sign-ins.ts';
import { adminProfileProposalPages } from './pages/admin-profile-proposals.ts';
import { adminActivityPages } from './pages/admin-activity.ts';
import { unlockPages } from './pages/unlock.ts';
import { adminTeamsPages } from './pages/admin-teams.ts';
import { adminProjectsPages } from './pages/admin-projects.ts';
import { mailSettingsPages } from './pages/mail-settings.ts';
import { deliveriesPages } from './pages/deliveries.ts';
import { mailInboxPages } from './pages/mail-inbox.ts';
import { reportFormPages } from './pages/report-form.ts';
import { reporterStatusPages } from './pages/reporter-status.ts';
import { mePages } from './pages/me.ts';
import { dashboardPages } from './pages/dashboard.ts';
import { cvePages } from './pages/cve.ts';
import { cwePages } from './pages/cwe-search.ts';
import { adminStakeholdersPages } from './pages/admin-stakeholders.ts';
import { stakeholderApplyPages } from './pages/stakeholder-apply.ts';
import { portalPages } from './pages/portal.ts';

// The web UI: server-rendered HTML pages and plain forms (no JavaScript but the signed-reply page's and
// the queue's shortcuts, the desk's own files under /static/), on the same server and use
// cases as the JSON API. Wire it with buildServer(app, { plugins: [webPlugin] }).

const STYLESHEET = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

const stylesheet = definePages([
  {
    method: 'GET',
    url: '/static/style.css',
    policy: 'public',
    handler: async ({ reply }) => reply.type('text/css; charset=utf-8').send(STYLESHEET),
  },
]);

/** Every page of the web door, one file each under pages/. A new page adds its list here; the page ×
 * role matrix test walks this list. */
export const webPages: readonly PageRoute[] = [
  ...stylesheet,
  ...setupPages,
  ...enrollPages,
  ...signinPages,
  ...unlockPages,
  ...queuePages,
  ...casePages,
  ...cvssCalculatorPages,
  ...signedReplyPages,
  ...advisoryListPages,
  ...advisoryOverviewPages,
  ...advisoryEditorPages,
  ...advisoryVersionPages,
  ...adminPeoplePages,
  ...adminStartPages,
  ...adminSignInsPages,
  ...adminProfileProposalPages,
  ...adminActivityPages,
  ...adminTeamsPages,
  ...adminProjectsPages,
  ...mailSettingsPages,
  ...deliveriesPages,
  ...mailInboxPages,
  ...reportFormPages,
  ...reporterStatusPages,
  ...mePages,
  ...dashboardPages,
  ...cvePages,
  ...cwePages,
  ...adminStakeholdersPages,
  ...stakeholderApplyPages,
  ...portalPages,
];

type WebPlugin = NonNullable<ServerOptions['plugins']>[number];

export const webPlugin: WebPlugin = async (fastify: FastifyInstance, deps: WebDeps & Pick<PluginDeps, 'setBrowserErrorPage'>) => {
  registerPages(fastify, deps, webPages);
  // A browser that asks for a page no route answers gets the desk's "not found" page, not JSON.
  deps.setBrowserErrorPage?.(browserErrorPage(deps));
};
