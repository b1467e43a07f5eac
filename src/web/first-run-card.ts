import type { FirstRunChecklist, FirstRunItem } from '../app/admin/first-run.ts';
import { html, type Html } from './html.ts';

// The first-run checklist as the admin sees it: each step done or not, from the desk's own state,
// with the page where it is done. No JavaScript and no stored ticks: reload and it is current.

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function step(i: FirstRunItem, reportUrl: string): { title: string; href: string; link: string; text: Html } {
  const f = i.facts;
  switch (i.step) {
    case 'projects':
      return {
        title: 'Add your projects',
        href: '/admin/projects',
        link: 'Projects',
        text: i.done
          ? html`${plural(f.projects ?? 0, 'project')}, each with its security team.`
          : html`Each project you handle reports for gets a security team (its incident handlers) and its alias.`,
      };
    case 'people':
      return {
        title: 'Add the people, on their teams',
        href: '/admin/people',
        link: 'People',
        text: i.done
          ? html`${plural(f.people ?? 0, 'person', 'people')} on the desk${f.notEnrolled ? html`; <strong>${plural(f.notEnrolled, 'has', 'have')} not enrolled yet</strong>` : ''}.`
          : html`One form per person: name, address, time zone and teams. Their enrollment link is mailed to them once mail goes out, or shown for you to hand over.`,
      };
    case 'teams':
      return {
        title: 'Someone on every team',
        href: '/admin/people',
        link: 'People',
        text: i.done
          ? html`The central team and every project team have someone on them.`
          : f.emptyTeams?.length
            ? html`Nobody is on ${f.emptyTeams.join(', ')} yet: a report forwarded there would have no one to handle it. Add people with these teams ticked, or add members on <a href="/admin/teams">Teams</a>.`
            : html`Add a project first; then put people on its team.`,
      };
    case 'mail':
      return {
        title: 'Set up mail',
        href: '/admin/mail',
        link: 'Mail',
        text: i.done
          ? html`Outbound mail goes out through the relay, signed with the team key.`
          : html`${(f.mailProblems ?? []).map((p) => html`${p} `)}`,
      };
    case 'report':
      return {
        title: 'Share the report link',
        href: '/report',
        link: 'The report form',
        text: i.done
          ? html`${plural(f.reports ?? 0, 'report')} received.`
          : html`Publish <a href="${reportUrl}"><code>${reportUrl}</code></a> where reporters look (your SECURITY.md, security.txt, website); this is done when the first report arrives.`,
      };
  }
}

/**
 * The next step of the checklist only, for the empty queue of a desk not ready yet: what to do and
 * where, and the way to the whole list. Nothing when every step is done.
 */
export function nextStepCard(list: FirstRunChecklist, reportUrl: string): Html {
  const next = list.items.find((i) => !i.done);
  if (!next) return html``;
  const s = step(next, reportUrl);
  const done = list.items.filter((i) => i.done).length;
  return html`<section class="card first-run next-step" aria-labelledby="next-step-h" data-step="${next.step}">
  <h2 id="next-step-h">Next step in setting up the desk: ${s.title}</h2>
  <p>${s.text} <a href="${s.href}">${s.link}</a></p>
  <p class="muted">${done} of ${list.items.length} steps done. <a href="/admin/start">The whole first-run checklist</a></p>
</section>`;
}

export function firstRunCard(list: FirstRunChecklist, reportUrl: string, o: { heading?: string } = {}): Html {
  const done = list.items.filter((i) => i.done).length;
  return html`<section class="card first-run" aria-labelledby="first-run-h">
  <h2 id="first-run-h">${o.heading ?? 'Getting the desk ready'} <span class="muted">(${done} of ${list.items.length} done)</span></h2>
  <ol class="checklist">${list.items.map((i) => {
    const s = step(i, reportUrl);
    return html`<li class="${i.done ? 'done' : 'todo'}" data-step="${i.step}"><p><strong>${i.done ? '✓ ' : ''}${s.title}</strong> <span class="status">${i.done ? '(done)' : '(to do)'}</span></p>
      <p>${s.text} <a href="${s.href}">${s.link}</a></p></li>`;
  })}</ol>
</section>`;
}
