import { addPerson } from '../../src/app/admin/admin.ts';
import { addMember, addProject, enroll, setupDesk, type Harness, type Member } from './harness.ts';

// The cast the route × role and page × role matrices play with: a Trusted Firmware desk with two
// projects, one person for each way of standing towards a case (an outsider is signed in and on no team) (collaborators are
// pulled in by the test that needs them), and the desk's first admin to arrange things.

export type Role = 'anonymous' | 'admin' | 'central' | 'projectTeam' | 'otherProject' | 'outsider' | 'collaborator' | 'otherCollaborator';

export async function castOfRoles(h: Harness): Promise<{ deskAdmin: Member; as: Record<Role, Member | null> }> {
  const deskAdmin = await setupDesk(h, 'trusted-firmware');
  await addProject(deskAdmin, 'tf-a', 'TF-A');
  await addProject(deskAdmin, 'tf-m', 'TF-M');
  const pureAdmin = await addPerson(deskAdmin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
  const as: Record<Role, Member | null> = {
    anonymous: null,
    admin: { personId: pureAdmin.personId, ...(await enroll(h, pureAdmin.personId, pureAdmin.enrollmentToken)) },
    central: await addMember(h, deskAdmin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] }),
    projectTeam: await addMember(h, deskAdmin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] }),
    otherProject: await addMember(h, deskAdmin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] }),
    outsider: await addMember(h, deskAdmin, { name: 'Stan Outsider', email: 'stan@ess.example' }),
    collaborator: await addMember(h, deskAdmin, { name: 'Cora Collaborator', email: 'cora@tf.example' }),
    otherCollaborator: await addMember(h, deskAdmin, { name: 'Olga Other', email: 'olga@tf.example' }),
  };
  await addMember(h, deskAdmin, { name: 'Sam Spare', email: 'sam@tf.example' });
  return { deskAdmin, as };
}
