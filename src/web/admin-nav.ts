import { html, type Html } from './html.ts';

// The tabs on top of every admin page.

export function adminNav(current: string): Html {
  const item = (href: string, label: string) =>
    href === current ? html`<li><a href="${href}" aria-current="page">${label}</a></li>` : html`<li><a href="${href}">${label}</a></li>`;
  return html`<nav aria-label="Admin" class="tabs"><ul>${item('/admin/start', 'Start')}${item('/admin/people', 'People')}${item('/admin/sign-ins', 'Sign-ins')}${item('/admin/activity', 'Activity')}${item('/admin/teams', 'Teams')}${item('/admin/projects', 'Projects')}${item('/admin/stakeholders', 'Stakeholders')}${item('/cve', 'CVE ids')}${item('/admin/mail', 'Mail')}${item('/admin/deliveries', 'Deliveries')}${item('/admin/inbox', 'Inbound mail')}${item('/admin/profile-proposals', 'Profile edits')}</ul></nav>`;
}
