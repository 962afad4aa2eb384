import { ref } from "vue";
import { ACKNOWLEDGE, RESOLVE } from "../api/queries";
import { api } from "./auth";

/** Acknowledge and resolve, through the GraphQL mutations (recorded in the audit log). */
export function useAlertActions(after: () => Promise<void>) {
  const busy = ref<string | null>(null);
  const error = ref("");
  async function act(document: string, id: string): Promise<void> {
    busy.value = id;
    error.value = "";
    try {
      await api().request(document, { id, note: "from the dashboard" });
      await after();
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
