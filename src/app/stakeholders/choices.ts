import { rulesOf } from '../admin/instance.ts';
import type { Ctx } from '../context.ts';

// What an organisation may ask to join, for the public application form and the central team's
// forms: the desk's projects (their names are what the desk is for, not a secret) and the tiers the
// profile names, in their order. Nothing about who is in them.

export interface StakeholderChoices {
  projects: { slug: string; name: string }[];
  tiers: { id: string; name: string }[];
}

export async function stakeholderChoices(ctx: Ctx): Promise<StakeholderChoices> {
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const p = await tx.query<{ slug: string; name: string }>('SELECT slug, name FROM projects ORDER BY name, slug');
    return { projects: p.rows, tiers: rules.embargo.tiers.map((t) => ({ id: t.id, name: t.name })) };
  });
}
