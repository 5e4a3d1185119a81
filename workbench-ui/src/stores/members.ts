// Members of the current tenant and its invitations: invite (the link comes back to copy), change
// roles, remove, revoke.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { CreatedInvitation, Invitation, Member, Role } from '../api/types.ts';
import { useSessionStore } from './session.ts';

export const useMembersStore = defineStore('members', () => {
  const session = useSessionStore();
  const members = ref<Member[]>([]);
  const invitations = ref<Invitation[]>([]);
  /** The last invitation made here, kept so its link can be copied again. */
  const lastInvitation = ref<CreatedInvitation | null>(null);

  async function loadMembers(): Promise<void> {
    members.value = await api.get<Member[]>('/v1/members');
  }

  async function loadInvitations(): Promise<void> {
    invitations.value = await api.get<Invitation[]>('/v1/invitations');
  }

  async function invite(email: string, role: Role): Promise<CreatedInvitation> {
    const created = await api.post<CreatedInvitation>('/v1/invitations', { email, role });
    lastInvitation.value = created;
    invitations.value = [created, ...invitations.value.filter((i) => i.id !== created.id)];
    return created;
  }

  async function changeRole(userId: string, role: Role): Promise<void> {
    const updated = await api.patch<Member>(`/v1/members/${userId}`, { role });
    members.value = members.value.map((m) => (m.userId === userId ? updated : m));
  }

  async function remove(userId: string): Promise<void> {
    await api.delete(`/v1/members/${userId}`);
    members.value = members.value.filter((m) => m.userId !== userId);
  }

  async function revokeInvitation(id: string): Promise<void> {
    await api.delete(`/v1/invitations/${id}`);
    invitations.value = invitations.value.map((i) => (i.id === id ? { ...i, status: 'revoked' } : i));
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      members.value = [];
      invitations.value = [];
      lastInvitation.value = null;
    },
  );

  return { members, invitations, lastInvitation, loadMembers, loadInvitations, invite, changeRole, remove, revokeInvitation };
});
