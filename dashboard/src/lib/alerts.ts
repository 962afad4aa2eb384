import { ref } from "vue";
import { ACKNOWLEDGE, RESOLVE } from "../api/queries";
import { api } from "./auth";

/** Acknowledge and resolve, through the GraphQL mutations (recorded in the audit log). */
export function useAlertActions(after: (position: number) => Promise<void>) {
  const busy = ref<string | null>(null);
  const error = ref("");
  async function act(document: string, id: string): Promise<void> {
    busy.value = id;
    error.value = "";
    try {
      const answer = await api().request<Record<string, { position: number }>>(document, { id, note: "from the dashboard" });
      // Read our own write: the list waits until the alerts view holds the recorded position.
      await after(Object.values(answer)[0]?.position ?? 0);
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      busy.value = null;
    }
  }
  return {
    busy,
    error,
    acknowledge: (id: string) => act(ACKNOWLEDGE, id),
    resolve: (id: string) => act(RESOLVE, id),
  };
}
