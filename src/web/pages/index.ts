import type { PageRoute } from '../route.ts';
import { setupPages } from './setup.ts';
import { enrollPages } from './enroll.ts';
import { signinPages } from './signin.ts';
import { queuePages } from './queue.ts';
import { casePages } from './case.ts';
import { cvssCalculatorPages } from './cvss-calculator.ts';
import { signedReplyPages } from './signed-reply.ts';
import { advisoryListPages } from './advisory-list.ts';
import { advisoryOverviewPages } from './advisory-overview.ts';
import { advisoryEditorPages } from './advisory-editor.ts';
import { advisoryVersionPages } from './advisory-versions.ts';
import { adminPeoplePages } from './admin-people.ts';
import { adminTeamsPages } from './admin-teams.ts';
import { adminProjectsPages } from './admin-projects.ts';
import { mailSettingsPages } from './mail-settings.ts';
import { deliveriesPages } from './deliveries.ts';
import { mailInboxPages } from './mail-inbox.ts';
import { reportFormPages } from './report-form.ts';
import { reporterStatusPages } from './reporter-status.ts';
import { mePages } from './me.ts';
import { dashboardPages } from './dashboard.ts';
import { cvePages } from './cve.ts';
import { cwePages } from './cwe-search.ts';

// Every page of the web door, one file each. A new page adds its file's list here; the page × role
// matrix test walks this list.

export const webPages: readonly PageRoute[] = [
  ...setupPages,
  ...enrollPages,
  ...signinPages,
  ...queuePages,
  ...casePages,
  ...cvssCalculatorPages,
  ...signedReplyPages,
  ...advisoryListPages,
  ...advisoryOverviewPages,
  ...advisoryEditorPages,
  ...advisoryVersionPages,
  ...adminPeoplePages,
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
];
